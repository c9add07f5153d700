#include "engine/apply_report.h"

#include <algorithm>
#include <array>
#include <map>

namespace certplan {

std::string_view host_outcome_name(HostOutcome outcome) {
  switch (outcome) {
    case HostOutcome::applied: return "applied";
    case HostOutcome::unchanged: return "unchanged";
    case HostOutcome::rolled_back: return "rolled back";
    case HostOutcome::rollback_failed: return "rollback failed";
    case HostOutcome::unreachable: return "unreachable";
    case HostOutcome::failed: return "failed";
  }
  return "unknown";
}

int ApplyReport::exit_code() const {
  bool failures = false;
  bool changed = false;
  for (const HostReport& host : hosts) {
    if (host.outcome == HostOutcome::rollback_failed) return 4;
    if (host.outcome == HostOutcome::applied || host.outcome == HostOutcome::rolled_back) changed = true;
    if (host.outcome != HostOutcome::applied && host.outcome != HostOutcome::unchanged) failures = true;
    if (!host.skipped_domains.empty()) failures = true;
  }
  for (const IssueReport& issue : issues) {
    if (issue.ok) changed = true;
    if (!issue.ok) failures = true;
  }

  if (!failures) return 0;
  return changed ? 3 : 1;
}

std::string render_summary(const ApplyReport& report) {
  std::vector<const HostReport*> hosts;
  for (const HostReport& host : report.hosts) hosts.push_back(&host);
  std::sort(hosts.begin(), hosts.end(),
            [](const HostReport* a, const HostReport* b) { return a->server < b->server; });

  // Totals in the order of HostOutcome, so the line reads the same every run.
  constexpr std::array order{HostOutcome::applied,         HostOutcome::unchanged,
                             HostOutcome::rolled_back,     HostOutcome::rollback_failed,
                             HostOutcome::unreachable,     HostOutcome::failed};
  std::map<HostOutcome, int> counts;
  for (const HostReport* host : hosts) ++counts[host->outcome];

  std::string totals;
  for (HostOutcome outcome : order) {
    if (counts[outcome] == 0) continue;
    if (!totals.empty()) totals += ", ";
    totals += std::to_string(counts[outcome]) + " " + std::string(host_outcome_name(outcome));
  }
  int issued = 0;
  int issue_failures = 0;
  for (const IssueReport& issue : report.issues) ++(issue.ok ? issued : issue_failures);
  if (issued > 0) totals += (totals.empty() ? "" : ", ") + std::to_string(issued) + " issued";
  if (issue_failures > 0) {
    totals += (totals.empty() ? "" : ", ") + std::to_string(issue_failures) + " issue failed";
  }
  if (totals.empty()) totals = "nothing to do";

  std::string text = "Apply complete: " + totals + ".\n";
  for (const HostReport* host : hosts) {
    text += "  " + host->server + "  " + std::string(host_outcome_name(host->outcome));
    if (!host->message.empty()) text += ": " + host->message;
    text += "\n";
    for (const std::string& domain : host->skipped_domains) {
      text += "    skipped deploy of " + domain + ": its issue failed\n";
    }
    if (!host->manual_steps.empty()) text += "    to do by hand: " + host->manual_steps + "\n";
  }
  for (const IssueReport& issue : report.issues) {
    if (!issue.ok) text += "  issue " + issue.domain + "  failed: " + issue.message + "\n";
  }
  return text;
}

}  // namespace certplan
