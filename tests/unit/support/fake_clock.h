#pragma once

#include <chrono>
#include <mutex>

#include "engine/clock.h"

namespace certplan::testing {

// A clock that does not move until a test sets or advances it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point now) : now_(now) {}

  std::chrono::system_clock::time_point now() const override;
  void set(std::chrono::system_clock::time_point now);
  void advance(std::chrono::system_clock::duration step);

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::time_point now_;
};

}  // namespace certplan::testing
