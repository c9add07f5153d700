#pragma once

#include "cli/command_line.h"

namespace certplan {

// Loads the configuration, sets up logging and runs the command. Returns the
// exit code (cli/exit_codes.h); throws for errors that main() reports.
int run_command(const CommandLine& line);

}  // namespace certplan
