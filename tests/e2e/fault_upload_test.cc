// End to end: certplan cannot put the new files on web-02. web-02 keeps
// serving its placeholder with byte-identical files, web-01 gets the new
// certificate, and apply exits 3.

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/e2e/support/fault_tools.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

const std::string domain = "example.com";

void check_unchanged(const Sandbox& sandbox, int i, const HostSnapshot& before) {
  BOOST_TEST_CONTEXT("host " << sandbox.host(i).name) {
    const HostSnapshot after = snapshot_host(sandbox, i, domain);
    BOOST_TEST(after.served == before.served);
    BOOST_TEST(after.files.chain == before.files.chain);
    BOOST_TEST(after.files.key == before.files.key);
    BOOST_TEST(!after.locked);
    BOOST_TEST(!after.journalled);
  }
}

void check_applied(const Sandbox& sandbox, int i) {
  BOOST_TEST_CONTEXT("host " << sandbox.host(i).name) {
    const HostFiles issued = store_files(sandbox, domain);
    const HostSnapshot after = snapshot_host(sandbox, i, domain);
    BOOST_TEST(after.served == pem_leaf_fingerprint(issued.chain));
    BOOST_TEST(after.files.chain == issued.chain);
    BOOST_TEST(after.files.key == issued.key);
    BOOST_TEST(!after.locked);
    BOOST_TEST(!after.journalled);
  }
}

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

  check_unchanged(sandbox, 2, before);
  check_applied(sandbox, 1);
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

  check_unchanged(sandbox, 2, before);
  BOOST_TEST(Sandbox::mode_of(directory / "privkey.pem") == 0600U);
  check_applied(sandbox, 1);
}

}  // namespace certplan::e2e
