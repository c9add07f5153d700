// The host transaction through execute_plan: each step failing rolls the
// host back to its original files and certificate.

#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "engine/executor.h"
#include "engine/host_backup.h"
#include "tests/unit/support/fake_fleet.h"

namespace certplan::testing {
namespace {

const std::string cert_file = cert_file_of("example.com");
const std::string key_file = key_file_of("example.com");
const std::string lock_file = "/etc/nginx/ssl/.certplan.lock";

ApplyReport apply_to_web01(Fleet& fleet) {
  auto context = fleet.context();
  return execute_plan(fleet.deploy_plan({"web-01"}, {"example.com"}), fleet.desired, context, fleet.options);
}

// Checks what every rolled-back host must look like.
void check_rolled_back(Fleet& fleet, const std::map<std::string, FakeFile>& original,
                       const ApplyReport& report, const std::string& step) {
  BOOST_REQUIRE_EQUAL(report.hosts.size(), 2u);
  const HostReport& host = report.hosts[0];
  BOOST_TEST(host.server == "web-01");
  BOOST_TEST(host_outcome_name(host.outcome) == "rolled back");
  BOOST_TEST(host.failed_step == step);
  BOOST_TEST(report.exit_code() == 3);

  const auto live = Fleet::live_files(fleet.host("web-01"));
  BOOST_REQUIRE_EQUAL(live.size(), original.size());
  for (const auto& [path, file] : original) {
    BOOST_TEST_CONTEXT(path) {
      BOOST_REQUIRE(live.contains(path));
      BOOST_TEST(live.at(path).content == file.content);
      BOOST_TEST(live.at(path).mode == file.mode);
    }
  }
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.old_fingerprints["example.com"]);
  BOOST_TEST(!fleet.host("web-01").file(lock_file).has_value());
  BOOST_TEST(!std::filesystem::exists(fleet.journal.path_of("web-01")));

  const auto notifications = fleet.notifier.notifications();
  BOOST_REQUIRE_EQUAL(notifications.size(), 1u);
  BOOST_TEST((notifications[0].kind == NotificationKind::rolled_back));
  BOOST_TEST(notifications[0].server == "web-01");
  BOOST_TEST(notifications[0].step == step);
  BOOST_TEST(notifications[0].run_id == "run-new");
  BOOST_TEST(notifications[0].message == host.message);
}

BOOST_AUTO_TEST_CASE(transaction_deploys_and_verifies) {
  Fleet fleet;
  const ApplyReport report = apply_to_web01(fleet);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 2u);
  BOOST_TEST(report.hosts[0].server == "web-01");
  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "applied");
  BOOST_TEST(report.hosts[0].message == "");
  BOOST_TEST(host_outcome_name(report.hosts[1].outcome) == "unchanged");
  BOOST_TEST(report.exit_code() == 0);

  const auto stored = fleet.store.load("example.com").value();
  FakeHost& host = fleet.host("web-01");
  BOOST_TEST(host.file(cert_file)->content == stored.fullchain_pem);
  BOOST_TEST(host.file(cert_file)->mode == 0644u);
  BOOST_TEST(host.file(key_file)->content == stored.key_pem.reveal());
  BOOST_TEST(host.file(key_file)->mode == 0600u);
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.new_fingerprints["example.com"]);

  const std::string backup = backup_path(cert_file, fleet.clock.now());
  BOOST_TEST(backup == cert_file + ".certplan-backup-20261204T120000Z");
  BOOST_REQUIRE(host.file(backup).has_value());
  BOOST_TEST(host.file(backup_path(key_file, fleet.clock.now()))->mode == 0600u);
  BOOST_TEST(!host.file(lock_file).has_value());
  BOOST_TEST(!std::filesystem::exists(fleet.journal.path_of("web-01")));
  BOOST_TEST(fleet.notifier.notifications().empty());
  BOOST_TEST(fleet.host("web-02").operations().empty());
}

// Right after a reload, old nginx workers may still serve the previous
// certificate, so a second probe confirms the first match. That one wait
// outlasts them for the host's other domains too.
BOOST_AUTO_TEST_CASE(verify_confirms_the_first_changed_certificate_only) {
  Fleet fleet({"example.com", "example.org"});
  auto context = fleet.context();

  const ApplyReport report = execute_plan(fleet.deploy_plan({"web-01"}, {"example.com", "example.org"}),
                                          fleet.desired, context, fleet.options);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "applied");
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.org") == fleet.new_fingerprints["example.org"]);
  BOOST_TEST(fleet.probe.probes() == 3);
}

