// A whole `certplan apply` with dns_provider rfc2136: certplan writes the
// DNS-01 TXT records into a real BIND 9 with TSIG-signed updates, and pebble
// validates by asking that BIND, not challtestsrv. No server is configured,
// so apply only issues into the local store.

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "providers/dns/dns_query.h"
#include "state/certificate.h"
#include "tests/e2e/support/bind_fixture.h"
#include "tests/e2e/support/issue_only_run.h"
#include "tests/e2e/support/pebble.h"
#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

using bind_e2e::BindFixture;
using pebble_e2e::PebbleFixture;
using pebble_e2e::PebbleOptions;

constexpr std::chrono::milliseconds kQueryTimeout{2000};

// The domains.yaml entry of example.com with `alt_names`, through rfc2136.
std::string domains_yaml(const std::string& alt_names) {
  return "domains:\n"
         "  - domain: example.com\n"
         "    alt_names: " + alt_names + "\n"
         "    dns_provider: rfc2136\n"
         "    servers: []\n";
}

// Counts the occurrences of `text` in `log`.
std::size_t count_of(const std::string& log, const std::string& text) {
  std::size_t count = 0;
  for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++count;
  return count;
}

// BIND with the zone example.com, pebble validating against it, and a
// certplan configuration that issues example.com through BIND.
struct Rfc2136Run {
  explicit Rfc2136Run(const std::string& domains)
      : certplan(pebble.directory() / "certplan",
                 {{"ACME_EMAIL", "admin@example.com"},
                  {"ACME_DIRECTORY_URL", pebble.directory_url()},
                  {"ACME_CA_BUNDLE", pebble.ca_bundle().string()},
                  {"RFC2136_NAMESERVER", bind.server().to_string()},
                  {"RFC2136_TSIG_KEY", BindFixture::key_name},
                  {"RFC2136_TSIG_SECRET", bind.key_secret().reveal()},
                  {"DNS_RESOLVERS", bind.server().to_string()},
                  {"DNS_PROPAGATION_TIMEOUT", "30"}},
                 domains) {}

  BindFixture bind;
  PebbleFixture pebble{PebbleOptions{-1, {}, bind.server().to_string()}};
  IssueOnlyRun certplan;

  std::vector<std::string> txt_values(const std::string& name) const {
    auto answer = ask_dns_server(bind.server(), name, DnsQuestion::txt, kQueryTimeout);
    BOOST_REQUIRE_MESSAGE(answer.has_value(), (answer.has_error() ? answer.error().message : ""));
    return answer.value().txt;
  }
};

BOOST_AUTO_TEST_CASE(apply_issues_through_bind) {
  Rfc2136Run run(domains_yaml("[www.example.com]"));

  const CommandOutput apply = run.certplan.run({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text() << "\nnamed.log:\n" << run.bind.log());
  BOOST_REQUIRE(apply.exit_code == 0);

  const std::string fullchain = Sandbox::read_file(run.certplan.store_dir("example.com") / "fullchain.cer");
  auto facts = parse_certificate_chain(fullchain);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), (facts.has_error() ? facts.error().message : ""));
  const std::vector<std::string> names{"example.com", "www.example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
  BOOST_TEST(Sandbox::mode_of(run.certplan.store_dir("example.com") / "example.com.key") == 0600U);

  // Both challenge records went into BIND by dynamic update and came out
  // again, and neither is left.
  const std::string log = run.bind.log();
  for (const char* name : {"_acme-challenge.example.com", "_acme-challenge.www.example.com"}) {
    BOOST_TEST_INFO("named.log:\n" << log);
    BOOST_TEST(log.find(std::string("adding an RR at '") + name + "' TXT") != std::string::npos,
               name);
    BOOST_TEST_INFO("named.log:\n" << log);
    // named 9.18 quotes the name when it logs an addition, not a deletion.
    BOOST_TEST(log.find(std::string("deleting an RR at ") + name + " TXT") != std::string::npos,
               name);
    BOOST_TEST(run.txt_values(name).empty(), name);
  }

  // The secret stays out of the output and the log file.
  const std::string secret = run.bind.key_secret().reveal();
  BOOST_TEST(apply.text().find(secret) == std::string::npos);
  BOOST_TEST(run.certplan.log_text().find(secret) == std::string::npos);

  const CommandOutput replan = run.certplan.run({"plan", "--detailed-exitcode"});
  BOOST_TEST_INFO("second plan output:\n" << replan.text());
  BOOST_TEST(replan.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(apex_and_wildcard_through_bind) {
  Rfc2136Run run(domains_yaml("[\"*.example.com\"]"));

  const CommandOutput apply = run.certplan.run({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text() << "\nnamed.log:\n" << run.bind.log());
  BOOST_REQUIRE(apply.exit_code == 0);

  const std::string fullchain = Sandbox::read_file(run.certplan.store_dir("example.com") / "fullchain.cer");
  auto facts = parse_certificate_chain(fullchain);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), (facts.has_error() ? facts.error().message : ""));
  const std::vector<std::string> names{"*.example.com", "example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());

  // Both names validate at _acme-challenge.example.com. The rfc2136
  // provider adds a value without replacing the other, so named logs two
  // additions there before the first deletion.
  const std::string log = run.bind.log();
  const std::string added = "adding an RR at '_acme-challenge.example.com' TXT";
  const std::string deleted = "deleting an RR at _acme-challenge.example.com TXT";
  BOOST_TEST_INFO("named.log:\n" << log);
  BOOST_REQUIRE_EQUAL(count_of(log, added), 2u);
  BOOST_TEST_INFO("named.log:\n" << log);
  BOOST_REQUIRE_EQUAL(count_of(log, deleted), 2u);
  BOOST_TEST_INFO("named.log:\n" << log);
  BOOST_TEST(log.find(added, log.find(added) + 1) < log.find(deleted));
  BOOST_TEST(run.txt_values("_acme-challenge.example.com").empty());
}

}  // namespace
}  // namespace certplan::e2e
