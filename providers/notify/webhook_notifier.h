#pragma once

// Posts rollback notifications as JSON to a webhook (NOTIFY_WEBHOOK_URL):
//   {"event": "rolled_back" | "rollback_failed", "server": ..., "step": ...,
//    "message": ..., "run_id": ..., "time": "2026-12-04T21:40:00Z"}

#include <chrono>
#include <string>

#include "engine/clock.h"
#include "engine/notifier.h"
#include "state/result.h"

namespace certplan {

class WebhookNotifier final : public Notifier {
 public:
  // An empty `url` turns notify() into a no-op. Keeps a reference to
  // `clock`, which must outlive the notifier.
  WebhookNotifier(std::string url, const Clock& clock,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Sends one POST and waits for the response. A connection failure, a
  // timeout or a status other than 2xx is returned as an error; nothing is
  // retried or logged here.
  Result<void> notify(const Notification& notification) override;

  // The JSON body for `notification`, with keys in the order shown above.
  [[nodiscard]] std::string body(const Notification& notification) const;

 private:
  std::string url_;
  const Clock& clock_;
  std::chrono::milliseconds timeout_;
};

// "rolled_back" or "rollback_failed".
std::string_view notification_kind_name(NotificationKind kind);

}  // namespace certplan
