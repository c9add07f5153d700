// End to end: web-02's reload step fails, hangs, or does nothing. In each
// case nginx never loaded the new files, so web-02 still serves its
// placeholder. certplan must put the files back byte for byte and exit 3,
// and web-01 gets the new certificate.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "tests/e2e/support/fault_checks.h"
#include "tests/e2e/support/fault_tools.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

const std::string domain = "example.com";

}  // namespace

// The rollback's own reload fails too. The placeholder is still served,
// because nginx never reloaded, so the host is in its previous state.
BOOST_AUTO_TEST_CASE(failing_reload_rolls_back) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  set_server_field(sandbox, 2, "nginx_reload_command", "echo 'reload refused by the fault test' >&2; exit 1");

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 rolled back, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    BOOST_TEST(web02.rfind("web-02  rolled back: reload failed: ", 0) == 0);
    BOOST_TEST(web02.find("exited with status 1: reload refused by the fault test") != std::string::npos);
  }

  check_host_unchanged(sandbox, 2, domain, before);
  check_host_applied(sandbox, 1, domain);
}

// The first reload blocks past certplan's 30 s limit, and later reloads
// (the rollback's) work. The blocked command ends once the test creates its
// release marker, so it does not outlive the test.
BOOST_AUTO_TEST_CASE(hanging_reload_times_out) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  const auto markers = marker_dir(sandbox);
  const std::string reload = server_field(sandbox, 2, "nginx_reload_command");
  const std::string first = "[ ! -e '" + (markers / "reload-started").string() + "' ]";
  set_server_field(sandbox, 2, "nginx_reload_command",
                   "if " + first + "; then " +
                       held_command(markers / "reload-started", markers / "release", std::chrono::seconds(45),
                                    "exit 0") +
                       "; fi; " + reload);

  const auto started = std::chrono::steady_clock::now();
  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  const auto elapsed = std::chrono::steady_clock::now() - started;
  touch_file(markers / "release");

  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 rolled back, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    BOOST_TEST(web02.rfind("web-02  rolled back: reload failed: ", 0) == 0);
    BOOST_TEST(web02.find("did not finish within 30000 ms") != std::string::npos);
  }
  BOOST_TEST(elapsed >= std::chrono::seconds(30));

  check_host_unchanged(sandbox, 2, domain, before);
  check_host_applied(sandbox, 1, domain);
}

// A reload that does nothing leaves the placeholder served, so verify
// gives up after its 10 s budget and names both certificates.
BOOST_AUTO_TEST_CASE(reload_without_effect_fails_verify) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  set_server_field(sandbox, 2, "nginx_reload_command", "true");

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  const std::string issued = pem_leaf_fingerprint(store_files(sandbox, domain).chain);
  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 rolled back, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    BOOST_TEST(web02.rfind("web-02  rolled back: verify failed: ", 0) == 0);
    const std::string served = "serves certificate " + before.served + ", expected certificate " + issued +
                               " (after 10000 ms)";
    BOOST_TEST(web02.find(served) != std::string::npos);
  }

  check_host_unchanged(sandbox, 2, domain, before);
  check_host_applied(sandbox, 1, domain);
}

}  // namespace certplan::e2e
