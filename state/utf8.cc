#include "state/utf8.h"

#include <cstdint>

#include <fmt/format.h>

namespace certplan {
namespace {

// The length of the sequence that `lead` starts, or 0 for a byte that
// cannot start one.
std::size_t sequence_length(std::uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// The range the second byte must fall in; the lead byte decides it, which
// rules out overlong forms, surrogates and code points above U+10FFFF.
bool second_byte_valid(std::uint8_t lead, std::uint8_t second) {
  if (lead == 0xE0) return second >= 0xA0 && second <= 0xBF;
  if (lead == 0xED) return second >= 0x80 && second <= 0x9F;
  if (lead == 0xF0) return second >= 0x90 && second <= 0xBF;
  if (lead == 0xF4) return second >= 0x80 && second <= 0x8F;
  return second >= 0x80 && second <= 0xBF;
}

}  // namespace

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
  std::size_t at = 0;
  while (at < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[at]);
    const std::size_t length = sequence_length(lead);
    if (length == 0 || at + length > text.size()) return at;
    if (length > 1 && !second_byte_valid(lead, static_cast<std::uint8_t>(text[at + 1]))) {
      return at;
    }
    for (std::size_t i = 2; i < length; ++i) {
      const auto next = static_cast<std::uint8_t>(text[at + i]);
      if (next < 0x80 || next > 0xBF) return at;
    }
    at += length;
  }
  return std::nullopt;
}

std::string describe_invalid_utf8(std::string_view text, std::size_t offset) {
  return fmt::format("byte 0x{:02X} at offset {}", static_cast<std::uint8_t>(text[offset]),
                     offset);
}

}  // namespace certplan
