#pragma once

// A dry run of `certplan apply`: checks that each host of a plan could be
// changed, without issuing a certificate or writing one.

#include "engine/apply_options.h"
#include "engine/apply_report.h"
#include "engine/plan.h"
#include "state/desired.h"

namespace certplan {

// For each host with actions, up to options.parallelism at once: connects,
// creates and removes a test file in each target directory, runs
// `sudo -n true` when the server has use_sudo, and runs the test command.
// A host that passes is reported as unchanged, with the checks it passed.
// A host that does not is reported as failed (or unreachable), with the
// check that failed. Issues are not run, so the report lists none.
ApplyReport check_plan(const Plan& plan, const DesiredState& desired, ExecutionContext& context,
                       const ApplyOptions& options);

}  // namespace certplan
