// execute_plan across hosts and issues, the exit codes and the summary.

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>
#include <sstream>

#include "engine/dry_run.h"
#include "engine/executor.h"
#include "tests/unit/support/fake_fleet.h"

namespace certplan::testing {
namespace {

Action issue_action(const std::string& domain) {
  Action action;
  action.id = "issue:" + domain;
  action.kind = ActionKind::issue;
  action.domain = domain;
  action.reason = {ReasonCode::renewal_due, "renewal due"};
  return action;
}

BOOST_AUTO_TEST_CASE(failing_host_does_not_stop_others) {
  Fleet fleet;
  fleet.host("web-01").script_command("sudo nginx -t",
                                      {CommandOutcome::exits(1, "emerg"), CommandOutcome::exits(0)});

  auto context = fleet.context();
  const ApplyReport report =
      execute_plan(fleet.deploy_plan({"web-01", "web-02"}, {"example.com"}), fleet.desired, context, fleet.options);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 2u);
  BOOST_TEST(report.exit_code() == 3);
  BOOST_TEST(render_summary(report) ==
             "Apply complete: 1 applied, 1 rolled back.\n"
             "  web-01  rolled back: test failed: `sudo nginx -t` exited with status 1: emerg\n"
             "  web-02  applied\n");
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.old_fingerprints["example.com"]);
  BOOST_TEST(fleet.served_fingerprint("web-02", "example.com") == fleet.new_fingerprints["example.com"]);
}

BOOST_AUTO_TEST_CASE(store_loaded_once_per_domain) {
  // Both servers deploy example.com: its certificate and key are read and
  // parsed from the store once for the whole run.
  Fleet fleet;

  auto context = fleet.context();
  const ApplyReport report =
      execute_plan(fleet.deploy_plan({"web-01", "web-02"}, {"example.com"}), fleet.desired, context, fleet.options);

  BOOST_TEST(report.exit_code() == 0);
  BOOST_TEST(fleet.store.loads() == 1);
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.new_fingerprints["example.com"]);
  BOOST_TEST(fleet.served_fingerprint("web-02", "example.com") == fleet.new_fingerprints["example.com"]);
}

BOOST_AUTO_TEST_CASE(hosts_run_in_parallel) {
  Fleet fleet;
  // Each host waits in its test command until the other has reached it too;
  // one after another, the first would time out.
  std::mutex mutex;
  std::condition_variable arrived;
  int waiting = 0;
  bool timed_out = false;
  for (const std::string name : {"web-01", "web-02"}) {
    fleet.host(name).on_operation([&](const std::string& operation) {
      if (operation != "run sudo nginx -t") return;
      std::unique_lock lock(mutex);
      ++waiting;
      arrived.notify_all();
      if (!arrived.wait_for(lock, std::chrono::seconds(2), [&] { return waiting == 2; })) timed_out = true;
    });
  }

  auto context = fleet.context();
  const ApplyReport report =
      execute_plan(fleet.deploy_plan({"web-01", "web-02"}, {"example.com"}), fleet.desired, context, fleet.options);

  BOOST_TEST(!timed_out);
  BOOST_TEST(report.exit_code() == 0);
}

BOOST_AUTO_TEST_CASE(issue_then_deploy) {
  Fleet fleet;
  Plan plan;
  plan.actions.push_back(issue_action("example.com"));
  fleet.add_host_actions(plan, "web-01", {"example.com"}, true);

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_REQUIRE_EQUAL(report.issues.size(), 1u);
  BOOST_TEST(report.issues[0].ok);
  BOOST_TEST(fleet.store.saves() == 1);
  const auto requests = fleet.issuer.requests();
  BOOST_REQUIRE_EQUAL(requests.size(), 1u);
  BOOST_TEST(requests[0].domain == "example.com");
  BOOST_TEST(requests[0].names == std::vector<std::string>{"example.com"}, boost::test_tools::per_element());

  const std::string issued = Fleet::fingerprint_of(fleet.store.load("example.com").value().fullchain_pem);
  BOOST_TEST(issued != fleet.new_fingerprints["example.com"]);
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == issued);
  BOOST_TEST(report.exit_code() == 0);
  BOOST_TEST(render_summary(report) ==
             "Apply complete: 1 applied, 1 unchanged, 1 issued.\n  web-01  applied\n  web-02  unchanged\n");
}

