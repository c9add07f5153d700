#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "engine/issue_backoff.h"
#include "engine/plan_time.h"
#include "engine/planner.h"
#include "plan_fixtures.h"
#include "tests/unit/support/fake_clock.h"
#include "tests/unit/support/temporary_directory.h"

using namespace certplan;
using certplan::testing::at;

namespace {

const std::string kDigest = issue_config_digest({"example.com", "www.example.com"}, KeyType::ec256, "ionos");

}  // namespace

BOOST_AUTO_TEST_CASE(delay_doubles_up_to_a_day) {
  BOOST_TEST(backoff_delay(1).count() == 3600);
  BOOST_TEST(backoff_delay(2).count() == 2 * 3600);
  BOOST_TEST(backoff_delay(3).count() == 4 * 3600);
  BOOST_TEST(backoff_delay(5).count() == 16 * 3600);
  BOOST_TEST(backoff_delay(6).count() == 24 * 3600);
  BOOST_TEST(backoff_delay(40).count() == 24 * 3600);
}

BOOST_AUTO_TEST_CASE(digest_ignores_name_order) {
  BOOST_TEST(issue_config_digest({"www.example.com", "example.com"}, KeyType::ec256, "ionos") == kDigest);
  BOOST_TEST(kDigest.starts_with("sha256:"));
  BOOST_TEST(kDigest.size() == 7u + 64u);
  BOOST_TEST(issue_config_digest({"example.com"}, KeyType::ec256, "ionos") != kDigest);
  BOOST_TEST(issue_config_digest({"example.com", "www.example.com"}, KeyType::rsa2048, "ionos") !=
             kDigest);
  BOOST_TEST(issue_config_digest({"example.com", "www.example.com"}, KeyType::ec256, "exec") != kDigest);
}

BOOST_AUTO_TEST_CASE(count_resets_when_config_changes) {
  const auto first = next_backoff(std::nullopt, kDigest, "one", at("2026-12-04T01:00:00Z"));
  BOOST_TEST(first.failures == 1);
  BOOST_TEST(format_rfc3339(first.next_attempt) == "2026-12-04T02:00:00Z");

  const auto second = next_backoff(first, kDigest, "two", at("2026-12-04T03:00:00Z"));
  BOOST_TEST(second.failures == 2);
  BOOST_TEST(second.error == "two");
  BOOST_TEST(format_rfc3339(second.next_attempt) == "2026-12-04T05:00:00Z");

  const auto changed = next_backoff(second, "sha256:other", "three", at("2026-12-04T06:00:00Z"));
  BOOST_TEST(changed.failures == 1);
  BOOST_TEST(format_rfc3339(changed.next_attempt) == "2026-12-04T07:00:00Z");
}

BOOST_AUTO_TEST_CASE(active_until_next_attempt) {
  const auto record = next_backoff(std::nullopt, kDigest, "failed", at("2026-12-04T01:00:00Z"));
  BOOST_TEST(backoff_active(record, kDigest, at("2026-12-04T01:59:59Z")));
  BOOST_TEST(!backoff_active(record, kDigest, at("2026-12-04T02:00:00Z")));
  BOOST_TEST(!backoff_active(record, "sha256:changed", at("2026-12-04T01:30:00Z")));
}

BOOST_AUTO_TEST_CASE(warning_names_count_times_and_error) {
  auto record = next_backoff(std::nullopt, kDigest, "rate limited", at("2026-12-04T01:00:00Z"));
  BOOST_TEST(backoff_warning("example.com", record) ==
             "example.com: issuance failed 1 time, last at 2026-12-04 01:00 UTC (rate limited); "
             "next attempt after 2026-12-04 02:00 UTC");

  record = next_backoff(record, kDigest, "DNS timed out", at("2026-12-04T03:00:00Z"));
  BOOST_TEST(backoff_warning("example.com", record) ==
             "example.com: issuance failed 2 times, last at 2026-12-04 03:00 UTC (DNS timed out); "
             "next attempt after 2026-12-04 05:00 UTC");
}

