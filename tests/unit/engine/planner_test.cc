#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/observation_digest.h"
#include "engine/planner.h"
#include "plan_fixtures.h"

using namespace certplan;
using namespace certplan::testing;

namespace {

std::vector<std::string> action_ids(const Plan& plan) {
  std::vector<std::string> ids;
  for (const auto& action : plan.actions) ids.push_back(action.id);
  return ids;
}

const Action& require_action(const Plan& plan, const std::string& id) {
  const Action* action = plan.find(id);
  if (action == nullptr) throw std::runtime_error("the plan has no action " + id);
  return *action;
}

using Ids = std::vector<std::string>;

Plan plan_for(const DesiredState& desired, const ObservedState& observed, PlanPolicy policy = {}) {
  return make_plan(desired, observed, policy, test_now());
}

}  // namespace

BOOST_AUTO_TEST_CASE(nothing_to_do_gives_empty_plan) {
  auto desired = two_server_desired();
  Plan plan = plan_for(desired, all_in_place(desired, valid_certificate()));

  BOOST_TEST(plan.empty());
  BOOST_TEST(plan.warnings.empty());
  BOOST_TEST(plan.config_digest == "c0ffee");
  BOOST_TEST(plan.store_digest.size() == 64u);
  BOOST_TEST(plan.host_digests.size() == 2u);
  BOOST_TEST(plan.host_digests.at("webserver-01").size() == 64u);
  BOOST_TEST((plan.created_at == test_now()));
}

