// domains.yaml: names, targets, options and conflicts between domains.

#include <boost/test/unit_test.hpp>

#include "tests/unit/state/config_fixture.h"

using certplan::testing::ConfigDir;
using certplan::testing::load_errors;

namespace {

const std::string two_servers_yaml =
    "servers:\n"
    "  - name: web-01\n"
    "    host: 127.0.0.1\n"
    "    user: deploy\n"
    "    ssh_key_path: /keys/id\n"
    "    nginx_reload_command: reload\n"
    "    cert_path: /etc/nginx/ssl\n"
    "  - name: web-02\n"
    "    host: 127.0.0.2\n"
    "    user: deploy\n"
    "    ssh_key_path: /keys/id\n"
    "    nginx_reload_command: reload\n"
    "    cert_path: /srv/ssl/\n";

std::vector<std::string> domain_errors(ConfigDir& config, const std::string& domains) {
  config.write("servers.yaml", two_servers_yaml);
  config.write("domains.yaml", domains);
  return load_errors(config.options());
}

certplan::DesiredState load_domains(ConfigDir& config, const std::string& domains) {
  config.write("servers.yaml", two_servers_yaml);
  config.write("domains.yaml", domains);
  return certplan::load_desired_state(config.options());
}

}  // namespace

BOOST_AUTO_TEST_CASE(targets_get_default_paths) {
  ConfigDir config;
  auto state = load_domains(config,
                            "domains:\n"
                            "  - domain: Example.COM.\n"
                            "    alt_names: [WWW.example.com]\n"
                            "    servers: [web-01, web-02]\n");

  BOOST_TEST_REQUIRE(state.domains.size() == 1u);
  const auto& domain = state.domains[0];
  BOOST_TEST(domain.domain == "example.com");
  BOOST_TEST(domain.names() == (std::vector<std::string>{"example.com", "www.example.com"}),
             boost::test_tools::per_element());
  BOOST_TEST_REQUIRE(domain.targets.size() == 2u);
  BOOST_TEST(domain.targets[0].server == "web-01");
  BOOST_TEST(domain.targets[0].cert_file == "/etc/nginx/ssl/example.com/fullchain.pem");
  BOOST_TEST(domain.targets[0].key_file == "/etc/nginx/ssl/example.com/privkey.pem");
  BOOST_TEST(domain.targets[1].cert_file == "/srv/ssl/example.com/fullchain.pem");
  BOOST_TEST(domain.targets[1].key_file == "/srv/ssl/example.com/privkey.pem");
}

BOOST_AUTO_TEST_CASE(wildcard_stored_under_wildcard_name) {
  ConfigDir config;
  auto state = load_domains(config,
                            "domains:\n"
                            "  - domain: \"*.apps.example.com\"\n"
                            "    servers: [web-01]\n");

  BOOST_TEST_REQUIRE(state.domains.size() == 1u);
  BOOST_TEST(state.domains[0].domain == "*.apps.example.com");
  BOOST_TEST(certplan::storage_name(state.domains[0].domain) == "_wildcard.apps.example.com");
  BOOST_TEST(state.domains[0].targets.at(0).cert_file ==
             "/etc/nginx/ssl/_wildcard.apps.example.com/fullchain.pem");
}

BOOST_AUTO_TEST_CASE(target_mapping_with_own_files) {
  ConfigDir config;
  auto state = load_domains(config,
                            "domains:\n"
                            "  - domain: example.com\n"
                            "    servers:\n"
                            "      - name: web-02\n"
                            "        cert_file: /etc/ssl/site.crt\n"
                            "        key_file: /etc/ssl/private/site.key\n");

  const auto& target = state.domains.at(0).targets.at(0);
  BOOST_TEST(target.server == "web-02");
  BOOST_TEST(target.cert_file == "/etc/ssl/site.crt");
  BOOST_TEST(target.key_file == "/etc/ssl/private/site.key");
  BOOST_TEST(target.location.line == 4);
  BOOST_TEST(target.location.column == 9);
}