BOOST_AUTO_TEST_CASE(issue_failure_skips_its_deploys) {
  Fleet fleet({"example.com", "example.org"});
  fleet.issuer.fail("example.com", make_error(ErrorKind::rejected, "the CA rejected the order"));
  Plan plan;
  plan.actions.push_back(issue_action("example.com"));
  fleet.add_host_actions(plan, "web-01", {"example.com"}, true);
  fleet.add_host_actions(plan, "web-02", {"example.com", "example.org"}, true);
  plan.actions.insert(plan.actions.begin() + 1, issue_action("example.org"));
  const auto web01_files = Fleet::live_files(fleet.host("web-01"));

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_REQUIRE_EQUAL(report.issues.size(), 2u);
  BOOST_TEST(!report.issues[0].ok);
  BOOST_TEST(report.issues[0].message == "the CA rejected the order");
  BOOST_TEST(report.issues[1].ok);

  // web-01 had only the failed domain: it is not touched at all.
  BOOST_TEST((Fleet::live_files(fleet.host("web-01")) == web01_files));
  BOOST_TEST(fleet.host("web-01").operations().empty());
  // web-02 gets example.org and keeps its old example.com.
  BOOST_TEST(fleet.served_fingerprint("web-02", "example.com") == fleet.old_fingerprints["example.com"]);
  BOOST_TEST(fleet.served_fingerprint("web-02", "example.org") ==
             Fleet::fingerprint_of(fleet.store.load("example.org").value().fullchain_pem));

  BOOST_TEST(report.exit_code() == 3);
  BOOST_TEST(render_summary(report) ==
             "Apply complete: 1 applied, 1 failed, 1 issued, 1 issue failed.\n"
             "  web-01  failed: nothing deployed because every issue it needed failed\n"
             "    skipped deploy of example.com: its issue failed\n"
             "  web-02  applied\n"
             "    skipped deploy of example.com: its issue failed\n"
             "  issue example.com  failed: the CA rejected the order\n");
}

BOOST_AUTO_TEST_CASE(only_failed_issues_exit_1) {
  Fleet fleet;
  fleet.issuer.fail("example.com", make_error(ErrorKind::timed_out, "DNS propagation timed out"));
  Plan plan;
  plan.actions.push_back(issue_action("example.com"));
  fleet.add_host_actions(plan, "web-01", {"example.com"}, true);

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_TEST(report.exit_code() == 1);
  BOOST_TEST(fleet.store.saves() == 0);
}

BOOST_AUTO_TEST_CASE(store_save_failure_fails_issue) {
  Fleet fleet;
  fleet.store.fail_save("example.com", make_error(ErrorKind::failed, "disk full"));
  Plan plan;
  plan.actions.push_back(issue_action("example.com"));

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_REQUIRE_EQUAL(report.issues.size(), 1u);
  BOOST_TEST(report.issues[0].message == "could not save the new certificate: disk full");
  BOOST_TEST(report.exit_code() == 1);
}

BOOST_AUTO_TEST_CASE(dry_run_changes_nothing) {
  Fleet fleet;
  fleet.options.mode = ApplyMode::dry_run;
  fleet.desired.servers[1].use_sudo = true;
  fleet.desired.domains[0].profile = "shortlived";
  fleet.host("web-02").script_command("sudo -n true", {CommandOutcome::exits(0)});
  fleet.reset_sessions();
  const auto web01_files = fleet.host("web-01").files();
  Plan plan;
  plan.actions.push_back(issue_action("example.com"));
  fleet.add_host_actions(plan, "web-01", {"example.com"}, true);
  fleet.add_host_actions(plan, "web-02", {"example.com"}, true);

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  // The issue really ran (against the staging issuer the CLI passes in),
  // and its certificate was not saved.
  BOOST_REQUIRE_EQUAL(fleet.issuer.requests().size(), 1u);
  BOOST_TEST(fleet.issuer.requests()[0].domain == "example.com");
  BOOST_TEST(fleet.issuer.requests()[0].profile == "shortlived");
  BOOST_TEST(fleet.store.saves() == 0);
  BOOST_REQUIRE_EQUAL(report.issues.size(), 1u);
  BOOST_TEST(report.issues[0].ok);
  BOOST_TEST((fleet.host("web-01").files() == web01_files));
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.old_fingerprints["example.com"]);
  BOOST_TEST(dry_run_exit_code(report) == 0);
  BOOST_TEST(render_dry_run_summary(report) ==
             "Dry run complete: 2 ready, 1 issued from staging.\n"
             "  web-01  ready: /etc/nginx/ssl/example.com writable, `sudo nginx -t` passes\n"
             "  web-02  ready: sudo -n works, /etc/nginx/ssl/example.com writable, `sudo nginx -t` passes\n"
             "  issue example.com  issued from the staging CA and discarded\n"
             "Nothing was changed: certificates issued from staging were thrown away with their keys, "
             "the store and the hosts are as before.\n");
  const std::vector<std::string> expected = {
      "write /etc/nginx/ssl/example.com/.certplan-dry-run-run-new",
      "remove /etc/nginx/ssl/example.com/.certplan-dry-run-run-new", "run sudo nginx -t"};
  BOOST_TEST(fleet.host("web-01").operations() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(dry_run_reports_failed_check) {
  Fleet fleet;
  fleet.options.mode = ApplyMode::dry_run;
  fleet.desired.servers[0].use_sudo = true;
  fleet.host("web-01").script_command("sudo -n true", {CommandOutcome::exits(1, "sudo: a password is required")});
  fleet.host("web-02").add_fault({FileOperation::write, "/etc/nginx/ssl/example.com/.certplan-dry-run-run-new",
                                  make_error(ErrorKind::rejected, "permission denied"), -1});
  fleet.reset_sessions();

  auto context = fleet.context();
  const ApplyReport report =
      execute_plan(fleet.deploy_plan({"web-01", "web-02"}, {"example.com"}), fleet.desired, context, fleet.options);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 2u);
  BOOST_TEST(report.hosts[0].failed_step == "sudo");
  BOOST_TEST(report.hosts[0].message ==
             "sudo failed: sudo without a password does not work for deploy; allow the commands "
             "certplan runs in sudoers: `sudo -n true` exited with status 1: sudo: a password is required");
  BOOST_TEST(report.hosts[1].failed_step == "write /etc/nginx/ssl/example.com");
  BOOST_TEST(report.hosts[1].message == "write /etc/nginx/ssl/example.com failed: permission denied");
  BOOST_TEST(dry_run_exit_code(report) == 1);
}

