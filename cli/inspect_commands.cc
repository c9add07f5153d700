// The commands that only read: validate, status and show.

#include <spdlog/spdlog.h>

#include "cli/exit_codes.h"
#include "cli/plan_command.h"
#include "cli/plan_output.h"
#include "engine/status_report.h"
#include "state/effective_config.h"

namespace certplan {

// Loading the configuration already checked everything (main reports the
// problems), so reaching this point means it is valid.
int run_validate(Run& run) {
  const auto servers = run.desired.servers.size();
  const auto domains = run.desired.domains.size();
  run.out << "The configuration is valid: " << servers << (servers == 1 ? " server, " : " servers, ")
          << domains << (domains == 1 ? " domain.\n" : " domains.\n");
  if (run.line.show_config) run.out << "\n" << render_effective_config(run.desired);
  return exit_code::ok;
}

int run_status(Run& run) {
  World world(run.desired);
  const ObservedState observed = observe_scope(run, world, scope_of(run.line));
  const auto status = collect_status(run.desired, observed, world.clock().now());
  if (run.line.json) {
    run.out << status_to_json(status).dump(2) << "\n";
  } else {
    run.out << render_status_text(status);
  }
  return exit_code::ok;
}

int run_show(const CommandLine& line, std::ostream& out) {
  const Plan plan = load_plan(*line.plan_file);
  print_plan(plan, line.format, line.color, out);
  return exit_code::ok;
}

}  // namespace certplan
