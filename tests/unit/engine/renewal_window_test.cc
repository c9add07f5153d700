// The renewal decision with ACME Renewal Information windows, the planner
// fed through an in-memory RenewalInfoSource, and backoff stretched by the
// CA's Retry-After. All at fixed times.

#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>

#include "engine/issue_backoff.h"
#include "engine/issue_reason.h"
#include "engine/planner.h"
#include "engine/renewal_info.h"
#include "engine/renewal_policy.h"
#include "plan_fixtures.h"
#include "tests/unit/support/fake_clock.h"
#include "tests/unit/support/fake_store.h"

using namespace certplan;
using namespace certplan::testing;

namespace certplan {

// Boost.Test prints the values of a failed check with these.
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

std::ostream& operator<<(std::ostream& out, RenewalTrigger trigger) {
  switch (trigger) {
    case RenewalTrigger::none:
      return out << "none";
    case RenewalTrigger::days_left:
      return out << "days_left";
    case RenewalTrigger::renewal_window:
      return out << "renewal_window";
  }
  return out << "unknown";
}

}  // namespace certplan

namespace {

// A renewal source that returns windows by chain and records its calls.
class FakeRenewalInfo final : public RenewalInfoSource {
 public:
  std::map<std::string, Result<std::optional<RenewalWindow>>> answers;  // by fullchain PEM
  std::vector<std::string> asked;

  Result<std::optional<RenewalWindow>> fetch(const std::string& fullchain_pem) override {
    asked.push_back(fullchain_pem);
    auto found = answers.find(fullchain_pem);
    if (found == answers.end()) return std::optional<RenewalWindow>{};
    return found->second;
  }
};

constexpr std::chrono::hours days(int count) { return std::chrono::hours(24 * count); }

// A 90-day certificate from 2027-01-01, judged at `now`, with `window`.
RenewalDecision decide_at(const std::string& now, std::optional<RenewalWindow> window) {
  const TimePoint not_before = at("2027-01-01T00:00:00Z");
  return decide_renewal(RenewalInputs{not_before, not_before + days(90), 30, at(now), std::move(window)});
}

RenewalWindow window_of(const std::string& start, const std::string& end) {
  return RenewalWindow{at(start), at(end), ""};
}

bool due_by_window(const RenewalDecision& decision) {
  return decision.verdict == RenewalVerdict::renewal_due && decision.trigger == RenewalTrigger::renewal_window;
}

}  // namespace

BOOST_AUTO_TEST_CASE(window_not_started_keeps_valid) {
  // 50 days left: the day-based rule does not renew, and the window has not begun.
  const auto decision = decide_at("2027-02-09T00:00:00Z", window_of("2027-02-10T00:00:00Z", "2027-02-12T00:00:00Z"));
  BOOST_TEST(decision.verdict == RenewalVerdict::valid);
  BOOST_TEST(decision.trigger == RenewalTrigger::none);
}

BOOST_AUTO_TEST_CASE(window_start_makes_due) {
  const auto window = window_of("2027-02-10T00:00:00Z", "2027-02-12T00:00:00Z");
  BOOST_TEST(due_by_window(decide_at("2027-02-10T00:00:00Z", window)));
  BOOST_TEST(due_by_window(decide_at("2027-02-11T00:00:00Z", window)));
}

BOOST_AUTO_TEST_CASE(window_past_end_still_due) {
  const auto decision = decide_at("2027-02-20T00:00:00Z", window_of("2027-02-10T00:00:00Z", "2027-02-12T00:00:00Z"));
  BOOST_TEST(due_by_window(decision));
  BOOST_TEST(decision.days_left == 40);
}

BOOST_AUTO_TEST_CASE(window_never_postpones_days_rule) {
  // 10 days left, the window is still ahead: the day-based rule renews.
  const auto decision = decide_at("2027-03-22T00:00:00Z", window_of("2027-03-25T00:00:00Z", "2027-03-26T00:00:00Z"));
  BOOST_TEST(decision.verdict == RenewalVerdict::renewal_due);
  BOOST_TEST(decision.trigger == RenewalTrigger::days_left);
}

BOOST_AUTO_TEST_CASE(without_window_days_decide) {
  const auto valid = decide_at("2027-02-09T00:00:00Z", std::nullopt);
  BOOST_TEST(valid.verdict == RenewalVerdict::valid);
  const auto due = decide_at("2027-03-22T00:00:00Z", std::nullopt);
  BOOST_TEST(due.trigger == RenewalTrigger::days_left);
}