BOOST_AUTO_TEST_CASE(dry_run_reports_staging_failure) {
  Fleet fleet;
  fleet.options.mode = ApplyMode::dry_run;
  fleet.issuer.fail("example.com", make_error(ErrorKind::rejected, "urn:ietf:params:acme:error:rateLimited: too many"));
  Plan plan;
  plan.actions.push_back(issue_action("example.com"));
  fleet.add_host_actions(plan, "web-01", {"example.com"}, true);

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_REQUIRE_EQUAL(report.issues.size(), 1u);
  BOOST_TEST(!report.issues[0].ok);
  BOOST_TEST(fleet.store.saves() == 0);
  BOOST_TEST(dry_run_exit_code(report) == 1);
  BOOST_TEST(render_dry_run_summary(report) ==
             "Dry run complete: 1 ready, 1 staging issue failed.\n"
             "  web-01  ready: /etc/nginx/ssl/example.com writable, `sudo nginx -t` passes\n"
             "  issue example.com  failed on the staging CA: urn:ietf:params:acme:error:rateLimited: too many\n"
             "Nothing was changed: certificates issued from staging were thrown away with their keys, "
             "the store and the hosts are as before.\n");
}

BOOST_AUTO_TEST_CASE(exit_codes) {
  ApplyReport report;
  BOOST_TEST(report.exit_code() == 0);

  report.hosts = {{"a", HostOutcome::applied, "", "", "", {}}, {"b", HostOutcome::unchanged, "", "", "", {}}};
  BOOST_TEST(report.exit_code() == 0);

  report.hosts = {{"a", HostOutcome::failed, "lock", "locked", "", {}},
                  {"b", HostOutcome::unreachable, "connect", "refused", "", {}}};
  BOOST_TEST(report.exit_code() == 1);

  report.hosts.push_back({"c", HostOutcome::applied, "", "", "", {}});
  BOOST_TEST(report.exit_code() == 3);

  report.hosts = {{"a", HostOutcome::rolled_back, "test", "failed", "", {}}};
  BOOST_TEST(report.exit_code() == 3);

  report.hosts.push_back({"b", HostOutcome::rollback_failed, "test", "failed", "restore", {}});
  BOOST_TEST(report.exit_code() == 4);
}

BOOST_AUTO_TEST_CASE(text_reporter_lines) {
  std::ostringstream out;
  auto now = std::chrono::steady_clock::time_point{};
  TextReporter reporter(out, [&] { return now; });

  reporter.step("web-01", "deploy example.com", StepStatus::started, "");
  now += std::chrono::milliseconds(200);
  reporter.step("web-01", "deploy example.com", StepStatus::succeeded, "");
  reporter.step("web-01", "test", StepStatus::started, "");
  now += std::chrono::milliseconds(1340);
  reporter.step("web-01", "test", StepStatus::failed, "exited with status 1");
  reporter.issue("example.com", StepStatus::skipped, "not due");

  BOOST_TEST(out.str() ==
             "web-01: deploy example.com ... done (0.2 s)\n"
             "web-01: test ... failed (1.3 s): exited with status 1\n"
             "example.com: issue ... skipped: not due\n");
}

}  // namespace
}  // namespace certplan::testing