BOOST_AUTO_TEST_CASE(unknown_server_suggests_nearest) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers: [web-1, mail]\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
          ":3:15: error: domain `example.com` names unknown server `web-1`; did you mean "
          "`web-01`?",
      config.path("domains.yaml") +
          ":3:22: error: domain `example.com` names unknown server `mail`; servers.yaml "
          "defines: web-01, web-02",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(string_where_list_needed) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    alt_names: www.example.com\n"
                              "    servers: web-01\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
          ":3:16: error: `alt_names` of domain `example.com` must be a list, such as "
          "`alt_names: [www.example.com]`, not `www.example.com`",
      config.path("domains.yaml") +
          ":4:14: error: `servers` of domain `example.com` must be a list, such as "
          "`servers: [webserver-01, webserver-02]`, not `web-01`",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_domain_and_servers) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - key_type: ec-384\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
          ":2:5: error: domain entry 1 is missing the required key `domain` (the name the "
          "certificate is for, such as example.com)",
      config.path("domains.yaml") +
          ":2:5: error: domain entry 1 is missing the required key `servers` (the servers to "
          "deploy the certificate to)",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_domains_first_line) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers: [web-01]\n"
                              "  - domain: EXAMPLE.com.\n"
                              "    servers: [web-02]\n");

  std::vector<std::string> expected = {config.path("domains.yaml") +
                                       ":4:13: error: duplicate domain `example.com`; it is "
                                       "first defined at " +
                                       config.path("domains.yaml") +
                                       ":2:13; merge the two entries or remove one"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(same_server_twice_in_domain) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers:\n"
                              "      - web-01\n"
                              "      - name: web-01\n"
                              "        cert_file: /etc/other/cert.pem\n");

  std::vector<std::string> expected = {config.path("domains.yaml") +
                                       ":5:9: error: domain `example.com` lists server `web-01` "
                                       "twice (first at " +
                                       config.path("domains.yaml") +
                                       ":4:9); remove one of them"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(two_domains_same_file) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers: [web-01]\n"
                              "  - domain: example.org\n"
                              "    servers:\n"
                              "      - name: web-01\n"
                              "        cert_file: /etc/nginx/ssl/example.com/fullchain.pem\n"
                              "        key_file: /etc/nginx/ssl/example.org.key\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
      ":6:9: error: domain `example.org` deploys to `/etc/nginx/ssl/example.com/fullchain.pem` "
      "on server `web-01`, which domain `example.com` also uses (" +
      config.path("domains.yaml") + ":3:15); give one of them a different cert_file or key_file"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cert_and_key_same_file) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers:\n"
                              "      - name: web-01\n"
                              "        cert_file: /etc/ssl/both.pem\n"
                              "        key_file: /etc/ssl/both.pem\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
      ":4:9: error: domain `example.com` uses `/etc/ssl/both.pem` as both cert_file and "
      "key_file on server `web-01`; give them different paths"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(target_paths_must_be_absolute) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers:\n"
                              "      - name: web-01\n"
                              "        cert_file: certs/fullchain.pem\n"
                              "        key_file: /etc/ssl/../private/key.pem\n"
                              "        mode: 600\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
          ":5:20: error: cert_file `certs/fullchain.pem` of domain `example.com` on server "
          "`web-01` must be an absolute path, such as /etc/nginx/ssl",
      config.path("domains.yaml") +
          ":6:19: error: key_file `/etc/ssl/../private/key.pem` of domain `example.com` on "
          "server `web-01` must not contain `..`; write the path without it",
      config.path("domains.yaml") +
          ":7:9: error: unknown key `mode` in a server entry of domain `example.com`; the "
          "valid keys are: name, cert_file, key_file",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(options_are_checked) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers: [web-01]\n"
                              "    key_type: ec-521\n"
                              "    renew_before_days: 0\n"
                              "    dns_provider: route53\n"
                              "  - domain: example.org\n"
                              "    servers: [web-01]\n"
                              "    renew_before_days: soon\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
          ":4:15: error: unsupported key_type `ec-521` for domain `example.com`; use one of "
          "ec-256, ec-384, rsa-2048, rsa-3072, rsa-4096",
      config.path("domains.yaml") +
          ":5:24: error: `renew_before_days` of domain `example.com` must be a positive whole "
          "number of days, not `0`",
      config.path("domains.yaml") +
          ":6:19: error: unknown dns_provider `route53` for domain `example.com`; use one of "
          "ionos, rfc2136, exec",
      config.path("domains.yaml") +
          ":9:24: error: `renew_before_days` of domain `example.org` must be a positive whole "
          "number of days, not `soon`",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(options_are_read) {
  ConfigDir config;
  auto state = load_domains(config,
                            "domains:\n"
                            "  - domain: example.com\n"
                            "    servers: [web-01]\n"
                            "    key_type: rsa-3072\n"
                            "    renew_before_days: 14\n"
                            "    dns_provider: ionos\n");

  const auto& domain = state.domains.at(0);
  BOOST_TEST(static_cast<int>(domain.key_type) == static_cast<int>(certplan::KeyType::rsa3072));
  BOOST_TEST(domain.renew_before_days.value_or(0) == 14);
  BOOST_TEST(domain.dns_provider == "ionos");
}