BOOST_AUTO_TEST_CASE(record_file_round_trip) {
  testing::TemporaryDirectory state;
  BOOST_TEST(!load_backoff(state.path(), "*.example.com").value().has_value());

  auto first = record_issue_failure(state.path(), "*.example.com", kDigest, "failed once",
                                    at("2026-12-04T01:00:00Z"));
  BOOST_REQUIRE(first.has_value());
  auto second = record_issue_failure(state.path(), "*.example.com", kDigest, "failed twice",
                                     at("2026-12-04T03:00:00Z"));
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST(second.value().failures == 2);

  const auto path = state.path() / "backoff" / "_wildcard.example.com.json";
  BOOST_TEST(backoff_path(state.path(), "*.example.com") == path);
  struct stat status {};
  BOOST_REQUIRE(::stat(path.c_str(), &status) == 0);
  BOOST_TEST((status.st_mode & 07777) == 0600u);

  auto loaded = load_backoff(state.path(), "*.example.com");
  BOOST_REQUIRE(loaded.has_value());
  BOOST_REQUIRE(loaded.value().has_value());
  BOOST_TEST(loaded.value()->failures == 2);
  BOOST_TEST(loaded.value()->error == "failed twice");
  BOOST_TEST(loaded.value()->config_digest == kDigest);
  BOOST_TEST(format_rfc3339(loaded.value()->last_failure) == "2026-12-04T03:00:00Z");
  BOOST_TEST(format_rfc3339(loaded.value()->next_attempt) == "2026-12-04T05:00:00Z");

  auto records = load_backoff_records(state.path(), {"*.example.com", "other.example.com"});
  BOOST_REQUIRE(records.has_value());
  BOOST_TEST(records.value().size() == 1u);
  BOOST_TEST(records.value().count("*.example.com") == 1u);

  BOOST_REQUIRE(clear_backoff(state.path(), "*.example.com").has_value());
  BOOST_TEST(!std::filesystem::exists(path));
  BOOST_TEST(clear_backoff(state.path(), "*.example.com").has_value());
}

BOOST_AUTO_TEST_CASE(invalid_record_is_reported) {
  testing::TemporaryDirectory state;
  std::filesystem::create_directories(state.path() / "backoff");
  const auto path = state.path() / "backoff" / "example.com.json";
  std::ofstream(path) << "{\"version\": 7}";

  auto loaded = load_backoff(state.path(), "example.com");
  BOOST_REQUIRE(loaded.has_error());
  BOOST_TEST((loaded.error().kind == ErrorKind::invalid));
  BOOST_TEST(loaded.error().message == "the backoff record " + path.string() +
                                           " is invalid (unknown version); delete it to allow the "
                                           "next issue");

  // A new failure replaces the unreadable record and starts the count anew.
  auto recorded = record_issue_failure(state.path(), "example.com", kDigest, "x", at("2026-12-04T01:00:00Z"));
  BOOST_REQUIRE(recorded.has_value());
  BOOST_TEST(recorded.value().failures == 1);
}

namespace {

// example.com (with www.example.com) on two reachable servers, nothing stored.
struct NewDomainCase {
  DesiredState desired = certplan::testing::two_server_desired();
  ObservedState observed;
  PlanPolicy policy;

  NewDomainCase() {
    observed.servers["webserver-01"].reachable = true;
    observed.servers["webserver-02"].reachable = true;
  }

  // A second failure at 03:00 after one at 01:00, with the current configuration.
  void add_backoff() {
    const DomainConfig& domain = desired.domains.front();
    const std::string digest = issue_config_digest(domain.names(), domain.key_type, domain.dns_provider);
    auto record = next_backoff(std::nullopt, digest, "first", at("2026-12-04T01:00:00Z"));
    policy.backoff["example.com"] = next_backoff(record, digest, "rate limited", at("2026-12-04T03:00:00Z"));
  }

  Plan plan(const char* now) const { return make_plan(desired, observed, policy, at(now)); }
};

const std::string kBackoffWarning =
    "example.com: issuance failed 2 times, last at 2026-12-04 03:00 UTC (rate limited); "
    "next attempt after 2026-12-04 05:00 UTC";

}  // namespace

