#include "providers/notify/webhook_notifier.h"

#include <memory>
#include <utility>

#include <curl/curl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace certplan {

namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, HeaderListDeleter>;

// Webhook URLs often carry a token in their path, so messages show only
// the scheme, host and port.
std::string url_origin(const std::string& url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "(invalid URL)";
  const std::size_t path = url.find_first_of("/?#", scheme_end + 3);
  return path == std::string::npos ? url : url.substr(0, path) + "/…";
}

std::size_t discard_body(char*, std::size_t size, std::size_t count, void*) { return size * count; }

ErrorKind kind_of(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return ErrorKind::unreachable;
    case CURLE_OPERATION_TIMEDOUT:
      return ErrorKind::timed_out;
    default:
      return ErrorKind::failed;
  }
}

}  // namespace

std::string_view notification_kind_name(NotificationKind kind) {
  switch (kind) {
    case NotificationKind::rolled_back:
      return "rolled_back";
    case NotificationKind::rollback_failed:
      return "rollback_failed";
  }
  return "unknown";
}

WebhookNotifier::WebhookNotifier(std::string url, const Clock& clock,
                                 std::chrono::milliseconds timeout)
    : url_(std::move(url)), clock_(clock), timeout_(timeout) {}

std::string WebhookNotifier::body(const Notification& notification) const {
  const auto now = std::chrono::floor<std::chrono::seconds>(clock_.now());
  nlohmann::ordered_json message;
  message["event"] = notification_kind_name(notification.kind);
  message["server"] = notification.server;
  message["step"] = notification.step;
  message["message"] = notification.message;
  message["run_id"] = notification.run_id;
  message["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
  // Command output may hold bytes that are not UTF-8; replace them rather
  // than lose the notification.
  return message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<void> WebhookNotifier::notify(const Notification& notification) {
  if (url_.empty()) return success();

  const CurlHandle curl(curl_easy_init());
  if (!curl) throw std::runtime_error("libcurl could not create a handle");
  HeaderList headers(curl_slist_append(nullptr, "Content-Type: application/json"));
  const std::string payload = body(notification);

  curl_easy_setopt(curl.get(), CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard_body);

  const CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    return make_error(kind_of(code), "could not post the notification to " + url_origin(url_) +
                                         ": " + curl_easy_strerror(code) +
                                         "; check NOTIFY_WEBHOOK_URL and that the receiver runs");
  }

  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status > 299) {
    return make_error(ErrorKind::rejected, "the webhook at " + url_origin(url_) +
                                               " returned HTTP status " + std::to_string(status) +
                                               " for the notification");
  }
  return success();
}

}  // namespace certplan
