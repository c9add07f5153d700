#pragma once

// Why a domain's certificate must be issued, if it must: the first step of
// the planner, kept apart because it is the renewal decision people ask
// about most.

#include <optional>

#include "engine/plan.h"
#include "engine/renewal_info.h"
#include "state/desired.h"
#include "state/observed.h"

namespace certplan {

enum class ForceRenewal { no, yes };

// The reason to issue `domain` given what the store holds, or nullopt when
// the stored certificate can stay. Checked in this order, first match wins:
// not_present, expired, names_changed, key_type_changed, key_mismatch,
// renewal_due, forced. `stored` must not carry a read error. `window` is the
// CA's renewal window of the stored certificate, when it published one.
std::optional<Reason> issue_reason(const DomainConfig& domain, const StoreObservation& stored,
                                   int default_threshold_days, ForceRenewal force, TimePoint now,
                                   const std::optional<RenewalWindow>& window = std::nullopt);

// The names of `domain` as a certificate lists them: lowercase, sorted,
// without duplicates.
std::vector<std::string> configured_names(const DomainConfig& domain);

}  // namespace certplan
