#pragma once

#include <mutex>
#include <vector>

#include "engine/notifier.h"

namespace certplan::testing {

// A Notifier that keeps every notification for the test to inspect.
class RecordingNotifier final : public Notifier {
 public:
  Result<void> notify(const Notification& notification) override;
  std::vector<Notification> notifications() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Notification> notifications_;
};

}  // namespace certplan::testing
