// Recovery after certplan was killed at each point of a host transaction:
// the run is simulated by a fake operation that throws SimulatedKill, then
// recovery runs with new sessions, as the next certplan process would.

#include <boost/test/unit_test.hpp>

#include <fstream>

#include "engine/executor.h"
#include "engine/recovery.h"
#include "tests/unit/support/fake_fleet.h"

namespace certplan::testing {
namespace {

const std::string cert_file = cert_file_of("example.com");
const std::string key_file = key_file_of("example.com");
const std::string lock_file = "/etc/nginx/ssl/.certplan.lock";
const std::string stamp = ".certplan-backup-20261204T120000Z";

// Runs the deploy to web-01 until the simulated kill.
void apply_until_killed(Fleet& fleet) {
  auto context = fleet.context();
  BOOST_CHECK_THROW(
      execute_plan(fleet.deploy_plan({"web-01"}, {"example.com"}), fleet.desired, context, fleet.options),
      SimulatedKill);
  BOOST_REQUIRE(std::filesystem::exists(fleet.journal.path_of("web-01")));
}

RecoveryReport recover(Fleet& fleet) {
  fleet.reset_sessions();
  RecoveryOptions options;
  options.verify_budget = std::chrono::milliseconds(50);
  options.verify_poll_interval = std::chrono::milliseconds(5);
  options.verify_confirm_interval = std::chrono::milliseconds(1);
  return recover_unfinished(fleet.desired, fleet.journal, *fleet.sessions, fleet.probe, fleet.reporter, options);
}

void check_recovered(Fleet& fleet, const RecoveryReport& report, RecoveryOutcome outcome,
                     const std::string& message) {
  BOOST_REQUIRE_EQUAL(report.hosts.size(), 1u);
  BOOST_TEST(report.hosts[0].server == "web-01");
  BOOST_TEST(report.hosts[0].run_id == "run-new");
  BOOST_TEST((report.hosts[0].outcome == outcome));
  BOOST_TEST(report.hosts[0].message == message);
  BOOST_TEST(report.all_recovered());
  BOOST_TEST(!fleet.host("web-01").file(lock_file).has_value());
  BOOST_TEST(!std::filesystem::exists(fleet.journal.path_of("web-01")));
}

void check_original(Fleet& fleet, const std::map<std::string, FakeFile>& original) {
  BOOST_TEST((Fleet::live_files(fleet.host("web-01")) == original));
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.old_fingerprints["example.com"]);
}

const std::string restored_message =
    "restored the files run run-new replaced, reloaded nginx and saw the previous certificates served; "
    "removed its lock /etc/nginx/ssl/.certplan.lock";
const std::string unwritten_message =
    "run run-new stopped before writing any file; removed its lock /etc/nginx/ssl/.certplan.lock";

BOOST_AUTO_TEST_CASE(killed_after_lock) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").add_fault({FileOperation::list, "/etc/nginx/ssl/example.com", std::nullopt, 1});
  apply_until_killed(fleet);
  BOOST_REQUIRE(fleet.host("web-01").file(lock_file).has_value());

  check_recovered(fleet, recover(fleet), RecoveryOutcome::completed, unwritten_message);
  check_original(fleet, original);
}

BOOST_AUTO_TEST_CASE(killed_during_backup) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").add_fault({FileOperation::copy, key_file + stamp, std::nullopt, 1});
  apply_until_killed(fleet);

  check_recovered(fleet, recover(fleet), RecoveryOutcome::completed, unwritten_message);
  check_original(fleet, original);
}

BOOST_AUTO_TEST_CASE(killed_during_write) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").add_fault({FileOperation::write, key_file, std::nullopt, 1});
  apply_until_killed(fleet);
  BOOST_REQUIRE(fleet.host("web-01").file(cert_file)->content != original.at(cert_file).content);

  check_recovered(fleet, recover(fleet), RecoveryOutcome::restored, restored_message);
  check_original(fleet, original);
}

BOOST_AUTO_TEST_CASE(killed_during_test) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").script_command("sudo nginx -t", {CommandOutcome::kills(), CommandOutcome::exits(0)});
  apply_until_killed(fleet);

  check_recovered(fleet, recover(fleet), RecoveryOutcome::restored, restored_message);
  check_original(fleet, original);
}

BOOST_AUTO_TEST_CASE(killed_during_reload) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").script_command("sudo systemctl reload nginx",
                                      {CommandOutcome::kills(), CommandOutcome::reloads()});
  apply_until_killed(fleet);

  check_recovered(fleet, recover(fleet), RecoveryOutcome::restored, restored_message);
  check_original(fleet, original);
}

BOOST_AUTO_TEST_CASE(killed_during_verify) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.probe.kill("127.0.0.11");
  apply_until_killed(fleet);
  // The new certificate is served already; recovery takes it back, because
  // it was never verified.
  BOOST_REQUIRE(fleet.served_fingerprint("web-01", "example.com") == fleet.new_fingerprints["example.com"]);
  fleet.probe.heal("127.0.0.11");

  check_recovered(fleet, recover(fleet), RecoveryOutcome::restored, restored_message);
  check_original(fleet, original);
}

