// AcmeIssuer and the certplan binary against a pebble that requires
// External Account Binding: the right key id and MAC key create an account,
// and a missing or wrong binding fails with a message that names the
// variables to fix.

#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <boost/test/unit_test.hpp>

#include "providers/acme/acme_account.h"
#include "providers/acme/acme_issuer.h"
#include "providers/acme/base64url.h"
#include "state/certificate.h"
#include "tests/e2e/support/issue_only_run.h"
#include "tests/e2e/support/pebble.h"
#include "tests/e2e/support/sandbox.h"

namespace certplan::pebble_e2e {
namespace {

using e2e::CommandOutput;
using e2e::EnvSettings;
using e2e::IssueOnlyRun;
using e2e::Sandbox;

constexpr const char* kKeyId = "certplan-test-kid";
constexpr const char* kRejectedHint =
    "; the CA rejected the External Account Binding: check that ACME_EAB_KID and "
    "ACME_EAB_HMAC_KEY are the key id and MAC key that the CA issued";

// 32 random bytes in base64url, the form in which a CA hands out a MAC key.
std::string random_mac_key() {
  std::random_device random;
  std::string bytes;
  for (int i = 0; i < 32; ++i) bytes.push_back(static_cast<char>(random() & 0xff));
  return base64url_encode(bytes);
}

// The error message of a failed result, or "" (Boost.Test builds the
// message of BOOST_REQUIRE_MESSAGE even when the check passes).
template <class T>
std::string error_text(const Result<T>& result) {
  return result.has_value() ? std::string() : result.error().message;
}

// One pebble that accepts only accounts bound with kKeyId and `mac_key`.
struct EabCase {
  EabCase() : pebble(PebbleOptions{-1, {{kKeyId, mac_key}}, ""}) {}

  std::string mac_key = random_mac_key();
  PebbleFixture pebble;
  std::filesystem::path state_dir = pebble.directory() / "state";
  ChallTestSrvDns::Log dns_log;
  InstantPropagation propagation;

  AcmeIssuerOptions options(const std::string& kid, const std::string& key) const {
    AcmeIssuerOptions result;
    result.directory_url = pebble.directory_url();
    result.ca_bundle = pebble.ca_bundle();
    result.email = "admin@example.com";
    result.state_dir = state_dir;
    result.eab_kid = kid;
    result.eab_hmac_key = SecretString(key);
    result.timeout = std::chrono::seconds(120);
    return result;
  }

  Result<CertificateFiles> issue(const std::string& kid, const std::string& key) {
    auto factory = [this](const std::string&) -> Result<std::unique_ptr<DnsProvider>> {
      return std::unique_ptr<DnsProvider>(
          std::make_unique<ChallTestSrvDns>(pebble.challtestsrv_url(), dns_log));
    };
    AcmeIssuer issuer(options(kid, key), factory, propagation);
    return issuer.issue(IssueRequest{"example.com", {"example.com"}, KeyType::ec256, "challtestsrv"});
  }

