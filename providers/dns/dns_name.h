#pragma once

// DNS names as the providers compare them: lowercase, punycode (A-labels),
// without a trailing dot.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/result.h"

namespace certplan {

// Converts `name` to lowercase punycode without a trailing dot. Fails with
// ErrorKind::invalid when `name` is empty or not a valid IDNA2008 name.
[[nodiscard]] Result<std::string> normalize_dns_name(std::string_view name);

// Selects the zone that contains `name`: the longest zone name that equals
// `name` or is a suffix of it on a label boundary. Both sides must already
// be normalized. Returns std::nullopt when no zone contains `name`.
[[nodiscard]] std::optional<std::string> find_zone(std::string_view name,
                                                   const std::vector<std::string>& zones);

}  // namespace certplan
