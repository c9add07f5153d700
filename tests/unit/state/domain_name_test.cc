// Normalisation and validation of domain names.

#include <boost/test/unit_test.hpp>

#include "state/domain_name.h"

using certplan::normalize_domain_name;

namespace {

// The reason normalize_domain_name gives for `name`, or "" when it accepts it.
std::string rejection(std::string_view name) {
  auto result = normalize_domain_name(name);
  return result ? std::string() : result.error().message;
}

std::string normalized(std::string_view name) {
  auto result = normalize_domain_name(name);
  BOOST_TEST_REQUIRE(result.has_value(), "rejected: " << name);
  return result.value();
}

}  // namespace

BOOST_AUTO_TEST_CASE(uppercase_and_trailing_dot_normalised) {
  BOOST_TEST(normalized("WWW.Example.COM.") == "www.example.com");
  BOOST_TEST(normalized("*.Apps.Example.com") == "*.apps.example.com");
}

BOOST_AUTO_TEST_CASE(idn_becomes_punycode) {
  BOOST_TEST(normalized("bücher.example") == "xn--bcher-kva.example");
  BOOST_TEST(normalized("*.Bücher.example") == "*.xn--bcher-kva.example");
  // Non-transitional processing keeps ß instead of mapping it to "ss".
  BOOST_TEST(normalized("faß.de") == "xn--fa-hia.de");
}

BOOST_AUTO_TEST_CASE(empty_labels_rejected) {
  BOOST_TEST(rejection("") == "is empty");
  BOOST_TEST(rejection(".example.com") ==
             "has an empty label (a dot at the start or two dots in a row)");
  BOOST_TEST(rejection(".") == "has an empty label (a dot at the start or two dots in a row)");
}

BOOST_AUTO_TEST_CASE(length_limits) {
  std::string label63(63, 'a');
  BOOST_TEST(normalized(label63 + ".example") == label63 + ".example");
  BOOST_TEST(rejection(std::string(64, 'a') + ".example") ==
             "has a label of 64 characters; a label has at most 63");

  std::string long_name = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  BOOST_TEST(long_name.size() == 253u);
  BOOST_TEST(normalized(long_name) == long_name);
  BOOST_TEST(rejection(long_name + "b") == "is 254 characters long; a domain name has at most 253");
}

BOOST_AUTO_TEST_CASE(characters_and_hyphens) {
  BOOST_TEST(rejection("exa_mple.com") ==
             "contains `_`; only letters, digits and hyphens are allowed");
  BOOST_TEST(rejection("exa mple.com") ==
             "contains ` `; only letters, digits and hyphens are allowed");
  BOOST_TEST(rejection("-www.example.com") ==
             "has a label that starts with a hyphen: `-www`");
  BOOST_TEST(rejection("www-.example.com") == "has a label that ends with a hyphen: `www-`");
  BOOST_TEST(normalized("my-site.example.com") == "my-site.example.com");
}

BOOST_AUTO_TEST_CASE(wildcard_only_as_first_label) {
  const std::string wildcard_rule =
      "contains `*` where it is not allowed; a wildcard must be the whole first label, as in "
      "*.example.com";
  BOOST_TEST(rejection("www.*.example.com") == wildcard_rule);
  BOOST_TEST(rejection("w*.example.com") == wildcard_rule);
  BOOST_TEST(rejection("*") == "is a wildcard without a parent domain; write *.example.com");
  BOOST_TEST(rejection("*.") == "is a wildcard without a parent domain; write *.example.com");
  BOOST_TEST(rejection("*.*.example.com") == wildcard_rule);
}

BOOST_AUTO_TEST_CASE(directory_escapes_rejected) {
  const std::string escape =
      "contains `..`, `/`, `\\` or a NUL byte, which could escape the certificate directory";
  BOOST_TEST(rejection("..") == escape);
  BOOST_TEST(rejection("a..b.com") == escape);
  BOOST_TEST(rejection("example.com/../etc") == escape);
  BOOST_TEST(rejection("example.com\\x") == escape);
  BOOST_TEST(rejection(std::string_view("exam\0ple.com", 12)) == escape);
}

BOOST_AUTO_TEST_CASE(invalid_idn_rejected) {
  // U+2764 HEAVY BLACK HEART is disallowed by IDNA2008.
  BOOST_TEST(rejection("\u2764.example") ==
             "is not a valid internationalised domain name (string contains a disallowed "
             "character)");
}
