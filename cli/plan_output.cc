#include "cli/plan_output.h"

#include <stdexcept>

#include "engine/gitlab_report.h"
#include "engine/plan_file.h"
#include "engine/plan_json.h"
#include "engine/plan_markdown.h"
#include "engine/plan_text.h"
#include "state/atomic_file.h"

namespace certplan {

void print_plan(const Plan& plan, OutputFormat format, bool color, std::ostream& out) {
  switch (format) {
    case OutputFormat::text:
      out << render_plan_text(plan, color ? TextColor::ansi : TextColor::off);
      return;
    case OutputFormat::markdown:
      out << render_plan_markdown(plan);
      return;
    case OutputFormat::json:
      out << plan_to_json(plan).dump(2) << "\n";
      return;
  }
}

void save_plan(const Plan& plan, const std::filesystem::path& path) {
  auto written = write_plan_file(path, plan);
  if (written.has_error()) throw std::runtime_error(written.error().message);
}

Plan load_plan(const std::filesystem::path& path) {
  auto plan = read_plan_file(path);
  if (plan.has_error()) throw std::runtime_error(plan.error().message);
  return std::move(plan).value();
}

void save_gitlab_report(const Plan& plan, const std::filesystem::path& path) {
  auto written = write_file_atomic(path, gitlab_report(plan).dump() + "\n", 0644);
  if (written.has_error()) {
    throw std::runtime_error("cannot write the GitLab report: " + written.error().message);
  }
}

}  // namespace certplan
