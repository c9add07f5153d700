#pragma once

// The exception that the fuzz entry functions throw when a result breaks a
// property that its header promises. The fuzz targets let it escape, so
// libFuzzer aborts and saves the input. The corpus unit test reports it as
// a failure.

#include <stdexcept>
#include <string>

namespace certplan::fuzz {

class InvariantError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// Throws InvariantError with `message` when `condition` is false.
inline void require_invariant(bool condition, const std::string& message) {
  if (!condition) throw InvariantError(message);
}

}  // namespace certplan::fuzz
