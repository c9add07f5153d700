#pragma once

// `certplan apply`: carries out a plan. Certificates are issued first, then
// each host with actions is changed in its own transaction
// (engine/host_transaction.h), several hosts at once.

#include "engine/apply_options.h"
#include "engine/apply_report.h"
#include "engine/plan.h"
#include "state/desired.h"

namespace certplan {

// Issues every certificate of the plan into the store, up to
// options.parallelism at once, then runs one transaction per host with
// actions, up to options.parallelism hosts at once. A deploy whose issue
// failed is skipped and named in its host's report; a host that fails does
// not stop the others. Hosts in the plan's scope without actions are
// reported as unchanged. With ApplyMode::dry_run, only checks each host
// (engine/dry_run.h) and changes nothing.
ApplyReport execute_plan(const Plan& plan, const DesiredState& desired, ExecutionContext& context,
                         const ApplyOptions& options);

}  // namespace certplan