BOOST_AUTO_TEST_CASE(new_domain_issued_and_deployed_everywhere) {
  auto desired = two_server_desired();
  ObservedState observed;
  observed.servers["webserver-01"].reachable = true;
  observed.servers["webserver-02"].reachable = true;

  Plan plan = plan_for(desired, observed);

  BOOST_TEST(action_ids(plan) == (Ids{"issue:example.com", "deploy:example.com@webserver-01", "reload:webserver-01",
                                      "verify:example.com@webserver-01", "deploy:example.com@webserver-02",
                                      "reload:webserver-02", "verify:example.com@webserver-02"}),
             boost::test_tools::per_element());

  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::not_present);
  BOOST_TEST(issue.reason.message == "the local store has no certificate for example.com");
  BOOST_TEST(!issue.new_key);
  BOOST_TEST(!issue.before);
  BOOST_REQUIRE(issue.after);
  BOOST_TEST(issue.after->fingerprint == "");
  BOOST_TEST(issue.after->names == (Ids{"example.com", "www.example.com"}), boost::test_tools::per_element());
  BOOST_TEST((issue.after->key_type == KeyType::ec256));
  BOOST_TEST(issue.depends_on.empty());

  const Action& deploy = require_action(plan, "deploy:example.com@webserver-02");
  BOOST_TEST(deploy.kind == ActionKind::deploy);
  BOOST_TEST(deploy.server == "webserver-02");
  BOOST_TEST(deploy.reason.code == ReasonCode::not_present);
  BOOST_TEST(deploy.reason.message == "webserver-02 receives the certificate from issue:example.com");
  BOOST_TEST(deploy.depends_on == (Ids{"issue:example.com"}), boost::test_tools::per_element());
  BOOST_TEST(!deploy.before);
  BOOST_REQUIRE(deploy.after);
  BOOST_TEST(deploy.after->fingerprint == "");

  const Action& reload = require_action(plan, "reload:webserver-02");
  BOOST_TEST(reload.domain == "");
  BOOST_TEST(reload.depends_on == (Ids{"deploy:example.com@webserver-02"}), boost::test_tools::per_element());
  BOOST_TEST(reload.reason.message == "load the new files of example.com");

  const Action& verify = require_action(plan, "verify:example.com@webserver-02");
  BOOST_TEST(verify.depends_on == (Ids{"reload:webserver-02"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(renewal_due_replaces_with_new_key) {
  auto desired = two_server_desired();
  Plan plan = plan_for(desired, all_in_place(desired, older_certificate()));

  BOOST_TEST(plan.actions.size() == 7u);
  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::renewal_due);
  BOOST_TEST(issue.reason.message == "expires 2027-01-02 00:00 UTC, 12 days left, threshold 30");
  BOOST_TEST(issue.new_key);
  BOOST_REQUIRE(issue.before);
  BOOST_TEST(issue.before->fingerprint == "9c:11:20:02");
  BOOST_TEST((issue.before->not_after == at("2027-01-02T00:00:00Z")));

  const Action& deploy = require_action(plan, "deploy:example.com@webserver-01");
  BOOST_TEST(deploy.reason.code == ReasonCode::renewal_due);
  BOOST_REQUIRE(deploy.before);
  BOOST_TEST(deploy.before->fingerprint == "9c:11:20:02");

  const Action& verify = require_action(plan, "verify:example.com@webserver-01");
  BOOST_REQUIRE(verify.before);
  BOOST_TEST(verify.before->fingerprint == "9c:11:20:02");
  BOOST_REQUIRE(verify.after);
  BOOST_TEST(verify.after->fingerprint == "");
}

BOOST_AUTO_TEST_CASE(renew_before_days_of_domain_wins) {
  auto desired = two_server_desired();
  desired.domains[0].renew_before_days = 10;
  Plan plan = plan_for(desired, all_in_place(desired, older_certificate()));

  BOOST_TEST(plan.empty());
}

BOOST_AUTO_TEST_CASE(expired_certificate_is_its_own_reason) {
  auto desired = two_server_desired();
  auto expired = make_facts({"example.com", "www.example.com"}, at("2026-09-18T00:00:00Z"),
                            at("2026-12-17T00:00:00Z"), "e1:e1:00:01");
  Plan plan = plan_for(desired, all_in_place(desired, expired));

  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::expired);
  BOOST_TEST(issue.reason.message == "expired 2026-12-17 00:00 UTC, 4 days ago");
}

BOOST_AUTO_TEST_CASE(names_changed_lists_added_and_removed) {
  auto desired = two_server_desired();
  desired.domains[0].alt_names = {"www.example.com", "api.example.com"};
  auto stored = make_facts({"example.com", "old.example.com", "www.example.com"}, at("2026-11-19T00:00:00Z"),
                           at("2027-02-17T00:00:00Z"), "3f:2a:10:01");
  Plan plan = plan_for(desired, all_in_place(desired, stored));

  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::names_changed);
  BOOST_TEST(issue.reason.message == "names in domains.yaml changed: added api.example.com; removed old.example.com");
  BOOST_REQUIRE(issue.after);
  BOOST_TEST(issue.after->names == (Ids{"api.example.com", "example.com", "www.example.com"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_type_changed_reissues) {
  auto desired = two_server_desired();
  desired.domains[0].key_type = KeyType::rsa2048;
  Plan plan = plan_for(desired, all_in_place(desired, valid_certificate()));

  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::key_type_changed);
  BOOST_TEST(issue.reason.message == "the stored key is ec-256 but domains.yaml asks for rsa-2048");
  BOOST_TEST(issue.new_key);
}

BOOST_AUTO_TEST_CASE(stored_key_mismatch_reissues) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.store["example.com"].current = with_key(valid_certificate(), KeyState::mismatched);
  Plan plan = plan_for(desired, observed);

  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::key_mismatch);
  BOOST_TEST(issue.reason.message == "the stored private key of example.com does not match its certificate");
}

BOOST_AUTO_TEST_CASE(key_mismatch_on_server_redeploys_there) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-02"].files["example.com"].deployed = with_key(valid_certificate(), KeyState::mismatched);
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(action_ids(plan) == (Ids{"deploy:example.com@webserver-02", "reload:webserver-02",
                                      "verify:example.com@webserver-02"}),
             boost::test_tools::per_element());
  const Action& deploy = plan.actions.front();
  BOOST_TEST(deploy.reason.code == ReasonCode::key_mismatch);
  BOOST_TEST(deploy.reason.message ==
             "webserver-02 holds a private key for example.com that does not match its certificate");
  BOOST_TEST(deploy.depends_on.empty());
  BOOST_REQUIRE(deploy.after);
  BOOST_TEST(deploy.after->fingerprint == "3f:2a:10:01");
}

