#include "engine/renewal_policy.h"

#include <algorithm>
#include <chrono>

#include "engine/plan_time.h"

namespace certplan {

namespace {

int lifetime_days(TimePoint not_before, TimePoint not_after) {
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(not_after - not_before);
  auto whole_days = std::chrono::round<std::chrono::days>(lifetime);
  return static_cast<int>(std::max<std::chrono::days::rep>(whole_days.count(), 0));
}

}  // namespace

int renewal_threshold_days(const DomainConfig& domain, int default_days) {
  return domain.renew_before_days.value_or(default_days);
}

RenewalDecision decide_renewal(const RenewalInputs& inputs) {
  RenewalDecision decision;
  decision.days_left = days_until(inputs.not_after, inputs.now);
  decision.effective_threshold_days =
      std::min(inputs.threshold_days, lifetime_days(inputs.not_before, inputs.not_after) / 3);

  if (inputs.now >= inputs.not_after) {
    decision.verdict = RenewalVerdict::expired;
    return decision;
  }

  if (inputs.window && inputs.now >= inputs.window->start) {
    decision.verdict = RenewalVerdict::renewal_due;
    decision.trigger = RenewalTrigger::renewal_window;
    return decision;
  }

  auto left = inputs.not_after - inputs.now;
  if (left < std::chrono::days(decision.effective_threshold_days)) {
    decision.verdict = RenewalVerdict::renewal_due;
    decision.trigger = RenewalTrigger::days_left;
  }
  return decision;
}

}  // namespace certplan
