// End to end: two `certplan apply` runs against the same hosts. Runs from
// two machines (two state directories) meet at each host's lock: each host
// is changed by exactly one of them, and the other stops on that host with
// the lock error naming the holder. Two runs on one machine meet earlier, at
// the state directory's run lock, and the second changes nothing.
// Afterwards every host serves the certificate in its files and no lock is
// left.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "tests/e2e/support/fault_tools.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

const std::string domain = "example.com";
constexpr std::chrono::seconds run_timeout{180};
constexpr std::chrono::seconds hold_limit{25};

void check_converged(const Sandbox& sandbox, int i) {
  BOOST_TEST_CONTEXT("host " << sandbox.host(i).name) {
    const HostFiles issued = store_files(sandbox, domain);
    const HostSnapshot after = snapshot_host(sandbox, i, domain);
    BOOST_TEST(after.served == pem_leaf_fingerprint(after.files.chain));
    BOOST_TEST(key_matches_certificate(after.files.chain, after.files.key));
    BOOST_TEST(after.files.chain == issued.chain);
    BOOST_TEST(!after.locked);
    BOOST_TEST(!after.journalled);
  }
}

// Issues and deploys once, then puts the placeholders back, so the runs
// under test only deploy (no ACME order races with another).
void deploy_then_put_back(const Sandbox& sandbox) {
  const HostFiles placeholder1 = read_host_files(sandbox, 1, domain);
  const HostFiles placeholder2 = read_host_files(sandbox, 2, domain);
  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"}, run_timeout);
  BOOST_TEST_CONTEXT("first apply output:\n" << apply.text()) { BOOST_REQUIRE(apply.exit_code == 0); }
  put_back_files(sandbox, 1, domain, placeholder1);
  put_back_files(sandbox, 2, domain, placeholder2);
}

void hold_reloads(const Sandbox& sandbox, const fs::path& markers) {
  for (int i = 1; i <= sandbox.host_count(); ++i) {
    const fs::path started = markers / ("reload-started-" + sandbox.host(i).name);
    set_server_field(sandbox, i, "nginx_reload_command",
                     held_command(started, markers / "release", hold_limit,
                                  server_field(sandbox, i, "nginx_reload_command")));
  }
}

// The exit code a run must have, from its summary: 0 when it applied every
// host, 1 when it changed none, 3 otherwise.
int expected_exit_code(const std::string& output) {
  int applied = 0;
  for (const std::string server : {"web-01", "web-02"}) {
    if (summary_line(output, server) == server + "  applied") ++applied;
  }
  if (applied == 2) return 0;
  if (applied == 0) return 1;
  return 3;
}

}  // namespace

BOOST_AUTO_TEST_CASE(applies_from_two_machines_share_hosts) {
  Sandbox sandbox;
  deploy_then_put_back(sandbox);
  const fs::path markers = marker_dir(sandbox);
  hold_reloads(sandbox, markers);

  // The second run stands for another machine: its own state directory,
  // so only the locks on the hosts keep the two apart.
  BackgroundCertplan first(sandbox, {"apply", "--auto-approve"}, "apply-a");
  const fs::path other_state = sandbox.dir() / "state-of-second-machine";
  setenv("CERTPLAN_STATE_DIR", other_state.c_str(), 1);
  BackgroundCertplan second(sandbox, {"apply", "--auto-approve"}, "apply-b");
  unsetenv("CERTPLAN_STATE_DIR");

  // Waits until the other run has failed to lock each host, while the
  // winner's reload of it is held.
  const auto lock_failed = [&](const std::string& server) {
    return has_line_containing_all(first.output_so_far(), {server + ": lock ... failed"}) ||
           has_line_containing_all(second.output_so_far(), {server + ": lock ... failed"});
  };
  const bool contended = poll_until(
      [&] {
        if (first.finished() && second.finished()) return true;
        return lock_failed("web-01") && lock_failed("web-02");
      },
      std::chrono::seconds(120));
  touch_file(markers / "release");
  const CommandOutput a = first.wait(run_timeout);
  const CommandOutput b = second.wait(run_timeout);

  BOOST_TEST_CONTEXT("run A (pid " << first.pid() << ") output:\n" << a.text() << "\nrun B (pid " << second.pid()
                                   << ") output:\n" << b.text()) {
    BOOST_TEST(contended);
    BOOST_TEST(a.exit_code == expected_exit_code(a.out));
    BOOST_TEST(b.exit_code == expected_exit_code(b.out));
    for (const std::string server : {"web-01", "web-02"}) {
      BOOST_TEST_CONTEXT("server " << server) {
        const std::string line_a = summary_line(a.out, server);
        const std::string line_b = summary_line(b.out, server);
        const bool a_won = line_a == server + "  applied";
        const bool b_won = line_b == server + "  applied";
        BOOST_TEST(a_won != b_won);
        const std::string& loser = a_won ? line_b : line_a;
        const pid_t winner = a_won ? first.pid() : second.pid();
        BOOST_TEST(loser.rfind(server + "  failed: " + server + " is locked by host=", 0) == 0);
        BOOST_TEST(loser.find(" pid=" + std::to_string(winner) + " run=") != std::string::npos);
      }
    }
  }
  check_converged(sandbox, 1);
  check_converged(sandbox, 2);
}

// A second run on the same machine that starts while the first is inside
// its transactions (a cron job that overlaps a slow run) must leave the
// first run's hosts alone. Their locks and journals are live, not left by a
// killed run, so the second run stops at the run lock.
BOOST_AUTO_TEST_CASE(overlapping_apply_keeps_off) {
  Sandbox sandbox;
  deploy_then_put_back(sandbox);
  const fs::path markers = marker_dir(sandbox);
  hold_reloads(sandbox, markers);

  BackgroundCertplan first(sandbox, {"apply", "--auto-approve"}, "apply-a");
  const bool holding = poll_until(
      [&] {
        return fs::exists(markers / "reload-started-web-01") && fs::exists(markers / "reload-started-web-02");
      },
      std::chrono::seconds(120));
  BOOST_TEST_CONTEXT("run A output so far:\n" << first.output_so_far()) { BOOST_REQUIRE(holding); }

  const CommandOutput b = sandbox.run_certplan({"apply", "--auto-approve"}, run_timeout);
  touch_file(markers / "release");
  const CommandOutput a = first.wait(run_timeout);

  BOOST_TEST_CONTEXT("run A (pid " << first.pid() << ") output:\n" << a.text() << "\nrun B output:\n" << b.text()) {
    BOOST_TEST(!has_line(b.out, "An earlier run did not finish. Recovering its hosts first."));
    BOOST_TEST(b.exit_code == 1);
    BOOST_TEST(b.err.find("certplan: error: another certplan apply is running with the state directory ") !=
               std::string::npos);
    BOOST_TEST(b.err.find("(pid " + std::to_string(first.pid()) + " since ") != std::string::npos);
    BOOST_TEST(a.exit_code == 0);
    BOOST_TEST(has_line(a.out, "Apply complete: 2 applied."));
  }
  check_converged(sandbox, 1);
  check_converged(sandbox, 2);
}

}  // namespace certplan::e2e
