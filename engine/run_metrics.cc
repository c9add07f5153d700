#include "engine/run_metrics.h"

#include <chrono>
#include <cmath>
#include <algorithm>
#include <map>
#include <set>

namespace certplan {

namespace {

constexpr const char* last_run_prefix = "certplan_last_run_";

double days_left(TimePoint not_after, TimePoint now) {
  const double seconds = std::chrono::duration<double>(not_after - now).count();
  return std::round(seconds / 864.0) / 100.0;
}

MetricFamily gauge(const std::string& name, const std::string& help) {
  return MetricFamily{name, help, "gauge", {}};
}

std::string label_value(const MetricSample& sample, const std::string& name) {
  for (const MetricLabel& label : sample.labels) {
    if (label.name == name) return label.value;
  }
  return "";
}

}  // namespace

MetricFamilies certificate_metrics(const ObservedState& observed, TimePoint now) {
  MetricFamily store = gauge("certplan_store_certificate_days_left",
                             "Days until the certificate in the local store expires.");
  MetricFamily deployed = gauge("certplan_deployed_certificate_days_left",
                                "Days until the certificate in a server's files expires.");
  MetricFamily served = gauge("certplan_served_certificate_days_left",
                              "Days until the certificate a server serves over HTTPS expires.");

  for (const auto& [domain, observation] : observed.store) {
    if (!observation.current) continue;
    store.samples.push_back({{{"domain", domain}}, days_left(observation.current->certificate->not_after, now)});
  }
  for (const auto& [server, observation] : observed.servers) {
    for (const auto& [domain, files] : observation.files) {
      if (!files.deployed) continue;
      deployed.samples.push_back(
          {{{"domain", domain}, {"server", server}}, days_left(files.deployed->certificate->not_after, now)});
    }
    for (const auto& [domain, probe] : observation.served) {
      if (!probe.leaf) continue;
      served.samples.push_back({{{"domain", domain}, {"server", server}}, days_left(probe.leaf->not_after, now)});
    }
  }

  MetricFamilies families;
  for (MetricFamily* family : {&store, &deployed, &served}) families[family->name] = std::move(*family);
  return families;
}

MetricFamilies last_run_metrics(const std::string& command, int exit_code, TimePoint finished) {
  const std::vector<MetricLabel> labels = {{"command", command}};
  const double seconds =
      static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(finished.time_since_epoch()).count());
  // plan --detailed-exitcode exits 2 for a plan with changes, which is a
  // successful run.
  const bool success = exit_code == 0 || (command == "plan" && exit_code == 2);

  MetricFamily timestamp = gauge("certplan_last_run_timestamp_seconds",
                                 "Unix time at which the last run of a certplan command ended.");
  timestamp.samples.push_back({labels, seconds});
  MetricFamily code = gauge("certplan_last_run_exit_code", "Exit code of the last run of a certplan command.");
  code.samples.push_back({labels, static_cast<double>(exit_code)});
  MetricFamily succeeded = gauge("certplan_last_run_success",
                                 "1 when the last run of a certplan command succeeded, 0 when it failed.");
  succeeded.samples.push_back({labels, success ? 1.0 : 0.0});

  MetricFamilies families;
  for (MetricFamily* family : {&timestamp, &code, &succeeded}) families[family->name] = std::move(*family);
  return families;
}

MetricFamilies apply_metrics(const Plan& plan, const ApplyReport& report) {
  std::map<std::string, double> actions = {{"applied", 0}, {"rolled_back", 0}, {"failed", 0}};
  for (const IssueReport& issue : report.issues) actions[issue.ok ? "applied" : "failed"] += 1;

  std::map<std::string, double> hosts;
  for (const HostReport& host : report.hosts) {
    std::string outcome(host_outcome_name(host.outcome));
    std::replace(outcome.begin(), outcome.end(), ' ', '_');
    hosts[outcome] += 1;

    const std::set<std::string> skipped(host.skipped_domains.begin(), host.skipped_domains.end());
    std::string result = "failed";
    if (host.outcome == HostOutcome::applied) result = "applied";
    if (host.outcome == HostOutcome::rolled_back) result = "rolled_back";
    for (const Action& action : plan.actions) {
      if (action.kind == ActionKind::issue || action.server != host.server) continue;
      const bool was_skipped = skipped.contains(action.domain) && action.kind != ActionKind::reload;
      actions[was_skipped ? "failed" : result] += 1;
    }
  }

  MetricFamily action_family = gauge("certplan_last_apply_actions",
                                     "Actions of the last certplan apply, by result: applied, rolled_back or failed.");
  for (const auto& [result, count] : actions) action_family.samples.push_back({{{"result", result}}, count});
  MetricFamily host_family = gauge("certplan_last_apply_hosts", "Hosts of the last certplan apply, by outcome.");
  for (const auto& [outcome, count] : hosts) host_family.samples.push_back({{{"outcome", outcome}}, count});

  MetricFamilies families;
  families[action_family.name] = std::move(action_family);
  families[host_family.name] = std::move(host_family);
  return families;
}

void add_metrics(MetricFamilies& families, MetricFamilies more) {
  for (auto& [name, family] : more) families[name] = std::move(family);
}

MetricFamilies merge_metrics(MetricFamilies previous, const MetricFamilies& current) {
  MetricFamilies merged = std::move(previous);
  for (const auto& [name, family] : current) {
    const auto old = merged.find(name);
    if (!name.starts_with(last_run_prefix) || old == merged.end()) {
      merged[name] = family;
      continue;
    }

    std::set<std::string> commands;
    for (const MetricSample& sample : family.samples) commands.insert(label_value(sample, "command"));
    MetricFamily combined = family;
    for (const MetricSample& sample : old->second.samples) {
      if (!commands.contains(label_value(sample, "command"))) combined.samples.push_back(sample);
    }
    merged[name] = std::move(combined);
  }
  return merged;
}

}  // namespace certplan