// The old workers serve what nginx served before the reload. When that is
// already the store's certificate, one match proves it.
BOOST_AUTO_TEST_CASE(verify_of_an_already_served_certificate_takes_one_probe) {
  Fleet fleet;
  Plan plan = fleet.deploy_plan({"web-01"}, {"example.com"});
  for (Action& action : plan.actions) {
    if (action.kind != ActionKind::verify) continue;
    action.before = share_summary(
        CertificateSummary{fleet.new_fingerprints["example.com"], {"example.com"}, std::nullopt, std::nullopt});
  }
  auto context = fleet.context();

  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "applied");
  BOOST_TEST(fleet.probe.probes() == 1);
}

BOOST_AUTO_TEST_CASE(write_failure_rolls_back) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").add_fault(
      {FileOperation::write, key_file, make_error(ErrorKind::rejected, "permission denied"), -1});

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "write");
  BOOST_TEST(report.hosts[0].message == "could not write " + key_file + ": permission denied");
}

BOOST_AUTO_TEST_CASE(test_failure_rolls_back_with_output) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").script_command(
      "sudo nginx -t", {CommandOutcome::exits(1, "nginx: [emerg] cannot load certificate"),
                        CommandOutcome::exits(0, "syntax is ok")});

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "test");
  BOOST_TEST(report.hosts[0].message ==
             "test failed: `sudo nginx -t` exited with status 1: nginx: [emerg] cannot load certificate");
  BOOST_TEST(render_summary(report) ==
             "Apply complete: 1 unchanged, 1 rolled back.\n"
             "  web-01  rolled back: test failed: `sudo nginx -t` exited with status 1: "
             "nginx: [emerg] cannot load certificate\n"
             "  web-02  unchanged\n");
}

BOOST_AUTO_TEST_CASE(reload_failure_rolls_back) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").script_command(
      "sudo systemctl reload nginx",
      {CommandOutcome::exits(1, "Job for nginx.service failed"), CommandOutcome::reloads()});

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "reload");
  BOOST_TEST(report.hosts[0].message ==
             "reload failed: `sudo systemctl reload nginx` exited with status 1: Job for nginx.service failed");
}

BOOST_AUTO_TEST_CASE(reload_timeout_rolls_back) {
  Fleet fleet;
  fleet.options.reload_timeout = std::chrono::milliseconds(30000);
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").script_command("sudo systemctl reload nginx",
                                      {CommandOutcome::times_out(), CommandOutcome::reloads()});

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "reload");
  BOOST_TEST(report.hosts[0].message ==
             "reload failed: `sudo systemctl reload nginx`: still running after 30000 ms");
}

BOOST_AUTO_TEST_CASE(verify_of_wrong_certificate_rolls_back) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  // The reload exits 0 but nginx keeps serving the old certificate.
  fleet.host("web-01").script_command("sudo systemctl reload nginx", {CommandOutcome::exits(0)});

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "verify");
  BOOST_TEST(report.hosts[0].message ==
             "verify failed: 127.0.0.11:443 (SNI example.com) serves certificate " +
                 fleet.old_fingerprints["example.com"] + ", expected certificate " +
                 fleet.new_fingerprints["example.com"] + " (after 50 ms)");
}

BOOST_AUTO_TEST_CASE(verify_checks_http_status) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").set_http_status(502);

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "verify");
  BOOST_TEST(report.hosts[0].message ==
             "verify failed: https://example.com/ on 127.0.0.11:443 returned HTTP status 502, expected 2xx or 3xx");
  // The new certificate and then the restored one each take a match and
  // its confirmation, as both follow a reload that changed what is served.
  BOOST_TEST(fleet.probe.probes() == 4);
}

BOOST_AUTO_TEST_CASE(verify_checks_chain_trust) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").set_chain_trusted(false);

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "verify");
  BOOST_TEST(report.hosts[0].message ==
             "verify failed: the served chain is not trusted: unable to get local issuer certificate");
}

BOOST_AUTO_TEST_CASE(verify_checks_days_left) {
  Fleet fleet;
  fleet.options.renewal_threshold_days = 95;
  const auto original = Fleet::live_files(fleet.host("web-01"));

  const ApplyReport report = apply_to_web01(fleet);

  check_rolled_back(fleet, original, report, "verify");
  BOOST_TEST(report.hosts[0].message == "verify failed: the served certificate " +
                                            fleet.new_fingerprints["example.com"] +
                                            " has 90 days left, not more than the threshold 95");
}

