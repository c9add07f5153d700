#include "providers/dns/rfc2136_provider.h"

#include <boost/test/unit_test.hpp>

#include "providers/dns/dns_provider_factory.h"

namespace certplan {
namespace {

Settings complete_settings() {
  Settings settings;
  settings.rfc2136_nameserver.value = "127.0.0.1:5353";
  settings.rfc2136_tsig_key.value = "certplan-update";
  settings.rfc2136_tsig_secret.value = SecretString("c2VjcmV0LWZvci11bml0LXRlc3Rz");
  return settings;
}

Error settings_error(const Settings& settings) {
  auto provider = Rfc2136Provider::from_settings(settings);
  BOOST_REQUIRE(!provider.has_value());
  BOOST_TEST(static_cast<int>(provider.error().kind) == static_cast<int>(ErrorKind::invalid));
  return provider.error();
}

BOOST_AUTO_TEST_CASE(complete_settings_build) {
  BOOST_TEST(Rfc2136Provider::from_settings(complete_settings()).has_value());
  BOOST_TEST(make_dns_provider("rfc2136", complete_settings()).has_value());
}

BOOST_AUTO_TEST_CASE(missing_key_named) {
  Settings settings = complete_settings();
  settings.rfc2136_tsig_key.value.clear();
  BOOST_TEST(settings_error(settings).message ==
             "RFC2136_TSIG_KEY is not set; set it to the name of the TSIG key that the name "
             "server allows to update the zone");
}

BOOST_AUTO_TEST_CASE(missing_secret_named) {
  Settings settings = complete_settings();
  settings.rfc2136_tsig_secret.value = SecretString();
  BOOST_TEST(settings_error(settings).message ==
             "RFC2136_TSIG_SECRET is not set; set it to the base64 secret of the TSIG key "
             "certplan-update");
}

BOOST_AUTO_TEST_CASE(host_name_as_nameserver) {
  Settings settings = complete_settings();
  settings.rfc2136_nameserver.value = "ns1.example.com";
  const std::string message = settings_error(settings).message;
  BOOST_TEST(message.rfind("RFC2136_NAMESERVER: invalid DNS server \"ns1.example.com\"", 0) == 0);
}

BOOST_AUTO_TEST_CASE(unknown_algorithm_named) {
  Settings settings = complete_settings();
  settings.rfc2136_tsig_algorithm.value = "hmac-sha3";
  BOOST_TEST(settings_error(settings).message ==
             "RFC2136_TSIG_ALGORITHM \"hmac-sha3\" is not supported; use hmac-sha256, "
             "hmac-sha512, hmac-sha384, hmac-sha224, hmac-sha1 or hmac-md5");
}

BOOST_AUTO_TEST_CASE(algorithm_names_for_ldns) {
  BOOST_TEST(tsig_algorithm_name("hmac-sha256").value() == "hmac-sha256.");
  BOOST_TEST(tsig_algorithm_name("HMAC-SHA512.").value() == "hmac-sha512.");
  BOOST_TEST(tsig_algorithm_name("hmac-sha1").value() == "hmac-sha1.");
  BOOST_TEST(tsig_algorithm_name("hmac-md5").value() == "hmac-md5.sig-alg.reg.int.");
}

}  // namespace
}  // namespace certplan
