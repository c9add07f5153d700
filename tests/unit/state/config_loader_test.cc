// A full valid configuration, loaded field by field.

#include <boost/test/unit_test.hpp>

#include "tests/unit/state/config_fixture.h"

using certplan::KeyType;
using certplan::testing::ConfigDir;

namespace {

const char* full_servers_yaml =
    "# two servers\n"
    "servers:\n"
    "  - name: webserver-01\n"
    "    host: 127.0.0.11\n"
    "    user: automation_user\n"
    "    ssh_key_path: /root/.ssh/automation_key\n"
    "    known_hosts_path: /etc/certplan/known_hosts\n"
    "    nginx_reload_command: sudo systemctl reload nginx\n"
    "    nginx_test_command: sudo -n nginx -t\n"
    "    cert_path: /etc/nginx/ssl\n"
    "  - name: webserver-02\n"
    "    host: 127.0.0.12\n"
    "    port: 2222\n"
    "    user: automation_user\n"
    "    ssh_key_path: /root/.ssh/automation_key\n"
    "    nginx_reload_command: sudo -n systemctl reload nginx\n"
    "    cert_path: /srv/ssl\n"
    "    https_port: 8443\n"
    "    use_sudo: true\n";

const char* full_domains_yaml =
    "domains:\n"
    "  - domain: example.com\n"
    "    alt_names: [www.example.com]\n"
    "    servers: [webserver-01, webserver-02]\n"
    "  - domain: \"*.apps.example.com\"\n"
    "    key_type: ec-384\n"
    "    renew_before_days: 20\n"
    "    dns_provider: rfc2136\n"
    "    servers:\n"
    "      - name: webserver-01\n"
    "        cert_file: /etc/nginx/ssl/apps/fullchain.pem\n"
    "        key_file: /etc/nginx/ssl/apps/privkey.pem\n";

certplan::LoadOptions full_options(const ConfigDir& config) {
  config.write("servers.yaml", full_servers_yaml);
  config.write("domains.yaml", full_domains_yaml);
  config.write(".env",
               "ACME_EMAIL=admin@example.com\n"
               "RFC2136_NAMESERVER=127.0.0.1:5353\n"
               "RFC2136_TSIG_KEY=certplan-key\n"
               "RFC2136_TSIG_SECRET=c2VjcmV0LXRzaWc=\n");
  auto options = config.options();
  options.environment = {{"HOME", "/root"}, {"IONOS_API_KEY", "prefix.secret"}};
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(full_config_servers) {
  ConfigDir config;
  auto state = certplan::load_desired_state(full_options(config));

  BOOST_TEST_REQUIRE(state.servers.size() == 2u);
  const auto& first = state.servers[0];
  BOOST_TEST(first.name == "webserver-01");
  BOOST_TEST(first.host == "127.0.0.11");
  BOOST_TEST(first.port == 22);
  BOOST_TEST(first.user == "automation_user");
  BOOST_TEST(first.ssh_key_path.string() == "/root/.ssh/automation_key");
  BOOST_TEST(first.known_hosts_path.string() == "/etc/certplan/known_hosts");
  BOOST_TEST(first.nginx_reload_command == "sudo systemctl reload nginx");
  BOOST_TEST(first.nginx_test_command == "sudo -n nginx -t");
  BOOST_TEST(first.cert_path == "/etc/nginx/ssl");
  BOOST_TEST(first.https_port == 443);
  BOOST_TEST(first.use_sudo == false);
  BOOST_TEST(first.location.file == config.path("servers.yaml"));
  BOOST_TEST(first.location.line == 3);
  BOOST_TEST(first.location.column == 5);

  const auto& second = state.servers[1];
  BOOST_TEST(second.port == 2222);
  BOOST_TEST(second.known_hosts_path.string() == "/root/.ssh/known_hosts");
  BOOST_TEST(second.nginx_test_command == "sudo nginx -t");
  BOOST_TEST(second.https_port == 8443);
  BOOST_TEST(second.use_sudo == true);
  BOOST_TEST(second.location.line == 11);
}

BOOST_AUTO_TEST_CASE(full_config_domains) {
  ConfigDir config;
  auto state = certplan::load_desired_state(full_options(config));

  BOOST_TEST_REQUIRE(state.domains.size() == 2u);
  const auto& plain = state.domains[0];
  BOOST_TEST(plain.domain == "example.com");
  BOOST_TEST(plain.alt_names == (std::vector<std::string>{"www.example.com"}),
             boost::test_tools::per_element());
  BOOST_TEST(static_cast<int>(plain.key_type) == static_cast<int>(KeyType::ec256));
  BOOST_TEST(!plain.renew_before_days.has_value());
  BOOST_TEST(plain.dns_provider == "ionos");
  BOOST_TEST(plain.location.line == 2);
  BOOST_TEST_REQUIRE(plain.targets.size() == 2u);
  BOOST_TEST(plain.targets[1].server == "webserver-02");
  BOOST_TEST(plain.targets[1].cert_file == "/srv/ssl/example.com/fullchain.pem");
  BOOST_TEST(plain.targets[1].key_file == "/srv/ssl/example.com/privkey.pem");

  const auto& wildcard = state.domains[1];
  BOOST_TEST(wildcard.domain == "*.apps.example.com");
  BOOST_TEST(static_cast<int>(wildcard.key_type) == static_cast<int>(KeyType::ec384));
  BOOST_TEST(wildcard.renew_before_days.value_or(0) == 20);
  BOOST_TEST(wildcard.dns_provider == "rfc2136");
  BOOST_TEST_REQUIRE(wildcard.targets.size() == 1u);
  BOOST_TEST(wildcard.targets[0].cert_file == "/etc/nginx/ssl/apps/fullchain.pem");
  BOOST_TEST(wildcard.targets[0].key_file == "/etc/nginx/ssl/apps/privkey.pem");

  BOOST_TEST(state.find_domain("*.apps.example.com") == &wildcard);
  BOOST_TEST(state.find_domain("apps.example.com") == nullptr);
  BOOST_TEST(state.find_server("webserver-02") == &state.servers[1]);
  BOOST_TEST(state.find_server("webserver-03") == nullptr);
}

BOOST_AUTO_TEST_CASE(full_config_settings) {
  ConfigDir config;
  auto state = certplan::load_desired_state(full_options(config));

  const auto& settings = state.settings;
  BOOST_TEST(settings.acme_email.value == "admin@example.com");
  BOOST_TEST(settings.acme_email.source.file == config.path(".env"));
  BOOST_TEST(settings.acme_email.source.line == 1);
  BOOST_TEST(settings.ionos_api_key.value.reveal() == "prefix.secret");
  BOOST_TEST(settings.ionos_api_key.source.file == "environment");
  BOOST_TEST(settings.rfc2136_nameserver.value == "127.0.0.1:5353");
  BOOST_TEST(settings.rfc2136_tsig_secret.value.reveal() == "c2VjcmV0LXRzaWc=");
  BOOST_TEST(settings.rfc2136_tsig_secret.source.line == 4);
  BOOST_TEST(state.config_digest.size() == 64u);
}

BOOST_AUTO_TEST_CASE(example_config_loads) {
  // The shipped example must stay valid.
  ConfigDir config;
  auto options = config.options();
  options.config_dir = std::filesystem::path(CERTPLAN_SOURCE_DIR) / "examples" / "config";
  options.environment = {{"HOME", "/root"},
                         {"ACME_EMAIL", "admin@example.com"},
                         {"IONOS_API_KEY", "prefix.secret"}};

  auto state = certplan::load_desired_state(options);
  BOOST_TEST(state.servers.size() == 2u);
  BOOST_TEST(state.domains.size() == 2u);
}
