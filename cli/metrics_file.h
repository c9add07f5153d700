#pragma once

// --metrics-file PATH of plan, apply and status: the run's metrics in the
// Prometheus text format, for node_exporter's textfile collector.

#include <filesystem>
#include <optional>
#include <string>

#include "engine/metrics_text.h"
#include "state/certificate.h"

namespace certplan {

class MetricsFile {
 public:
  // `path` is the --metrics-file value (nothing is written without one);
  // `command` labels the last-run metrics: "plan", "apply",
  // "apply_dry_run" or "status".
  MetricsFile(std::optional<std::filesystem::path> path, std::string command);

  bool enabled() const { return path_.has_value(); }

  // Adds what the run has learnt so far; a family added again replaces the
  // earlier one.
  void add(MetricFamilies families);

  // Writes the file when a path was given: the families added, the
  // last-run metrics of this command, and what the file held before for
  // other commands (see merge_metrics). The file is replaced atomically,
  // with mode 0644. Returns a message on failure and catches every
  // std::exception, so that a failed run still reports its own error.
  std::optional<std::string> write(int exit_code, TimePoint finished) const noexcept;

 private:
  std::optional<std::filesystem::path> path_;
  std::string command_;
  MetricFamilies families_;
};

}  // namespace certplan
