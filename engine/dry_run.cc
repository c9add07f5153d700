#include "engine/dry_run.h"

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
    for (const std::string& directory : directories_) {
      const std::string probe_file = directory + "/.certplan-dry-run-" + options_.run_id;
      auto written = check("write " + directory, [&]() -> Result<void> {
        if (auto created = session.write_file(probe_file, "", 0600); !created) return created.error();
        return session.remove_file(probe_file);
      });
      if (!written) return report_;
      passed.push_back(directory + " writable");
    }

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

    const bool test_passes =
        check("test", [&] { return run_host_command(session, server_.nginx_test_command, options_.test_timeout); });
    if (!test_passes) return report_;
    passed.push_back("`" + server_.nginx_test_command + "` passes");

    report_.outcome = HostOutcome::unchanged;
    report_.message = "dry run: ";
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
    report_.message = "dry run: " + name + " failed: " + result.error().message;
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
  report.hosts.resize(hosts.size());
  run_parallel(hosts.size(), options.parallelism, [&](std::size_t i) {
    report.hosts[i] = HostCheck(*hosts[i].first, *hosts[i].second, context, options).run();
  });
  return report;
}

}  // namespace certplan
