#pragma once

// Base64url without padding (RFC 4648 section 5), the encoding of every
// binary value in JOSE and ACME.

#include <optional>
#include <string>
#include <string_view>

namespace certplan {

// Encodes `bytes` with the URL-safe alphabet and no '=' padding.
[[nodiscard]] std::string base64url_encode(std::string_view bytes);

// Decodes unpadded (or padded) base64url; nullopt on a character outside
// the alphabet or an impossible length.
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace certplan
