// End to end: web-02's sshd dies while its reload command runs, so
// certplan can neither finish nor roll back web-02 and exits 4 with the
// steps to take by hand. Once sshd runs again, the next apply restores
// web-02 from the journal and then deploys to it normally.

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
constexpr std::chrono::seconds run_timeout{180};

}  // namespace

BOOST_AUTO_TEST_CASE(lost_sshd_recovers_on_next_apply) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  const auto markers = marker_dir(sandbox);
  const std::string reload = server_field(sandbox, 2, "nginx_reload_command");
  set_server_field(sandbox, 2, "nginx_reload_command",
                   held_command(markers / "reload-started", markers / "release", std::chrono::seconds(25), reload));

  BackgroundCertplan first(sandbox, {"apply", "--auto-approve"}, "first-apply");
  const bool reloading = poll_until([&] { return std::filesystem::exists(markers / "reload-started"); },
                                    std::chrono::seconds(150));
  BOOST_TEST_CONTEXT("apply output so far:\n" << first.output_so_far()) { BOOST_REQUIRE(reloading); }
  stop_sshd(sandbox, 2);
  const CommandOutput lost = first.wait(run_timeout);
  touch_file(markers / "release");

  BOOST_TEST_CONTEXT("first apply output:\n" << lost.text()) {
    BOOST_TEST(lost.exit_code == 4);
    BOOST_TEST(has_line(lost.out, "Apply complete: 1 applied, 1 rollback failed, 1 issued."));
    BOOST_TEST(summary_line(lost.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(lost.out, "web-02");
    BOOST_TEST(web02.rfind("web-02  rollback failed: reload failed: ", 0) == 0);
    BOOST_TEST(web02.find("; rollback failed: ") != std::string::npos);
    BOOST_TEST(has_line_starting_with(lost.out, "    to do by hand: on web-02, restore the previous files: cp -p " +
                                                    (domain_dir(sandbox, 2, domain) / "fullchain.pem").string() +
                                                    ".certplan-backup-"));
  }
  const HostSnapshot stranded = snapshot_host(sandbox, 2, domain);
  BOOST_TEST(stranded.served == before.served);
  BOOST_TEST(stranded.files.chain == store_files(sandbox, domain).chain);
  BOOST_TEST(stranded.locked);
  BOOST_TEST(stranded.journalled);

  set_server_field(sandbox, 2, "nginx_reload_command", reload);
  restart_sshd(sandbox, 2);

  // Limited to web-01, which is already done, so this run only recovers.
  const CommandOutput recovery = sandbox.run_certplan({"apply", "--auto-approve", "--server", "web-01"}, run_timeout);
  BOOST_TEST_CONTEXT("recovering apply output:\n" << recovery.text()) {
    BOOST_TEST(recovery.exit_code == 0);
    BOOST_TEST(has_line(recovery.out, "An earlier run did not finish. Recovering its hosts first."));
    BOOST_TEST(has_line_containing_all(recovery.out, {"  web-02: restored the files run ",
                                                      " replaced, reloaded nginx and saw the previous certificates "
                                                      "served; removed its lock " + lock_file(sandbox, 2).string()}));
  }
  const HostSnapshot recovered = snapshot_host(sandbox, 2, domain);
  BOOST_TEST(recovered.served == before.served);
  BOOST_TEST(recovered.files.chain == before.files.chain);
  BOOST_TEST(recovered.files.key == before.files.key);
  BOOST_TEST(!recovered.locked);
  BOOST_TEST(!recovered.journalled);

  const CommandOutput second = sandbox.run_certplan({"apply", "--auto-approve"}, run_timeout);
  BOOST_TEST_CONTEXT("second apply output:\n" << second.text()) {
    BOOST_TEST(second.exit_code == 0);
    BOOST_TEST(has_line(second.out, "Apply complete: 1 applied, 1 unchanged."));
    BOOST_TEST(summary_line(second.out, "web-02") == "web-02  applied");
  }
  check_host_applied(sandbox, 1, domain);
  check_host_applied(sandbox, 2, domain);
}

}  // namespace certplan::e2e