BOOST_AUTO_TEST_CASE(rollback_of_new_files_removes_them) {
  Fleet fleet;
  FakeHost& host = fleet.host("web-01");
  // example.com is new on this host: no files, nothing served.
  BOOST_REQUIRE(host.remove_file(cert_file));
  BOOST_REQUIRE(host.remove_file(key_file));
  host.start_nginx();
  host.script_command("sudo nginx -t", {CommandOutcome::exits(1, "bad certificate"), CommandOutcome::exits(0)});
  Plan plan = fleet.deploy_plan({"web-01"}, {"example.com"});
  for (Action& action : plan.actions) action.before.reset();

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "rolled back");
  BOOST_TEST(!host.file(cert_file).has_value());
  BOOST_TEST(!host.file(key_file).has_value());
  BOOST_TEST(host.list_directory("/etc/nginx/ssl/example.com", "").value().empty());
}

BOOST_AUTO_TEST_CASE(rollback_beside_served_drift) {
  Fleet fleet({"example.com", "example.org"});
  FakeHost& host = fleet.host("web-01");
  // The files of example.org already hold the store's certificate, but nginx
  // was not reloaded since, so it still serves the old one.
  const auto stored = fleet.store.load("example.org").value();
  host.put_file(cert_file_of("example.org"), stored.fullchain_pem, 0644);
  host.put_file(key_file_of("example.org"), stored.key_pem.reveal(), 0600);
  host.script_command("sudo nginx -t", {CommandOutcome::exits(1, "bad"), CommandOutcome::exits(0)});
  Plan plan = fleet.deploy_plan({"web-01"}, {"example.com"});
  Action verify;
  verify.id = "verify:example.org@web-01";
  verify.kind = ActionKind::verify;
  verify.domain = "example.org";
  verify.server = "web-01";
  verify.before = share_summary(
      CertificateSummary{fleet.old_fingerprints["example.org"], {"example.org"}, std::nullopt, std::nullopt});
  plan.actions.push_back(verify);

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "rolled back");
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.old_fingerprints["example.com"]);
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.org") == fleet.new_fingerprints["example.org"]);
}

BOOST_AUTO_TEST_CASE(broken_config_before_reload_rolls_back) {
  // nginx -t fails before and after the restore (a configuration broken
  // apart from certplan's files), but nginx never reloaded, so it still
  // serves the old certificate: the rollback holds.
  Fleet fleet;
  fleet.host("web-01").script_command(
      "sudo nginx -t", {CommandOutcome::exits(1, "first failure"), CommandOutcome::exits(1, "second failure")});

  const ApplyReport report = apply_to_web01(fleet);

  const HostReport& host = report.hosts[0];
  BOOST_TEST(host_outcome_name(host.outcome) == "rolled back");
  BOOST_TEST(host.failed_step == "test");
  BOOST_TEST(report.exit_code() == 3);
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.old_fingerprints["example.com"]);
  BOOST_TEST(!fleet.host("web-01").file(lock_file).has_value());
  // nginx never loaded the new files, so its workers all serve the old
  // certificate, and one match proves the rollback.
  BOOST_TEST(fleet.probe.probes() == 1);
}

BOOST_AUTO_TEST_CASE(failed_rollback_exits_4) {
  // The reload succeeded but had no effect, so verify fails; the restored
  // files then fail the test, and nginx keeps the new files loaded.
  Fleet fleet;
  fleet.host("web-01").script_command(
      "sudo nginx -t", {CommandOutcome::exits(0, "syntax is ok"), CommandOutcome::exits(1, "second failure")});
  fleet.host("web-01").script_command("sudo systemctl reload nginx", {CommandOutcome::exits(0)});

  const ApplyReport report = apply_to_web01(fleet);

  const HostReport& host = report.hosts[0];
  BOOST_TEST(host_outcome_name(host.outcome) == "rollback failed");
  BOOST_TEST(host.failed_step == "verify");
  const std::string rollback_error =
      "; rollback failed: test after restore: `sudo nginx -t` exited with status 1: second failure";
  BOOST_TEST(host.message.find(rollback_error) != std::string::npos);
  const std::string journal_path = fleet.journal.path_of("web-01").string();
  BOOST_TEST(host.manual_steps ==
             "on web-01, restore the previous files: cp -p " + cert_file +
                 ".certplan-backup-20261204T120000Z " + cert_file + "; cp -p " + key_file +
                 ".certplan-backup-20261204T120000Z " + key_file +
                 "; then run `sudo nginx -t` and `sudo systemctl reload nginx`, check the served "
                 "certificate, and remove /etc/nginx/ssl/.certplan.lock and the journal " +
                 journal_path + ". The next certplan apply retries this restore from the journal by itself.");
  BOOST_TEST(report.exit_code() == 4);

  // The lock and the journal stay, so no other run changes the host and the
  // next run's recovery retries the restore.
  BOOST_TEST(fleet.host("web-01").file(lock_file).has_value());
  BOOST_TEST(std::filesystem::exists(journal_path));

  const auto notifications = fleet.notifier.notifications();
  BOOST_REQUIRE_EQUAL(notifications.size(), 1u);
  BOOST_TEST((notifications[0].kind == NotificationKind::rollback_failed));
  BOOST_TEST(notifications[0].step == "verify");
}

