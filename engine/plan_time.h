#pragma once

// Times as plans, plan files and status reports show them: always UTC.

#include <optional>
#include <string>
#include <string_view>

#include "state/certificate.h"

namespace certplan {

// "2027-01-02 00:00 UTC": the form of every time a person reads in a plan.
std::string format_utc_minute(TimePoint time);

// "2027-01-02T00:00:00Z": RFC 3339 in UTC, whole seconds (the plan file form).
std::string format_rfc3339(TimePoint time);

// Parses the form format_rfc3339 writes, also with fractional seconds or a
// numeric offset; nullopt for anything else.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// Whole days from `now` until `until`, rounded down; negative once `until`
// has passed (a certificate that expired an hour ago has -1 days left).
int days_until(TimePoint until, TimePoint now);

}  // namespace certplan
