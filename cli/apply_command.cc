#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/exit_codes.h"
#include "cli/plan_command.h"
#include "cli/plan_output.h"
#include "cli/progress_log.h"
#include "cli/run_lock.h"
#include "engine/dry_run.h"
#include "engine/executor.h"
#include "engine/observation_digest.h"
#include "engine/recovery.h"
#include "engine/run_metrics.h"
#include "engine/reporter.h"

namespace certplan {
namespace {

// A run id that sorts by time and is unique enough to tell two runs apart
// in lock files, journals and notifications.
std::string make_run_id(const Clock& clock) {
  std::random_device random;
  const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(clock.now());
  return fmt::format("{:%Y%m%dT%H%M%SZ}-{:06x}", seconds, random() & 0xffffff);
}

// Brings hosts that a killed run left half changed back to their previous
// state before anything else happens. Returns false when a host could not
// be recovered: it keeps its journal and lock, and needs a person.
bool recover(Run& run, World& world, Reporter& reporter) {
  if (world.journal().unfinished_servers().empty()) return true;

  run.out << "An earlier run did not finish. Recovering its hosts first.\n";
  const RecoveryReport report = recover_unfinished(run.desired, world.journal(), world.sessions(),
                                                   world.probe(), reporter, RecoveryOptions{});
  for (const auto& host : report.hosts) {
    run.out << "  " << host.server << ": " << host.message << "\n";
  }
  return report.all_recovered();
}

// Asks for "yes" on a terminal. Without one, apply needs --auto-approve, so
// that a scheduled run never waits for input that cannot come.
bool approved(Run& run) {
  if (run.line.auto_approve) return true;
  if (isatty(STDIN_FILENO) == 0) {
    throw std::runtime_error(
        "apply needs confirmation, but standard input is not a terminal; review the plan "
        "and pass --auto-approve (for example in cron, systemd or CI)");
  }
  run.out << "\nDo you want to apply this plan? Only 'yes' will be accepted.\n  Enter a value: "
          << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "yes";
}

// Applies a saved plan only when nothing it was made from has changed.
// Returns the plan, or nullopt after telling the user what changed.
std::optional<Plan> load_current_plan(Run& run, World& world) {
  Plan plan = load_plan(*run.line.plan_file);

  PlanScope scope;
  scope.only_domains = plan.scope_domains;
  scope.only_servers = plan.scope_servers;
  const ObservedState observed = observe_scope(run, world, scope);
  const ObservationDigests fresh = digest_observations(run.desired, observed, scope);
  const auto changes = describe_digest_changes(plan, run.desired.config_digest, fresh);
  if (changes.empty()) return plan;

  run.err << "certplan: error: the saved plan " << run.line.plan_file->string()
          << " is stale: the world changed since it was made, so nothing was applied.\n";
  for (const auto& change : changes) run.err << "  - " << change << "\n";
  run.err << "Make a new plan with `certplan plan -o " << run.line.plan_file->string()
          << "`, review it, and apply that.\n";
  return std::nullopt;
}

// A directory for the staging account of one dry run: mode 0700, made by
// mkdtemp(3) under TMPDIR (or /tmp), removed with everything in it (the
// account key included) when the dry run ends, also on an exception.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "certplan-dry-run-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("could not create a temporary directory " + pattern +
                               " for the dry run's staging account: " + std::strerror(errno) +
                               "; set TMPDIR to a writable directory");
    }
    path_ = pattern;
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Names the hosts an earlier run left half changed. A dry run does not
// recover them, because recovery changes them, but a real apply would.
void name_unfinished_hosts(Run& run, World& world) {
  const auto servers = world.journal().unfinished_servers();
  if (servers.empty()) return;
  run.out << "An earlier run did not finish on";
  for (const auto& server : servers) run.out << " " << server;
  run.out << ". A real apply recovers these hosts first; the dry run leaves them alone.\n";
}

// Adds what the apply did to the metrics file and, when it changed
// anything, observes the plan's scope again, so that the file shows the
// certificates now in place rather than those before the apply.
void record_apply_metrics(Run& run, World& world, const Plan& plan, const ApplyReport& report) {
  if (run.metrics == nullptr || !run.metrics->enabled()) return;
  run.metrics->add(apply_metrics(plan, report));

  const bool changed = std::any_of(report.issues.begin(), report.issues.end(),
                                   [](const IssueReport& issue) { return issue.ok; }) ||
                       std::any_of(report.hosts.begin(), report.hosts.end(), [](const HostReport& host) {
                         return host.outcome == HostOutcome::applied || host.outcome == HostOutcome::rolled_back ||
                                host.outcome == HostOutcome::rollback_failed;
                       });
  if (!changed) return;
  PlanScope scope;
  scope.only_domains = plan.scope_domains;
  scope.only_servers = plan.scope_servers;
  observe_scope(run, world, scope);
}

