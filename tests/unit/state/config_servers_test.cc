// servers.yaml: keys, types, values and duplicate names.

#include <boost/test/unit_test.hpp>

#include "tests/unit/state/config_fixture.h"

using certplan::testing::ConfigDir;
using certplan::testing::load_errors;

namespace {

// Loads `servers` with an empty domain list and returns the diagnostics.
std::vector<std::string> server_errors(ConfigDir& config, const std::string& servers) {
  config.write("servers.yaml", servers);
  config.write("domains.yaml", "domains: []\n");
  return load_errors(config.options());
}

const std::string server_head =
    "servers:\n"
    "  - name: web-01\n"
    "    host: 127.0.0.1\n"
    "    user: deploy\n"
    "    ssh_key_path: /keys/id\n"
    "    nginx_reload_command: sudo systemctl reload nginx\n";

}  // namespace

BOOST_AUTO_TEST_CASE(unknown_key_suggests_nearest) {
  ConfigDir config;
  auto errors = server_errors(config, server_head +
                                          "    cert_path: /etc/nginx/ssl\n"
                                          "    ssh_key_pth: /keys/other\n"
                                          "    colour: blue\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ":8:5: error: unknown key `ssh_key_pth` in server `web-01`; did you mean "
          "`ssh_key_path`?",
      config.path("servers.yaml") +
          ":9:5: error: unknown key `colour` in server `web-01`; the valid keys are: name, "
          "host, port, user, ssh_key_path, known_hosts_path, nginx_reload_command, "
          "nginx_test_command, cert_path, https_port, use_sudo",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_required_keys) {
  ConfigDir config;
  auto errors = server_errors(config,
                              "servers:\n"
                              "  - host: 127.0.0.1\n"
                              "    user: deploy\n"
                              "    ssh_key_path: /keys/id\n"
                              "    nginx_reload_command: sudo systemctl reload nginx\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ":2:5: error: server entry 1 is missing the required key `name` (a unique name for "
          "the server)",
      config.path("servers.yaml") +
          ":2:5: error: server entry 1 is missing the required key `cert_path` (the directory "
          "on the server that holds the certificates, such as /etc/nginx/ssl)",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wrong_types_are_reported) {
  ConfigDir config;
  auto errors = server_errors(config,
                              "servers:\n"
                              "  - name: web-01\n"
                              "    host: [127.0.0.1]\n"
                              "    port: twenty-two\n"
                              "    user: deploy\n"
                              "    ssh_key_path: /keys/id\n"
                              "    nginx_reload_command: sudo systemctl reload nginx\n"
                              "    cert_path: /etc/nginx/ssl\n"
                              "    https_port: 70000\n"
                              "    use_sudo: maybe\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ":3:11: error: `host` of server `web-01` must be a single value, not a list",
      config.path("servers.yaml") +
          ":4:11: error: `port` of server `web-01` must be a whole number from 1 to 65535, "
          "not `twenty-two`",
      config.path("servers.yaml") +
          ":9:17: error: `https_port` of server `web-01` must be a whole number from 1 to "
          "65535, not `70000`",
      config.path("servers.yaml") +
          ":10:15: error: `use_sudo` of server `web-01` must be true or false, not `maybe`",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_value_is_reported) {
  ConfigDir config;
  auto errors = server_errors(config, server_head + "    cert_path:\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":7:5: error: `cert_path` of server `web-01` is empty; give it a value or remove the key"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cert_path_must_be_absolute) {
  ConfigDir config;
  auto errors = server_errors(config, server_head + "    cert_path: etc/nginx/ssl\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":7:16: error: cert_path `etc/nginx/ssl` of server `web-01` must be an absolute path, "
      "such as /etc/nginx/ssl"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cert_path_without_dot_dot) {
  ConfigDir config;
  auto errors = server_errors(config, server_head + "    cert_path: /etc/nginx/../ssl\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":7:16: error: cert_path `/etc/nginx/../ssl` of server `web-01` must not contain `..`; "
      "write the path without it"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_server_names_first_line) {
  ConfigDir config;
  auto errors = server_errors(config, server_head +
                                          "    cert_path: /etc/nginx/ssl\n"
                                          "  - name: web-01\n"
                                          "    host: 127.0.0.2\n"
                                          "    user: deploy\n"
                                          "    ssh_key_path: /keys/id\n"
                                          "    nginx_reload_command: reload\n"
                                          "    cert_path: /etc/nginx/ssl\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") + ":8:11: error: duplicate server name `web-01`; it is first "
                                    "defined at " +
      config.path("servers.yaml") + ":2:5; give each server a unique name"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(server_name_characters) {
  ConfigDir config;
  auto errors = server_errors(config,
                              "servers:\n"
                              "  - name: web 01/a\n"
                              "    host: 127.0.0.1\n"
                              "    user: deploy\n"
                              "    ssh_key_path: /keys/id\n"
                              "    nginx_reload_command: reload\n"
                              "    cert_path: /etc/nginx/ssl\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":2:11: error: server name `web 01/a` may contain only letters, digits, `.`, `_` and "
      "`-`; rename it"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_given_twice) {
  ConfigDir config;
  auto errors = server_errors(config, server_head +
                                          "    cert_path: /etc/nginx/ssl\n"
                                          "    user: other\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
      ":8:5: error: key `user` appears twice in server `web-01`; keep only one of them"};
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(defaults_of_optional_keys) {
  ConfigDir config;
  config.write("servers.yaml", server_head + "    cert_path: /etc/nginx/ssl\n");
  config.write("domains.yaml", "domains: []\n");

  auto state = certplan::load_desired_state(config.options());
  BOOST_TEST_REQUIRE(state.servers.size() == 1u);
  const auto& server = state.servers[0];
  BOOST_TEST(server.port == 22);
  BOOST_TEST(server.https_port == 443);
  BOOST_TEST(server.use_sudo == false);
  BOOST_TEST(server.nginx_test_command == "sudo nginx -t");
  BOOST_TEST(server.known_hosts_path.string() == config.path(".ssh/known_hosts"));
}

BOOST_AUTO_TEST_CASE(home_in_paths_is_expanded) {
  ConfigDir config;
  config.write("servers.yaml",
               "servers:\n"
               "  - name: web-01\n"
               "    host: 127.0.0.1\n"
               "    user: deploy\n"
               "    ssh_key_path: ~/.ssh/deploy_key\n"
               "    known_hosts_path: ~/hosts\n"
               "    nginx_reload_command: reload\n"
               "    cert_path: /etc/nginx/ssl\n");
  config.write("domains.yaml", "domains: []\n");

  auto state = certplan::load_desired_state(config.options());
  BOOST_TEST_REQUIRE(state.servers.size() == 1u);
  BOOST_TEST(state.servers[0].ssh_key_path.string() == config.path(".ssh/deploy_key"));
  BOOST_TEST(state.servers[0].known_hosts_path.string() == config.path("hosts"));
}

BOOST_AUTO_TEST_CASE(value_that_is_not_utf8_is_reported) {
  ConfigDir config;
  auto errors = server_errors(config, server_head + "    cert_path: /etc/nginx/ss\xFF\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") +
          ":7:16: error: `cert_path` of server `web-01` is not valid UTF-8 (byte 0xFF at offset "
          "13); save the file as UTF-8",
  };
  BOOST_TEST(errors == expected, boost::test_tools::per_element());
}
