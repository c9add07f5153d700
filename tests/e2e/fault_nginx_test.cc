// End to end: `nginx -t` on web-02 rejects the configuration once the new
// files are in place. web-02 is rolled back to its placeholder with
// byte-identical files, web-01 gets the new certificate, and apply exits 3.

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

#include "tests/e2e/support/fault_checks.h"
#include "tests/e2e/support/fault_tools.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

const std::string domain = "example.com";

// Points web-02's ssl_certificate_key at a root-owned copy of the
// placeholder key, so the pair matches now and mismatches after a deploy.
void pin_key_in_nginx_config(const Sandbox& sandbox) {
  const std::filesystem::path conf = sandbox.host(2).nginx_prefix / "conf";
  const std::filesystem::path pinned = conf / "pinned-privkey.pem";
  std::filesystem::copy_file(domain_dir(sandbox, 2, domain) / "privkey.pem", pinned);
  std::filesystem::permissions(pinned, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  const std::string directive = "ssl_certificate_key " + (domain_dir(sandbox, 2, domain) / "privkey.pem").string() + ";";
  std::string text = Sandbox::read_file(conf / "nginx.conf");
  const auto position = text.find(directive);
  BOOST_REQUIRE(position != std::string::npos);
  text.replace(position, directive.size(), "ssl_certificate_key " + pinned.string() + ";");
  Sandbox::write_file(conf / "nginx.conf", text);
  reload_nginx(sandbox, 2);
}

}  // namespace

BOOST_AUTO_TEST_CASE(key_mismatch_rolls_back) {
  Sandbox sandbox;
  pin_key_in_nginx_config(sandbox);
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 rolled back, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    BOOST_TEST(web02.rfind("web-02  rolled back: test failed: ", 0) == 0);
    BOOST_TEST(web02.find("key values mismatch") != std::string::npos);
  }

  check_host_unchanged(sandbox, 2, domain, before);
  check_host_applied(sandbox, 1, domain);
}

// nginx was never reloaded with the new files, so it still serves the
// placeholder, and restoring the files is all a rollback has to do. The
// restored files fail `nginx -t` the same way, which must not turn the
// rollback into "rollback failed".
BOOST_AUTO_TEST_CASE(broken_config_rolls_back) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  sandbox.break_nginx_config(2);

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 rolled back, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    BOOST_TEST(web02.rfind("web-02  rolled back: test failed: ", 0) == 0);
    BOOST_TEST(web02.find("unknown directive \"certplan_sandbox_broken_directive\"") != std::string::npos);
  }

  check_host_unchanged(sandbox, 2, domain, before);
  check_host_applied(sandbox, 1, domain);
}

}  // namespace certplan::e2e
