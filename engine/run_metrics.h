#pragma once

// The metrics of one certplan run, for --metrics-file: how many days each
// certificate has left, when each command last ran and how it ended, and
// what the last apply did.

#include <string>

#include "engine/apply_report.h"
#include "engine/metrics_text.h"
#include "engine/plan.h"
#include "state/certificate.h"
#include "state/observed.h"

namespace certplan {

// Days left, to 1/100 of a day, of every certificate `observed` holds:
// certplan_store_certificate_days_left{domain},
// certplan_deployed_certificate_days_left{domain,server} (the server's files)
// and certplan_served_certificate_days_left{domain,server} (its HTTPS port).
// A certificate that could not be read has no sample.
MetricFamilies certificate_metrics(const ObservedState& observed, TimePoint now);

// certplan_last_run_timestamp_seconds, certplan_last_run_exit_code and
// certplan_last_run_success (1 for exit code 0, and for 2 of
// `plan --detailed-exitcode`), each labelled with `command`.
MetricFamilies last_run_metrics(const std::string& command, int exit_code, TimePoint finished);

// certplan_last_apply_actions{result} for "applied", "rolled_back" and
// "failed", and certplan_last_apply_hosts{outcome} per host outcome. An
// issue counts as one action. Each other action counts with its host's
// outcome, except the deploys and verifies skipped because their issue
// failed, which count as failed.
MetricFamilies apply_metrics(const Plan& plan, const ApplyReport& report);

// Adds `more` to `families`; a family of the same name is replaced.
void add_metrics(MetricFamilies& families, MetricFamilies more);

// The families of a metrics file after this run: those of `previous` (the
// file as an earlier run left it) that `current` does not have, then every
// family of `current`. The certplan_last_run_* families keep the samples of
// other commands, so that one file tracks plan, apply and status.
MetricFamilies merge_metrics(MetricFamilies previous, const MetricFamilies& current);

}  // namespace certplan
