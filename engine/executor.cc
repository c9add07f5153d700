#include "engine/executor.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/dry_run.h"
#include "engine/host_transaction.h"
#include "engine/parallel.h"

namespace certplan {

namespace {

IssueReport issue_one(const Action& action, const DesiredState& desired, ExecutionContext& context) {
  IssueReport report{action.domain, false, ""};
  const DomainConfig* domain = desired.find_domain(action.domain);
  if (domain == nullptr) {
    throw std::invalid_argument("plan action " + action.id + " names domain \"" + action.domain +
                                "\", which is not in domains.yaml");
  }

  context.reporter.issue(action.domain, StepStatus::started, "");
  IssueRequest request = issue_request_for(*domain);
  if (action.before) {
    // A store that cannot be read here only costs the CA the link between
    // the old and the new certificate.
    auto stored = context.store.load(action.domain);
    if (stored) request.replaces_fullchain_pem = stored.value().fullchain_pem;
  }
  auto issued = context.issuer.issue(request);
  if (issued) {
    auto saved = context.store.save(action.domain, issued.value());
    if (saved) {
      report.ok = true;
      context.reporter.issue(action.domain, StepStatus::succeeded, "");
      return report;
    }
    report.message = "could not save the new certificate: " + saved.error().message;
  } else {
    report.message = issued.error().message;
  }
  context.reporter.issue(action.domain, StepStatus::failed, report.message);
  return report;
}

std::vector<IssueReport> issue_all(const Plan& plan, const DesiredState& desired,
                                   ExecutionContext& context, const ApplyOptions& options) {
  std::vector<const Action*> issues;
  for (const Action& action : plan.actions) {
    if (action.kind == ActionKind::issue) issues.push_back(&action);
  }
  std::vector<IssueReport> reports(issues.size());
  run_parallel(issues.size(), options.parallelism,
               [&](std::size_t i) { reports[i] = issue_one(*issues[i], desired, context); });
  return reports;
}

// The fingerprint of the store's current leaf of `domain`, with the files.
struct StoredCertificate {
  CertificateFiles files;
  std::string fingerprint;
};

Result<StoredCertificate> load_stored(CertificateStore& store, const std::string& domain) {
  auto loaded = store.load(domain);
  if (!loaded) return loaded.error().with_context("could not load " + domain + " from the store");
  auto facts = parse_certificate_chain(loaded.value().fullchain_pem);
  if (!facts) return facts.error().with_context("stored certificate of " + domain);
  return StoredCertificate{std::move(loaded.value()), facts.value().fingerprint};
}

// Each domain's stored certificate, loaded once per run. A load parses the
// chain and the key, so a domain on 1,000 servers would be parsed 1,000 times.
class StoredCertificates {
 public:
  explicit StoredCertificates(CertificateStore& store) : store_(store) {}

  const Result<StoredCertificate>& get(const std::string& domain) {
    auto found = loaded_.find(domain);
    if (found == loaded_.end()) found = loaded_.emplace(domain, load_stored(store_, domain)).first;
    return found->second;
  }

