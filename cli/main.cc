// certplan: plans and applies Let's Encrypt certificates on nginx servers.
// main() is the one place that turns exceptions into messages and exit codes.

#include <exception>
#include <iostream>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "state/config_loader.h"

int main(int argc, char** argv) {
  using namespace certplan;

  try {
    auto line = parse_command_line(argc, argv);
    if (!line) return exit_code::ok;
    return run_command(*line);
  } catch (const ConfigError& error) {
    for (const auto& diagnostic : error.diagnostics()) std::cerr << diagnostic.to_string() << "\n";
    const auto count = error.diagnostics().size();
    std::cerr << "certplan: error: the configuration has " << count
              << (count == 1 ? " problem" : " problems") << "; nothing was changed\n";
    return exit_code::error;
  } catch (const std::exception& error) {
    if (int code = report_command_line_error(error); code >= 0) return code;
    std::cerr << "certplan: error: " << error.what() << "\n";
    return exit_code::error;
  }
}
