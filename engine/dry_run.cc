#include "engine/dry_run.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/host_steps.h"
#include "engine/parallel.h"

namespace certplan {

namespace {

constexpr std::chrono::milliseconds sudo_timeout{10000};

std::string parent_directory(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

// The directories the plan writes to on each server.
std::map<std::string, std::set<std::string>> target_directories(const Plan& plan, const DesiredState& desired) {
  std::map<std::string, std::set<std::string>> directories;
  for (const Action& action : plan.actions) {
    if (action.kind == ActionKind::issue) continue;
    std::set<std::string>& server_directories = directories[action.server];
    if (action.kind != ActionKind::deploy) continue;

    const DomainConfig* domain = desired.find_domain(action.domain);
    if (domain == nullptr) {
      throw std::invalid_argument("plan action " + action.id + " names a domain that is not in domains.yaml");
    }
    for (const DeploymentTarget& target : domain->targets) {
      if (target.server != action.server) continue;
      server_directories.insert(parent_directory(target.cert_file));
      server_directories.insert(parent_directory(target.key_file));
    }
  }
  return directories;
}

// Issues `action`'s certificate through the staging issuer and discards it:
// the certificate and its key go out of scope here, unsaved.
IssueReport issue_on_staging(const Action& action, const DesiredState& desired, ExecutionContext& context) {
  const DomainConfig* domain = desired.find_domain(action.domain);
  if (domain == nullptr) {
    throw std::invalid_argument("plan action " + action.id + " names domain \"" + action.domain +
                                "\", which is not in domains.yaml");
  }

  const std::string step = "issue on staging";
  context.reporter.step(action.domain, step, StepStatus::started, "");
  const IssueRequest request = issue_request_for(*domain);
  const auto issued = context.issuer.issue(request);
  if (!issued) {
    context.reporter.step(action.domain, step, StepStatus::failed, issued.error().message);
    return IssueReport{action.domain, false, issued.error().message};
  }
  context.reporter.step(action.domain, step, StepStatus::succeeded, "");
  return IssueReport{action.domain, true, ""};
}

std::vector<IssueReport> issue_all_on_staging(const Plan& plan, const DesiredState& desired,
                                              ExecutionContext& context, const ApplyOptions& options) {
  std::vector<const Action*> issues;
  for (const Action& action : plan.actions) {
    if (action.kind == ActionKind::issue) issues.push_back(&action);
  }
  std::vector<IssueReport> reports(issues.size());
  run_parallel(issues.size(), options.parallelism,
               [&](std::size_t i) { reports[i] = issue_on_staging(*issues[i], desired, context); });
  return reports;
}

// Command output often ends with a line feed, which would leave a blank
// line in the summary.
std::string without_trailing_space(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

class HostCheck {
 public:
  HostCheck(const ServerConfig& server, const std::set<std::string>& directories, ExecutionContext& context,
            const ApplyOptions& options)
      : server_(server), directories_(directories), context_(context), options_(options) {
    report_.server = server.name;
  }

  HostReport run() {
    auto lease = context_.sessions.acquire(server_.name);
    if (!lease) {
      report_.outcome = HostOutcome::unreachable;
      report_.failed_step = "connect";
      report_.message = lease.error().message;
      context_.reporter.step(server_.name, "connect", StepStatus::failed, report_.message);
      return report_;
    }
    HostSession& session = lease.value().session();

    std::vector<std::string> passed;
    // With use_sudo every file step runs through sudo, so a sudo that does
    // not work is named first rather than as a failed write.
    if (server_.use_sudo) {
      const bool sudo_works = check("sudo", [&]() -> Result<void> {
        auto ran = run_host_command(session, "sudo -n true", sudo_timeout);
        if (ran) return ran;
        return ran.error().with_context("sudo without a password does not work for " + server_.user +
                                        "; allow the commands certplan runs in sudoers");
      });
      if (!sudo_works) return report_;
      passed.push_back("sudo -n works");
    }

    for (const std::string& directory : directories_) {
      const std::string probe_file = directory + "/.certplan-dry-run-" + options_.run_id;
      auto written = check("write " + directory, [&]() -> Result<void> {
        if (auto created = session.write_file(probe_file, "", 0600); !created) return created.error();
        return session.remove_file(probe_file);
      });
      if (!written) return report_;
      passed.push_back(directory + " writable");
    }

    const bool test_passes =
        check("test", [&] { return run_host_command(session, server_.nginx_test_command, options_.test_timeout); });
    if (!test_passes) return report_;
    passed.push_back("`" + server_.nginx_test_command + "` passes");

    report_.outcome = HostOutcome::unchanged;
    report_.message.clear();
    for (std::size_t i = 0; i < passed.size(); ++i) report_.message += (i == 0 ? "" : ", ") + passed[i];
    return report_;
  }

 private:
  template <class Step>
  bool check(const std::string& name, Step step) {
    context_.reporter.step(server_.name, name, StepStatus::started, "");
    Result<void> result = step();
    if (result) {
      context_.reporter.step(server_.name, name, StepStatus::succeeded, "");
      return true;
    }
    report_.outcome = HostOutcome::failed;
    report_.failed_step = name;
    report_.message = name + " failed: " + result.error().message;
    context_.reporter.step(server_.name, name, StepStatus::failed, result.error().message);
    return false;
  }

  const ServerConfig& server_;
  const std::set<std::string>& directories_;
  ExecutionContext& context_;
  const ApplyOptions& options_;
  HostReport report_;
};

}  // namespace

ApplyReport check_plan(const Plan& plan, const DesiredState& desired, ExecutionContext& context,
                       const ApplyOptions& options) {
  const auto directories = target_directories(plan, desired);

  std::vector<std::pair<const ServerConfig*, const std::set<std::string>*>> hosts;
  for (const auto& [name, server_directories] : directories) {
    const ServerConfig* server = desired.find_server(name);
    if (server == nullptr) {
      throw std::invalid_argument("the plan names server \"" + name + "\", which is not in servers.yaml");
    }
    hosts.emplace_back(server, &server_directories);
  }

  ApplyReport report;
  report.issues = issue_all_on_staging(plan, desired, context, options);

  report.hosts.resize(hosts.size());
  run_parallel(hosts.size(), options.parallelism, [&](std::size_t i) {
    report.hosts[i] = HostCheck(*hosts[i].first, *hosts[i].second, context, options).run();
  });
  return report;
}

int dry_run_exit_code(const ApplyReport& report) {
  const bool hosts_ready = std::all_of(report.hosts.begin(), report.hosts.end(),
                                       [](const HostReport& host) { return host.outcome == HostOutcome::unchanged; });
  const bool issues_ok = std::all_of(report.issues.begin(), report.issues.end(),
                                     [](const IssueReport& issue) { return issue.ok; });
  return hosts_ready && issues_ok ? 0 : 1;
}

std::string render_dry_run_summary(const ApplyReport& report) {
  std::vector<const HostReport*> hosts;
  for (const HostReport& host : report.hosts) hosts.push_back(&host);
  std::sort(hosts.begin(), hosts.end(),
            [](const HostReport* a, const HostReport* b) { return a->server < b->server; });

  // A host that passed every check is "ready"; the others keep the name of
  // their outcome ("unreachable" or "failed").
  auto outcome_name = [](const HostReport& host) {
    return host.outcome == HostOutcome::unchanged ? std::string("ready")
                                                  : std::string(host_outcome_name(host.outcome));
  };

  std::map<std::string, int> host_counts;
  for (const HostReport* host : hosts) ++host_counts[outcome_name(*host)];
  int issued = 0;
  int issue_failures = 0;
  for (const IssueReport& issue : report.issues) ++(issue.ok ? issued : issue_failures);

  std::vector<std::string> totals;
  for (const char* name : {"ready", "unreachable", "failed"}) {
    if (host_counts[name] > 0) totals.push_back(std::to_string(host_counts[name]) + " " + name);
  }
  if (issued > 0) totals.push_back(std::to_string(issued) + " issued from staging");
  if (issue_failures > 0) totals.push_back(std::to_string(issue_failures) + " staging issue failed");
  if (totals.empty()) totals.push_back("nothing to check");

  std::string text = "Dry run complete: ";
  for (std::size_t i = 0; i < totals.size(); ++i) text += (i == 0 ? "" : ", ") + totals[i];
  text += ".\n";
  for (const HostReport* host : hosts) {
    text += "  " + host->server + "  " + outcome_name(*host);
    if (!host->message.empty()) text += ": " + without_trailing_space(host->message);
    text += "\n";
  }
  for (const IssueReport& issue : report.issues) {
    text += "  issue " + issue.domain + "  ";
    if (issue.ok) {
      text += "issued from the staging CA and discarded\n";
    } else {
      text += "failed on the staging CA: " + without_trailing_space(issue.message) + "\n";
    }
  }
  text += "Nothing was changed: certificates issued from staging were thrown away with their keys, "
          "the store and the hosts are as before.\n";
  return text;
}

}  // namespace certplan
