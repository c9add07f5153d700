#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/plan_text.h"
#include "engine/planner.h"
#include "plan_fixtures.h"

using namespace certplan;
using namespace certplan::testing;

namespace {

Plan plan_for(const DesiredState& desired, const ObservedState& observed, PlanPolicy policy = {}) {
  return make_plan(desired, observed, policy, test_now());
}

ObservedState empty_servers() {
  ObservedState observed;
  observed.servers["webserver-01"].reachable = true;
  observed.servers["webserver-02"].reachable = true;
  return observed;
}

}  // namespace

BOOST_AUTO_TEST_CASE(text_of_new_domain) {
  auto desired = two_server_desired();
  std::string expected =
      "Symbols:\n"
      "    + create\n"
      "    ~ update in place\n"
      "\n"
      "Local store:\n"
      "    + issue:example.com\n"
      "        not_present: the local store has no certificate for example.com\n"
      "\n"
      "Host webserver-01:\n"
      "    + deploy:example.com@webserver-01\n"
      "        not_present: webserver-01 receives the certificate from issue:example.com\n"
      "    ~ reload:webserver-01\n"
      "        not_present: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-01\n"
      "        not_present: webserver-01 receives the certificate from issue:example.com\n"
      "\n"
      "Host webserver-02:\n"
      "    + deploy:example.com@webserver-02\n"
      "        not_present: webserver-02 receives the certificate from issue:example.com\n"
      "    ~ reload:webserver-02\n"
      "        not_present: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-02\n"
      "        not_present: webserver-02 receives the certificate from issue:example.com\n"
      "\n"
      "Plan: 1 to issue, 2 to deploy, 2 hosts to reload, 2 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, empty_servers())) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_renewal_due) {
  auto desired = two_server_desired();
  std::string expected =
      "Symbols:\n"
      "    ~ update in place\n"
      "  -/+ replace with a new key\n"
      "\n"
      "Local store:\n"
      "  -/+ issue:example.com\n"
      "        renewal_due: expires 2027-01-02 00:00 UTC, 12 days left, threshold 30\n"
      "\n"
      "Host webserver-01:\n"
      "    ~ deploy:example.com@webserver-01\n"
      "        renewal_due: webserver-01 receives the certificate from issue:example.com\n"
      "    ~ reload:webserver-01\n"
      "        renewal_due: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-01\n"
      "        renewal_due: webserver-01 receives the certificate from issue:example.com\n"
      "\n"
      "Host webserver-02:\n"
      "    ~ deploy:example.com@webserver-02\n"
      "        renewal_due: webserver-02 receives the certificate from issue:example.com\n"
      "    ~ reload:webserver-02\n"
      "        renewal_due: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-02\n"
      "        renewal_due: webserver-02 receives the certificate from issue:example.com\n"
      "\n"
      "Plan: 1 to issue, 2 to deploy, 2 hosts to reload, 2 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, all_in_place(desired, older_certificate()))) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_expired) {
  auto desired = two_server_desired();
  desired.domains[0].targets.pop_back();
  auto expired = make_facts({"example.com", "www.example.com"}, at("2026-09-18T00:00:00Z"),
                            at("2026-12-17T00:00:00Z"), "e1:e1:00:01");
  std::string expected =
      "Symbols:\n"
      "    ~ update in place\n"
      "  -/+ replace with a new key\n"
      "\n"
      "Local store:\n"
      "  -/+ issue:example.com\n"
      "        expired: expired 2026-12-17 00:00 UTC, 4 days ago\n"
      "\n"
      "Host webserver-01:\n"
      "    ~ deploy:example.com@webserver-01\n"
      "        expired: webserver-01 receives the certificate from issue:example.com\n"
      "    ~ reload:webserver-01\n"
      "        expired: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-01\n"
      "        expired: webserver-01 receives the certificate from issue:example.com\n"
      "\n"
      "Plan: 1 to issue, 1 to deploy, 1 host to reload, 1 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, all_in_place(desired, expired))) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_file_drift) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  place(observed, "webserver-01", "example.com", older_certificate());
  std::string expected =
      "Symbols:\n"
      "    ~ update in place\n"
      "\n"
      "Host webserver-01:\n"
      "    ~ deploy:example.com@webserver-01\n"
      "        file_drift: webserver-01 holds 9c:11:… but the store has 3f:2a:…\n"
      "    ~ reload:webserver-01\n"
      "        file_drift: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-01\n"
      "        file_drift: webserver-01 holds 9c:11:… but the store has 3f:2a:…\n"
      "\n"
      "Plan: 0 to issue, 1 to deploy, 1 host to reload, 1 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, observed)) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_served_mismatch) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-02"].served["example.com"].leaf = share_facts(older_certificate());
  std::string expected =
      "Symbols:\n"
      "    ~ update in place\n"
      "\n"
      "Host webserver-02:\n"
      "    ~ reload:webserver-02\n"
      "        served_mismatch: example.com: webserver-02 serves 9c:11:… but its files hold 3f:2a:…\n"
      "    ~ verify:example.com@webserver-02\n"
      "        served_mismatch: webserver-02 serves 9c:11:… but its files hold 3f:2a:…\n"
      "\n"
      "Plan: 0 to issue, 0 to deploy, 1 host to reload, 1 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, observed)) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_key_mismatch_on_server) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-01"].files["example.com"].deployed = with_key(valid_certificate(), KeyState::missing);
  std::string expected =
      "Symbols:\n"
      "    ~ update in place\n"
      "\n"
      "Host webserver-01:\n"
      "    ~ deploy:example.com@webserver-01\n"
      "        key_mismatch: webserver-01 has no private key for example.com\n"
      "    ~ reload:webserver-01\n"
      "        key_mismatch: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-01\n"
      "        key_mismatch: webserver-01 has no private key for example.com\n"
      "\n"
      "Plan: 0 to issue, 1 to deploy, 1 host to reload, 1 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, observed)) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_names_and_key_type_changes) {
  auto desired = two_server_desired();
  desired.domains[0].targets.clear();
  desired.domains[0].alt_names = {};
  add_domain(desired, "example.org", {});
  desired.domains[1].key_type = KeyType::rsa3072;

  ObservedState observed;
  observed.store["example.com"].current = with_key(valid_certificate());
  observed.store["example.org"].current =
      with_key(make_facts({"example.org"}, at("2026-11-19T00:00:00Z"), at("2027-02-17T00:00:00Z"), "0a:0b:0c:0d"));
  std::string expected =
      "Symbols:\n"
      "  -/+ replace with a new key\n"
      "\n"
      "Local store:\n"
      "  -/+ issue:example.com\n"
      "        names_changed: names in domains.yaml changed: removed www.example.com\n"
      "  -/+ issue:example.org\n"
      "        key_type_changed: the stored key is ec-256 but domains.yaml asks for rsa-3072\n"
      "\n"
      "Plan: 2 to issue, 0 to deploy, 0 hosts to reload, 0 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, observed)) == expected);
}

