#pragma once

// When a stored certificate must be renewed.
//
// Renewal is due once the time left falls below min(threshold, a third of
// the certificate's lifetime), so a 90-day certificate renews with 30 days
// left and a 6-day one with 2 days left. The threshold is the domain's
// renew_before_days, or RENEWAL_THRESHOLD_DAYS when the domain sets none.

#include <optional>

#include "engine/renewal_info.h"
#include "state/certificate.h"
#include "state/desired.h"

namespace certplan {

// Everything the decision depends on. New inputs (an ACME Renewal
// Information window, a backoff after failed attempts) get a field here, so
// callers and the decision change in one place.
struct RenewalInputs {
  TimePoint not_before;
  TimePoint not_after;
  int threshold_days = 30;  // the configured threshold, before the lifetime cap
  TimePoint now;
  std::optional<RenewalWindow> window = std::nullopt;  // the CA's renewal window, when it sent one
};

enum class RenewalVerdict { valid, renewal_due, expired };

// The cause of a renewal_due verdict.
enum class RenewalTrigger { none, days_left, renewal_window };

struct RenewalDecision {
  RenewalVerdict verdict = RenewalVerdict::valid;
  // For renewal_due: renewal_window when now is at or past the window's
  // start, otherwise days_left. none for valid and expired.
  RenewalTrigger trigger = RenewalTrigger::none;
  int days_left = 0;               // whole days until not_after, rounded down
  int effective_threshold_days = 0;  // min(threshold, lifetime / 3), in whole days
};

// The threshold of `domain`: its renew_before_days, else `default_days`.
int renewal_threshold_days(const DomainConfig& domain, int default_days);

// Decides whether the certificate described by `inputs` is valid, due for
// renewal or expired. The lifetime is rounded to whole days before it is
// divided by three, and the third is rounded down (a 7-day certificate
// renews with 2 days left).
RenewalDecision decide_renewal(const RenewalInputs& inputs);

}  // namespace certplan
