#pragma once

#include <chrono>

namespace certplan {

// The only source of the current time, so that expiry logic is tested by
// moving a fake clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
};

}  // namespace certplan
