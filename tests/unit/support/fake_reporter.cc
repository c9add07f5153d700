#include "tests/unit/support/fake_reporter.h"

namespace certplan::testing {

namespace {

// Spelled out here rather than calling engine code, because this file is
// linked into the unit tests of every layer.
const char* status_word(StepStatus status) {
  switch (status) {
    case StepStatus::started: return "started";
    case StepStatus::succeeded: return "succeeded";
    case StepStatus::failed: return "failed";
    case StepStatus::skipped: return "skipped";
  }
  return "unknown";
}

}  // namespace

void RecordingReporter::step(const std::string& server, const std::string& step, StepStatus status,
                             const std::string& detail) {
  record(server, step, status, detail);
}

void RecordingReporter::issue(const std::string& domain, StepStatus status, const std::string& detail) {
  record(domain, "issue", status, detail);
}

std::vector<std::string> RecordingReporter::events() const {
  const std::lock_guard lock(mutex_);
  return events_;
}

void RecordingReporter::record(const std::string& subject, const std::string& step, StepStatus status,
                               const std::string& detail) {
  std::string line = subject + " " + step + " " + status_word(status);
  if (!detail.empty()) line += ": " + detail;
  const std::lock_guard lock(mutex_);
  events_.push_back(std::move(line));
}

}  // namespace certplan::testing