 private:
  CertificateStore& store_;
  std::map<std::string, Result<StoredCertificate>> loaded_;
};

std::optional<std::string> known_fingerprint(const Action* action) {
  if (action == nullptr || !action->before || action->before->fingerprint.empty()) return std::nullopt;
  return action->before->fingerprint;
}

// The actions of one server, by kind and domain.
struct ServerActions {
  std::vector<const Action*> deploys;
  std::map<std::string, const Action*> verifies;  // by domain
  bool reload = false;
};

// Turns one server's actions into the transaction's work. Fails (and the
// host is reported as failed without being touched) when the store cannot
// provide a certificate to deploy or verify.
Result<HostWork> prepare_host(const ServerConfig& server, const ServerActions& actions,
                              const DesiredState& desired, const std::set<std::string>& failed_issues,
                              StoredCertificates& stored_certificates) {
  HostWork work;
  work.server = &server;
  std::set<std::string> dropped;

  for (const Action* deploy : actions.deploys) {
    const bool issue_failed = std::any_of(deploy->depends_on.begin(), deploy->depends_on.end(),
                                          [&](const std::string& id) { return failed_issues.contains(id); });
    if (issue_failed) {
      work.skipped_domains.push_back(deploy->domain);
      dropped.insert(deploy->domain);
      continue;
    }

    const DomainConfig* domain = desired.find_domain(deploy->domain);
    if (domain == nullptr) {
      throw std::invalid_argument("plan action " + deploy->id + " names a domain that is not in domains.yaml");
    }
    const auto target = std::find_if(domain->targets.begin(), domain->targets.end(),
                                     [&](const DeploymentTarget& t) { return t.server == server.name; });
    if (target == domain->targets.end()) {
      throw std::invalid_argument("plan action " + deploy->id + " has no deployment target in domains.yaml");
    }

    const auto& stored = stored_certificates.get(deploy->domain);
    if (!stored) return stored.error();

    const auto verify = actions.verifies.find(deploy->domain);
    const Action* verify_action = verify == actions.verifies.end() ? nullptr : verify->second;
    // After a rollback nginx reloads the restored files, so it serves the
    // certificate those files held, even where it served another before.
    auto previous = known_fingerprint(deploy);
    if (!previous) previous = known_fingerprint(verify_action);

    work.verifies.push_back({deploy->domain, stored.value().fingerprint, previous, known_fingerprint(verify_action)});
    work.deploys.push_back({deploy->domain, target->cert_file, target->key_file, stored.value().files});
  }

  // Domains only re-checked, e.g. after a reload for a served mismatch.
  // Their files do not change, and a rollback's reload serves those files,
  // which need not be what was served before: so a rollback does not
  // compare them with an earlier fingerprint.
  for (const auto& [domain, verify] : actions.verifies) {
    if (dropped.contains(domain)) continue;
    const bool deployed = std::any_of(work.verifies.begin(), work.verifies.end(),
                                      [&](const VerifyItem& item) { return item.domain == domain; });
    if (deployed) continue;
    const auto& stored = stored_certificates.get(domain);
    if (!stored) return stored.error();
    work.verifies.push_back({domain, stored.value().fingerprint, std::nullopt, known_fingerprint(verify)});
  }
  return work;
}

bool in_scope(const std::vector<std::string>& scope, const std::string& name) {
  return scope.empty() || std::find(scope.begin(), scope.end(), name) != scope.end();
}

}  // namespace

ApplyReport execute_plan(const Plan& plan, const DesiredState& desired, ExecutionContext& context,
                         const ApplyOptions& options) {
  if (options.mode == ApplyMode::dry_run) return check_plan(plan, desired, context, options);

  ApplyReport report;
  report.issues = issue_all(plan, desired, context, options);

  std::set<std::string> failed_issues;
  for (const IssueReport& issue : report.issues) {
    if (!issue.ok) failed_issues.insert("issue:" + issue.domain);
  }

  std::map<std::string, ServerActions> by_server;
  for (const Action& action : plan.actions) {
    if (action.kind == ActionKind::issue) continue;
    ServerActions& actions = by_server[action.server];
    if (action.kind == ActionKind::deploy) actions.deploys.push_back(&action);
    if (action.kind == ActionKind::verify) actions.verifies[action.domain] = &action;
    if (action.kind == ActionKind::reload) actions.reload = true;
  }

  std::vector<HostWork> works;
  StoredCertificates stored_certificates(context.store);
  for (const auto& [name, actions] : by_server) {
    const ServerConfig* server = desired.find_server(name);
    if (server == nullptr) {
      throw std::invalid_argument("the plan names server \"" + name + "\", which is not in servers.yaml");
    }
    auto work = prepare_host(*server, actions, desired, failed_issues, stored_certificates);
    if (!work) {
      report.hosts.push_back({name, HostOutcome::failed, "prepare", work.error().message, "", {}});
      continue;
    }
    const bool nothing_left = work.value().deploys.empty() && work.value().verifies.empty() &&
                              (!actions.reload || !work.value().skipped_domains.empty());
    if (nothing_left) {
      report.hosts.push_back({name, HostOutcome::failed, "issue",
                              "nothing deployed because every issue it needed failed", "",
                              work.value().skipped_domains});
      continue;
    }
    works.push_back(std::move(work.value()));
  }

  std::vector<HostReport> hosts(works.size());
  run_parallel(works.size(), options.parallelism,
               [&](std::size_t i) { hosts[i] = run_host_transaction(works[i], context, options); });
  report.hosts.insert(report.hosts.end(), hosts.begin(), hosts.end());

  for (const ServerConfig& server : desired.servers) {
    if (by_server.contains(server.name) || !in_scope(plan.scope_servers, server.name)) continue;
    report.hosts.push_back({server.name, HostOutcome::unchanged, "", "", "", {}});
  }
  return report;
}

}  // namespace certplan
