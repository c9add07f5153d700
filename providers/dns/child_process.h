#pragma once

// Running a helper program to completion with fork and exec, without a
// shell, its output captured and its run time bounded.

#include <chrono>
#include <string>
#include <vector>

#include "state/result.h"

namespace certplan {

struct ProcessResult {
  int exit_code = 0;   // exit status, or 128 + signal number when a signal ended it
  std::string output;  // standard output and standard error together, cut at 64 KiB
};

// Runs argv[0] with the arguments argv[1..] and standard input from
// /dev/null, and waits for it. The program is killed (with its process
// group) and the call fails with ErrorKind::timed_out when it runs longer
// than `timeout`. A program that cannot be started exits with code 127 and
// names the reason in `output`.
[[nodiscard]] Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds timeout);

}  // namespace certplan
