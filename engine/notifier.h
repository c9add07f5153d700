#pragma once

// Messages to people about events that need attention (a rollback, a failed
// rollback). The real one posts JSON to NOTIFY_WEBHOOK_URL
// (providers/notify); without a URL nothing is sent.

#include <string>

#include "state/result.h"

namespace certplan {

enum class NotificationKind { rolled_back, rollback_failed };

struct Notification {
  NotificationKind kind = NotificationKind::rolled_back;
  std::string server;
  std::string step;     // the step that failed: "test", "reload", "verify", ...
  std::string message;  // what failed, in plain words, with the command output
  std::string run_id;
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual Result<void> notify(const Notification& notification) = 0;
};

}  // namespace certplan
