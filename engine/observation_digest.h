#pragma once

// Digests of what a plan was made from. `plan -o FILE` records them, and
// `apply FILE` recomputes them from a fresh observation: a digest that
// differs means the world changed since the plan was made, and the plan must
// be made again.
//
// A digest is the SHA-256 (lowercase hex) of a canonical text of the
// observed content: fingerprints, key state and error texts, never times,
// so that observing an unchanged world twice gives the same digest.

#include <map>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/plan_scope.h"
#include "state/desired.h"
#include "state/observed.h"

namespace certplan {

struct ObservationDigests {
  std::string store_digest;                      // over the store entries of the domains in scope
  std::map<std::string, std::string> host_digests;  // server -> digest, for the servers in scope
};

// The canonical text behind a host digest: per domain in scope that targets
// `server`, the deployed certificate and key state, the served leaf and any
// errors. Exposed so tests and error messages can show what was hashed.
std::string canonical_host_text(const DesiredState& desired, const ObservedState& observed,
                                const PlanScope& scope, const std::string& server);

// The canonical text behind the store digest.
std::string canonical_store_text(const DesiredState& desired, const ObservedState& observed,
                                 const PlanScope& scope);

// Digests of the store and of every server in scope.
ObservationDigests digest_observations(const DesiredState& desired, const ObservedState& observed,
                                       const PlanScope& scope);

// One sentence per difference between what `plan` recorded and the fresh
// digests and configuration digest, sorted: the configuration first, then
// the store, then servers by name. Empty when nothing changed.
std::vector<std::string> describe_digest_changes(const Plan& plan, const std::string& config_digest,
                                                 const ObservationDigests& fresh);

}  // namespace certplan
