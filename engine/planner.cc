#include "engine/planner.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "engine/certificate_summary.h"
#include "engine/issue_reason.h"
#include "engine/observation_digest.h"
#include "engine/plan_scope.h"

namespace certplan {

namespace {

std::string join(const std::vector<std::string>& values, const std::string& separator) {
  std::string joined;
  for (const auto& value : values) {
    if (!joined.empty()) joined += separator;
    joined += value;
  }
  return joined;
}

std::vector<std::string> sorted(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

std::string deploy_id(const std::string& domain, const std::string& server) {
  return "deploy:" + domain + "@" + server;
}

std::string verify_id(const std::string& domain, const std::string& server) {
  return "verify:" + domain + "@" + server;
}

std::string reload_id(const std::string& server) { return "reload:" + server; }

std::string issue_id(const std::string& domain) { return "issue:" + domain; }

// The actions planned for one server, collected domain by domain.
struct ServerWork {
  std::vector<Action> deploys;
  std::vector<Action> verifies;
  std::vector<std::string> served_notes;   // "example.com: webserver-01 serves ... but ..."
  std::optional<ReasonCode> reload_code;  // the reason of the first domain that needs the reload
};

// The state of one domain after the store was checked.
struct DomainState {
  const DomainConfig* config = nullptr;
  std::optional<Action> issue;                // planned issue, if any
  SharedSummary expected;                     // the certificate servers should have afterwards
};

class Planner {
 public:
  Planner(const DesiredState& desired, const ObservedState& observed, const PlanPolicy& policy,
          TimePoint now)
      : desired_(desired), observed_(observed), policy_(policy), now_(now),
        scope_{policy.only_domains, policy.only_servers} {}

  Plan run() {
    check_scope(desired_, scope_);
    check_force_renew();
    add_scope_warning();

    for (const DomainConfig* domain : domains_in_scope(desired_, scope_)) plan_domain(*domain);

    return assemble();
  }

 private:
  void check_force_renew() const {
    for (const auto& domain : policy_.force_renew) {
      bool known = std::any_of(desired_.domains.begin(), desired_.domains.end(),
                               [&](const DomainConfig& config) { return config.domain == domain; });
      if (!known) {
        throw std::invalid_argument("--force-renew " + domain +
                                    " is not a domain in domains.yaml; check the spelling");
      }
    }
  }

  void add_scope_warning() {
    if (!scope_.partial()) return;
    std::vector<std::string> parts;
    auto domains = sorted(scope_.only_domains);
    auto servers = sorted(scope_.only_servers);
    if (!domains.empty()) parts.push_back((domains.size() == 1 ? "domain " : "domains ") + join(domains, ", "));
    if (!servers.empty()) parts.push_back((servers.size() == 1 ? "server " : "servers ") + join(servers, ", "));
    scope_warnings_.push_back("This plan is partial: it covers only " + join(parts, " and ") +
                              "; nothing else was checked or will be changed.");
  }

  void plan_domain(const DomainConfig& domain) {
    StoreObservation stored;
    if (auto found = observed_.store.find(domain.domain); found != observed_.store.end()) {
      stored = found->second;
    }
    if (!stored.error.empty()) {
      store_warnings_.push_back("The local store entry of " + domain.domain +
                                " could not be read, so nothing is planned for it: " + stored.error);
      return;
    }
    if (!stored.note.empty()) store_warnings_.push_back("The local store entry of " + domain.domain + ": " + stored.note);

    DomainState state{&domain, plan_issue(domain, stored), nullptr};
    if (state.issue) {
      state.expected = state.issue->after;
    } else if (stored.current) {
      state.expected = summary_of(stored.current->certificate);
    } else {
      return;  // held back by a backoff with nothing stored to deploy
    }

    std::vector<const DeploymentTarget*> targets;
    for (const auto& target : domain.targets) {
      if (server_in_scope(scope_, target.server)) targets.push_back(&target);
    }
    std::sort(targets.begin(), targets.end(), [](const DeploymentTarget* a, const DeploymentTarget* b) {
      return a->server < b->server;
    });
    for (const DeploymentTarget* target : targets) plan_target(state, target->server);
  }

  std::optional<Action> plan_issue(const DomainConfig& domain, const StoreObservation& stored) {
    bool forced = std::find(policy_.force_renew.begin(), policy_.force_renew.end(), domain.domain) !=
                  policy_.force_renew.end();
    std::optional<RenewalWindow> window;
    if (auto found = policy_.renewal_windows.find(domain.domain); found != policy_.renewal_windows.end()) {
      window = found->second;
    }
    auto reason = issue_reason(domain, stored, policy_.renewal_threshold_days,
                               forced ? ForceRenewal::yes : ForceRenewal::no, now_, window);
    if (!reason) return std::nullopt;
    if (!forced && held_back(domain)) return std::nullopt;

    Action action;
    action.id = issue_id(domain.domain);
    action.kind = ActionKind::issue;
    action.domain = domain.domain;
    action.reason = *reason;
    if (stored.current) action.before = summary_of(stored.current->certificate);
    action.after = share_summary(CertificateSummary{"", configured_names(domain), std::nullopt, domain.key_type});
    action.new_key = stored.current.has_value();
    issues_.push_back(action);
    return action;
  }

  // Whether a recent failed issue of `domain` holds this one back; adds the
  // plan warning when it does.
  bool held_back(const DomainConfig& domain) {
    auto record = policy_.backoff.find(domain.domain);
    if (record == policy_.backoff.end()) return false;

    const std::string digest =
        issue_config_digest(domain.names(), domain.key_type, domain.dns_provider, domain.profile);
    if (!backoff_active(record->second, digest, now_)) return false;
    store_warnings_.push_back(backoff_warning(domain.domain, record->second));
    return true;
  }

  void plan_target(const DomainState& state, const std::string& server) {
    auto found = observed_.servers.find(server);
    if (found == observed_.servers.end() || !found->second.reachable) {
      std::string error = found == observed_.servers.end() ? "it was not observed" : found->second.error;
      unreachable_[server] = error;
      return;
    }
    const ServerObservation& observation = found->second;
    const std::string& domain = state.config->domain;

    FilesObservation files;
    if (auto entry = observation.files.find(domain); entry != observation.files.end()) files = entry->second;

    if (auto reason = deploy_reason(state, server, files)) {
      add_deploy(state, server, files, *reason);
      return;
    }
    check_served(state, server, files, observation);
  }

  std::optional<Reason> deploy_reason(const DomainState& state, const std::string& server,
                                      const FilesObservation& files) const {
    const std::string& domain = state.config->domain;
    if (state.issue) {
      return Reason{state.issue->reason.code,
                    server + " receives the certificate from " + state.issue->id};
    }
    if (!files.error.empty()) {
      return Reason{ReasonCode::file_drift,
                    server + " has files for " + domain + " that could not be read: " + files.error};
    }
    if (!files.deployed) {
      return Reason{ReasonCode::not_present, server + " has no certificate for " + domain};
    }
    const std::string& in_files = files.deployed->certificate->fingerprint;
    if (in_files != state.expected->fingerprint) {
      return Reason{ReasonCode::file_drift, server + " holds " + short_fingerprint(in_files) +
                                                " but the store has " +
                                                short_fingerprint(state.expected->fingerprint)};
    }
    if (!files.deployed->key_present) {
      return Reason{ReasonCode::key_mismatch, server + " has no private key for " + domain};
    }
    if (!files.deployed->key_matches) {
      return Reason{ReasonCode::key_mismatch,
                    server + " holds a private key for " + domain + " that does not match its certificate"};
    }
    return std::nullopt;
  }

  void add_deploy(const DomainState& state, const std::string& server, const FilesObservation& files,
                  const Reason& reason) {
    const std::string& domain = state.config->domain;
    ServerWork& work = work_[server];

    Action deploy;
    deploy.id = deploy_id(domain, server);
    deploy.kind = ActionKind::deploy;
    deploy.domain = domain;
    deploy.server = server;
    if (state.issue) deploy.depends_on = {state.issue->id};
    deploy.reason = reason;
    if (files.deployed) deploy.before = summary_of(files.deployed->certificate);
    deploy.after = state.expected;
    work.deploys.push_back(std::move(deploy));

    if (!work.reload_code) work.reload_code = reason.code;
    add_verify(work, state, server, reason, served_summary(server, domain));
  }

  void check_served(const DomainState& state, const std::string& server, const FilesObservation& files,
                    const ServerObservation& observation) {
    const std::string& domain = state.config->domain;
    auto served = observation.served.find(domain);
    if (served == observation.served.end()) return;
    if (!served->second.error.empty()) {
      served_warnings_.push_back(server + " did not serve " + domain + " over HTTPS: " +
                                 served->second.error);
      return;
    }
    if (!served->second.leaf) return;

    const std::string& serving = served->second.leaf->fingerprint;
    const std::string& in_files = files.deployed->certificate->fingerprint;
    if (serving == in_files) return;

    Reason reason{ReasonCode::served_mismatch, server + " serves " + short_fingerprint(serving) +
                                                   " but its files hold " + short_fingerprint(in_files)};
    ServerWork& work = work_[server];
    if (!work.reload_code) work.reload_code = reason.code;
    work.served_notes.push_back(domain + ": " + reason.message);
    add_verify(work, state, server, reason, summary_of(served->second.leaf));
  }

  static void add_verify(ServerWork& work, const DomainState& state, const std::string& server,
                         const Reason& reason, SharedSummary served) {
    const std::string& domain = state.config->domain;
    Action verify;
    verify.id = verify_id(domain, server);
    verify.kind = ActionKind::verify;
    verify.domain = domain;
    verify.server = server;
    verify.depends_on = {reload_id(server)};
    verify.reason = reason;
    verify.before = std::move(served);
    verify.after = state.expected;
    work.verifies.push_back(std::move(verify));
  }

  SharedSummary served_summary(const std::string& server, const std::string& domain) {
    const ServerObservation& observation = observed_.servers.at(server);
    auto served = observation.served.find(domain);
    if (served == observation.served.end() || !served->second.leaf) return nullptr;
    return summary_of(served->second.leaf);
  }

  // Returns one summary per distinct certificate, so that the actions naming
  // a certificate on many servers share its summary as they share its facts.
  SharedSummary summary_of(const SharedFacts& facts) {
    SharedSummary& summary = summaries_[facts.get()];
    if (!summary) summary = share_summary(summarize(*facts));
    return summary;
  }

  Action make_reload(const std::string& server, const ServerWork& work) const {
    Action reload;
    reload.id = reload_id(server);
    reload.kind = ActionKind::reload;
    reload.server = server;
    for (const auto& deploy : work.deploys) reload.depends_on.push_back(deploy.id);
    std::sort(reload.depends_on.begin(), reload.depends_on.end());
    reload.reason = Reason{*work.reload_code, reload_message(work)};
    return reload;
  }

  // "load the new files of a.com, b.com; c.com: webserver-01 serves ... but its files hold ...".
  static std::string reload_message(const ServerWork& work) {
    std::vector<std::string> parts;
    if (!work.deploys.empty()) {
      std::vector<std::string> domains;
      for (const auto& deploy : work.deploys) domains.push_back(deploy.domain);
      parts.push_back("load the new files of " + join(sorted(domains), ", "));
    }
    auto served = work.served_notes;
    std::sort(served.begin(), served.end());
    parts.insert(parts.end(), served.begin(), served.end());
    return join(parts, "; ");
  }

  Plan assemble() {
    Plan plan;
    plan.created_at = now_;
    plan.config_digest = desired_.config_digest;
    ObservationDigests digests = digest_observations(desired_, observed_, scope_);
    plan.store_digest = digests.store_digest;
    plan.host_digests = digests.host_digests;
    plan.scope_domains = sorted(scope_.only_domains);
    plan.scope_servers = sorted(scope_.only_servers);
    plan.warnings = collect_warnings();

    // The actions are moved, not copied, into a plan sized once, because on
    // a large fleet they are most of the planner's memory.
    std::size_t count = issues_.size();
    for (const auto& [server, work] : work_) count += work.deploys.size() + 1 + work.verifies.size();
    plan.actions.reserve(count);

    auto by_domain = [](const Action& a, const Action& b) { return a.domain < b.domain; };
    auto move_into_plan = [&plan](std::vector<Action>& actions) {
      plan.actions.insert(plan.actions.end(), std::make_move_iterator(actions.begin()),
                          std::make_move_iterator(actions.end()));
      actions.clear();
    };
    std::sort(issues_.begin(), issues_.end(), by_domain);
    move_into_plan(issues_);
    for (auto& [server, work] : work_) {
      std::sort(work.deploys.begin(), work.deploys.end(), by_domain);
      std::sort(work.verifies.begin(), work.verifies.end(), by_domain);
      Action reload = make_reload(server, work);
      move_into_plan(work.deploys);
      plan.actions.push_back(std::move(reload));
      move_into_plan(work.verifies);
    }
    return plan;
  }

  std::vector<std::string> collect_warnings() const {
    std::vector<std::string> warnings = scope_warnings_;
    auto append_sorted = [&warnings](std::vector<std::string> more) {
      std::sort(more.begin(), more.end());
      warnings.insert(warnings.end(), more.begin(), more.end());
    };
    append_sorted(store_warnings_);
    std::vector<std::string> unreachable;
    for (const auto& [server, error] : unreachable_) {
      unreachable.push_back(server + " could not be observed, so nothing is planned for it: " + error);
    }
    append_sorted(unreachable);
    append_sorted(served_warnings_);
    return warnings;
  }

  const DesiredState& desired_;
  const ObservedState& observed_;
  const PlanPolicy& policy_;
  TimePoint now_;
  PlanScope scope_;

  std::vector<Action> issues_;
  std::unordered_map<const CertificateFacts*, SharedSummary> summaries_;
  std::map<std::string, ServerWork> work_;           // sorted by server name
  std::map<std::string, std::string> unreachable_;   // server -> error
  std::vector<std::string> scope_warnings_;
  std::vector<std::string> store_warnings_;
  std::vector<std::string> served_warnings_;
};

}  // namespace

Plan make_plan(const DesiredState& desired, const ObservedState& observed, const PlanPolicy& policy,
               TimePoint now) {
  return Planner(desired, observed, policy, now).run();
}

}  // namespace certplan
