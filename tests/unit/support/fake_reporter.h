#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "engine/reporter.h"

namespace certplan::testing {

// A Reporter that keeps every event as one line for the test to inspect:
// "webserver-01 test failed: <detail>", "example.com issue succeeded".
class RecordingReporter final : public Reporter {
 public:
  void step(const std::string& server, const std::string& step, StepStatus status,
            const std::string& detail) override;
  void issue(const std::string& domain, StepStatus status, const std::string& detail) override;
  std::vector<std::string> events() const;

 private:
  void record(const std::string& subject, const std::string& step, StepStatus status,
              const std::string& detail);

  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

}  // namespace certplan::testing
