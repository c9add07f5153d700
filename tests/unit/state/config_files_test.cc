// The configuration files as a whole: missing files, YAML syntax errors and
// the shape of the top level.

#include <boost/test/unit_test.hpp>

#include "tests/unit/state/config_fixture.h"

using certplan::testing::ConfigDir;
using certplan::testing::load_errors;
using certplan::testing::one_domain_yaml;
using certplan::testing::one_server_yaml;

BOOST_AUTO_TEST_CASE(missing_files_name_path_and_content) {
  ConfigDir config;

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ": error: file not found; it should contain a `servers:` list with one entry per "
          "nginx server (name, host, user, ssh_key_path, nginx_reload_command, cert_path)",
      config.path("domains.yaml") +
          ": error: file not found; it should contain a `domains:` list with one entry per "
          "certificate (domain, servers)",
  };
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(yaml_syntax_error_has_position) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml",
               "domains:\n"
               "  - domain: example.com\n"
               "    servers: [web-01\n");

  std::vector<std::string> expected = {config.path("domains.yaml") +
                                       ":4:1: error: invalid YAML: end of sequence flow not found"};
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(top_level_list_is_rejected) {
  ConfigDir config;
  config.write("servers.yaml", "- name: web-01\n");
  config.write("domains.yaml", "domains: []\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":1:1: error: the top level must be a mapping with the key `servers:`, not a list; it "
      "should contain a `servers:` list with one entry per nginx server (name, host, user, "
      "ssh_key_path, nginx_reload_command, cert_path)"};
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_file_is_rejected) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml", "# nothing yet\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
      ": error: the file is empty; it should contain a `domains:` list with one entry per "
      "certificate (domain, servers)"};
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_top_level_key) {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml", "domain:\n  - domain: example.com\n");

  std::vector<std::string> expected = {
      config.path("domains.yaml") +
          ":1:1: error: unknown top-level key `domain`; the file has only `domains:`",
      config.path("domains.yaml") +
          ":1:1: error: the top-level key `domains:` is missing; the file should contain a "
          "`domains:` list with one entry per certificate (domain, servers)",
  };
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(top_level_value_must_be_list) {
  ConfigDir config;
  config.write("servers.yaml", "servers: web-01\n");
  config.write("domains.yaml", "domains: []\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":1:10: error: `servers` must be a list with one `- ` entry per item, not `web-01`"};
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(entry_must_be_mapping) {
  ConfigDir config;
  config.write("servers.yaml", "servers:\n  - web-01\n");
  config.write("domains.yaml", "domains: []\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":2:5: error: each entry of `servers` must be a mapping with keys such as name: and "
      "host:, not `web-01`"};
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(secret_in_yaml_points_to_variable) {
  ConfigDir config;
  config.write("servers.yaml", std::string(one_server_yaml) + "ionos_api_key: abc\n");
  config.write("domains.yaml", std::string(one_domain_yaml) + "    db_password: hunter2\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ":8:1: error: `ionos_api_key` is a secret and secrets are not read from YAML; "
          "remove it and set IONOS_API_KEY in the environment or in .env",
      config.path("domains.yaml") +
          ":4:5: error: `db_password` looks like a secret and secrets are not read from "
          "YAML; remove it and pass the value in an environment variable (see "
          "docs/configuration.md)",
  };
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_problem_reported_at_once) {
  ConfigDir config;
  config.write("servers.yaml",
               "servers:\n"
               "  - name: web-01\n"
               "    hots: 127.0.0.1\n"
               "    user: deploy\n"
               "    ssh_key_path: /keys/id\n"
               "    nginx_reload_command: sudo systemctl reload nginx\n"
               "    cert_path: /etc/nginx/ssl\n"
               "    port: 0\n");
  config.write("domains.yaml",
               "domains:\n"
               "  - domain: exa_mple.com\n"
               "    servers: [web-01]\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ":2:5: error: server `web-01` is missing the required key `host` (the address or "
          "DNS name used for SSH and HTTPS)",
      config.path("servers.yaml") +
          ":3:5: error: unknown key `hots` in server `web-01`; did you mean `host`?",
      config.path("servers.yaml") +
          ":8:11: error: `port` of server `web-01` must be a whole number from 1 to 65535, "
          "not `0`",
      config.path("domains.yaml") +
          ":2:13: error: invalid domain `exa_mple.com`: it contains `_`; only letters, digits "
          "and hyphens are allowed",
  };
  BOOST_TEST(load_errors(config.options()) == expected, boost::test_tools::per_element());
}
