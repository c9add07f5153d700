#pragma once

// The planner: compares the desired state with the observed state and lists
// the issue, deploy, reload and verify actions that bring them together,
// each with a reason a person can read.

#include <string>
#include <vector>

#include "engine/issue_backoff.h"
#include "engine/plan.h"
#include "engine/renewal_info.h"
#include "state/desired.h"
#include "state/observed.h"

namespace certplan {

// What the caller decides beyond the configuration.
struct PlanPolicy {
  int renewal_threshold_days = 30;       // RENEWAL_THRESHOLD_DAYS; a domain's renew_before_days wins
  std::vector<std::string> force_renew;  // domains to issue again even when valid
  std::vector<std::string> only_domains; // --domain filters; empty means every domain
  std::vector<std::string> only_servers; // --server filters; empty means every server
  // Failed issues by domain (load_backoff_records). A domain in backoff gets
  // a warning instead of an issue, unless it is forced or its configuration
  // changed since the failure.
  BackoffRecords backoff;
  // The CA's renewal windows of the stored certificates, by domain
  // (fetch_renewal_windows). A domain without one is judged by days alone.
  RenewalWindows renewal_windows;
};

// Builds the plan for `desired` given `observed`, as of `now`. Pure: the
// same inputs give the same plan, actions sorted as Plan documents. Throws
// std::invalid_argument when a filter or force_renew names a domain or
// server that is not configured.
[[nodiscard]] Plan make_plan(const DesiredState& desired, const ObservedState& observed,
                             const PlanPolicy& policy, TimePoint now);

}  // namespace certplan
