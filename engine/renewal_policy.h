#pragma once

// When a stored certificate must be renewed.
//
// Renewal is due once the time left falls below min(threshold, a third of
// the certificate's lifetime), so a 90-day certificate renews with 30 days
// left and a 6-day one with 2 days left. The threshold is the domain's
// renew_before_days, or RENEWAL_THRESHOLD_DAYS when the domain sets none.

#include <optional>

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
};

enum class RenewalVerdict { valid, renewal_due, expired };

struct RenewalDecision {
  RenewalVerdict verdict = RenewalVerdict::valid;
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
