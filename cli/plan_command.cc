#include "cli/plan_command.h"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "cli/exit_codes.h"
#include "cli/plan_output.h"
#include "engine/issue_backoff.h"
#include "engine/planner.h"
#include "engine/refresh.h"
#include "engine/renewal_info.h"
#include "engine/run_metrics.h"

namespace certplan {

PlanScope scope_of(const CommandLine& line) {
  PlanScope scope;
  scope.only_domains = line.domains;
  scope.only_servers = line.servers;
  return scope;
}

ObservedState observe_scope(Run& run, World& world, const PlanScope& scope) {
  check_scope(run.desired, scope);

  ObserveOptions options;
  options.parallelism = static_cast<std::size_t>(run.line.parallelism);
  options.only_domains = scope.only_domains;
  options.only_servers = scope.only_servers;
  ObservedState observed = observe(run.desired, world.store(), world.sessions(), world.probe(), options);
  if (run.metrics != nullptr) run.metrics->add(certificate_metrics(observed, world.clock().now()));
  return observed;
}

namespace {

// The CA's renewal windows of the stored certificates in scope. A window
// that cannot be fetched is logged, and that domain is planned by days left.
RenewalWindows renewal_windows_of(World& world, const ObservedState& observed) {
  std::vector<std::string> stored;
  for (const auto& [domain, observation] : observed.store) {
    if (observation.current) stored.push_back(domain);
  }
  if (stored.empty()) return {};

  RenewalWindowFetch fetched = fetch_renewal_windows(stored, world.store(), world.renewal_info());
  for (const std::string& failure : fetched.failures) {
    spdlog::get("acme")->warn("renewal information not available for {}; planning by days left alone",
                              failure);
  }
  return std::move(fetched.windows);
}

}  // namespace

Plan plan_for(Run& run, World& world, const ObservedState& observed) {
  PlanPolicy policy;
  policy.renewal_threshold_days = run.desired.settings.renewal_threshold_days.value;
  policy.force_renew = run.line.force_renew;
  policy.only_domains = run.line.domains;
  policy.only_servers = run.line.servers;

  std::vector<std::string> domains;
  for (const auto& domain : run.desired.domains) domains.push_back(domain.domain);
  auto backoff = load_backoff_records(run.desired.settings.state_dir.value, domains);
  if (backoff.has_error()) throw std::runtime_error(backoff.error().message);
  policy.backoff = std::move(backoff).value();

  policy.renewal_windows = renewal_windows_of(world, observed);

  return make_plan(run.desired, observed, policy, world.clock().now());
}

int run_plan(Run& run) {
  World world(run.desired);
  const PlanScope scope = scope_of(run.line);
  const ObservedState observed = observe_scope(run, world, scope);
  const Plan plan = plan_for(run, world, observed);

  print_plan(plan, run.line.format, run.line.color, run.out);
  if (run.line.plan_out) {
    save_plan(plan, *run.line.plan_out);
    spdlog::get("engine")->info("saved the plan to {}", run.line.plan_out->string());
    if (run.line.format == OutputFormat::text) {
      run.out << "\nSaved the plan to " << run.line.plan_out->string()
              << ". To apply exactly this plan, run:\n    certplan apply "
              << run.line.plan_out->string() << "\n";
    }
  }
  if (run.line.gitlab_report) save_gitlab_report(plan, *run.line.gitlab_report);

  if (run.line.detailed_exitcode && !plan.empty()) return exit_code::changes;
  return exit_code::ok;
}

}  // namespace certplan
