// End to end: when `nginx -t` rejects the new certificate on one host,
// certplan puts that host's previous files back and still applies the other
// host. The rejection comes from a raised OpenSSL security level, so the
// restored placeholder passes `nginx -t` again, as a rollback requires.

#include <boost/test/unit_test.hpp>

#include <string>

#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {

BOOST_AUTO_TEST_CASE(failed_nginx_test_rolls_host_back) {
  Sandbox sandbox;
  const std::string domain = "example.com";
  const auto web02_files = sandbox.host(2).cert_dir / domain;
  const std::string placeholder_chain = Sandbox::read_file(web02_files / "fullchain.pem");
  const std::string placeholder_key = Sandbox::read_file(web02_files / "privkey.pem");
  const std::string placeholder = sandbox.served_fingerprint(2, domain);

  sandbox.make_nginx_reject_p256(2);
  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.exit_code == 3);
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(has_line_containing_all(apply.text(), {"web-02", "rolled back"}));
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(has_line_containing_all(apply.text(), {"web-01", "applied"}));

  // The log file contains the failed step with its reason, for an
  // unattended run. The console shows the failure once, not twice.
  const std::string log = sandbox.log_text();
  BOOST_TEST_INFO("log file:\n" << log);
  BOOST_TEST(has_line_containing_all(log, {" - nginx - ", "web-02: test failed: "}));
  BOOST_TEST_INFO("log file:\n" << log);
  BOOST_TEST(has_line_containing_all(log, {" - deploy - ", "web-02: rollback done"}));
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.err.find("web-02: test failed") == std::string::npos);

  BOOST_TEST(sandbox.served_fingerprint(2, domain) == placeholder);
  BOOST_TEST(Sandbox::read_file(web02_files / "fullchain.pem") == placeholder_chain);
  BOOST_TEST(Sandbox::read_file(web02_files / "privkey.pem") == placeholder_key);

  const std::string issued =
      pem_leaf_fingerprint(Sandbox::read_file(sandbox.store_dir(domain) / "fullchain.cer"));
  BOOST_TEST(issued != placeholder);
  BOOST_TEST(sandbox.served_fingerprint(1, domain) == issued);
}

}  // namespace certplan::e2e

namespace certplan::e2e {

// An nginx configuration that was already broken fails `nginx -t` after the
// restore too, so certplan cannot confirm the rollback and reports that a
// person must restore the host (exit code 4).
// An unknown directive fails `nginx -t` before and after the restore, but
// nginx never reloaded, so it still serves the placeholder: a rollback.
BOOST_AUTO_TEST_CASE(broken_config_rolls_back) {
  Sandbox sandbox;
  const std::string placeholder = sandbox.served_fingerprint(2, "example.com");
  sandbox.break_nginx_config(2);

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.exit_code == 3);
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(has_line_containing_all(apply.text(), {"web-02", "rolled back"}));
  BOOST_TEST(sandbox.served_fingerprint(2, "example.com") == placeholder);
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(has_line_containing_all(apply.text(), {"web-01", "applied"}));
}

}  // namespace certplan::e2e
