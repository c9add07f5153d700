#pragma once

// Configuration problems with the place they were found. The loader collects
// every problem first and then throws one ConfigError, so that a user sees
// all of them in one run.

#include <stdexcept>
#include <string>
#include <vector>

#include "state/desired.h"

namespace certplan {

struct Diagnostic {
  SourceLocation location;
  std::string message;

  // Formats "{file}:{line}:{column}: error: {message}". The line and column
  // are left out when they are 0: "environment: error: ...", ".env:3: error: ...".
  std::string to_string() const;
};

// "{file}:{line}:{column}", "{file}:{line}" or "{file}", by the same rule.
std::string location_string(const SourceLocation& location);

// Exception for an invalid configuration. diagnostics() lists every problem,
// file by file in the order the files were read.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);

  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

// Problems found so far while loading.
class Diagnostics {
 public:
  void add(SourceLocation location, std::string message);
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Diagnostic>& list() const { return list_; }

  // Throws ConfigError with every collected problem, sorted by line and
  // column within each file. Does nothing when there are none.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> list_;
};

}  // namespace certplan
