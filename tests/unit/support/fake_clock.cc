#include "tests/unit/support/fake_clock.h"

namespace certplan::testing {

std::chrono::system_clock::time_point FakeClock::now() const {
  const std::lock_guard lock(mutex_);
  return now_;
}

void FakeClock::set(std::chrono::system_clock::time_point now) {
  const std::lock_guard lock(mutex_);
  now_ = now;
}

void FakeClock::advance(std::chrono::system_clock::duration step) {
  const std::lock_guard lock(mutex_);
  now_ += step;
}

}  // namespace certplan::testing