BOOST_AUTO_TEST_CASE(expiry_wins_over_window) {
  const auto decision = decide_at("2027-04-02T00:00:00Z", window_of("2027-02-10T00:00:00Z", "2027-02-12T00:00:00Z"));
  BOOST_TEST(decision.verdict == RenewalVerdict::expired);
  BOOST_TEST(decision.trigger == RenewalTrigger::none);
}

BOOST_AUTO_TEST_CASE(six_day_certificate_with_window) {
  // A 6-day certificate renews with 2 days left by days; its window can
  // start earlier than that.
  const TimePoint not_before = at("2027-01-01T00:00:00Z");
  const TimePoint not_after = not_before + days(6);
  const RenewalWindow window = window_of("2027-01-04T00:00:00Z", "2027-01-04T12:00:00Z");
  const auto before = decide_renewal(RenewalInputs{not_before, not_after, 30, at("2027-01-03T23:00:00Z"), window});
  BOOST_TEST(before.verdict == RenewalVerdict::valid);
  BOOST_TEST(before.effective_threshold_days == 2);
  const auto inside = decide_renewal(RenewalInputs{not_before, not_after, 30, at("2027-01-04T01:00:00Z"), window});
  BOOST_TEST(due_by_window(inside));
}

BOOST_AUTO_TEST_CASE(reason_shows_window) {
  DesiredState desired = two_server_desired();
  StoreObservation stored;
  stored.current = with_key(valid_certificate());  // 58 days left at test_now()
  RenewalWindow window = window_of("2026-12-20T00:00:00Z", "2026-12-22T00:00:00Z");
  window.explanation_url = "https://ca.example/why";

  const auto reason = issue_reason(desired.domains.front(), stored, 30, ForceRenewal::no, test_now(), window);
  BOOST_REQUIRE(reason.has_value());
  BOOST_TEST(reason->code == ReasonCode::renewal_due);
  BOOST_TEST(reason->message ==
             "the CA suggests renewal between 2026-12-20 00:00 UTC and 2026-12-22 00:00 UTC (ACME Renewal "
             "Information); expires 2027-02-17 00:00 UTC, 58 days left; see https://ca.example/why");

  const auto later = issue_reason(desired.domains.front(), stored, 30, ForceRenewal::no, test_now(),
                                  window_of("2027-01-20T00:00:00Z", "2027-01-22T00:00:00Z"));
  BOOST_TEST(!later.has_value());
}

BOOST_AUTO_TEST_CASE(planner_uses_fetched_windows) {
  const DesiredState desired = two_server_desired();
  const ObservedState observed = all_in_place(desired, valid_certificate());

  FakeStore store;
  store.put("example.com", CertificateFiles{"CHAIN-1", SecretString(std::string("KEY"))});
  FakeRenewalInfo source;
  source.answers.emplace("CHAIN-1", std::optional<RenewalWindow>{
                                        window_of("2026-12-20T00:00:00Z", "2026-12-22T00:00:00Z")});

  PlanPolicy policy;
  const RenewalWindowFetch fetched = fetch_renewal_windows({"example.com"}, store, source);
  BOOST_TEST(fetched.failures.empty());
  BOOST_TEST(source.asked == std::vector<std::string>{"CHAIN-1"}, boost::test_tools::per_element());
  policy.renewal_windows = fetched.windows;

  const Plan plan = make_plan(desired, observed, policy, test_now());
  BOOST_REQUIRE(!plan.actions.empty());
  BOOST_TEST(plan.actions.front().id == "issue:example.com");
  BOOST_TEST(plan.actions.front().reason.message.starts_with("the CA suggests renewal between 2026-12-20 00:00 UTC"));

  // The same certificate with a window next month needs nothing.
  policy.renewal_windows["example.com"] = window_of("2027-01-20T00:00:00Z", "2027-01-22T00:00:00Z");
  BOOST_TEST(make_plan(desired, observed, policy, test_now()).actions.empty());
}

