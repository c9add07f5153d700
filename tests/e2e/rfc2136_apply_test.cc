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

// BIND with the zone example.com, pebble validating against it, and a
// certplan configuration that issues example.com and www.example.com
// through BIND.
struct Rfc2136Run {
  BindFixture bind;
  PebbleFixture pebble{PebbleOptions{-1, {}, bind.server().to_string()}};
  IssueOnlyRun certplan{pebble.directory() / "certplan",
                        {{"ACME_EMAIL", "admin@example.com"},
                         {"ACME_DIRECTORY_URL", pebble.directory_url()},
                         {"ACME_CA_BUNDLE", pebble.ca_bundle().string()},
                         {"RFC2136_NAMESERVER", bind.server().to_string()},
                         {"RFC2136_TSIG_KEY", BindFixture::key_name},
                         {"RFC2136_TSIG_SECRET", bind.key_secret().reveal()},
                         {"DNS_RESOLVERS", bind.server().to_string()},
                         {"DNS_PROPAGATION_TIMEOUT", "30"}},
                        "domains:\n"
                        "  - domain: example.com\n"
                        "    alt_names: [www.example.com]\n"
                        "    dns_provider: rfc2136\n"
                        "    servers: []\n"};

  std::vector<std::string> txt_values(const std::string& name) const {
    auto answer = ask_dns_server(bind.server(), name, DnsQuestion::txt, kQueryTimeout);
    BOOST_REQUIRE_MESSAGE(answer.has_value(), (answer.has_error() ? answer.error().message : ""));
    return answer.value().txt;
  }
};

BOOST_AUTO_TEST_CASE(apply_issues_through_bind) {
  Rfc2136Run run;

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

}  // namespace
}  // namespace certplan::e2e
