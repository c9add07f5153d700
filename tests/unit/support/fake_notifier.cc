#include "tests/unit/support/fake_notifier.h"

namespace certplan::testing {

Result<void> RecordingNotifier::notify(const Notification& notification) {
  const std::lock_guard lock(mutex_);
  notifications_.push_back(notification);
  return success();
}

std::vector<Notification> RecordingNotifier::notifications() const {
  const std::lock_guard lock(mutex_);
  return notifications_;
}

}  // namespace certplan::testing
