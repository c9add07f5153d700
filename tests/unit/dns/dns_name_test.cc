#include "providers/dns/dns_name.h"

#include <boost/test/unit_test.hpp>

namespace certplan {
namespace {

std::string normalized(std::string_view name) {
  auto result = normalize_dns_name(name);
  BOOST_REQUIRE_MESSAGE(result.has_value(), "normalize_dns_name failed for " << name);
  return result.value();
}

std::string zone_or_none(std::string_view name, const std::vector<std::string>& zones) {
  return find_zone(name, zones).value_or("(none)");
}

BOOST_AUTO_TEST_CASE(normalize_lowercases_and_drops_trailing_dot) {
  BOOST_TEST(normalized("WWW.Example.COM.") == "www.example.com");
  BOOST_TEST(normalized("_acme-challenge.example.com") == "_acme-challenge.example.com");
  BOOST_TEST(normalized("*.Example.com") == "*.example.com");
}

BOOST_AUTO_TEST_CASE(normalize_converts_unicode_to_punycode) {
  BOOST_TEST(normalized("bücher.example") == "xn--bcher-kva.example");
  BOOST_TEST(normalized("BÜCHER.example.") == "xn--bcher-kva.example");
  BOOST_TEST(normalized("xn--bcher-kva.example") == "xn--bcher-kva.example");
}

BOOST_AUTO_TEST_CASE(normalize_rejects_empty_name) {
  auto result = normalize_dns_name(".");
  BOOST_REQUIRE(!result.has_value());
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(result.error().message == "invalid DNS name: the name is empty");
}

BOOST_AUTO_TEST_CASE(find_zone_respects_label_boundary) {
  const std::vector<std::string> zones{"ample.com", "example.com"};
  BOOST_TEST(zone_or_none("www.example.com", zones) == "example.com");
  BOOST_TEST(zone_or_none("www.ample.com", zones) == "ample.com");
  BOOST_TEST(zone_or_none("example.com", zones) == "example.com");
  BOOST_TEST(zone_or_none("www.sample.com", {"ample.com"}) == "(none)");
  BOOST_TEST(zone_or_none("xample.com", {"example.com"}) == "(none)");
}

BOOST_AUTO_TEST_CASE(find_zone_prefers_nested_zone) {
  const std::vector<std::string> zones{"example.com", "dev.example.com", "a.example.org"};
  BOOST_TEST(zone_or_none("_acme-challenge.a.dev.example.com", zones) == "dev.example.com");
  BOOST_TEST(zone_or_none("_acme-challenge.dev.example.com", zones) == "dev.example.com");
  BOOST_TEST(zone_or_none("_acme-challenge.prod.example.com", zones) == "example.com");
  BOOST_TEST(zone_or_none("_acme-challenge.example.org", zones) == "(none)");
}

BOOST_AUTO_TEST_CASE(find_zone_order_does_not_matter) {
  const std::vector<std::string> nested_first{"dev.example.com", "example.com"};
  const std::vector<std::string> nested_last{"example.com", "dev.example.com"};
  BOOST_TEST(zone_or_none("x.dev.example.com", nested_first) == "dev.example.com");
  BOOST_TEST(zone_or_none("x.dev.example.com", nested_last) == "dev.example.com");
}

BOOST_AUTO_TEST_CASE(find_zone_after_normalizing_case_and_punycode) {
  const std::vector<std::string> zones{normalized("Bücher.Example."), normalized("EXAMPLE.com")};
  BOOST_TEST(zone_or_none(normalized("_acme-challenge.BÜCHER.example"), zones) ==
             "xn--bcher-kva.example");
  BOOST_TEST(zone_or_none(normalized("_ACME-challenge.www.example.com."), zones) == "example.com");
}

BOOST_AUTO_TEST_CASE(find_zone_with_no_zones) {
  BOOST_TEST(zone_or_none("example.com", {}) == "(none)");
  BOOST_TEST(zone_or_none("example.com", {""}) == "(none)");
}

}  // namespace
}  // namespace certplan
