#pragma once

// Reads the output of `nginx -t`, so that a failed configuration test can
// be reported in one line with the file and line nginx blames.

#include <string>
#include <string_view>
#include <vector>

namespace certplan {

// One `[emerg]`, `[alert]`, `[crit]`, `[error]` or `[warn]` line.
struct NginxMessage {
  std::string level;  // "emerg", "alert", "crit", "error" or "warn"
  std::string text;   // the message without timestamp, pid and location
  std::string file;   // from a trailing " in FILE:LINE"; empty when absent
  int line = 0;       // 0 when absent
};

struct NginxTestResult {
  bool ok = false;
  std::vector<NginxMessage> messages;  // in output order
  std::string summary;                 // one line for reports
};

// Parses the combined stdout and stderr of `nginx -t`. The test passed only
// when the exit status is 0 and the output says "test is successful".
NginxTestResult parse_nginx_test_output(int exit_status, std::string_view output);

}  // namespace certplan
