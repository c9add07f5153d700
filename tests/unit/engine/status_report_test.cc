#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/status_report.h"
#include "plan_fixtures.h"

using namespace certplan;
using namespace certplan::testing;

namespace {

// example.com ok on webserver-01 and drifting on webserver-02; example.org
// is in no store and missing on webserver-02.
std::vector<DomainStatus> mixed_status() {
  auto desired = two_server_desired();
  add_domain(desired, "example.org", {"webserver-02"});
  auto observed = all_in_place(desired, valid_certificate());
  place(observed, "webserver-02", "example.com", older_certificate());
  return collect_status(desired, observed, test_now());
}

}  // namespace

BOOST_AUTO_TEST_CASE(status_text_table) {
  std::string expected =
      "DOMAIN       WHERE         FILES    SERVED   EXPIRES               DAYS LEFT  STATE\n"
      "example.com  store         3f:2a:…  -        2027-02-17 00:00 UTC  58         ok\n"
      "example.com  webserver-01  3f:2a:…  3f:2a:…  2027-02-17 00:00 UTC  58         ok\n"
      "example.com  webserver-02  9c:11:…  9c:11:…  2027-01-02 00:00 UTC  12         drift\n"
      "example.org  store         -        -        -                     -          missing\n"
      "example.org  webserver-02  -        -        -                     -          missing\n"
      "\n"
      "example.com on webserver-02: files hold 9c:11:… but the store has 3f:2a:…\n"
      "example.org on webserver-02: no certificate files\n";
  BOOST_TEST(render_status_text(mixed_status()) == expected);
}

BOOST_AUTO_TEST_CASE(status_json_has_full_fingerprints) {
  nlohmann::json expected = nlohmann::json::parse(R"({"domains": [
    {"domain": "example.com",
     "store": {"fingerprint": "3f:2a:10:01", "not_after": "2027-02-17T00:00:00Z", "days_left": 58,
               "state": "ok", "detail": ""},
     "servers": [
       {"server": "webserver-01", "deployed_fingerprint": "3f:2a:10:01", "served_fingerprint": "3f:2a:10:01",
        "not_after": "2027-02-17T00:00:00Z", "days_left": 58, "agreement": "ok", "detail": ""},
       {"server": "webserver-02", "deployed_fingerprint": "9c:11:20:02", "served_fingerprint": "9c:11:20:02",
        "not_after": "2027-01-02T00:00:00Z", "days_left": 12, "agreement": "drift",
        "detail": "files hold 9c:11:… but the store has 3f:2a:…"}]},
    {"domain": "example.org",
     "store": {"fingerprint": "", "not_after": null, "days_left": null, "state": "missing", "detail": ""},
     "servers": [
       {"server": "webserver-02", "deployed_fingerprint": "", "served_fingerprint": "", "not_after": null,
        "days_left": null, "agreement": "missing", "detail": "no certificate files"}]}
  ]})");
  BOOST_TEST(status_to_json(mixed_status()) == expected);
}

BOOST_AUTO_TEST_CASE(status_of_unreachable_server_and_renewal) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, older_certificate());
  observed.servers["webserver-01"] = unreachable("could not connect to 127.0.0.11:22: timed out");
  auto status = collect_status(desired, observed, test_now());

  BOOST_REQUIRE(status.size() == 1u);
  BOOST_TEST(status[0].store_state == "renewal due");
  BOOST_REQUIRE(status[0].servers.size() == 2u);
  BOOST_TEST(status[0].servers[0].server == "webserver-01");
  BOOST_TEST(agreement_name(status[0].servers[0].agreement) == "unreachable");
  BOOST_TEST(status[0].servers[0].detail == "could not connect to 127.0.0.11:22: timed out");
  BOOST_TEST(agreement_name(status[0].servers[1].agreement) == "ok");
}

BOOST_AUTO_TEST_CASE(status_drift_when_serving_other_certificate) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-02"].served["example.com"].leaf = share_facts(older_certificate());
  auto status = collect_status(desired, observed, test_now());

  const ServerStatus& server = status[0].servers[1];
  BOOST_TEST(agreement_name(server.agreement) == "drift");
  BOOST_TEST(server.detail == "serves 9c:11:… but the files hold 3f:2a:…");
  BOOST_TEST(server.served_fingerprint == "9c:11:20:02");
}

BOOST_AUTO_TEST_CASE(status_store_expired_and_unreadable) {
  auto desired = two_server_desired();
  add_domain(desired, "example.org", {});
  auto expired = make_facts({"example.com", "www.example.com"}, at("2026-09-18T00:00:00Z"),
                            at("2026-12-17T00:00:00Z"), "e1:e1:00:01");
  auto observed = all_in_place(desired, expired);
  observed.store["example.org"].error = "cannot read example.org.key: permission denied";
  auto status = collect_status(desired, observed, test_now());

  BOOST_TEST(status[0].store_state == "expired");
  BOOST_TEST(status[0].days_left.value_or(0) == -4);
  BOOST_TEST(status[1].store_state == "error");
  BOOST_TEST(status[1].store_detail == "cannot read example.org.key: permission denied");
}
