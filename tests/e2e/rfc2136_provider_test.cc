// The rfc2136 provider against a real BIND 9 that accepts TSIG-signed
// dynamic updates for example.com.

#include <algorithm>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "providers/dns/dns_query.h"
#include "providers/dns/rfc2136_provider.h"
#include "tests/e2e/support/bind_fixture.h"

namespace certplan::bind_e2e {
namespace {

constexpr std::chrono::milliseconds kQueryTimeout{2000};

Rfc2136Options options_for(const BindFixture& bind) {
  Rfc2136Options options;
  options.nameserver = bind.server();
  options.tsig_key = BindFixture::key_name;
  options.tsig_secret = bind.key_secret();
  return options;
}

// The error message of a failed result, or "" (Boost.Test builds the
// message of BOOST_REQUIRE_MESSAGE even when the check passes).
template <class T>
std::string error_text(const Result<T>& result) {
  return result.has_value() ? std::string() : result.error().message;
}

std::vector<std::string> txt_values(const BindFixture& bind, const std::string& name) {
  auto answer = ask_dns_server(bind.server(), name, DnsQuestion::txt, kQueryTimeout);
  BOOST_REQUIRE_MESSAGE(answer.has_value(), error_text(answer));
  std::vector<std::string> values = answer.value().txt;
  std::sort(values.begin(), values.end());
  return values;
}

BOOST_AUTO_TEST_CASE(two_values_then_cleanup_one) {
  BindFixture bind;
  Rfc2136Provider provider(options_for(bind));

  auto first = provider.present("_acme-challenge.www.example.com", "value-one");
  BOOST_REQUIRE_MESSAGE(first.has_value(), error_text(first));
  BOOST_TEST(first.value().fqdn == "_acme-challenge.www.example.com");
  BOOST_TEST(first.value().zone == "example.com");
  BOOST_TEST(first.value().value == "value-one");

  auto second = provider.present("_acme-challenge.WWW.example.com.", "value-two");
  BOOST_REQUIRE_MESSAGE(second.has_value(), error_text(second));
  BOOST_TEST(second.value().fqdn == "_acme-challenge.www.example.com");

  const std::vector<std::string> both{"value-one", "value-two"};
  BOOST_TEST(txt_values(bind, "_acme-challenge.www.example.com") == both,
             boost::test_tools::per_element());

  auto removed = provider.cleanup(first.value());
  BOOST_REQUIRE_MESSAGE(removed.has_value(), error_text(removed));
  const std::vector<std::string> rest{"value-two"};
  BOOST_TEST(txt_values(bind, "_acme-challenge.www.example.com") == rest,
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cleanup_of_gone_record) {
  BindFixture bind;
  Rfc2136Provider provider(options_for(bind));

  auto record = provider.present("_acme-challenge.example.com", "short-lived");
  BOOST_REQUIRE_MESSAGE(record.has_value(), error_text(record));
  auto removed = provider.cleanup(record.value());
  BOOST_REQUIRE_MESSAGE(removed.has_value(), error_text(removed));
  BOOST_TEST(txt_values(bind, "_acme-challenge.example.com").empty());

  auto again = provider.cleanup(record.value());
  BOOST_REQUIRE(!again.has_value());
  BOOST_TEST(static_cast<int>(again.error().kind) == static_cast<int>(ErrorKind::not_found));
  BOOST_TEST(again.error().message ==
             "the TXT record \"short-lived\" at _acme-challenge.example.com was already gone");
}

BOOST_AUTO_TEST_CASE(wrong_secret_rejected) {
  BindFixture bind;
  Rfc2136Options options = options_for(bind);
  const std::string wrong_secret = "d3JvbmctYnV0LXZhbGlkLWJhc2U2NC1zZWNyZXQtMTIzNDU2Nzg=";
  options.tsig_secret = SecretString(wrong_secret);
  Rfc2136Provider provider(std::move(options));

  auto record = provider.present("_acme-challenge.example.com", "never-written");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(static_cast<int>(record.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(record.error().message ==
             "the name server " + bind.server().to_string() +
                 " rejected the update of zone example.com: NOTAUTH (TSIG signature invalid: "
                 "check RFC2136_TSIG_KEY and RFC2136_TSIG_SECRET)");
  BOOST_TEST(record.error().message.find(wrong_secret) == std::string::npos);
  BOOST_TEST(record.error().message.find(bind.key_secret().reveal()) == std::string::npos);
  BOOST_TEST(txt_values(bind, "_acme-challenge.example.com").empty());
}

BOOST_AUTO_TEST_CASE(unknown_key_rejected) {
  BindFixture bind;
  Rfc2136Options options = options_for(bind);
  options.tsig_key = "no-such-key";
  Rfc2136Provider provider(std::move(options));

  auto record = provider.present("_acme-challenge.example.com", "never-written");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(static_cast<int>(record.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(record.error().message ==
             "the name server " + bind.server().to_string() +
                 " rejected the update of zone example.com: NOTAUTH (TSIG key unknown to the "
                 "server: check RFC2136_TSIG_KEY and RFC2136_TSIG_ALGORITHM)");
}

BOOST_AUTO_TEST_CASE(name_outside_zone) {
  BindFixture bind;
  Rfc2136Provider provider(options_for(bind));

  auto record = provider.present("_acme-challenge.example.org", "never-written");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(static_cast<int>(record.error().kind) == static_cast<int>(ErrorKind::not_found));
  BOOST_TEST(record.error().message ==
             "the name server " + bind.server().to_string() +
                 " has no zone that contains _acme-challenge.example.org; check "
                 "RFC2136_NAMESERVER and the zones it serves");
}

}  // namespace
}  // namespace certplan::bind_e2e