ApplyOptions apply_options(Run& run, const std::string& run_id) {
  ApplyOptions options;
  options.parallelism = static_cast<std::size_t>(run.line.parallelism);
  options.run_id = run_id;
  options.renewal_threshold_days = run.desired.settings.renewal_threshold_days.value;
  if (run.line.dry_run) options.mode = ApplyMode::dry_run;
  return options;
}

// `apply --dry-run`: the plan, then staging issues and host checks that
// keep nothing. Takes no run lock and starts no recovery, because both
// write to the state directory or the hosts.
int run_dry_run(Run& run) {
  World world(run.desired);
  TextReporter console(run.out);
  LoggingReporter reporter(console);
  name_unfinished_hosts(run, world);

  std::optional<Plan> plan;
  if (run.line.plan_file) {
    plan = load_current_plan(run, world);
    if (!plan) return exit_code::error;
  } else {
    const ObservedState observed = observe_scope(run, world, scope_of(run.line));
    plan = plan_for(run, world, observed);
  }

  print_plan(*plan, OutputFormat::text, run.line.color, run.out);
  if (plan->empty()) return exit_code::ok;
  if (!run.line.plan_file && !approved(run)) {
    run.out << "Dry run cancelled; nothing was checked.\n";
    return exit_code::error;
  }
  run.out << "\nDry run: certificates are issued from the staging CA "
          << run.desired.settings.acme_staging_directory_url.value
          << " and thrown away; nothing is saved and no host is changed.\n";

  const ScratchDirectory scratch;
  const std::string run_id = make_run_id(world.clock());
  spdlog::get("engine")->info("dry run {} started: {} actions", run_id, plan->actions.size());
  ExecutionContext context{world.store(),   world.throwaway_issuer(AcmeDirectory::staging, scratch.path()),
                           world.sessions(), world.probe(),
                           world.clock(),   reporter,
                           nullptr,         world.journal()};
  const ApplyReport report = check_plan(*plan, run.desired, context, apply_options(run, run_id));

  run.out << "\n" << render_dry_run_summary(report);
  const int code = dry_run_exit_code(report);
  spdlog::get("engine")->info("dry run {} finished with exit code {}", run_id, code);
  return code;
}

}  // namespace

int run_apply(Run& run) {
  if (run.line.dry_run) return run_dry_run(run);

  const RunLock run_lock(run.desired.settings.state_dir.value);
  World world(run.desired);
  TextReporter console(run.out);
  LoggingReporter reporter(console);

  if (!recover(run, world, reporter)) {
    run.err << "certplan: error: a host left half changed by an earlier run could not be "
               "recovered; it keeps its journal and lock. See docs/recovery.md for what to do by hand.\n";
    return exit_code::rollback_failed;
  }

  std::optional<Plan> plan;
  if (run.line.plan_file) {
    plan = load_current_plan(run, world);
    if (!plan) return exit_code::error;
  } else {
    const ObservedState observed = observe_scope(run, world, scope_of(run.line));
    plan = plan_for(run, world, observed);
  }

  print_plan(*plan, OutputFormat::text, run.line.color, run.out);
  if (plan->empty()) {
    if (run.metrics != nullptr) run.metrics->add(apply_metrics(*plan, ApplyReport{}));
    return exit_code::ok;
  }
  if (!run.line.plan_file && !approved(run)) {
    run.out << "Apply cancelled; nothing was changed.\n";
    return exit_code::error;
  }
  run.out << "\n";

  const std::string run_id = make_run_id(world.clock());
  spdlog::get("engine")->info("apply {} started: {} actions", run_id, plan->actions.size());
  ExecutionContext context{world.store(),   world.issuer(AcmeDirectory::production),
                           world.sessions(), world.probe(),
                           world.clock(),   reporter,
                           world.notifier(), world.journal()};
  const ApplyReport report = execute_plan(*plan, run.desired, context, apply_options(run, run_id));
  record_apply_metrics(run, world, *plan, report);

  run.out << "\n" << render_summary(report);
  for (const auto& warning : world.issuer_warnings()) run.out << "Warning: " << warning << "\n";
  const int code = report.exit_code();
  spdlog::get("engine")->info("apply {} finished with exit code {}", run_id, code);
  return code;
}

}  // namespace certplan
