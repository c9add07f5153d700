// Settings from the environment and the .env file: parsing, precedence,
// sources and the checks on their values.

#include <boost/test/unit_test.hpp>

#include "state/environment.h"
#include "tests/unit/state/config_fixture.h"

using certplan::Diagnostics;
using certplan::EnvFile;
using certplan::parse_env_file;
using certplan::resolve_settings;
using certplan::testing::ConfigDir;
using certplan::testing::load_errors;
using certplan::testing::one_domain_yaml;
using certplan::testing::one_server_yaml;

namespace {

std::vector<std::string> texts(const Diagnostics& diagnostics) {
  std::vector<std::string> lines;
  for (const auto& diagnostic : diagnostics.list()) lines.push_back(diagnostic.to_string());
  return lines;
}

}  // namespace

BOOST_AUTO_TEST_CASE(env_file_forms) {
  Diagnostics diagnostics;
  EnvFile file = parse_env_file(".env",
                                "# comment\n"
                                "\n"
                                "ACME_EMAIL=admin@example.com\n"
                                "export LOG_LEVEL=debug\n"
                                "IONOS_API_KEY=\"pre fix.secret # not a comment\"\n"
                                "CERT_BASE_PATH='/srv/certs'  # trailing comment\n"
                                "  NOTIFY_WEBHOOK_URL = http://127.0.0.1:9000/hook # note\n"
                                "EMPTY=\n",
                                diagnostics);

  BOOST_TEST(diagnostics.empty());
  BOOST_TEST_REQUIRE(file.entries.size() == 6u);
  BOOST_TEST(file.entries[0].key == "ACME_EMAIL");
  BOOST_TEST(file.entries[0].value == "admin@example.com");
  BOOST_TEST(file.entries[0].line == 3);
  BOOST_TEST(file.entries[1].key == "LOG_LEVEL");
  BOOST_TEST(file.entries[1].value == "debug");
  BOOST_TEST(file.entries[2].value == "pre fix.secret # not a comment");
  BOOST_TEST(file.entries[3].value == "/srv/certs");
  BOOST_TEST(file.entries[4].key == "NOTIFY_WEBHOOK_URL");
  BOOST_TEST(file.entries[4].value == "http://127.0.0.1:9000/hook");
  BOOST_TEST(file.entries[5].value == "");
}

