// libFuzzer target: one input becomes servers.yaml, domains.yaml and .env
// (split at form feeds, see fuzz_config_entry.h) and goes through
// load_desired_state. ConfigError is the expected rejection. Any other
// exception, a broken invariant or a sanitizer report is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tests/fuzz/fuzz_config_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One directory for the whole process, because making and removing one
  // per input would cost more than the load itself.
  static const certplan::fuzz::ScratchDir scratch;

  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)certplan::fuzz::run_config_input(scratch.path(), input);
  return 0;
}