BOOST_AUTO_TEST_CASE(planner_holds_back_issue_in_backoff) {
  NewDomainCase test;
  test.add_backoff();

  const Plan plan = test.plan("2026-12-04T04:00:00Z");
  BOOST_TEST(plan.actions.empty());
  BOOST_TEST(plan.warnings == std::vector<std::string>{kBackoffWarning}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(planner_issues_after_backoff_ends) {
  NewDomainCase test;
  test.add_backoff();

  const Plan plan = test.plan("2026-12-04T05:00:00Z");
  BOOST_REQUIRE(!plan.actions.empty());
  BOOST_TEST(plan.actions.front().id == "issue:example.com");
  BOOST_TEST(plan.warnings.empty());
}

BOOST_AUTO_TEST_CASE(planner_ignores_backoff_when_forced) {
  NewDomainCase test;
  test.add_backoff();
  test.policy.force_renew = {"example.com"};

  const Plan plan = test.plan("2026-12-04T04:00:00Z");
  BOOST_REQUIRE(!plan.actions.empty());
  BOOST_TEST(plan.actions.front().id == "issue:example.com");
  BOOST_TEST(plan.warnings.empty());
}

BOOST_AUTO_TEST_CASE(planner_ignores_backoff_after_config_change) {
  NewDomainCase test;
  test.add_backoff();
  test.desired.domains.front().key_type = KeyType::rsa2048;

  const Plan plan = test.plan("2026-12-04T04:00:00Z");
  BOOST_REQUIRE(!plan.actions.empty());
  BOOST_TEST(plan.actions.front().id == "issue:example.com");
  BOOST_TEST(plan.warnings.empty());
}

BOOST_AUTO_TEST_CASE(planner_deploys_stored_while_in_backoff) {
  // A stored certificate that is due for renewal is still deployed to a
  // server that lacks it while the renewal is held back.
  NewDomainCase test;
  test.add_backoff();
  const auto facts = certplan::testing::make_facts({"example.com", "www.example.com"},
                                                   at("2026-11-01T00:00:00Z"), at("2026-12-20T00:00:00Z"), "fp1");
  test.observed.store["example.com"].current = certplan::testing::with_key(facts);
  certplan::testing::place(test.observed, "webserver-01", "example.com", facts);

  const Plan plan = test.plan("2026-12-04T04:00:00Z");
  BOOST_TEST(plan.find("issue:example.com") == nullptr);
  BOOST_TEST(plan.find("deploy:example.com@webserver-02") != nullptr);
  BOOST_TEST(plan.find("deploy:example.com@webserver-01") == nullptr);
  BOOST_TEST(plan.warnings == std::vector<std::string>{kBackoffWarning}, boost::test_tools::per_element());
}

namespace {

// An issuer that fails while `error` is set and succeeds otherwise.
class ScriptedIssuer final : public Issuer {
 public:
  Result<CertificateFiles> issue(const IssueRequest&) override {
    if (!error.empty()) return make_error(ErrorKind::failed, error);
    return CertificateFiles{"chain", SecretString("key")};
  }
  std::string error;
};

}  // namespace

BOOST_AUTO_TEST_CASE(recording_issuer_counts_and_clears) {
  testing::TemporaryDirectory state;
  ScriptedIssuer inner;
  certplan::testing::FakeClock clock(at("2026-12-04T01:00:00Z"));
  BackoffRecordingIssuer issuer(inner, state.path(), clock);
  const IssueRequest request{"example.com", {"example.com", "www.example.com"}, KeyType::ec256, "ionos"};

  inner.error = "DNS timed out";
  BOOST_TEST(issuer.issue(request).has_error());
  clock.set(at("2026-12-04T03:00:00Z"));
  const auto failed = issuer.issue(request);
  BOOST_REQUIRE(failed.has_error());
  BOOST_TEST(failed.error().message == "DNS timed out");

  auto record = load_backoff(state.path(), "example.com");
  BOOST_REQUIRE(record.has_value());
  BOOST_REQUIRE(record.value().has_value());
  BOOST_TEST(backoff_warning("example.com", *record.value()) ==
             "example.com: issuance failed 2 times, last at 2026-12-04 03:00 UTC (DNS timed out); "
             "next attempt after 2026-12-04 05:00 UTC");
  BOOST_TEST(record.value()->config_digest == kDigest);

  inner.error.clear();
  BOOST_TEST(issuer.issue(request).has_value());
  BOOST_TEST(!std::filesystem::exists(backoff_path(state.path(), "example.com")));
  BOOST_TEST(issuer.warnings().empty());
}

BOOST_AUTO_TEST_CASE(recording_issuer_warns_on_write_failure) {
  testing::TemporaryDirectory state;
  // A regular file where the backoff directory belongs makes every write fail.
  std::ofstream(state.path() / "backoff") << "not a directory";
  ScriptedIssuer inner;
  inner.error = "CA down";
  certplan::testing::FakeClock clock(at("2026-12-04T01:00:00Z"));
  BackoffRecordingIssuer issuer(inner, state.path(), clock);

  const auto failed = issuer.issue(IssueRequest{"example.com", {"example.com"}, KeyType::ec256, "ionos"});
  BOOST_REQUIRE(failed.has_error());
  BOOST_TEST(failed.error().message == "CA down");
  BOOST_REQUIRE_EQUAL(issuer.warnings().size(), 1u);
  BOOST_TEST(issuer.warnings().front().starts_with("recording the failed issue of example.com: "));
}
