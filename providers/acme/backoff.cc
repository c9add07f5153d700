#include "providers/acme/backoff.h"

#include <algorithm>
#include <string>
#include <thread>

namespace certplan {

namespace {

constexpr std::chrono::milliseconds kMaxDelay{2000};

}  // namespace

std::chrono::milliseconds Backoff::next(std::optional<std::chrono::seconds> retry_after) {
  if (retry_after) return *retry_after;

  const std::chrono::milliseconds delay = delay_;
  delay_ = std::min(kMaxDelay, delay_ * 3 / 2);
  return delay;
}

Result<void> sleep_before_deadline(std::chrono::milliseconds delay, SteadyTime deadline,
                                   std::string_view what) {
  if (std::chrono::steady_clock::now() + delay > deadline) {
    return make_error(ErrorKind::timed_out,
                      std::string(what) + " did not finish before the ACME timeout (the next wait "
                                          "would be " +
                          std::to_string(delay.count()) +
                          " ms); raise the timeout or retry later");
  }
  std::this_thread::sleep_for(delay);
  return success();
}

}  // namespace certplan
