#include "engine/plan_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/plan_json.h"
#include "state/atomic_file.h"

namespace certplan {

namespace {

Error system_error(const std::string& operation, const std::filesystem::path& path) {
  return make_error(ErrorKind::failed, "could not " + operation + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Result<void> write_plan_file(const std::filesystem::path& path, const Plan& plan) {
  return write_file_atomic(path, plan_to_json(plan).dump(2) + "\n", 0644);
}

Result<Plan> read_plan_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) {
      return make_error(ErrorKind::not_found,
                        "plan file " + path.string() + " does not exist; create it with `certplan plan -o FILE`");
    }
    return system_error("open", path);
  }
  std::stringstream content;
  content << file.rdbuf();

  nlohmann::json document = nlohmann::json::parse(content.str(), nullptr, false);
  if (document.is_discarded()) {
    return make_error(ErrorKind::invalid, path.string() + " is not a plan file: it is not valid JSON");
  }
  try {
    return plan_from_json(document);
  } catch (const PlanFormatError& error) {
    return make_error(ErrorKind::invalid, path.string() + ": " + error.what());
  }
}

}  // namespace certplan
