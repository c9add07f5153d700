#pragma once

// Delays between polls of an ACME order or authorization, and between
// retries of a request the CA asked to repeat later.

#include <chrono>
#include <optional>
#include <string_view>

#include "state/result.h"

namespace certplan {

using SteadyTime = std::chrono::steady_clock::time_point;

// Polling delays that start at 50 ms and grow by half each time up to 2 s.
// A Retry-After from the CA replaces the next delay.
class Backoff {
 public:
  // Returns the delay before the next poll: `retry_after` when the CA sent
  // one, otherwise the next step of the growing sequence.
  [[nodiscard]] std::chrono::milliseconds next(std::optional<std::chrono::seconds> retry_after);

 private:
  std::chrono::milliseconds delay_{50};
};

// Sleeps for `delay` unless that would pass `deadline`: then fails with
// ErrorKind::timed_out, naming `what` ("order https://...") and the delay.
[[nodiscard]] Result<void> sleep_before_deadline(std::chrono::milliseconds delay, SteadyTime deadline,
                                                 std::string_view what);

}  // namespace certplan
