#pragma once

// What every command of one run shares: the parsed command line, the loaded
// configuration and the output streams.

#include <iostream>

#include "cli/command_line.h"
#include "cli/metrics_file.h"
#include "state/desired.h"

namespace certplan {

struct Run {
  const CommandLine& line;
  const DesiredState& desired;
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;
  // Collects what --metrics-file writes; present for every command, and
  // writes nothing without the option.
  MetricsFile* metrics = nullptr;
};

int run_validate(Run& run);
int run_status(Run& run);
int run_plan(Run& run);
int run_apply(Run& run);

// `show` reads only a plan file, so it needs no configuration.
int run_show(const CommandLine& line, std::ostream& out);

}  // namespace certplan
