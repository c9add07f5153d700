#include "cli/progress_log.h"

#include <spdlog/spdlog.h>

#include "cli/logging.h"

namespace certplan {
namespace {

bool starts_with_word(const std::string& text, const std::string& word) {
  return text.rfind(word, 0) == 0 && (text.size() == word.size() || text[word.size()] == ' ');
}

void log_finished(const std::string& component, const std::string& subject, const std::string& step,
                  StepStatus status, const std::string& detail) {
  const auto logger = file_only_logger(component);
  switch (status) {
    case StepStatus::started:
      return;
    case StepStatus::succeeded:
      if (detail.empty()) {
        logger->info("{}: {} done", subject, step);
      } else {
        logger->info("{}: {} done: {}", subject, step, detail);
      }
      return;
    case StepStatus::skipped:
      logger->warn("{}: {} skipped: {}", subject, step, detail.empty() ? "no reason given" : detail);
      return;
    case StepStatus::failed:
      logger->error("{}: {} failed: {}", subject, step, detail);
      return;
  }
}

}  // namespace

std::string component_of_step(const std::string& step) {
  if (starts_with_word(step, "test") || starts_with_word(step, "reload")) return "nginx";
  if (starts_with_word(step, "verify")) return "health";
  if (starts_with_word(step, "issue")) return "acme";
  return "deploy";
}

void LoggingReporter::step(const std::string& server, const std::string& step, StepStatus status,
                           const std::string& detail) {
  inner_.step(server, step, status, detail);
  log_finished(component_of_step(step), server, step, status, detail);
}

void LoggingReporter::issue(const std::string& domain, StepStatus status, const std::string& detail) {
  inner_.issue(domain, status, detail);
  log_finished("acme", domain, "issue", status, detail);
}

}  // namespace certplan
