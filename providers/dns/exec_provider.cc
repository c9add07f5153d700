#include "providers/dns/exec_provider.h"

#include <utility>

#include "providers/dns/child_process.h"

namespace certplan {

namespace {

std::string trim(std::string text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!text.empty() && is_space(text.back())) text.pop_back();
  std::size_t start = 0;
  while (start < text.size() && is_space(text[start])) ++start;
  return text.substr(start);
}

}  // namespace

ExecProvider::ExecProvider(std::filesystem::path program, std::chrono::milliseconds timeout)
    : program_(std::move(program)), timeout_(timeout) {}

Result<PublishedRecord> ExecProvider::present(const std::string& fqdn, const std::string& value) {
  auto ran = run("present", fqdn, value);
  if (!ran) return ran.error();
  // NOTE: the program does not report its zone, so `zone` stays empty and
  // the propagation checker finds the name servers from the name itself.
  return PublishedRecord{fqdn, value, "", ""};
}

Result<void> ExecProvider::cleanup(const PublishedRecord& record) {
  return run("cleanup", record.fqdn, record.value);
}

Result<void> ExecProvider::run(const char* action, const std::string& fqdn,
                               const std::string& value) const {
  const std::string command = "DNS_EXEC_PATH " + program_.string() + " " + action + " " + fqdn;
  auto result = run_process({program_.string(), action, fqdn, value}, timeout_);
  if (!result) return result.error().with_context(command);

  if (result.value().exit_code != 0) {
    const std::string output = trim(result.value().output);
    return make_error(ErrorKind::failed, command + " failed with exit code " +
                                             std::to_string(result.value().exit_code) +
                                             ": " + (output.empty() ? "(no output)" : output));
  }
  return success();
}

}  // namespace certplan
