#include "providers/dns/dns_provider_factory.h"

#include <boost/test/unit_test.hpp>

namespace certplan {
namespace {

Error factory_error(const std::string& name, const Settings& settings) {
  auto provider = make_dns_provider(name, settings);
  BOOST_REQUIRE_MESSAGE(!provider.has_value(), "make_dns_provider accepted " << name);
  return provider.error();
}

BOOST_AUTO_TEST_CASE(ionos_needs_api_key) {
  const Error error = factory_error("ionos", Settings{});
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(error.message ==
             "IONOS_API_KEY is not set; set it to the PREFIX.SECRET key from the IONOS developer "
             "console, or choose another dns_provider");
}

BOOST_AUTO_TEST_CASE(ionos_with_key_builds) {
  Settings settings;
  settings.ionos_api_key.value = SecretString("prefix.secret");
  settings.ionos_api_url.value = "http://127.0.0.1:9";
  auto provider = make_dns_provider("ionos", settings);
  BOOST_TEST(provider.has_value());
}

BOOST_AUTO_TEST_CASE(exec_needs_path) {
  const Error error = factory_error("exec", Settings{});
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(error.message ==
             "DNS_EXEC_PATH is not set; dns_provider exec needs the path of the program that "
             "runs as `PROGRAM present|cleanup FQDN VALUE`");

  Settings settings;
  settings.dns_exec_path.value = "/bin/true";
  BOOST_TEST(make_dns_provider("exec", settings).has_value());
}

BOOST_AUTO_TEST_CASE(rfc2136_needs_nameserver) {
  const Error error = factory_error("rfc2136", Settings{});
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(error.message ==
             "RFC2136_NAMESERVER is not set; set it to the IP or IP:PORT of the primary name "
             "server that accepts dynamic updates");
}

BOOST_AUTO_TEST_CASE(unknown_provider_named) {
  const Error error = factory_error("route53", Settings{});
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(error.message == "unknown dns_provider \"route53\"; use ionos, exec or rfc2136");
}

BOOST_AUTO_TEST_CASE(checker_rejects_bad_resolver) {
  Settings settings;
  settings.dns_resolvers.value = {"127.0.0.1:53", "dns.example:53"};
  auto checker = make_propagation_checker(settings);
  BOOST_REQUIRE(!checker.has_value());
  BOOST_TEST(checker.error().message ==
             "DNS_RESOLVERS: invalid DNS server \"dns.example:53\": not an IP address; write it "
             "as IP:PORT, for example 127.0.0.1:53");

  settings.dns_resolvers.value = {"127.0.0.1:53"};
  BOOST_TEST(make_propagation_checker(settings).has_value());
}

}  // namespace
}  // namespace certplan
