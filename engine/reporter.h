#pragma once

// Progress events of refresh, apply and recovery, for a person watching a
// terminal or reading a CI log.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace certplan {

enum class StepStatus { started, succeeded, failed, skipped };

std::string_view step_status_name(StepStatus status);  // "started", "succeeded", ...

// Receives progress events. Implementations must be thread-safe, because
// hosts are worked on in parallel.
class Reporter {
 public:
  virtual ~Reporter() = default;

  // One step on one server, e.g. ("webserver-01", "deploy example.com").
  virtual void step(const std::string& server, const std::string& step, StepStatus status,
                    const std::string& detail) = 0;

  // Issuance of one domain's certificate.
  virtual void issue(const std::string& domain, StepStatus status, const std::string& detail) = 0;
};

// Writes one plain line per finished step, prefixed by the host:
// "webserver-01: deploy example.com ... done (0.2 s)". A started step
// prints nothing; its start time gives the duration of the finished line.
// No cursor movement or colour, so the output reads the same in a CI log.
class TextReporter final : public Reporter {
 public:
  using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;

  explicit TextReporter(std::ostream& out, SteadyNow now = &std::chrono::steady_clock::now);

  void step(const std::string& server, const std::string& step, StepStatus status,
            const std::string& detail) override;
  void issue(const std::string& domain, StepStatus status, const std::string& detail) override;

 private:
  void write_event(const std::string& subject, const std::string& step, StepStatus status,
                   const std::string& detail);

  std::ostream& out_;
  SteadyNow now_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::chrono::steady_clock::time_point> started_;
};

}  // namespace certplan
