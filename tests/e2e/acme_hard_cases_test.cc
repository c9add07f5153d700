// AcmeIssuer against a real pebble in cases that need more than the basic
// flow: a challenge name delegated to another zone by a CNAME, the backoff
// record a failed issue leaves, and pebble rejecting most nonces.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "engine/issue_backoff.h"
#include "providers/acme/acme_issuer.h"
#include "providers/http/http_client.h"
#include "state/certificate.h"
#include "tests/e2e/support/pebble.h"

namespace certplan::pebble_e2e {
namespace {

// The DNS port PebbleFixture gives pebble-challtestsrv on its address.
constexpr std::uint16_t kChallTestSrvDnsPort = 8053;

// One pebble, with the issuer writing TXT records through challtestsrv.
struct HardCase {
  explicit HardCase(int nonce_reject_percent = -1) : pebble(nonce_reject_percent) {}

  PebbleFixture pebble;
  std::filesystem::path state_dir = pebble.directory() / "state";
  ChallTestSrvDns::Log dns_log;
  InstantPropagation propagation;

  AcmeIssuerOptions options() const {
    AcmeIssuerOptions result;
    result.directory_url = pebble.directory_url();
    result.ca_bundle = pebble.ca_bundle();
    result.state_dir = state_dir;
    result.timeout = std::chrono::seconds(120);
    return result;
  }

  std::unique_ptr<AcmeIssuer> make_issuer(AcmeIssuerOptions issuer_options) {
    auto factory = [this](const std::string&) -> Result<std::unique_ptr<DnsProvider>> {
      return std::unique_ptr<DnsProvider>(
          std::make_unique<ChallTestSrvDns>(pebble.challtestsrv_url(), dns_log));
    };
    return std::make_unique<AcmeIssuer>(std::move(issuer_options), factory, propagation);
  }

  // Adds a CNAME record from `host` to `target` to challtestsrv.
  void set_cname(const std::string& host, const std::string& target) {
    http::HttpClient http(http::HttpOptions{});
    const nlohmann::json body{{"host", host + "."}, {"target", target + "."}};
    auto sent = http.send(
        http::HttpRequest{"POST", pebble.challtestsrv_url() + "/set-cname", {}, body.dump()});
    BOOST_REQUIRE_MESSAGE(sent.has_value(), (sent.has_error() ? sent.error().message : ""));
    BOOST_REQUIRE_EQUAL(sent.value().status, 200);
  }

  DnsServer dns_server() const { return DnsServer{pebble.address(), kChallTestSrvDnsPort}; }
};

IssueRequest request_for(std::vector<std::string> names) {
  return IssueRequest{names.front(), std::move(names), KeyType::ec256, "challtestsrv"};
}

void require_issued(const Result<CertificateFiles>& issued) {
  BOOST_REQUIRE_MESSAGE(issued.has_value(), (issued.has_error() ? issued.error().message : ""));
}

std::vector<std::string> certificate_names(const CertificateFiles& files) {
  auto facts = parse_certificate_chain(files.fullchain_pem);
  BOOST_REQUIRE(facts.has_value());
  std::vector<std::string> names = facts.value().names;
  std::sort(names.begin(), names.end());
  return names;
}

BOOST_AUTO_TEST_CASE(cname_delegated_challenge_is_issued) {
  HardCase test;
  test.set_cname("_acme-challenge.example.com", "_acme-challenge.example.com.validation.example.net");
  AcmeIssuerOptions options = test.options();
  options.challenge_cnames = ChallengeCnames::follow;
  options.dns_resolvers = {test.dns_server()};

  const auto issued = test.make_issuer(options)->issue(request_for({"example.com", "*.example.com"}));
  require_issued(issued);
  const std::vector<std::string> expected_names{"*.example.com", "example.com"};
  BOOST_TEST(certificate_names(issued.value()) == expected_names, boost::test_tools::per_element());

  // Both values went to the target in the other zone, and were removed there.
  BOOST_REQUIRE_EQUAL(test.dns_log.presented.size(), 2u);
  for (const std::string& presented : test.dns_log.presented) {
    BOOST_TEST(presented.starts_with("_acme-challenge.example.com.validation.example.net "));
  }
  BOOST_TEST(test.dns_log.cleaned == test.dns_log.presented, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cname_ignored_unless_asked) {
  HardCase test;
  test.set_cname("_acme-challenge.example.com", "_acme-challenge.elsewhere.example.net");

  // Without following the CNAME the record lands on the delegated name, which
  // the CA does not read, so validation fails.
  SystemClock clock;
  auto acme_issuer = test.make_issuer(test.options());
  BackoffRecordingIssuer issuer(*acme_issuer, test.state_dir, clock);
  const auto issued = issuer.issue(request_for({"example.com"}));
  BOOST_REQUIRE(issued.has_error());
  BOOST_REQUIRE_EQUAL(test.dns_log.presented.size(), 1u);
  BOOST_TEST(test.dns_log.presented.front().starts_with("_acme-challenge.example.com "));

  // The failure is recorded for the planner's backoff.
  auto record = load_backoff(test.state_dir, "example.com");
  BOOST_REQUIRE(record.has_value());
  BOOST_REQUIRE(record.value().has_value());
  BOOST_TEST(record.value()->failures == 1);
  BOOST_TEST(record.value()->error == issued.error().message);
  BOOST_TEST(record.value()->config_digest ==
             issue_config_digest({"example.com"}, KeyType::ec256, "challtestsrv"));
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(record.value()->next_attempt -
                                                              record.value()->last_failure)
                 .count() == 3600);

  // Following the CNAME succeeds, and the success removes the record.
  AcmeIssuerOptions following = test.options();
  following.challenge_cnames = ChallengeCnames::follow;
  following.dns_resolvers = {test.dns_server()};
  auto following_issuer = test.make_issuer(following);
  BackoffRecordingIssuer recording(*following_issuer, test.state_dir, clock);
  require_issued(recording.issue(request_for({"example.com"})));
  BOOST_TEST(!std::filesystem::exists(backoff_path(test.state_dir, "example.com")));
}

BOOST_AUTO_TEST_CASE(cname_loop_fails_before_publishing) {
  HardCase test;
  test.set_cname("_acme-challenge.example.com", "loop.example.net");
  test.set_cname("loop.example.net", "_acme-challenge.example.com");
  AcmeIssuerOptions options = test.options();
  options.challenge_cnames = ChallengeCnames::follow;
  options.dns_resolvers = {test.dns_server()};

  const auto issued = test.make_issuer(options)->issue(request_for({"example.com"}));
  BOOST_REQUIRE(issued.has_error());
  BOOST_TEST(issued.error().message ==
             "the CNAME chain at _acme-challenge.example.com loops back to "
             "_acme-challenge.example.com; fix the CNAME records");
  BOOST_TEST(test.dns_log.presented.empty());
}

BOOST_AUTO_TEST_CASE(issue_with_most_nonces_rejected) {
  // pebble rejects 60% of good nonces, so most signed requests meet badNonce
  // at least once and some several times in a row.
  HardCase test(60);

  const auto issued =
      test.make_issuer(test.options())->issue(request_for({"example.com", "*.example.com", "a.example.com"}));
  require_issued(issued);
  const std::vector<std::string> expected_names{"*.example.com", "a.example.com", "example.com"};
  BOOST_TEST(certificate_names(issued.value()) == expected_names, boost::test_tools::per_element());
  BOOST_TEST(test.dns_log.cleaned.size() == 3u);
}

}  // namespace
}  // namespace certplan::pebble_e2e
