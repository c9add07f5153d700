#include <boost/test/unit_test.hpp>

#include "engine/renewal_policy.h"
#include "plan_fixtures.h"

using namespace certplan;
using namespace certplan::testing;

namespace certplan {

// Boost.Test prints the verdicts of a failed check with this.
std::ostream& operator<<(std::ostream& out, RenewalVerdict verdict) {
  switch (verdict) {
    case RenewalVerdict::valid:
      return out << "valid";
    case RenewalVerdict::renewal_due:
      return out << "renewal_due";
    case RenewalVerdict::expired:
      return out << "expired";
  }
  return out << "unknown";
}

}  // namespace certplan

namespace {

// A certificate issued at 2027-01-01 00:00 UTC with `lifetime_days`, judged `before_expiry` before it ends.
RenewalDecision decide(int lifetime_days, std::chrono::hours before_expiry, int threshold_days = 30) {
  TimePoint not_before = at("2027-01-01T00:00:00Z");
  TimePoint not_after = not_before + std::chrono::days(lifetime_days);
  return decide_renewal(RenewalInputs{not_before, not_after, threshold_days, not_after - before_expiry});
}

constexpr std::chrono::hours days(int count) { return std::chrono::hours(24 * count); }

}  // namespace

BOOST_AUTO_TEST_CASE(ninety_day_certificate_renews_below_30_days) {
  auto at_30 = decide(90, days(30));
  BOOST_TEST(at_30.verdict == RenewalVerdict::valid);
  BOOST_TEST(at_30.days_left == 30);
  BOOST_TEST(at_30.effective_threshold_days == 30);

  auto below_30 = decide(90, days(30) - std::chrono::hours(1));
  BOOST_TEST(below_30.verdict == RenewalVerdict::renewal_due);
  BOOST_TEST(below_30.days_left == 29);
}

BOOST_AUTO_TEST_CASE(lets_encrypt_lifetime_rounds_to_ninety_days) {
  TimePoint not_before = at("2027-01-01T00:00:00Z");
  TimePoint not_after = not_before + std::chrono::days(90) - std::chrono::seconds(1);
  auto decision = decide_renewal(RenewalInputs{not_before, not_after, 30, not_after - days(31)});
  BOOST_TEST(decision.effective_threshold_days == 30);
  BOOST_TEST(decision.verdict == RenewalVerdict::valid);
}

BOOST_AUTO_TEST_CASE(forty_five_day_certificate_renews_below_15_days) {
  auto at_15 = decide(45, days(15));
  BOOST_TEST(at_15.verdict == RenewalVerdict::valid);
  BOOST_TEST(at_15.effective_threshold_days == 15);

  auto below_15 = decide(45, days(14));
  BOOST_TEST(below_15.verdict == RenewalVerdict::renewal_due);
  BOOST_TEST(below_15.days_left == 14);
}

BOOST_AUTO_TEST_CASE(six_day_certificate_renews_below_2_days) {
  auto at_3 = decide(6, days(3));
  BOOST_TEST(at_3.verdict == RenewalVerdict::valid);
  BOOST_TEST(at_3.effective_threshold_days == 2);

  auto at_2 = decide(6, days(2));
  BOOST_TEST(at_2.verdict == RenewalVerdict::valid);

  auto below_2 = decide(6, days(2) - std::chrono::hours(1));
  BOOST_TEST(below_2.verdict == RenewalVerdict::renewal_due);
  BOOST_TEST(below_2.days_left == 1);
}

BOOST_AUTO_TEST_CASE(smaller_threshold_wins_over_third) {
  auto decision = decide(90, days(20), 10);
  BOOST_TEST(decision.effective_threshold_days == 10);
  BOOST_TEST(decision.verdict == RenewalVerdict::valid);

  auto due = decide(90, days(9), 10);
  BOOST_TEST(due.verdict == RenewalVerdict::renewal_due);
}

BOOST_AUTO_TEST_CASE(expired_at_not_after) {
  auto at_end = decide(90, std::chrono::hours(0));
  BOOST_TEST(at_end.verdict == RenewalVerdict::expired);
  BOOST_TEST(at_end.days_left == 0);

  auto later = decide(90, -days(3) - std::chrono::hours(1));
  BOOST_TEST(later.verdict == RenewalVerdict::expired);
  BOOST_TEST(later.days_left == -4);
}

BOOST_AUTO_TEST_CASE(domain_threshold_overrides_default) {
  DomainConfig domain;
  BOOST_TEST(renewal_threshold_days(domain, 30) == 30);
  domain.renew_before_days = 7;
  BOOST_TEST(renewal_threshold_days(domain, 30) == 7);
}
