// A whole `certplan apply` with dns_provider rfc2136: certplan writes the
// DNS-01 TXT records into a real BIND 9 with TSIG-signed updates, and pebble
// validates by asking that BIND, not challtestsrv. No server is configured,
// so apply only issues into the local store.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "providers/dns/dns_query.h"
#include "state/certificate.h"
#include "tests/e2e/support/bind_fixture.h"
#include "tests/e2e/support/pebble.h"
#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

using bind_e2e::BindFixture;
using pebble_e2e::PebbleFixture;
using pebble_e2e::PebbleOptions;

constexpr std::chrono::milliseconds kQueryTimeout{2000};

// Creates `path` with mode 0600 before any byte of `content` is written.
void write_private_file(const fs::path& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("could not create " + path.string());
  const bool written = ::write(fd, content.data(), content.size()) ==
                       static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) throw std::runtime_error("could not write " + path.string());
}

// BIND with the zone example.com, and pebble validating against it.
struct Rfc2136Run {
  BindFixture bind;
  PebbleFixture pebble{PebbleOptions{-1, {}, bind.server().to_string()}};
  fs::path dir = pebble.directory() / "certplan";

  // The variables of the .env file. The same names are removed from
  // certplan's environment, so that only these values apply.
  std::vector<std::pair<std::string, std::string>> settings() const {
    return {{"ACME_EMAIL", "admin@example.com"},
            {"ACME_DIRECTORY_URL", pebble.directory_url()},
            {"ACME_CA_BUNDLE", pebble.ca_bundle().string()},
            {"RFC2136_NAMESERVER", bind.server().to_string()},
            {"RFC2136_TSIG_KEY", BindFixture::key_name},
            {"RFC2136_TSIG_SECRET", bind.key_secret().reveal()},
            {"DNS_RESOLVERS", bind.server().to_string()},
            {"DNS_PROPAGATION_TIMEOUT", "30"},
            {"CERT_BASE_PATH", (dir / "store").string()},
            {"LOG_FILE_PATH", (dir / "certplan.log").string()}};
  }

  void write_config() const {
    fs::create_directories(dir / "config");
    Sandbox::write_file(dir / "config" / "servers.yaml", "servers: []\n");
    Sandbox::write_file(dir / "config" / "domains.yaml",
                        "domains:\n"
                        "  - domain: example.com\n"
                        "    alt_names: [www.example.com]\n"
                        "    dns_provider: rfc2136\n"
                        "    servers: []\n");

    std::string env;
    for (const auto& [name, value] : settings()) env += name + "=" + value + "\n";
    write_private_file(dir / ".env", env);
  }

  CommandOutput run_certplan(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {CERTPLAN_EXECUTABLE, "--config-dir",
                                     (dir / "config").string(), "--env-file",
                                     (dir / ".env").string(), "--no-color"};
    argv.insert(argv.end(), args.begin(), args.end());

    std::vector<std::string> unset = {"CERTPLAN_STATE_DIR", "ACME_EAB_KID", "ACME_EAB_HMAC_KEY",
                                      "ACME_STAGING_DIRECTORY_URL", "RFC2136_TSIG_ALGORITHM"};
    for (const auto& setting : settings()) unset.push_back(setting.first);
    return run_command(argv, std::chrono::seconds(180), unset);
  }

  std::vector<std::string> txt_values(const std::string& name) const {
    auto answer = ask_dns_server(bind.server(), name, DnsQuestion::txt, kQueryTimeout);
    BOOST_REQUIRE_MESSAGE(answer.has_value(), (answer.has_error() ? answer.error().message : ""));
    return answer.value().txt;
  }
};

BOOST_AUTO_TEST_CASE(apply_issues_through_bind) {
  Rfc2136Run run;
  run.write_config();

  const CommandOutput apply = run.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text() << "\nnamed.log:\n" << run.bind.log());
  BOOST_REQUIRE(apply.exit_code == 0);

  const std::string fullchain = Sandbox::read_file(run.dir / "store" / "example.com" / "fullchain.cer");
  auto facts = parse_certificate_chain(fullchain);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), (facts.has_error() ? facts.error().message : ""));
  const std::vector<std::string> names{"example.com", "www.example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
  BOOST_TEST(Sandbox::mode_of(run.dir / "store" / "example.com" / "example.com.key") == 0600U);

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
  BOOST_TEST(Sandbox::read_file(run.dir / "certplan.log").find(secret) == std::string::npos);

  const CommandOutput replan = run.run_certplan({"plan", "--detailed-exitcode"});
  BOOST_TEST_INFO("second plan output:\n" << replan.text());
  BOOST_TEST(replan.exit_code == 0);
}

}  // namespace
}  // namespace certplan::e2e