// The certificate nginx served before the restore's reload is unknown, so
// recovery confirms its first match, and that wait covers the other domain.
BOOST_AUTO_TEST_CASE(recovery_confirms_the_first_domain_only) {
  Fleet fleet({"example.com", "example.org"});
  fleet.host("web-01").script_command("sudo nginx -t", {CommandOutcome::kills(), CommandOutcome::exits(0)});
  auto context = fleet.context();
  BOOST_CHECK_THROW(execute_plan(fleet.deploy_plan({"web-01"}, {"example.com", "example.org"}), fleet.desired,
                                 context, fleet.options),
                    SimulatedKill);
  const int probes_before = fleet.probe.probes();

  const RecoveryReport report = recover(fleet);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 1u);
  BOOST_TEST((report.hosts[0].outcome == RecoveryOutcome::restored));
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.org") == fleet.old_fingerprints["example.org"]);
  BOOST_TEST(fleet.probe.probes() - probes_before == 3);
}

BOOST_AUTO_TEST_CASE(killed_after_verify) {
  Fleet fleet;
  fleet.host("web-01").add_fault({FileOperation::remove, lock_file, std::nullopt, 1});
  apply_until_killed(fleet);
  const auto deployed = Fleet::live_files(fleet.host("web-01"));

  check_recovered(fleet, recover(fleet), RecoveryOutcome::completed,
                  "run run-new had finished with the host in a verified state; removed its lock "
                  "/etc/nginx/ssl/.certplan.lock");
  // The verified new certificate stays.
  BOOST_TEST((Fleet::live_files(fleet.host("web-01")) == deployed));
  BOOST_TEST(fleet.served_fingerprint("web-01", "example.com") == fleet.new_fingerprints["example.com"]);
}

BOOST_AUTO_TEST_CASE(killed_during_rollback) {
  Fleet fleet;
  const auto original = Fleet::live_files(fleet.host("web-01"));
  fleet.host("web-01").script_command("sudo nginx -t", {CommandOutcome::exits(1, "bad"), CommandOutcome::exits(0)});
  fleet.host("web-01").add_fault({FileOperation::copy, key_file + ".certplan-restore", std::nullopt, 1});
  apply_until_killed(fleet);

  check_recovered(fleet, recover(fleet), RecoveryOutcome::restored, restored_message);
  check_original(fleet, original);
}

BOOST_AUTO_TEST_CASE(recovery_keeps_lock_of_other_run) {
  Fleet fleet;
  fleet.host("web-01").add_fault({FileOperation::list, "/etc/nginx/ssl/example.com", std::nullopt, 1});
  apply_until_killed(fleet);
  const std::string other = "host=ci pid=7 run=run-other since=2026-12-04T12:00:00Z\n";
  fleet.host("web-01").put_file(lock_file, other);

  const RecoveryReport report = recover(fleet);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 1u);
  BOOST_TEST(report.hosts[0].message == "run run-new stopped before writing any file; it held no lock");
  BOOST_TEST(fleet.host("web-01").file(lock_file)->content == other);
  BOOST_TEST(!std::filesystem::exists(fleet.journal.path_of("web-01")));
}

BOOST_AUTO_TEST_CASE(failed_recovery_keeps_journal) {
  Fleet fleet;
  fleet.host("web-01").add_fault({FileOperation::write, key_file, std::nullopt, 1});
  apply_until_killed(fleet);
  fleet.connector.refuse("web-01", make_error(ErrorKind::unreachable, "could not connect to 127.0.0.11:22"));

  const RecoveryReport report = recover(fleet);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 1u);
  BOOST_TEST((report.hosts[0].outcome == RecoveryOutcome::failed));
  BOOST_TEST(report.hosts[0].message == "could not connect to 127.0.0.11:22; the journal " +
                                            fleet.journal.path_of("web-01").string() +
                                            " is kept for the next run");
  BOOST_TEST(!report.all_recovered());
  BOOST_TEST(std::filesystem::exists(fleet.journal.path_of("web-01")));
}

BOOST_AUTO_TEST_CASE(unfinished_journal_blocks_apply) {
  Fleet fleet;
  fleet.host("web-01").add_fault({FileOperation::write, key_file, std::nullopt, 1});
  apply_until_killed(fleet);
  fleet.reset_sessions();

  auto context = fleet.context();
  const ApplyReport report =
      execute_plan(fleet.deploy_plan({"web-01"}, {"example.com"}), fleet.desired, context, fleet.options);

  BOOST_TEST(host_outcome_name(report.hosts[0].outcome) == "failed");
  BOOST_TEST(report.hosts[0].message ==
             "an unfinished journal " + fleet.journal.path_of("web-01").string() +
                 " is left from an earlier run and its recovery did not finish; see the recovery "
                 "messages above");
}

BOOST_AUTO_TEST_CASE(recovery_rejects_unknown_journal_version) {
  Fleet fleet;
  std::filesystem::create_directories(fleet.state_dir.path() / "journal");
  std::ofstream(fleet.journal.path_of("web-01")) << R"({"certplan_journal":9,"run_id":"run-9","server":"web-01"})"
                                                 << "\n";

  const RecoveryReport report = recover(fleet);

  BOOST_REQUIRE_EQUAL(report.hosts.size(), 1u);
  BOOST_TEST((report.hosts[0].outcome == RecoveryOutcome::failed));
  BOOST_TEST(report.hosts[0].message.starts_with("journal " + fleet.journal.path_of("web-01").string() +
                                                 " has format version 9"));
  BOOST_TEST(std::filesystem::exists(fleet.journal.path_of("web-01")));
  BOOST_TEST(fleet.host("web-01").operations().empty());
}

}  // namespace
}  // namespace certplan::testing
