#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "providers/acme/acme_account.h"
#include "providers/acme/acme_issuer.h"
#include "state/certificate.h"
#include "tests/e2e/support/pebble.h"

namespace certplan::pebble_e2e {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream stream(path);
  std::ostringstream content;
  content << stream.rdbuf();
  return content.str();
}

unsigned file_mode(const std::filesystem::path& path) {
  struct stat status {};
  BOOST_REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

// One pebble, a state directory and the test doubles of the DNS side.
struct PebbleCase {
  explicit PebbleCase(int nonce_reject_percent = -1) : pebble(nonce_reject_percent) {}

  PebbleFixture pebble;
  std::filesystem::path state_dir = pebble.directory() / "state";
  ChallTestSrvDns::Log dns_log;
  InstantPropagation propagation;
  std::string value_override;

  AcmeIssuerOptions options() const {
    AcmeIssuerOptions result;
    result.directory_url = pebble.directory_url();
    result.ca_bundle = pebble.ca_bundle();
    result.email = "admin@example.com";
    result.state_dir = state_dir;
    result.timeout = std::chrono::seconds(120);
    return result;
  }

  std::unique_ptr<AcmeIssuer> make_issuer() {
    auto factory = [this](const std::string& name) -> Result<std::unique_ptr<DnsProvider>> {
      BOOST_TEST(name == "challtestsrv");
      return std::unique_ptr<DnsProvider>(
          std::make_unique<ChallTestSrvDns>(pebble.challtestsrv_url(), dns_log, value_override));
    };
    return std::make_unique<AcmeIssuer>(options(), factory, propagation);
  }

  std::filesystem::path account_dir() const {
    return account_directory(state_dir, pebble.directory_url());
  }
};

IssueRequest request_for(std::vector<std::string> names, KeyType key_type = KeyType::ec256) {
  return IssueRequest{names.front(), std::move(names), key_type, "challtestsrv"};
}

// Checks that `files` is a chain for exactly `names` whose key matches.
void check_certificate(const CertificateFiles& files, std::vector<std::string> names) {
  auto facts = parse_certificate_chain(files.fullchain_pem);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), (facts.has_error() ? facts.error().message : ""));
  std::sort(names.begin(), names.end());
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
  BOOST_TEST(facts.value().chain_length >= 2);

  auto key = parse_private_key(files.key_pem);
  BOOST_REQUIRE(key.has_value());
  BOOST_TEST(public_key_fingerprint(key.value()) == facts.value().public_key_fingerprint);
}

void require_issued(const Result<CertificateFiles>& issued) {
  BOOST_REQUIRE_MESSAGE(issued.has_value(), (issued.has_error() ? issued.error().message : ""));
}

BOOST_AUTO_TEST_CASE(issue_one_name) {
  PebbleCase test;
  auto issuer = test.make_issuer();

  const auto issued = issuer->issue(request_for({"example.com"}));
  require_issued(issued);
  check_certificate(issued.value(), {"example.com"});

  BOOST_TEST(test.dns_log.presented.size() == 1u);
  BOOST_TEST(test.dns_log.presented.front().starts_with("_acme-challenge.example.com "));
  BOOST_TEST(test.dns_log.cleaned == test.dns_log.presented, boost::test_tools::per_element());
  BOOST_TEST(test.propagation.checked.size() == 1u);
  BOOST_TEST(test.propagation.checked.front().starts_with("_acme-challenge.example.com example.com "));
  BOOST_TEST(issuer->warnings().empty());
}

BOOST_AUTO_TEST_CASE(issue_two_names_rsa) {
  PebbleCase test;
  auto issuer = test.make_issuer();

  const auto issued = issuer->issue(request_for({"example.com", "www.example.com"}, KeyType::rsa2048));
  require_issued(issued);
  check_certificate(issued.value(), {"example.com", "www.example.com"});

  auto key = parse_private_key(issued.value().key_pem);
  BOOST_REQUIRE(key.has_value());
  const auto key_type = key_type_of(key.value());
  BOOST_REQUIRE(key_type.has_value());
  BOOST_TEST(key_type_name(*key_type) == "rsa-2048");
  BOOST_TEST(test.dns_log.presented.size() == 2u);
  BOOST_TEST(test.dns_log.cleaned.size() == 2u);
}

BOOST_AUTO_TEST_CASE(issue_apex_and_wildcard) {
  PebbleCase test;
  auto issuer = test.make_issuer();

  const auto issued = issuer->issue(request_for({"example.com", "*.example.com"}));
  require_issued(issued);
  check_certificate(issued.value(), {"example.com", "*.example.com"});

  // Both values sit on one name, and both were up before validation.
  BOOST_REQUIRE_EQUAL(test.dns_log.presented.size(), 2u);
  BOOST_TEST(test.dns_log.presented[0].starts_with("_acme-challenge.example.com "));
  BOOST_TEST(test.dns_log.presented[1].starts_with("_acme-challenge.example.com "));
  BOOST_TEST(test.dns_log.presented[0] != test.dns_log.presented[1]);
  BOOST_TEST(test.dns_log.cleaned.size() == 2u);
}