BOOST_AUTO_TEST_CASE(text_with_warnings_first) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-02"] = unreachable("could not connect to 127.0.0.12:22: connection refused");
  PlanPolicy policy;
  policy.force_renew = {"example.com"};
  policy.only_domains = {"example.com"};
  std::string expected =
      "Warnings:\n"
      "  ! This plan is partial: it covers only domain example.com; nothing else was checked or will be "
      "changed.\n"
      "  ! webserver-02 could not be observed, so nothing is planned for it: could not connect to "
      "127.0.0.12:22: connection refused\n"
      "\n"
      "Symbols:\n"
      "    ~ update in place\n"
      "  -/+ replace with a new key\n"
      "\n"
      "Local store:\n"
      "  -/+ issue:example.com\n"
      "        forced: --force-renew example.com; it expires 2027-02-17 00:00 UTC, 58 days left\n"
      "\n"
      "Host webserver-01:\n"
      "    ~ deploy:example.com@webserver-01\n"
      "        forced: webserver-01 receives the certificate from issue:example.com\n"
      "    ~ reload:webserver-01\n"
      "        forced: load the new files of example.com\n"
      "    ~ verify:example.com@webserver-01\n"
      "        forced: webserver-01 receives the certificate from issue:example.com\n"
      "\n"
      "Plan: 1 to issue, 1 to deploy, 1 host to reload, 1 to verify.\n";
  BOOST_TEST(render_plan_text(plan_for(desired, observed, policy)) == expected);
}

BOOST_AUTO_TEST_CASE(text_of_empty_plan) {
  auto desired = two_server_desired();
  BOOST_TEST(render_plan_text(plan_for(desired, all_in_place(desired, valid_certificate()))) ==
             "No changes. Every certificate is valid and deployed where it belongs.\n");
}

BOOST_AUTO_TEST_CASE(text_of_empty_plan_with_warning) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-01"] = unreachable("host key of 127.0.0.11 changed");
  BOOST_TEST(render_plan_text(plan_for(desired, observed)) ==
             "Warnings:\n"
             "  ! webserver-01 could not be observed, so nothing is planned for it: host key of 127.0.0.11 "
             "changed\n"
             "\n"
             "No changes in what could be checked; read the warnings above.\n");
}

BOOST_AUTO_TEST_CASE(text_with_ansi_color) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-02"].served["example.com"].leaf = share_facts(older_certificate());
  std::string expected =
      "Symbols:\n"
      "    \x1b[33m~\x1b[0m update in place\n"
      "\n"
      "Host webserver-02:\n"
      "    \x1b[33m~\x1b[0m reload:webserver-02\n"
      "        served_mismatch: example.com: webserver-02 serves 9c:11:… but its files hold 3f:2a:…\n"
      "    \x1b[33m~\x1b[0m verify:example.com@webserver-02\n"
      "        served_mismatch: webserver-02 serves 9c:11:… but its files hold 3f:2a:…\n"
      "\n"
      "\x1b[1mPlan: 0 to issue, 0 to deploy, 1 host to reload, 1 to verify.\x1b[0m\n";
  BOOST_TEST(render_plan_text(plan_for(desired, observed), TextColor::ansi) == expected);
}

BOOST_AUTO_TEST_CASE(summary_line_counts) {
  Plan plan;
  plan.actions.resize(5);
  plan.actions[0].kind = ActionKind::issue;
  plan.actions[1].kind = ActionKind::deploy;
  plan.actions[2].kind = ActionKind::deploy;
  plan.actions[3].kind = ActionKind::reload;
  plan.actions[4].kind = ActionKind::verify;
  BOOST_TEST(plan_summary_line(plan) == "Plan: 1 to issue, 2 to deploy, 1 host to reload, 1 to verify.");
}