  std::filesystem::path account_record() const {
    return account_directory(state_dir, pebble.directory_url()) / "account.json";
  }
};

BOOST_AUTO_TEST_CASE(eab_right_key_issues) {
  EabCase test;

  const auto issued = test.issue(kKeyId, test.mac_key);
  BOOST_REQUIRE_MESSAGE(issued.has_value(), error_text(issued));

  auto facts = parse_certificate_chain(issued.value().fullchain_pem);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), error_text(facts));
  const std::vector<std::string> names{"example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
  BOOST_TEST(std::filesystem::exists(test.account_record()));
  BOOST_TEST(test.dns_log.cleaned.size() == 1u);
}

BOOST_AUTO_TEST_CASE(eab_missing_names_variables) {
  EabCase test;

  const auto issued = test.issue("", "");
  BOOST_REQUIRE(issued.has_error());
  const std::string& message = issued.error().message;
  BOOST_TEST(static_cast<int>(issued.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(message.find(test.pebble.directory_url()) != std::string::npos, message);
  BOOST_TEST(message.find("requires External Account Binding") != std::string::npos, message);
  BOOST_TEST(message.find("ACME_EAB_KID and ACME_EAB_HMAC_KEY are not set") != std::string::npos,
             message);
  BOOST_TEST(!std::filesystem::exists(test.account_record()));
  BOOST_TEST(test.dns_log.presented.empty());
}

BOOST_AUTO_TEST_CASE(eab_key_without_kid) {
  EabCase test;

  const auto issued = test.issue("", test.mac_key);
  BOOST_REQUIRE(issued.has_error());
  const std::string& message = issued.error().message;
  BOOST_TEST(message.find("ACME_EAB_KID is not set") != std::string::npos, message);
  BOOST_TEST(message.find(test.mac_key) == std::string::npos, message);
  BOOST_TEST(!std::filesystem::exists(test.account_record()));
}

BOOST_AUTO_TEST_CASE(eab_kid_without_key) {
  EabCase test;

  const auto issued = test.issue(kKeyId, "");
  BOOST_REQUIRE(issued.has_error());
  const std::string& message = issued.error().message;
  BOOST_TEST(message.find("ACME_EAB_HMAC_KEY is not set") != std::string::npos, message);
  BOOST_TEST(!std::filesystem::exists(test.account_record()));
}

BOOST_AUTO_TEST_CASE(eab_wrong_mac_key) {
  EabCase test;
  const std::string wrong_key = random_mac_key();

  const auto issued = test.issue(kKeyId, wrong_key);
  BOOST_REQUIRE(issued.has_error());
  const std::string& message = issued.error().message;
  BOOST_TEST(static_cast<int>(issued.error().kind) == static_cast<int>(ErrorKind::rejected),
             message);
  BOOST_TEST(message.starts_with("newAccount (https://" + test.pebble.address() + ":"),
             message);
  BOOST_TEST(message.find(kRejectedHint) != std::string::npos, message);
  // The hint for a failed DNS-01 validation would send the operator to the
  // wrong place.
  BOOST_TEST(message.find("_acme-challenge") == std::string::npos, message);
  BOOST_TEST(message.find(wrong_key) == std::string::npos, message);
  BOOST_TEST(message.find(test.mac_key) == std::string::npos, message);
  BOOST_TEST(!std::filesystem::exists(test.account_record()));
}

BOOST_AUTO_TEST_CASE(eab_unknown_kid) {
  EabCase test;

  const auto issued = test.issue("no-such-kid", test.mac_key);
  BOOST_REQUIRE(issued.has_error());
  const std::string& message = issued.error().message;
  BOOST_TEST(message.starts_with("newAccount (https://" + test.pebble.address() + ":"),
             message);
  BOOST_TEST(message.find(kRejectedHint) != std::string::npos, message);
  BOOST_TEST(!std::filesystem::exists(test.account_record()));
}

BOOST_AUTO_TEST_CASE(eab_key_not_base64url) {
  EabCase test;

  const auto issued = test.issue(kKeyId, "not base64url!");
  BOOST_REQUIRE(issued.has_error());
  BOOST_TEST(static_cast<int>(issued.error().kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(issued.error().message.find("ACME_EAB_HMAC_KEY is not valid base64url") !=
                 std::string::npos,
             issued.error().message);
}

// Writes an exec DNS provider script (DNS_EXEC_PATH) that publishes and
// clears TXT records in `test`'s challtestsrv, and returns its path.
std::filesystem::path write_challtestsrv_script(const EabCase& test) {
  const std::filesystem::path script = test.pebble.directory() / "challtestsrv-dns.sh";
  Sandbox::write_file(script, "#!/bin/sh\nurl=" + test.pebble.challtestsrv_url() + "\n" + R"(
set -eu
case "$1" in
  present) curl -sSf -X POST -d "{\"host\": \"$2.\", \"value\": \"$3\"}" "$url/set-txt" ;;
  cleanup) curl -sSf -X POST -d "{\"host\": \"$2.\"}" "$url/clear-txt" ;;
  *) echo "unknown command $1" >&2; exit 2 ;;
esac
)");
  ::chmod(script.c_str(), 0755);
  return script;
}

// The .env settings of a certplan run against `test`'s pebble, without
// ACME_EAB_KID and ACME_EAB_HMAC_KEY.
EnvSettings run_settings(const EabCase& test) {
  return {{"ACME_EMAIL", "admin@example.com"},
          {"ACME_DIRECTORY_URL", test.pebble.directory_url()},
          {"ACME_CA_BUNDLE", test.pebble.ca_bundle().string()},
          {"DNS_EXEC_PATH", write_challtestsrv_script(test).string()},
          {"DNS_RESOLVERS", test.pebble.challtestsrv_dns()},
          {"DNS_PROPAGATION_TIMEOUT", "30"}};
}

constexpr const char* kDomainsYaml =
    "domains:\n"
    "  - domain: example.com\n"
    "    dns_provider: exec\n"
    "    servers: []\n";

BOOST_AUTO_TEST_CASE(eab_apply_with_settings) {
  EabCase test;
  EnvSettings settings = run_settings(test);
  settings.emplace_back("ACME_EAB_KID", kKeyId);
  settings.emplace_back("ACME_EAB_HMAC_KEY", test.mac_key);
  const IssueOnlyRun run(test.pebble.directory() / "certplan", settings, kDomainsYaml);

  const CommandOutput apply = run.run({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_REQUIRE(apply.exit_code == 0);

  const std::string fullchain = Sandbox::read_file(run.store_dir("example.com") / "fullchain.cer");
  auto facts = parse_certificate_chain(fullchain);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), error_text(facts));
  const std::vector<std::string> names{"example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());

  // The MAC key stays out of the output and the log file.
  BOOST_TEST(apply.text().find(test.mac_key) == std::string::npos);
  const std::string log = run.log_text();
  BOOST_TEST(!log.empty());
  BOOST_TEST(log.find(test.mac_key) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(eab_apply_without_settings) {
  EabCase test;
  const IssueOnlyRun run(test.pebble.directory() / "certplan", run_settings(test), kDomainsYaml);

  const CommandOutput apply = run.run({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.exit_code == 1);
  BOOST_TEST(apply.text().find("requires External Account Binding, but ACME_EAB_KID and "
                               "ACME_EAB_HMAC_KEY are not set") != std::string::npos);
  BOOST_TEST(!std::filesystem::exists(run.store_dir("example.com") / "fullchain.cer"));
}

}  // namespace
}  // namespace certplan::pebble_e2e
