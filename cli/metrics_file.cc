#include "cli/metrics_file.h"

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "engine/run_metrics.h"
#include "state/atomic_file.h"

namespace certplan {

namespace {

// The families of the file an earlier run wrote. A file that cannot be
// read or parsed is replaced whole, with a warning in the log.
MetricFamilies previous_metrics(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();

  auto parsed = parse_metrics(text.str());
  if (parsed.has_error()) {
    // The logger is missing when the configuration did not load.
    if (auto logger = spdlog::get("engine")) {
      logger->warn("replacing the metrics file {}, which certplan cannot read back: {}", path.string(),
                   parsed.error().message);
    }
    return {};
  }
  return std::move(parsed).value();
}

}  // namespace

MetricsFile::MetricsFile(std::optional<std::filesystem::path> path, std::string command)
    : path_(std::move(path)), command_(std::move(command)) {}

void MetricsFile::add(MetricFamilies families) { add_metrics(families_, std::move(families)); }

std::optional<std::string> MetricsFile::write(int exit_code, TimePoint finished) const noexcept {
  if (!path_) return std::nullopt;
  try {
    // The collector's directory belongs to the node_exporter setup, and a
    // directory made here could have a mode the collector cannot read.
    const std::filesystem::path directory = path_->parent_path().empty() ? "." : path_->parent_path();
    if (!std::filesystem::is_directory(directory)) {
      return "the directory " + directory.string() + " of --metrics-file " + path_->string() +
             " does not exist; create it or choose another path";
    }

    MetricFamilies current = families_;
    add_metrics(current, last_run_metrics(command_, exit_code, finished));
    const std::string text = render_metrics(merge_metrics(previous_metrics(*path_), current));

    auto written = write_file_atomic(*path_, text, 0644);
    if (written.has_error()) return "could not write --metrics-file " + path_->string() + ": " + written.error().message;
    return std::nullopt;
  } catch (const std::exception& error) {
    return "could not write --metrics-file " + path_->string() + ": " + error.what();
  }
}

}  // namespace certplan
