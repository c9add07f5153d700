// WebhookNotifier against a one-request HTTP receiver on a random
// 127.0.0.1 port, run in a thread of this test.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "providers/notify/webhook_notifier.h"

namespace certplan {
namespace {

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    // 2026-12-04T21:40:05Z
    return std::chrono::system_clock::time_point(std::chrono::seconds(1796420405));
  }
};

// Accepts one connection, stores the request and responds with `response`,
// or stays silent for 1 s when `response` is empty.
class Receiver {
 public:
  explicit Receiver(std::string response) : response_(std::move(response)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_TEST_REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    BOOST_TEST_REQUIRE(::listen(listener_, 1) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    request_ = std::async(std::launch::async, [this] { return serve(); });
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/T0KEN"; }
  int port() const { return port_; }
  std::string request() { return request_.get(); }

 private:
  std::string serve() {
    const int connection = ::accept(listener_, nullptr, nullptr);
    if (connection < 0) return "";
    std::string request;
    std::array<char, 4096> buffer{};
    while (!complete(request)) {
      const ssize_t count = ::recv(connection, buffer.data(), buffer.size(), 0);
      if (count <= 0) break;
      request.append(buffer.data(), static_cast<std::size_t>(count));
    }
    if (response_.empty()) {
      // Silent: keep the connection open past the client's timeout.
      std::this_thread::sleep_for(std::chrono::seconds(1));
    } else {
      ::send(connection, response_.data(), response_.size(), MSG_NOSIGNAL);
    }
    ::close(connection);
    return request;
  }

  static bool complete(const std::string& request) {
    const std::size_t header_end = request.find("\r\n\r\n");
    if (header_end == std::string::npos) return false;
    const std::size_t length_at = request.find("Content-Length: ");
    if (length_at == std::string::npos) return true;
    const std::size_t length = std::stoul(request.substr(length_at + 16));
    return request.size() >= header_end + 4 + length;
  }

  std::string response_;
  int listener_ = -1;
  int port_ = 0;
  std::future<std::string> request_;
};

Notification rollback() {
  return Notification{NotificationKind::rolled_back, "web-01", "verify",
                      "served certificate is still the old one: \"x\"", "run-42"};
}

constexpr const char* expected_body =
    R"({"event":"rolled_back","server":"web-01","step":"verify",)"
    R"("message":"served certificate is still the old one: \"x\"","run_id":"run-42",)"
    R"("time":"2026-12-04T21:40:05Z"})";

}  // namespace

BOOST_AUTO_TEST_CASE(posts_exact_json) {
  Receiver receiver("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
  FixedClock clock;
  WebhookNotifier notifier(receiver.url(), clock);

  auto sent = notifier.notify(rollback());
  BOOST_TEST_REQUIRE(sent.has_value(), (sent ? "" : sent.error().message));

  const std::string request = receiver.request();
  BOOST_TEST(request.starts_with("POST /hooks/T0KEN HTTP/1.1\r\n"));
  BOOST_TEST(request.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  BOOST_TEST(request.substr(request.find("\r\n\r\n") + 4) == expected_body);
}

BOOST_AUTO_TEST_CASE(rollback_failed_event_name) {
  FixedClock clock;
  WebhookNotifier notifier("", clock);
  Notification failed = rollback();
  failed.kind = NotificationKind::rollback_failed;

  BOOST_TEST(notifier.body(failed).starts_with(R"({"event":"rollback_failed",)"));
}

BOOST_AUTO_TEST_CASE(error_status_returned) {
  Receiver receiver("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  FixedClock clock;
  WebhookNotifier notifier(receiver.url(), clock);

  auto sent = notifier.notify(rollback());
  BOOST_TEST_REQUIRE(!sent.has_value());
  BOOST_TEST(static_cast<int>(sent.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(sent.error().message ==
             "the webhook at http://127.0.0.1:" + std::to_string(receiver.port()) +
                 "/… returned HTTP status 500 for the notification");
  BOOST_TEST(receiver.request().starts_with("POST "));
}

BOOST_AUTO_TEST_CASE(refused_connection_unreachable) {
  int port = 0;
  {
    Receiver closed("");
    port = closed.port();
  }
  FixedClock clock;
  WebhookNotifier notifier("http://127.0.0.1:" + std::to_string(port) + "/hooks/T0KEN", clock);

  auto sent = notifier.notify(rollback());
  BOOST_TEST_REQUIRE(!sent.has_value());
  BOOST_TEST(static_cast<int>(sent.error().kind) == static_cast<int>(ErrorKind::unreachable));
  BOOST_TEST(sent.error().message ==
             "could not post the notification to http://127.0.0.1:" + std::to_string(port) +
                 "/…: Couldn't connect to server; check NOTIFY_WEBHOOK_URL and that the receiver "
                 "runs");
}

BOOST_AUTO_TEST_CASE(silent_receiver_times_out) {
  Receiver receiver("");
  FixedClock clock;
  WebhookNotifier notifier(receiver.url(), clock, std::chrono::milliseconds(300));

  auto sent = notifier.notify(rollback());
  BOOST_TEST_REQUIRE(!sent.has_value());
  BOOST_TEST(static_cast<int>(sent.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_TEST(sent.error().message ==
             "could not post the notification to http://127.0.0.1:" +
                 std::to_string(receiver.port()) +
                 "/…: Timeout was reached; check NOTIFY_WEBHOOK_URL and that the receiver runs");
}

BOOST_AUTO_TEST_CASE(empty_url_sends_nothing) {
  FixedClock clock;
  WebhookNotifier notifier("", clock);
  BOOST_TEST(notifier.notify(rollback()).has_value());
}

}  // namespace certplan
