#pragma once

// The steps `plan` and `apply` share: observe the world in scope and plan.

#include "cli/run.h"
#include "cli/world.h"
#include "engine/plan.h"
#include "engine/plan_scope.h"
#include "state/observed.h"

namespace certplan {

PlanScope scope_of(const CommandLine& line);

ObservedState observe_scope(Run& run, World& world, const PlanScope& scope);

Plan plan_for(Run& run, World& world, const ObservedState& observed);

}  // namespace certplan
