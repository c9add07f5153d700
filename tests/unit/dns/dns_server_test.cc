#include "providers/dns/dns_server.h"

#include <boost/test/unit_test.hpp>

namespace certplan {
namespace {

DnsServer parsed(std::string_view text) {
  auto result = parse_dns_server(text);
  BOOST_REQUIRE_MESSAGE(result.has_value(), "parse_dns_server failed for " << text);
  return result.value();
}

std::string parse_error(std::string_view text) {
  auto result = parse_dns_server(text);
  BOOST_REQUIRE_MESSAGE(!result.has_value(), "parse_dns_server accepted " << text);
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::invalid));
  return result.error().message;
}

BOOST_AUTO_TEST_CASE(parse_ipv4_with_and_without_port) {
  BOOST_TEST(parsed("127.0.0.1:5353").address == "127.0.0.1");
  BOOST_TEST(parsed("127.0.0.1:5353").port == 5353);
  BOOST_TEST(parsed("127.0.0.1").port == 53);
  BOOST_TEST(parsed("127.4.5.6:53").to_string() == "127.4.5.6:53");
}

BOOST_AUTO_TEST_CASE(parse_ipv6_forms) {
  BOOST_TEST(parsed("[::1]:8053").address == "::1");
  BOOST_TEST(parsed("[::1]:8053").port == 8053);
  BOOST_TEST(parsed("[::1]").port == 53);
  BOOST_TEST(parsed("::1").address == "::1");
  BOOST_TEST(parsed("::1").to_string() == "[::1]:53");
}

BOOST_AUTO_TEST_CASE(parse_rejects_bad_entries) {
  BOOST_TEST(parse_error("resolver.example:53") ==
             "invalid DNS server \"resolver.example:53\": not an IP address; write it as "
             "IP:PORT, for example 127.0.0.1:53");
  BOOST_TEST(parse_error("127.0.0.1:0") ==
             "invalid DNS server \"127.0.0.1:0\": the port is not a number from 1 to 65535; "
             "write it as IP:PORT, for example 127.0.0.1:53");
  BOOST_TEST(parse_error("127.0.0.1:65536") ==
             "invalid DNS server \"127.0.0.1:65536\": the port is not a number from 1 to 65535; "
             "write it as IP:PORT, for example 127.0.0.1:53");
  BOOST_TEST(parse_error("127.0.0.1:5x") ==
             "invalid DNS server \"127.0.0.1:5x\": the port is not a number from 1 to 65535; "
             "write it as IP:PORT, for example 127.0.0.1:53");
  BOOST_TEST(parse_error("[::1") ==
             "invalid DNS server \"[::1\": missing ']'; write it as IP:PORT, for example "
             "127.0.0.1:53");
  BOOST_TEST(parse_error("") ==
             "invalid DNS server \"\": not an IP address; write it as IP:PORT, for example "
             "127.0.0.1:53");
}

BOOST_AUTO_TEST_CASE(parse_list_stops_at_first_bad_entry) {
  auto good = parse_dns_servers({"127.0.0.1:53", "127.0.0.2:5353"});
  BOOST_REQUIRE(good.has_value());
  BOOST_TEST(good.value().size() == 2U);
  BOOST_TEST(good.value()[1].to_string() == "127.0.0.2:5353");

  auto bad = parse_dns_servers({"127.0.0.1:53", "nope"});
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error().message ==
             "invalid DNS server \"nope\": not an IP address; write it as IP:PORT, for example "
             "127.0.0.1:53");
}

}  // namespace
}  // namespace certplan
