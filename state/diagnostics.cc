#include "state/diagnostics.h"

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

void Diagnostics::throw_if_any() const {
  if (!list_.empty()) throw ConfigError(list_);
}

}  // namespace certplan