BOOST_AUTO_TEST_CASE(held_lock_names_holder_and_age) {
  Fleet fleet;
  FakeHost& host = fleet.host("web-01");
  const std::string holder = "host=ci-runner pid=4242 run=run-old since=2026-12-04T11:56:00Z\n";
  host.put_file(lock_file, holder);
  const auto original = Fleet::live_files(host);

  const ApplyReport report = apply_to_web01(fleet);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "failed");
  BOOST_TEST(report.hosts[0].failed_step == "lock");
  BOOST_TEST(report.hosts[0].message ==
             "web-01 is locked by host=ci-runner pid=4242 run=run-old since 2026-12-04T11:56:00Z "
             "(4 min ago): another certplan run is applying there; if none is, remove "
             "/etc/nginx/ssl/.certplan.lock");
  BOOST_TEST(report.exit_code() == 1);
  BOOST_TEST(host.file(lock_file)->content == holder);
  BOOST_TEST((Fleet::live_files(host) == original));
  BOOST_TEST(!std::filesystem::exists(fleet.journal.path_of("web-01")));
  BOOST_TEST(fleet.notifier.notifications().empty());
}

BOOST_AUTO_TEST_CASE(backup_pruning_keeps_newest) {
  Fleet fleet;
  FakeHost& host = fleet.host("web-01");
  const std::vector<std::string> stamps = {"20261101T000000Z", "20261102T000000Z", "20261103T000000Z",
                                           "20261104T000000Z"};
  for (const std::string& stamp : stamps) host.put_file(cert_file + ".certplan-backup-" + stamp, "old");

  const ApplyReport report = apply_to_web01(fleet);
  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "applied");

  const std::vector<std::string> expected = {"fullchain.pem.certplan-backup-20261103T000000Z",
                                             "fullchain.pem.certplan-backup-20261104T000000Z",
                                             "fullchain.pem.certplan-backup-20261204T120000Z"};
  const auto kept = host.list_directory(domain_directory("example.com"), "fullchain.pem.certplan-backup-").value();
  BOOST_TEST(kept == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reload_only_host_failure_is_failed) {
  Fleet fleet;
  FakeHost& host = fleet.host("web-01");
  const auto original = Fleet::live_files(host);
  host.script_command("sudo systemctl reload nginx", {CommandOutcome::exits(1, "nginx is not running")});
  Plan plan;
  Action reload;
  reload.id = "reload:web-01";
  reload.kind = ActionKind::reload;
  reload.server = "web-01";
  plan.actions.push_back(reload);

  auto context = fleet.context();
  const ApplyReport report = execute_plan(plan, fleet.desired, context, fleet.options);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "failed");
  BOOST_TEST(report.hosts[0].failed_step == "reload");
  BOOST_TEST(report.exit_code() == 1);
  BOOST_TEST((Fleet::live_files(host) == original));
  BOOST_TEST(!host.file(lock_file).has_value());
  BOOST_TEST(fleet.notifier.notifications().empty());
  for (const std::string& operation : host.operations()) BOOST_TEST(!operation.starts_with("write"));
}

BOOST_AUTO_TEST_CASE(unreachable_host_is_reported) {
  Fleet fleet;
  fleet.connector.refuse("web-01", make_error(ErrorKind::unreachable,
                                              "could not connect to 127.0.0.11:22: connection refused"));

  const ApplyReport report = apply_to_web01(fleet);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "unreachable");
  BOOST_TEST(report.hosts[0].message == "could not connect to 127.0.0.11:22: connection refused");
  BOOST_TEST(report.exit_code() == 1);
}

}  // namespace
}  // namespace certplan::testing
