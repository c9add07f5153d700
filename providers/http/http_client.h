#pragma once

// A small blocking HTTPS client over libcurl, used by the ACME client and the
// health checks. The types live in namespace certplan::http because the DNS
// layer declares its own certplan::HttpRequest for its IONOS client.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "state/result.h"

namespace certplan::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";  // "GET", "HEAD", "POST", ...
  std::string url;
  HeaderList headers;          // sent in this order
  std::string body;            // sent when not empty, or always for POST
};

struct HttpResponse {
  int status = 0;
  HeaderList headers;          // names lowercase, values without surrounding blanks
  std::string body;

  // Value of the first header called `name` (any case), or nullopt.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

// Whether the proxy variables of the environment (https_proxy, ...) apply.
enum class ProxyMode { direct, from_environment };

struct HttpOptions {
  std::filesystem::path ca_bundle;  // replaces the system CA store when not empty
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};  // per request, connect included
  ProxyMode proxy = ProxyMode::direct;
  std::string user_agent = "certplan/" CERTPLAN_VERSION;
};

// One libcurl easy handle, reused so that requests to the same server share
// a kept-alive connection. send() takes a lock, so one client may be shared by
// threads, but their requests then run one at a time.
class HttpClient {
 public:
  explicit HttpClient(HttpOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` and returns the response whatever its status. Fails with
  // ErrorKind::unreachable, timed_out, rejected (TLS verification) or failed
  // when no response arrives; the message names the masked URL.
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request);

 private:
  struct Handle;
  HttpOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Handle> handle_;
};

// Returns `url` with the password of its userinfo and every query value
// replaced by "***", and without its fragment, so that it can go into a
// message or a log line.
[[nodiscard]] std::string mask_url(std::string_view url);

// Splits one raw header line ("Name: value\r\n") into a lowercase name and a
// trimmed value; nullopt for a status line, a blank line or a line without ':'.
[[nodiscard]] std::optional<std::pair<std::string, std::string>> parse_header_line(
    std::string_view line);

}  // namespace certplan::http