BOOST_AUTO_TEST_CASE(failed_fetch_is_reported_not_fatal) {
  FakeStore store;
  store.put("example.com", CertificateFiles{"CHAIN-1", SecretString(std::string("KEY"))});
  store.put("example.org", CertificateFiles{"CHAIN-2", SecretString(std::string("KEY"))});
  FakeRenewalInfo source;
  source.answers.emplace("CHAIN-1", make_error(ErrorKind::unreachable, "renewalInfo: connection refused"));
  source.answers.emplace("CHAIN-2", std::optional<RenewalWindow>{
                                        window_of("2026-12-20T00:00:00Z", "2026-12-22T00:00:00Z")});

  const RenewalWindowFetch fetched = fetch_renewal_windows({"example.com", "example.org", "example.net"}, store, source);
  BOOST_TEST(fetched.failures == std::vector<std::string>{"example.com: renewalInfo: connection refused"},
             boost::test_tools::per_element());
  BOOST_TEST(fetched.windows.size() == 1u);
  BOOST_TEST(fetched.windows.count("example.org") == 1u);
  // example.net has nothing stored, so nothing is asked for it.
  BOOST_TEST(source.asked.size() == 2u);
}

BOOST_AUTO_TEST_CASE(backoff_stretched_by_ca_retry_after) {
  const std::string digest = issue_config_digest({"example.com"}, KeyType::ec256, "ionos");
  const TimePoint now = at("2026-12-04T01:00:00Z");

  // The CA's Retry-After is 3 hours, longer than the first 1 h step.
  const auto stretched = next_backoff(std::nullopt, digest, "rate limited", now, at("2026-12-04T04:00:00Z"));
  BOOST_TEST(format_rfc3339(stretched.next_attempt) == "2026-12-04T04:00:00Z");

  // A shorter wait of the CA does not shorten the backoff.
  const auto unchanged = next_backoff(std::nullopt, digest, "rate limited", now, at("2026-12-04T01:05:00Z"));
  BOOST_TEST(format_rfc3339(unchanged.next_attempt) == "2026-12-04T02:00:00Z");

  // Beyond the 24 h cap the CA's time still wins.
  const auto long_wait = next_backoff(stretched, digest, "rate limited", now, at("2026-12-07T00:00:00Z"));
  BOOST_TEST(long_wait.failures == 2);
  BOOST_TEST(format_rfc3339(long_wait.next_attempt) == "2026-12-07T00:00:00Z");
}

BOOST_AUTO_TEST_CASE(profile_change_ends_backoff) {
  const std::string without = issue_config_digest({"example.com"}, KeyType::ec256, "ionos");
  BOOST_TEST(issue_config_digest({"example.com"}, KeyType::ec256, "ionos", "") == without);
  const std::string classic = issue_config_digest({"example.com"}, KeyType::ec256, "ionos", "classic");
  BOOST_TEST(classic != without);
  BOOST_TEST(issue_config_digest({"example.com"}, KeyType::ec256, "ionos", "shortlived") != classic);

  const auto record = next_backoff(std::nullopt, classic, "failed", at("2026-12-04T01:00:00Z"));
  BOOST_TEST(backoff_active(record, classic, at("2026-12-04T01:30:00Z")));
  BOOST_TEST(!backoff_active(record, without, at("2026-12-04T01:30:00Z")));
}

namespace {

// An issuer that fails and names a time the CA gave.
class RefusedIssuer final : public Issuer {
 public:
  Result<CertificateFiles> issue(const IssueRequest&) override {
    return make_error(ErrorKind::rejected, "newOrder failed: rateLimited");
  }
  std::optional<TimePoint> retry_not_before(const std::string& domain) const override {
    if (domain == "example.com") return at("2026-12-04T09:00:00Z");
    return std::nullopt;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(recording_issuer_uses_ca_time) {
  const auto state_dir = std::filesystem::temp_directory_path() / ("certplan-window-test-" + std::to_string(getpid()));
  std::filesystem::remove_all(state_dir);
  RefusedIssuer inner;
  FakeClock clock(at("2026-12-04T01:00:00Z"));
  BackoffRecordingIssuer issuer(inner, state_dir, clock);

  const IssueRequest request{"example.com", {"example.com"}, KeyType::ec256, "ionos", "classic", ""};
  BOOST_REQUIRE(issuer.issue(request).has_error());
  BOOST_TEST((issuer.retry_not_before("example.com") == std::optional<TimePoint>(at("2026-12-04T09:00:00Z"))));

  const auto record = load_backoff(state_dir, "example.com");
  BOOST_REQUIRE(record.has_value());
  BOOST_REQUIRE(record.value().has_value());
  BOOST_TEST(format_rfc3339(record.value()->next_attempt) == "2026-12-04T09:00:00Z");
  BOOST_TEST(record.value()->config_digest ==
             issue_config_digest({"example.com"}, KeyType::ec256, "ionos", "classic"));
  std::filesystem::remove_all(state_dir);
}
