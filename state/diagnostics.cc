#include "state/diagnostics.h"

#include <algorithm>
#include <utility>

namespace certplan {

namespace {

std::string summary(const std::vector<Diagnostic>& diagnostics) {
  std::string text = "the configuration has " + std::to_string(diagnostics.size()) +
                     (diagnostics.size() == 1 ? " problem" : " problems");
  if (!diagnostics.empty()) text += "; the first: " + diagnostics.front().to_string();
  return text;
}

}  // namespace

std::string location_string(const SourceLocation& location) {
  std::string text = location.file;
  if (location.line > 0) text += ":" + std::to_string(location.line);
  if (location.line > 0 && location.column > 0) text += ":" + std::to_string(location.column);
  return text;
}

std::string Diagnostic::to_string() const {
  return location_string(location) + ": error: " + message;
}

ConfigError::ConfigError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summary(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void Diagnostics::add(SourceLocation location, std::string message) {
  list_.push_back(Diagnostic{std::move(location), std::move(message)});
}

// Sorts each run of problems from one file by line and column. The files
// keep the order they were read in.
void Diagnostics::throw_if_any() const {
  if (list_.empty()) return;

  std::vector<Diagnostic> sorted = list_;
  auto run_start = sorted.begin();
  while (run_start != sorted.end()) {
    auto run_end = std::find_if(run_start, sorted.end(), [&](const Diagnostic& diagnostic) {
      return diagnostic.location.file != run_start->location.file;
    });
    std::stable_sort(run_start, run_end, [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair(a.location.line, a.location.column) <
             std::pair(b.location.line, b.location.column);
    });
    run_start = run_end;
  }
  throw ConfigError(std::move(sorted));
}

}  // namespace certplan
