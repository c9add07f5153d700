#pragma once

// Domain names as certplan stores and compares them: lowercase ASCII
// (punycode for internationalised names), no trailing dot, an optional
// wildcard as the whole first label.

#include <string>
#include <string_view>

#include "state/result.h"

namespace certplan {

// Normalises `name` for a certificate: lowercases it, drops one trailing dot
// and converts UTF-8 labels to punycode (IDNA2008, non-transitional).
// Fails with ErrorKind::invalid and a reason in plain words ("has an empty
// label ..."). Rejected are names that are empty or too long, that contain
// characters other than letters, digits and hyphens, or that have a label
// starting or ending with a hyphen. So are names with `*` anywhere but the
// whole first label, and names that could escape a directory (`..`, `/`,
// `\`, NUL).
[[nodiscard]] Result<std::string> normalize_domain_name(std::string_view name);

}  // namespace certplan
