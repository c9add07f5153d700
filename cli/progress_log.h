#pragma once

// Apply's progress in the log file. The console shows progress as plain
// lines on stdout (TextReporter). An unattended run is read later from its
// log, so every finished step goes there too, under the component that did
// the work.

#include <string>

#include "engine/reporter.h"

namespace certplan {

// Passes every event on to `inner` and writes each finished step to the log
// file only (see file_only_logger), so the console does not show it twice.
// A step that succeeded is logged at info, a skipped one at warning, and a
// failed one at error with the reason.
class LoggingReporter final : public Reporter {
 public:
  explicit LoggingReporter(Reporter& inner) : inner_(inner) {}

  void step(const std::string& server, const std::string& step, StepStatus status,
            const std::string& detail) override;
  void issue(const std::string& domain, StepStatus status, const std::string& detail) override;

 private:
  Reporter& inner_;
};

// The log component of a host step: "nginx" for test and reload, "health"
// for verify, "acme" for an issue, "deploy" for the rest (connect, lock,
// backup, write, rollback, recover).
std::string component_of_step(const std::string& step);

}  // namespace certplan
