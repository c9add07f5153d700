#pragma once

// The Retry-After header (RFC 9110 section 10.2.3), which ACME servers send
// with 429, 503 and while an order or authorization is still processing.

#include <chrono>
#include <optional>
#include <string_view>

namespace certplan {

// Parses delay-seconds ("120") or an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37
// GMT") relative to `now`. A date in the past gives zero; anything else that
// does not parse gives nullopt.
[[nodiscard]] std::optional<std::chrono::seconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace certplan
