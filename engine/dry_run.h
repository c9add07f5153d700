#pragma once

// A dry run of `certplan apply`: issues every certificate of the plan from
// the staging CA and throws it away, and checks that each host of the plan
// could be changed. It saves no certificate and changes no host.

#include <string>

#include "engine/apply_options.h"
#include "engine/apply_report.h"
#include "engine/plan.h"
#include "state/desired.h"

namespace certplan {

// Runs the dry run of `plan`. context.issuer must issue from a staging CA
// and keep nothing for the real domains: no account of the production CA
// and no backoff record. Every certificate and key it returns is
// discarded, and context.store is never written. Each issue becomes an
// IssueReport (ok, or the CA's message).
//
// Then, for each host with actions, up to options.parallelism at once:
// connects, runs `sudo -n true` when the server has use_sudo, creates and
// removes a test file in each target directory, and runs the test command.
// A host that passes is reported as unchanged, with the checks it passed.
// A host that does not is reported as failed (or unreachable), with the
// check that failed.
ApplyReport check_plan(const Plan& plan, const DesiredState& desired, ExecutionContext& context,
                       const ApplyOptions& options);

// 0 when every staging issue and every host check passed, 1 otherwise. A dry
// run changes nothing, so the 3 and 4 of a real apply never occur.
int dry_run_exit_code(const ApplyReport& report);

// The closing summary of a dry run: one line of totals, one line per host
// sorted by name ("ready" or what failed), one line per staging issue, and
// a last line stating that nothing was kept or changed.
std::string render_dry_run_summary(const ApplyReport& report);

}  // namespace certplan
