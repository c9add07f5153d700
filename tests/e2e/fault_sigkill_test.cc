// End to end: `certplan apply` is killed with SIGKILL inside the host
// transactions, at three points. The next apply recovers each host from its
// journal and then deploys, so every host ends serving the certificate in
// its files, with no lock and no journal left.

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

enum class KillPoint { after_write, during_test, during_reload };

void check_converged(const Sandbox& sandbox, int i) {
  BOOST_TEST_CONTEXT("host " << sandbox.host(i).name) {
    const HostFiles issued = store_files(sandbox, domain);
    const HostSnapshot after = snapshot_host(sandbox, i, domain);
    BOOST_TEST(after.served == pem_leaf_fingerprint(after.files.chain));
    BOOST_TEST(key_matches_certificate(after.files.chain, after.files.key));
    BOOST_TEST(after.files.chain == issued.chain);
    BOOST_TEST(after.files.key == issued.key);
    BOOST_TEST(!after.locked);
    BOOST_TEST(!after.journalled);
  }
}

// Holds the test or reload command of every host on a marker, so the run
// is reliably inside that step when it is killed.
void hold_commands(const Sandbox& sandbox, KillPoint point, const fs::path& markers) {
  const std::string field = point == KillPoint::during_test ? "nginx_test_command" : "nginx_reload_command";
  for (int i = 1; i <= sandbox.host_count(); ++i) {
    const fs::path started = markers / ("started-" + sandbox.host(i).name);
    set_server_field(sandbox, i, field,
                     held_command(started, markers / "release", hold_limit, server_field(sandbox, i, field)));
  }
}

bool reached(const Sandbox& sandbox, KillPoint point, const fs::path& markers, const HostFiles& before) {
  if (point != KillPoint::after_write) return fs::exists(markers / ("started-" + sandbox.host(1).name));
  return read_host_files(sandbox, 1, domain).chain != before.chain;
}

void kill_and_recover(KillPoint point) {
  Sandbox sandbox;
  const HostFiles before = read_host_files(sandbox, 1, domain);
  const fs::path markers = marker_dir(sandbox);
  const fs::path servers_yaml = sandbox.dir() / "config" / "servers.yaml";
  const std::string original_servers = Sandbox::read_file(servers_yaml);
  hold_commands(sandbox, point, markers);

  BackgroundCertplan killed(sandbox, {"apply", "--auto-approve"}, "killed-apply");
  const bool inside = poll_until([&] { return reached(sandbox, point, markers, before); }, std::chrono::seconds(150));
  killed.kill_now();
  touch_file(markers / "release");
  const std::string killed_output = killed.output_so_far();
  BOOST_TEST_CONTEXT("killed apply output:\n" << killed_output) { BOOST_REQUIRE(inside); }

  const bool web01_journalled = fs::exists(journal_file(sandbox, 1));
  const bool web02_journalled = fs::exists(journal_file(sandbox, 2));
  BOOST_TEST(web01_journalled);
  BOOST_TEST(fs::exists(lock_file(sandbox, 1)));

  Sandbox::write_file(servers_yaml, original_servers);
  const CommandOutput next = sandbox.run_certplan({"apply", "--auto-approve"}, run_timeout);
  BOOST_TEST_CONTEXT("killed apply output:\n" << killed_output << "\nnext apply output:\n" << next.text()) {
    BOOST_TEST(next.exit_code == 0);
    BOOST_TEST(has_line(next.out, "An earlier run did not finish. Recovering its hosts first."));
    BOOST_TEST(has_line_starting_with(next.out, "  web-01: restored the files run "));
    if (web02_journalled) {
      BOOST_TEST(has_line_starting_with(next.out, "  web-02: "));
    }
    BOOST_TEST(has_line(next.out, "Apply complete: 2 applied."));
  }
  check_converged(sandbox, 1);
  check_converged(sandbox, 2);
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill_after_write_recovers) { kill_and_recover(KillPoint::after_write); }

BOOST_AUTO_TEST_CASE(kill_during_test_recovers) { kill_and_recover(KillPoint::during_test); }

BOOST_AUTO_TEST_CASE(kill_during_reload_recovers) { kill_and_recover(KillPoint::during_reload); }

}  // namespace certplan::e2e
