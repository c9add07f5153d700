// libFuzzer target: each input goes to parse_certificate_chain and to
// parse_private_key, and every result that parses is checked against the
// properties of state/certificate.h (see fuzz_certificate_entry.h). An
// exception, a broken invariant or a sanitizer report is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_certificate_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)certplan::fuzz::run_certificate_input(input);
  return 0;
}
