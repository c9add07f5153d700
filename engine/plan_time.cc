#include "engine/plan_time.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace certplan {

namespace {

struct UtcFields {
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::seconds> clock;
};

UtcFields split_utc(TimePoint time) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  auto day = std::chrono::floor<std::chrono::days>(seconds);
  return UtcFields{std::chrono::year_month_day(day), std::chrono::hh_mm_ss(seconds - day)};
}

// Reads exactly `width` digits at `position`; nullopt when they are not all digits.
std::optional<int> read_digits(std::string_view text, std::size_t position, std::size_t width) {
  if (position + width > text.size()) return std::nullopt;
  int value = 0;
  auto begin = text.data() + position;
  auto [end, error] = std::from_chars(begin, begin + width, value);
  if (error != std::errc() || end != begin + width) return std::nullopt;
  return value;
}

bool has_char(std::string_view text, std::size_t position, char expected) {
  return position < text.size() && text[position] == expected;
}

// Parses the zone part after the seconds: "Z", "+hh:mm" or "-hh:mm".
std::optional<std::chrono::minutes> read_offset(std::string_view zone) {
  if (zone == "Z" || zone == "z") return std::chrono::minutes(0);
  if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') return std::nullopt;
  auto hours = read_digits(zone, 1, 2);
  auto minutes = read_digits(zone, 4, 2);
  if (!hours || !minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  auto offset = std::chrono::minutes(*hours * 60 + *minutes);
  return zone[0] == '-' ? -offset : offset;
}

}  // namespace

std::string format_utc_minute(TimePoint time) {
  auto fields = split_utc(time);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u %02ld:%02ld UTC",
                static_cast<int>(fields.date.year()), static_cast<unsigned>(fields.date.month()),
                static_cast<unsigned>(fields.date.day()),
                static_cast<long>(fields.clock.hours().count()),
                static_cast<long>(fields.clock.minutes().count()));
  return buffer;
}

std::string format_rfc3339(TimePoint time) {
  auto fields = split_utc(time);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ",
                static_cast<int>(fields.date.year()), static_cast<unsigned>(fields.date.month()),
                static_cast<unsigned>(fields.date.day()),
                static_cast<long>(fields.clock.hours().count()),
                static_cast<long>(fields.clock.minutes().count()),
                static_cast<long>(fields.clock.seconds().count()));
  return buffer;
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  auto year = read_digits(text, 0, 4);
  auto month = read_digits(text, 5, 2);
  auto day = read_digits(text, 8, 2);
  auto hour = read_digits(text, 11, 2);
  auto minute = read_digits(text, 14, 2);
  auto second = read_digits(text, 17, 2);
  bool separators_ok = has_char(text, 4, '-') && has_char(text, 7, '-') &&
                       (has_char(text, 10, 'T') || has_char(text, 10, 't')) &&
                       has_char(text, 13, ':') && has_char(text, 16, ':');
  if (!year || !month || !day || !hour || !minute || !second || !separators_ok) return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 60) return std::nullopt;

  std::size_t zone_start = 19;
  if (has_char(text, zone_start, '.')) {
    ++zone_start;
    while (zone_start < text.size() && text[zone_start] >= '0' && text[zone_start] <= '9') ++zone_start;
  }
  auto offset = read_offset(text.substr(std::min(zone_start, text.size())));
  if (!offset) return std::nullopt;

  std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                   std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  auto local = std::chrono::sys_days(date) + std::chrono::hours(*hour) +
               std::chrono::minutes(*minute) + std::chrono::seconds(*second);
  return TimePoint(local - *offset);
}

int days_until(TimePoint until, TimePoint now) {
  return static_cast<int>(std::chrono::floor<std::chrono::days>(until - now).count());
}

}  // namespace certplan
