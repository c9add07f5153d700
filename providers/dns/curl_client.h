#pragma once

// A small blocking HTTP client over libcurl for the IONOS provider. Each
// request uses its own easy handle, so one CurlClient may be shared by
// threads.

#include <chrono>
#include <string>
#include <vector>

#include "state/result.h"

namespace certplan {

enum class HttpMethod { get, post, del };

struct HttpRequest {
  HttpMethod method = HttpMethod::get;
  std::string url;
  std::vector<std::string> headers;  // "Name: value" each
  std::string body;                  // sent for post only
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

class CurlClient {
 public:
  // `timeout` bounds each whole request, connection included.
  explicit CurlClient(std::chrono::milliseconds timeout);
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Sends `request` and returns the response whatever its status. Fails with
  // ErrorKind::unreachable or timed_out when no response arrives.
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) const;

 private:
  std::chrono::milliseconds timeout_;
};

// Returns "GET", "POST" or "DELETE".
[[nodiscard]] const char* method_name(HttpMethod method);

}  // namespace certplan