BOOST_AUTO_TEST_CASE(file_drift_redeploys_store_certificate) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  place(observed, "webserver-01", "example.com", older_certificate());
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(action_ids(plan) == (Ids{"deploy:example.com@webserver-01", "reload:webserver-01",
                                      "verify:example.com@webserver-01"}),
             boost::test_tools::per_element());
  const Action& deploy = plan.actions.front();
  BOOST_TEST(deploy.reason.code == ReasonCode::file_drift);
  BOOST_TEST(deploy.reason.message == "webserver-01 holds 9c:11:… but the store has 3f:2a:…");
  BOOST_REQUIRE(deploy.before);
  BOOST_TEST(deploy.before->fingerprint == "9c:11:20:02");
  BOOST_TEST(plan.actions[1].reason.code == ReasonCode::file_drift);
}

BOOST_AUTO_TEST_CASE(actions_share_certificate_summaries) {
  // Both servers hold one shared copy of the older certificate, as
  // observation leaves it, so their actions share its summary and the
  // summary of the stored certificate.
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  const SharedFacts older = share_facts(older_certificate());
  for (const std::string server : {"webserver-01", "webserver-02"}) {
    observed.servers[server].files["example.com"].deployed = CertificateWithKey{older, true, true, KeyType::ec256};
    observed.servers[server].served["example.com"].leaf = older;
  }
  Plan plan = plan_for(desired, observed);

  const Action& first = require_action(plan, "deploy:example.com@webserver-01");
  const Action& second = require_action(plan, "deploy:example.com@webserver-02");
  BOOST_REQUIRE(first.before);
  BOOST_REQUIRE(first.after);
  BOOST_TEST(first.before->fingerprint == "9c:11:20:02");
  BOOST_TEST(first.after->fingerprint == "3f:2a:10:01");
  BOOST_TEST(first.before.get() == second.before.get());
  BOOST_TEST(first.after.get() == second.after.get());
  BOOST_TEST(require_action(plan, "verify:example.com@webserver-01").after.get() == first.after.get());
}

BOOST_AUTO_TEST_CASE(missing_files_on_one_server) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-02"].files.clear();
  observed.servers["webserver-02"].served.clear();
  Plan plan = plan_for(desired, observed);

  const Action& deploy = require_action(plan, "deploy:example.com@webserver-02");
  BOOST_TEST(deploy.reason.code == ReasonCode::not_present);
  BOOST_TEST(deploy.reason.message == "webserver-02 has no certificate for example.com");
  BOOST_TEST(plan.actions.size() == 3u);
}

BOOST_AUTO_TEST_CASE(served_mismatch_reloads_without_deploy) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-01"].served["example.com"].leaf = share_facts(older_certificate());
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(action_ids(plan) == (Ids{"reload:webserver-01", "verify:example.com@webserver-01"}),
             boost::test_tools::per_element());
  const Action& reload = plan.actions[0];
  BOOST_TEST(reload.reason.code == ReasonCode::served_mismatch);
  BOOST_TEST(reload.reason.message == "example.com: webserver-01 serves 9c:11:… but its files hold 3f:2a:…");
  BOOST_TEST(reload.depends_on.empty());

  const Action& verify = plan.actions[1];
  BOOST_TEST(verify.reason.message == "webserver-01 serves 9c:11:… but its files hold 3f:2a:…");
  BOOST_REQUIRE(verify.before);
  BOOST_TEST(verify.before->fingerprint == "9c:11:20:02");
  BOOST_REQUIRE(verify.after);
  BOOST_TEST(verify.after->fingerprint == "3f:2a:10:01");
}

