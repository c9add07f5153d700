#pragma once

// UTF-8 checks for text read from configuration files and the environment.
// Everything certplan reads ends up in JSON (plans, the configuration
// digest), which needs valid UTF-8, so bad bytes are reported where they
// are read, with the file and line.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace certplan {

// Returns the offset of the first byte that does not belong to a valid
// UTF-8 sequence, or nullopt when the whole text is valid. Overlong forms,
// surrogates and code points above U+10FFFF count as invalid.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// "byte 0xFF at offset 3", for error messages.
std::string describe_invalid_utf8(std::string_view text, std::size_t offset);

}  // namespace certplan
