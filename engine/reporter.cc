#include "engine/reporter.h"

#include <cstdio>

namespace certplan {

std::string_view step_status_name(StepStatus status) {
  switch (status) {
    case StepStatus::started: return "started";
    case StepStatus::succeeded: return "succeeded";
    case StepStatus::failed: return "failed";
    case StepStatus::skipped: return "skipped";
  }
  return "unknown";
}

TextReporter::TextReporter(std::ostream& out, SteadyNow now) : out_(out), now_(std::move(now)) {}

void TextReporter::step(const std::string& server, const std::string& step, StepStatus status,
                        const std::string& detail) {
  write_event(server, step, status, detail);
}

void TextReporter::issue(const std::string& domain, StepStatus status, const std::string& detail) {
  write_event(domain, "issue", status, detail);
}

namespace {

std::string format_seconds(std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", seconds);
  return text;
}

}  // namespace

void TextReporter::write_event(const std::string& subject, const std::string& step,
                               StepStatus status, const std::string& detail) {
  const auto now = now_();
  const std::lock_guard lock(mutex_);
  const auto key = std::make_pair(subject, step);

  if (status == StepStatus::started) {
    started_[key] = now;
    return;
  }

  std::string duration;
  if (const auto found = started_.find(key); found != started_.end()) {
    duration = " (" + format_seconds(now - found->second) + ")";
    started_.erase(found);
  }

  std::string line = subject + ": " + step + " ... ";
  switch (status) {
    case StepStatus::succeeded:
      line += "done" + duration;
      if (!detail.empty()) line += ": " + detail;
      break;
    case StepStatus::failed:
      line += "failed" + duration + ": " + detail;
      break;
    case StepStatus::skipped:
      line += "skipped";
      if (!detail.empty()) line += ": " + detail;
      break;
    case StepStatus::started:
      break;
  }
  out_ << line << '\n' << std::flush;
}

}  // namespace certplan
