#pragma once

// Domain names as certplan stores and compares them: lowercase ASCII
// (punycode for internationalised names), no trailing dot, an optional
// wildcard as the whole first label.

#include <string>
#include <string_view>

#include "state/result.h"

namespace certplan {

// Normalises `name` for a certificate: lowercases it, drops one trailing dot
// and converts UTF-8 labels to punycode (IDNA2008, non-transitional). Fails
// with ErrorKind::invalid and a reason in plain words ("has an empty label
// ...") for names that are empty, too long, contain characters other than
// letters, digits and hyphens, have a label that starts or ends with a
// hyphen, put `*` anywhere but the whole first label, or could escape a
// directory (`..`, `/`, `\`, NUL).
[[nodiscard]] Result<std::string> normalize_domain_name(std::string_view name);

}  // namespace certplan
