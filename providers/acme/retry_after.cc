#include "providers/acme/retry_after.h"

#include <charconv>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <string>

namespace certplan {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::chrono::seconds> parse_delay_seconds(std::string_view text) {
  long long seconds = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (error != std::errc() || end != text.data() + text.size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  // The classic locale keeps day and month names English whatever LANG is.
  std::istringstream stream{std::string(text)};
  stream.imbue(std::locale::classic());
  std::tm fields{};
  stream >> std::get_time(&fields, "%a, %d %b %Y %H:%M:%S GMT");
  if (stream.fail()) return std::nullopt;

  stream >> std::ws;
  if (!stream.eof()) return std::nullopt;

  const std::time_t seconds = timegm(&fields);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;

  if (value.front() >= '0' && value.front() <= '9') return parse_delay_seconds(value);

  const auto date = parse_http_date(value);
  if (!date) return std::nullopt;
  if (*date <= now) return std::chrono::seconds(0);
  return std::chrono::ceil<std::chrono::seconds>(*date - now);
}

}  // namespace certplan