BOOST_AUTO_TEST_CASE(profile_is_read) {
  ConfigDir config;
  auto state = load_domains(config,
                            "domains:\n"
                            "  - domain: example.com\n"
                            "    servers: [web-01]\n"
                            "    profile: shortlived\n"
                            "  - domain: example.org\n"
                            "    servers: [web-01]\n");

  BOOST_TEST(state.domains.at(0).profile == "shortlived");
  BOOST_TEST(state.domains.at(1).profile.empty());
}

BOOST_AUTO_TEST_CASE(profile_is_checked) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers: [web-01]\n"
                              "    profile: short lived\n"
                              "  - domain: example.org\n"
                              "    servers: [web-01]\n"
                              "    profile: [classic]\n");

  BOOST_REQUIRE_EQUAL(errors.size(), 2u);
  BOOST_TEST(errors[0] == config.path("domains.yaml") +
                              ":4:14: error: invalid profile `short lived` for domain `example.com`; use a "
                              "profile name of the CA, such as classic, made of letters, digits, '.', '_' "
                              "and '-'");
  BOOST_TEST(errors[1].starts_with(config.path("domains.yaml") + ":7:14: error: "));
}

BOOST_AUTO_TEST_CASE(invalid_names_and_alt_names) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: -example.com\n"
                              "    servers: [web-01]\n"
                              "  - domain: example.net\n"
                              "    alt_names: [www.example.net, example.net, \"a.*.example.net\", "
                              "www.example.net, ../etc]\n"
                              "    servers: [web-01]\n");

  const std::string file = config.path("domains.yaml");
  std::vector<std::string> expected = {
      file + ":2:13: error: invalid domain `-example.com`: it has a label that starts with a "
             "hyphen: `-example`",
      file + ":5:34: error: alt name `example.net` of domain `example.net` repeats the domain "
             "itself; remove it from alt_names",
      file + ":5:47: error: invalid alt name `a.*.example.net` of domain `example.net`: it "
             "contains `*` where it is not allowed; a wildcard must be the whole first label, "
             "as in *.example.com",
      file + ":5:66: error: alt name `www.example.net` of domain `example.net` is listed "
             "twice (first at " + file + ":5:17); remove one",
      file + ":5:83: error: invalid alt name `../etc` of domain `example.net`: it contains "
             "`..`, `/`, `\\` or a NUL byte, which could escape the certificate directory",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(target_entry_of_wrong_kind) {
  ConfigDir config;
  auto errors = domain_errors(config,
                              "domains:\n"
                              "  - domain: example.com\n"
                              "    servers: [[web-01]]\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
      ":3:15: error: each entry of `servers` of domain `example.com` must be a server name or "
      "a mapping with name:, cert_file: and key_file:, not a list"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}
