// End to end: certplan cannot put the new files on web-02. web-02 keeps
// serving its placeholder with byte-identical files, web-01 gets the new
// certificate, and apply exits 3.

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/e2e/support/fault_checks.h"
#include "tests/e2e/support/fault_tools.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

const std::string domain = "example.com";

}  // namespace

// The SSH user may not create files in web-02's domain directory, so the
// backup copy beside the old files already fails and nothing is changed.
BOOST_AUTO_TEST_CASE(read_only_domain_directory_fails_backup) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  const std::filesystem::path directory = domain_dir(sandbox, 2, domain);
  BOOST_REQUIRE(::chown(directory.c_str(), 0, 0) == 0);
  BOOST_REQUIRE(::chmod(directory.c_str(), 0755) == 0);

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 failed, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    const std::string expected = "web-02  failed: could not back up " + (directory / "fullchain.pem").string();
    BOOST_TEST(web02.rfind(expected, 0) == 0);
    BOOST_TEST(web02.find("Permission denied") != std::string::npos);
  }

  check_host_unchanged(sandbox, 2, domain, before);
  check_host_applied(sandbox, 1, domain);
}

// A directory where certplan writes its temporary key file makes the key
// upload fail after the certificate was already replaced, so the rollback
// has a real file to put back.
BOOST_AUTO_TEST_CASE(failed_key_upload_rolls_back) {
  Sandbox sandbox;
  const HostSnapshot before = snapshot_host(sandbox, 2, domain);
  const std::filesystem::path directory = domain_dir(sandbox, 2, domain);
  std::filesystem::create_directory(directory / ".privkey.pem.certplan-tmp");

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_CONTEXT("apply output:\n" << apply.text()) {
    BOOST_TEST(apply.exit_code == 3);
    BOOST_TEST(has_line(apply.out, "Apply complete: 1 applied, 1 rolled back, 1 issued."));
    BOOST_TEST(summary_line(apply.out, "web-01") == "web-01  applied");
    const std::string web02 = summary_line(apply.out, "web-02");
    const std::string expected = "web-02  rolled back: could not write " + (directory / "privkey.pem").string();
    BOOST_TEST(web02.rfind(expected, 0) == 0);
    BOOST_TEST(web02.find("Is a directory") != std::string::npos);
  }

  check_host_unchanged(sandbox, 2, domain, before);
  BOOST_TEST(Sandbox::mode_of(directory / "privkey.pem") == 0600U);
  check_host_applied(sandbox, 1, domain);
}

}  // namespace certplan::e2e