BOOST_AUTO_TEST_CASE(env_file_syntax_errors) {
  Diagnostics diagnostics;
  (void)parse_env_file(".env",
                       "ACME_EMAIL admin@example.com\n"
                       "IONOS_API_KEY=\"unterminated\n"
                       "LOG-LEVEL=info\n"
                       "LOG_LEVEL='info' extra\n",
                       diagnostics);

  std::vector<std::string> expected = {
      ".env:1: error: line is not KEY=VALUE: `ACME_EMAIL admin@example.com`; write it as "
      "NAME=value or start it with # to comment it out",
      ".env:2: error: IONOS_API_KEY: the value has no closing double quote; add it at the end "
      "of the value",
      ".env:3: error: `LOG-LEVEL` is not a valid variable name; use letters, digits and "
      "underscores, as in ACME_EMAIL",
      ".env:4: error: LOG_LEVEL: unexpected text after the closing quote: `extra`; put the "
      "whole value inside the quotes",
  };
  BOOST_TEST(texts(diagnostics) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(environment_beats_env_file_beats_default) {
  Diagnostics diagnostics;
  EnvFile file = parse_env_file("/etc/certplan/.env",
                                "ACME_EMAIL=file@example.com\n"
                                "LOG_LEVEL=debug\n"
                                "RENEWAL_THRESHOLD_DAYS=21\n",
                                diagnostics);
  std::map<std::string, std::string> environment = {{"ACME_EMAIL", "env@example.com"},
                                                    {"LOG_LEVEL", ""}};

  auto settings = resolve_settings(environment, &file, diagnostics);

  BOOST_TEST(diagnostics.empty());
  BOOST_TEST(settings.acme_email.value == "env@example.com");
  BOOST_TEST(settings.acme_email.source.file == "environment");
  BOOST_TEST(settings.acme_email.source.line == 0);

  // An empty variable in the environment counts as not set.
  BOOST_TEST(settings.log_level.value == "debug");
  BOOST_TEST(settings.log_level.source.file == "/etc/certplan/.env");
  BOOST_TEST(settings.log_level.source.line == 2);

  BOOST_TEST(settings.renewal_threshold_days.value == 21);
  BOOST_TEST(settings.renewal_threshold_days.source.line == 3);

  BOOST_TEST(settings.acme_directory_url.value ==
             "https://acme-v02.api.letsencrypt.org/directory");
  BOOST_TEST(settings.acme_directory_url.source.file == "default");
  BOOST_TEST(settings.cert_base_path.value.string() == "/var/lib/certplan");
  BOOST_TEST(settings.cert_base_path.source.file == "default");
  BOOST_TEST(settings.state_dir.value.string() == "/var/lib/certplan/.certplan");
  BOOST_TEST(settings.dns_propagation_timeout.value.count() == 300);
  BOOST_TEST(settings.rfc2136_tsig_algorithm.value == "hmac-sha256");
}

BOOST_AUTO_TEST_CASE(later_env_line_wins) {
  Diagnostics diagnostics;
  EnvFile file = parse_env_file(".env", "LOG_LEVEL=debug\nLOG_LEVEL=error\n", diagnostics);
  auto settings = resolve_settings({}, &file, diagnostics);
  BOOST_TEST(settings.log_level.value == "error");
  BOOST_TEST(settings.log_level.source.line == 2);
}

BOOST_AUTO_TEST_CASE(state_dir_follows_cert_base_path) {
  Diagnostics diagnostics;
  auto settings = resolve_settings({{"CERT_BASE_PATH", "/srv/acme"}}, nullptr, diagnostics);
  BOOST_TEST(settings.state_dir.value.string() == "/srv/acme/.certplan");
  BOOST_TEST(settings.state_dir.source.file == "default");

  settings = resolve_settings({{"CERT_BASE_PATH", "/srv/acme"}, {"CERTPLAN_STATE_DIR", "/run/cp"}},
                              nullptr, diagnostics);
  BOOST_TEST(settings.state_dir.value.string() == "/run/cp");
  BOOST_TEST(settings.state_dir.source.file == "environment");
}

BOOST_AUTO_TEST_CASE(value_checks_name_variable_and_value) {
  Diagnostics diagnostics;
  EnvFile file = parse_env_file(".env",
                                "RENEWAL_THRESHOLD_DAYS=0\n"
                                "DNS_RESOLVERS=127.0.0.1:53, 127.0.0.2 ,[::1]:5353,[::1]:0\n",
                                diagnostics);
  std::map<std::string, std::string> environment = {{"LOG_LEVEL", "verbose"},
                                                    {"DNS_PROPAGATION_TIMEOUT", "5m"},
                                                    {"RFC2136_NAMESERVER", "ns1"}};

  auto settings = resolve_settings(environment, &file, diagnostics);

  std::vector<std::string> expected = {
      ".env:1: error: RENEWAL_THRESHOLD_DAYS must be a positive whole number of days, not "
      "`0`; set it to a value such as 30",
      "environment: error: LOG_LEVEL `verbose` is not a known level; use one of trace, debug, "
      "info, warning, error",
      ".env:2: error: DNS_RESOLVERS entry `127.0.0.2` is not ip:port; write the resolvers as a "
      "comma-separated list such as 127.0.0.1:53,[::1]:53",
      ".env:2: error: DNS_RESOLVERS entry `[::1]:0` is not ip:port; write the resolvers as a "
      "comma-separated list such as 127.0.0.1:53,[::1]:53",
      "environment: error: DNS_PROPAGATION_TIMEOUT must be a positive whole number of "
      "seconds, not `5m`; set it to a value such as 300",
      "environment: error: RFC2136_NAMESERVER `ns1` is not an IP address or ip:port; set it "
      "to the primary name server, such as 127.0.0.1:53",
  };
  BOOST_TEST(texts(diagnostics) == expected, boost::test_tools::per_element());
  BOOST_TEST(settings.renewal_threshold_days.value == 30);
  BOOST_TEST(settings.log_level.value == "info");
}

BOOST_AUTO_TEST_CASE(resolvers_are_split) {
  Diagnostics diagnostics;
  auto settings =
      resolve_settings({{"DNS_RESOLVERS", "127.0.0.1:53, [::1]:5353"}}, nullptr, diagnostics);
  BOOST_TEST(diagnostics.empty());
  BOOST_TEST(settings.dns_resolvers.value == (std::vector<std::string>{"127.0.0.1:53", "[::1]:5353"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ip_and_port_forms) {
  BOOST_TEST(certplan::is_ip_and_port("127.0.0.1:53"));
  BOOST_TEST(certplan::is_ip_and_port("[::1]:53"));
  BOOST_TEST(!certplan::is_ip_and_port("127.0.0.1"));
  BOOST_TEST(!certplan::is_ip_and_port("::1:53"));
  BOOST_TEST(!certplan::is_ip_and_port("localhost:53"));
  BOOST_TEST(!certplan::is_ip_and_port("127.0.0.1:65536"));
  BOOST_TEST(!certplan::is_ip_and_port("127.0.0.1:"));
}

BOOST_AUTO_TEST_CASE(required_variables_per_provider) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml",
               "domains:\n"
               "  - domain: example.com\n"
               "    servers: [web-01]\n"
               "  - domain: example.org\n"
               "    servers: [web-01]\n"
               "    dns_provider: rfc2136\n"
               "  - domain: example.net\n"
               "    servers: [web-01]\n"
               "    dns_provider: exec\n");
  auto options = config.options();
  options.environment = {{"HOME", config.dir().string()}};

  std::vector<std::string> expected = {
      "environment: error: ACME_EMAIL is not set, but domain `example.com` needs an ACME "
      "account; set ACME_EMAIL in the environment or in .env",
      "environment: error: IONOS_API_KEY is not set, but domain `example.com` uses "
      "dns_provider ionos; set IONOS_API_KEY in the environment or in .env",
      "environment: error: RFC2136_NAMESERVER is not set, but domain `example.org` uses "
      "dns_provider rfc2136; set RFC2136_NAMESERVER in the environment or in .env",
      "environment: error: RFC2136_TSIG_KEY is not set, but domain `example.org` uses "
      "dns_provider rfc2136; set RFC2136_TSIG_KEY in the environment or in .env",
      "environment: error: RFC2136_TSIG_SECRET is not set, but domain `example.org` uses "
      "dns_provider rfc2136; set RFC2136_TSIG_SECRET in the environment or in .env",
      "environment: error: DNS_EXEC_PATH is not set, but domain `example.net` uses "
      "dns_provider exec; set DNS_EXEC_PATH in the environment or in .env",
  };
  BOOST_TEST(load_errors(options) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_ionos_key_needed_without_ionos) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml",
               "domains:\n"
               "  - domain: example.com\n"
               "    servers: [web-01]\n"
               "    dns_provider: exec\n");
  auto options = config.options();
  options.environment = {{"HOME", config.dir().string()},
                         {"ACME_EMAIL", "admin@example.com"},
                         {"DNS_EXEC_PATH", "/usr/local/bin/dns-hook"}};

  auto state = certplan::load_desired_state(options);
  BOOST_TEST(state.settings.ionos_api_key.value.empty());
  BOOST_TEST(state.settings.dns_exec_path.value.string() == "/usr/local/bin/dns-hook");
}

BOOST_AUTO_TEST_CASE(no_variables_needed_without_domains) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml", "domains: []\n");
  auto options = config.options();
  options.environment = {{"HOME", config.dir().string()}};

  auto state = certplan::load_desired_state(options);
  BOOST_TEST(state.domains.empty());
}

BOOST_AUTO_TEST_CASE(env_file_through_loader) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml", one_domain_yaml);
  config.write(".env",
               "# certplan settings\n"
               "IONOS_API_KEY=from-file-key\n"
               "ACME_EMAIL=file@example.com\n"
               "RENEWAL_THRESHOLD_DAYS=x\n");
  auto options = config.options();
  options.environment = {{"HOME", config.dir().string()}, {"ACME_EMAIL", "env@example.com"}};

  std::vector<std::string> expected = {
      config.path(".env") + ":4: error: RENEWAL_THRESHOLD_DAYS must be a positive whole number "
                            "of days, not `x`; set it to a value such as 30"};
  BOOST_TEST(load_errors(options) == expected, boost::test_tools::per_element());

  config.write(".env", "IONOS_API_KEY=from-file-key\nACME_EMAIL=file@example.com\n");
  auto state = certplan::load_desired_state(options);
  BOOST_TEST(state.settings.ionos_api_key.value.reveal() == "from-file-key");
  BOOST_TEST(state.settings.ionos_api_key.source.file == config.path(".env"));
  BOOST_TEST(state.settings.ionos_api_key.source.line == 1);
  BOOST_TEST(state.settings.acme_email.value == "env@example.com");
  BOOST_TEST(state.settings.acme_email.source.file == "environment");
}

BOOST_AUTO_TEST_CASE(missing_env_file_named) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml", one_domain_yaml);
  auto options = config.options();
  options.env_file = config.dir() / "missing.env";

  std::vector<std::string> expected = {
      config.path("missing.env") + ": error: the env file does not exist; create it with "
                                   "KEY=VALUE lines or leave out --env-file"};
  BOOST_TEST(load_errors(options) == expected, boost::test_tools::per_element());
}