BOOST_AUTO_TEST_CASE(unreachable_server_gets_warning_only) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, older_certificate());
  observed.servers["webserver-02"] = unreachable("could not connect to 127.0.0.12:22: connection refused");
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(action_ids(plan) == (Ids{"issue:example.com", "deploy:example.com@webserver-01",
                                      "reload:webserver-01", "verify:example.com@webserver-01"}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.warnings == (Ids{"webserver-02 could not be observed, so nothing is planned for it: could not "
                                   "connect to 127.0.0.12:22: connection refused"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(served_handshake_error_is_a_warning) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.servers["webserver-01"].served["example.com"].leaf.reset();
  observed.servers["webserver-01"].served["example.com"].error = "connection refused";
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(plan.empty());
  BOOST_TEST(plan.warnings == (Ids{"webserver-01 did not serve example.com over HTTPS: connection refused"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(store_read_error_skips_domain) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.store["example.com"].current.reset();
  observed.store["example.com"].error = "fullchain.cer is not a PEM certificate";
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(plan.empty());
  BOOST_TEST(plan.warnings == (Ids{"The local store entry of example.com could not be read, so nothing is planned "
                                   "for it: fullchain.cer is not a PEM certificate"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(store_note_becomes_warning) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  observed.store["example.com"].note = "an interrupted save was found; the previous pair is used";
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(plan.empty());
  BOOST_TEST(plan.warnings == (Ids{"The local store entry of example.com: an interrupted save was found; the "
                                   "previous pair is used"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(forced_renewal_of_valid_certificate) {
  auto desired = two_server_desired();
  PlanPolicy policy;
  policy.force_renew = {"example.com"};
  Plan plan = plan_for(desired, all_in_place(desired, valid_certificate()), policy);

  BOOST_TEST(plan.actions.size() == 7u);
  const Action& issue = require_action(plan, "issue:example.com");
  BOOST_TEST(issue.reason.code == ReasonCode::forced);
  BOOST_TEST(issue.reason.message == "--force-renew example.com; it expires 2027-02-17 00:00 UTC, 58 days left");
  BOOST_TEST(require_action(plan, "deploy:example.com@webserver-02").reason.code == ReasonCode::forced);
}

BOOST_AUTO_TEST_CASE(force_renew_of_unknown_domain_throws) {
  auto desired = two_server_desired();
  PlanPolicy policy;
  policy.force_renew = {"exmaple.com"};
  BOOST_CHECK_EXCEPTION(plan_for(desired, ObservedState{}, policy), std::invalid_argument,
                        [](const std::invalid_argument& error) {
                          return std::string(error.what()) ==
                                 "--force-renew exmaple.com is not a domain in domains.yaml; check the spelling";
                        });
}

BOOST_AUTO_TEST_CASE(server_filter_limits_plan_and_warns) {
  auto desired = two_server_desired();
  add_domain(desired, "example.org", {"webserver-02"});
  auto observed = all_in_place(desired, older_certificate());
  PlanPolicy policy;
  policy.only_servers = {"webserver-01"};
  Plan plan = plan_for(desired, observed, policy);

  BOOST_TEST(action_ids(plan) == (Ids{"issue:example.com", "deploy:example.com@webserver-01",
                                      "reload:webserver-01", "verify:example.com@webserver-01"}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.warnings == (Ids{"This plan is partial: it covers only server webserver-01; nothing else was "
                                   "checked or will be changed."}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.scope_servers == (Ids{"webserver-01"}), boost::test_tools::per_element());
  BOOST_TEST(plan.scope_domains.empty());
  BOOST_TEST(plan.host_digests.size() == 1u);
  BOOST_TEST(plan.host_digests.count("webserver-01") == 1u);
}

BOOST_AUTO_TEST_CASE(domain_filter_limits_plan_and_warns) {
  auto desired = two_server_desired();
  add_domain(desired, "example.org", {"webserver-02"});
  ObservedState observed;
  observed.servers["webserver-01"].reachable = true;
  observed.servers["webserver-02"].reachable = true;
  PlanPolicy policy;
  policy.only_domains = {"example.org"};
  Plan plan = plan_for(desired, observed, policy);

  BOOST_TEST(action_ids(plan) == (Ids{"issue:example.org", "deploy:example.org@webserver-02",
                                      "reload:webserver-02", "verify:example.org@webserver-02"}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.warnings == (Ids{"This plan is partial: it covers only domain example.org; nothing else was "
                                   "checked or will be changed."}),
             boost::test_tools::per_element());
  BOOST_TEST(plan.scope_domains == (Ids{"example.org"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_server_filter_throws) {
  auto desired = two_server_desired();
  PlanPolicy policy;
  policy.only_servers = {"webserver-09"};
  BOOST_CHECK_EXCEPTION(plan_for(desired, ObservedState{}, policy), std::invalid_argument,
                        [](const std::invalid_argument& error) {
                          return std::string(error.what()) ==
                                 "--server webserver-09 is not a server in servers.yaml; check the spelling";
                        });
}

BOOST_AUTO_TEST_CASE(two_domains_share_one_reload) {
  auto desired = two_server_desired();
  add_domain(desired, "example.org", {"webserver-01"});
  ObservedState observed;
  observed.servers["webserver-01"].reachable = true;
  observed.servers["webserver-02"].reachable = true;
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(action_ids(plan) ==
                 (Ids{"issue:example.com", "issue:example.org", "deploy:example.com@webserver-01",
                      "deploy:example.org@webserver-01", "reload:webserver-01", "verify:example.com@webserver-01",
                      "verify:example.org@webserver-01", "deploy:example.com@webserver-02", "reload:webserver-02",
                      "verify:example.com@webserver-02"}),
             boost::test_tools::per_element());
  const Action& reload = require_action(plan, "reload:webserver-01");
  BOOST_TEST(reload.depends_on == (Ids{"deploy:example.com@webserver-01", "deploy:example.org@webserver-01"}),
             boost::test_tools::per_element());
  BOOST_TEST(reload.reason.message == "load the new files of example.com, example.org");
}

BOOST_AUTO_TEST_CASE(same_inputs_give_same_plan) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, older_certificate());
  Plan first = plan_for(desired, observed);
  Plan second = plan_for(desired, observed);

  BOOST_TEST(action_ids(first) == action_ids(second), boost::test_tools::per_element());
  BOOST_TEST(first.store_digest == second.store_digest);
  BOOST_TEST((first.host_digests == second.host_digests));
}

BOOST_AUTO_TEST_CASE(digests_ignore_times_but_not_content) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, valid_certificate());
  auto before = digest_observations(desired, observed, PlanScope{});

  auto later = observed;
  CertificateFacts later_facts = valid_certificate();
  later_facts.not_after = at("2030-01-01T00:00:00Z");
  later.servers["webserver-01"].files["example.com"].deployed->certificate = share_facts(later_facts);
  auto after_time_change = digest_observations(desired, later, PlanScope{});
  BOOST_TEST(after_time_change.host_digests.at("webserver-01") == before.host_digests.at("webserver-01"));

  place(later, "webserver-01", "example.com", older_certificate());
  auto after_drift = digest_observations(desired, later, PlanScope{});
  BOOST_TEST(after_drift.host_digests.at("webserver-01") != before.host_digests.at("webserver-01"));
  BOOST_TEST(after_drift.host_digests.at("webserver-02") == before.host_digests.at("webserver-02"));
  BOOST_TEST(after_drift.store_digest == before.store_digest);
}

BOOST_AUTO_TEST_CASE(digest_changes_are_named) {
  auto desired = two_server_desired();
  auto observed = all_in_place(desired, older_certificate());
  Plan plan = plan_for(desired, observed);

  BOOST_TEST(describe_digest_changes(plan, "c0ffee", digest_observations(desired, observed, PlanScope{})).empty());

  observed.store["example.com"].current = with_key(valid_certificate());
  observed.servers["webserver-02"] = unreachable("connection refused");
  auto changes = describe_digest_changes(plan, "decaf", digest_observations(desired, observed, PlanScope{}));
  BOOST_TEST(changes == (Ids{"the configuration (servers.yaml, domains.yaml or settings) changed",
                             "the local certificate store changed",
                             "webserver-02 now holds or serves different certificates, or its reachability "
                             "changed"}),
             boost::test_tools::per_element());
}