BOOST_AUTO_TEST_CASE(account_reused_on_second_issue) {
  PebbleCase test;
  require_issued(test.make_issuer()->issue(request_for({"example.com"})));

  const std::filesystem::path key_file = test.account_dir() / "account.key";
  const std::filesystem::path record_file = test.account_dir() / "account.json";
  BOOST_TEST(file_mode(key_file) == 0600u);
  BOOST_TEST(file_mode(record_file) == 0600u);
  BOOST_TEST(file_mode(test.account_dir()) == 0700u);
  const std::string key_before = read_text(key_file);
  const std::string record_before = read_text(record_file);
  const auto record = nlohmann::json::parse(record_before);
  BOOST_TEST(record.at("directory") == test.pebble.directory_url());
  BOOST_TEST(record.at("url").get<std::string>().starts_with("https://" + test.pebble.address() + ":14000/"));

  // A new issuer, as in the next run of certplan, finds the stored account.
  require_issued(test.make_issuer()->issue(request_for({"www.example.com"})));
  BOOST_TEST(read_text(key_file) == key_before);
  BOOST_TEST(read_text(record_file) == record_before);
  BOOST_TEST(file_mode(key_file) == 0600u);
}

BOOST_AUTO_TEST_CASE(account_found_from_key_alone) {
  PebbleCase test;
  require_issued(test.make_issuer()->issue(request_for({"example.com"})));
  const std::filesystem::path record_file = test.account_dir() / "account.json";
  const std::string record_before = read_text(record_file);
  std::filesystem::remove(record_file);

  // onlyReturnExisting finds the same account URL for the stored key.
  require_issued(test.make_issuer()->issue(request_for({"example.com"})));
  BOOST_TEST(read_text(record_file) == record_before);
}

BOOST_AUTO_TEST_CASE(issue_despite_many_bad_nonces) {
  // With 40% of good nonces rejected, nearly every issuance meets badNonce
  // several times; the retries must hide all of them.
  PebbleCase test(40);
  auto issuer = test.make_issuer();

  const auto issued = issuer->issue(request_for({"example.com", "www.example.com"}));
  require_issued(issued);
  check_certificate(issued.value(), {"example.com", "www.example.com"});
}

BOOST_AUTO_TEST_CASE(parallel_issues_share_one_issuer) {
  PebbleCase test;
  auto issuer = test.make_issuer();

  Result<CertificateFiles> first = make_error(ErrorKind::failed, "not run");
  Result<CertificateFiles> second = make_error(ErrorKind::failed, "not run");
  std::thread one([&] { first = issuer->issue(request_for({"one.example.com"})); });
  std::thread two([&] { second = issuer->issue(request_for({"two.example.org"})); });
  one.join();
  two.join();

  require_issued(first);
  require_issued(second);
  check_certificate(first.value(), {"one.example.com"});
  check_certificate(second.value(), {"two.example.org"});
  BOOST_TEST(std::filesystem::exists(test.account_dir() / "account.json"));
}

BOOST_AUTO_TEST_CASE(wrong_record_fails_and_cleans_up) {
  PebbleCase test;
  test.value_override = "not-the-key-authorization";
  auto issuer = test.make_issuer();

  const auto issued = issuer->issue(request_for({"example.com", "www.example.com"}));
  BOOST_REQUIRE(issued.has_error());
  BOOST_TEST(static_cast<int>(issued.error().kind) == static_cast<int>(ErrorKind::rejected));
  const std::string& message = issued.error().message;
  BOOST_TEST(message.starts_with("DNS-01 validation failed: example.com: authorization invalid: "
                                 "unauthorized: "),
             message);
  BOOST_TEST(message.find("; www.example.com: authorization invalid: unauthorized: ") !=
                 std::string::npos,
             message);
  BOOST_TEST(test.dns_log.cleaned.size() == 2u);
}

BOOST_AUTO_TEST_CASE(unreachable_directory_is_clear) {
  PebbleCase test;
  AcmeIssuerOptions options = test.options();
  const std::string address = random_loopback_address();
  options.directory_url = "https://" + address + ":1/dir";
  AcmeIssuer issuer(options, [](const std::string&) -> Result<std::unique_ptr<DnsProvider>> {
    return make_error(ErrorKind::failed, "no DNS provider expected");
  }, test.propagation);

  const auto issued = issuer.issue(request_for({"example.com"}));
  BOOST_REQUIRE(issued.has_error());
  BOOST_TEST(static_cast<int>(issued.error().kind) == static_cast<int>(ErrorKind::unreachable));
  BOOST_TEST(issued.error().message.starts_with(
                 "could not fetch the ACME directory (check ACME_DIRECTORY_URL and ACME_CA_BUNDLE): "
                 "GET https://" + address + ":1/dir failed: "),
             issued.error().message);
  BOOST_TEST(!std::filesystem::exists(test.state_dir));
}

BOOST_AUTO_TEST_CASE(untrusted_ca_is_rejected) {
  PebbleCase test;
  AcmeIssuerOptions options = test.options();
  options.ca_bundle = test.pebble.make_unrelated_ca();
  AcmeIssuer issuer(options, [](const std::string&) -> Result<std::unique_ptr<DnsProvider>> {
    return make_error(ErrorKind::failed, "no DNS provider expected");
  }, test.propagation);

  const auto issued = issuer.issue(request_for({"example.com"}));
  BOOST_REQUIRE(issued.has_error());
  BOOST_TEST(static_cast<int>(issued.error().kind) == static_cast<int>(ErrorKind::rejected),
             issued.error().message);
  BOOST_TEST(issued.error().message.ends_with(
                 "; check the CA bundle (ACME_CA_BUNDLE) and the server certificate"),
             issued.error().message);
}

}  // namespace
}  // namespace certplan::pebble_e2e
