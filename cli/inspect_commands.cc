// The commands that only read: validate, status and show.

#include <set>
#include <string>

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

namespace {

// The part of the configuration that --domain and --server select, so that
// status lists only what was observed instead of reporting the rest as
// unreachable.
DesiredState in_scope(const DesiredState& desired, const PlanScope& scope) {
  std::set<std::string> domains;
  for (const DomainConfig* domain : domains_in_scope(desired, scope)) domains.insert(domain->domain);

  DesiredState selected = desired;
  std::erase_if(selected.domains,
                [&](const DomainConfig& domain) { return domains.count(domain.domain) == 0; });
  for (DomainConfig& domain : selected.domains) {
    std::erase_if(domain.targets, [&](const DeploymentTarget& target) {
      return !server_in_scope(scope, target.server);
    });
  }
  return selected;
}

}  // namespace

int run_status(Run& run) {
  World world(run.desired);
  const PlanScope scope = scope_of(run.line);
  const ObservedState observed = observe_scope(run, world, scope);
  const auto status = collect_status(in_scope(run.desired, scope), observed, world.clock().now());
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
