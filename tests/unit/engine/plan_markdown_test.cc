#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/gitlab_report.h"
#include "engine/plan_markdown.h"
#include "engine/planner.h"
#include "plan_fixtures.h"

using namespace certplan;
using namespace certplan::testing;

namespace {

Plan plan_for(const DesiredState& desired, const ObservedState& observed, PlanPolicy policy = {}) {
  return make_plan(desired, observed, policy, test_now());
}

}  // namespace

BOOST_AUTO_TEST_CASE(markdown_of_renewal_with_unreachable_server) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, older_certificate());
  observed.servers["webserver-02"] = unreachable("could not connect to 127.0.0.12:22: connection refused");
  std::string expected =
      "## certplan plan\n"
      "\n"
      "**Warnings**\n"
      "\n"
      "- webserver-02 could not be observed, so nothing is planned for it: could not connect to 127.0.0.12:22: "
      "connection refused\n"
      "\n"
      "**Plan: 1 to issue, 1 to deploy, 1 host to reload, 1 to verify.**\n"
      "\n"
      "### Local store\n"
      "\n"
      "| Action | Domain | Reason | Before | After |\n"
      "| --- | --- | --- | --- | --- |\n"
      "| `-/+ issue` | example.com | renewal_due: expires 2027-01-02 00:00 UTC, 12 days left, threshold 30 | "
      "`9c:11:…`, expires 2027-01-02 00:00 UTC | new certificate (ec-256) |\n"
      "\n"
      "### Host webserver-01\n"
      "\n"
      "| Action | Domain | Reason | Before | After |\n"
      "| --- | --- | --- | --- | --- |\n"
      "| `~ deploy` | example.com | renewal_due: webserver-01 receives the certificate from issue:example.com | "
      "`9c:11:…`, expires 2027-01-02 00:00 UTC | new certificate (ec-256) |\n"
      "| `~ reload` |  | renewal_due: load the new files of example.com |  |  |\n"
      "| `~ verify` | example.com | renewal_due: webserver-01 receives the certificate from issue:example.com | "
      "`9c:11:…`, expires 2027-01-02 00:00 UTC | new certificate (ec-256) |\n";
  BOOST_TEST(render_plan_markdown(plan_for(desired, observed)) == expected);
}

BOOST_AUTO_TEST_CASE(markdown_of_file_drift_names_both_certificates) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  place(observed, "webserver-02", "example.com", older_certificate());
  std::string expected =
      "## certplan plan\n"
      "\n"
      "**Plan: 0 to issue, 1 to deploy, 1 host to reload, 1 to verify.**\n"
      "\n"
      "### Host webserver-02\n"
      "\n"
      "| Action | Domain | Reason | Before | After |\n"
      "| --- | --- | --- | --- | --- |\n"
      "| `~ deploy` | example.com | file_drift: webserver-02 holds 9c:11:… but the store has 3f:2a:… | "
      "`9c:11:…`, expires 2027-01-02 00:00 UTC | `3f:2a:…`, expires 2027-02-17 00:00 UTC |\n"
      "| `~ reload` |  | file_drift: load the new files of example.com |  |  |\n"
      "| `~ verify` | example.com | file_drift: webserver-02 holds 9c:11:… but the store has 3f:2a:… | "
      "`9c:11:…`, expires 2027-01-02 00:00 UTC | `3f:2a:…`, expires 2027-02-17 00:00 UTC |\n";
  BOOST_TEST(render_plan_markdown(plan_for(desired, observed)) == expected);
}

BOOST_AUTO_TEST_CASE(markdown_of_empty_plan) {
  auto desired = two_server_desired();
  BOOST_TEST(render_plan_markdown(plan_for(desired, all_in_place(desired, valid_certificate()))) ==
             "## certplan plan\n"
             "\n"
             "**No changes. Every certificate is valid and deployed where it belongs.**\n");
}

BOOST_AUTO_TEST_CASE(markdown_escapes_table_cells) {
  Plan plan;
  Action action;
  action.id = "issue:*.example.com";
  action.kind = ActionKind::issue;
  action.domain = "*.example.com";
  action.reason = Reason{ReasonCode::forced, "a | b"};
  plan.actions.push_back(action);
  std::string expected =
      "## certplan plan\n"
      "\n"
      "**Plan: 1 to issue, 0 to deploy, 0 hosts to reload, 0 to verify.**\n"
      "\n"
      "### Local store\n"
      "\n"
      "| Action | Domain | Reason | Before | After |\n"
      "| --- | --- | --- | --- | --- |\n"
      "| `+ issue` | \\*.example.com | forced: a \\| b |  |  |\n";
  BOOST_TEST(render_plan_markdown(plan) == expected);
}

BOOST_AUTO_TEST_CASE(gitlab_report_counts_new_and_replaced) {
  auto desired = two_server_desired();
  add_domain(desired, "example.org", {"webserver-01"});
  auto observed = all_in_place(desired, older_certificate());
  Plan plan = plan_for(desired, observed);

  // example.com: one renewal and two redeploys; example.org: one first issue and one first deploy.
  BOOST_TEST(gitlab_report(plan).dump() == R"({"create":2,"delete":0,"update":3})");
}

BOOST_AUTO_TEST_CASE(gitlab_report_of_empty_plan) {
  BOOST_TEST(gitlab_report(Plan{}).dump() == R"({"create":0,"delete":0,"update":0})");
}
