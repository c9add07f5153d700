// render_effective_config: every value with its source, secrets hidden.

#include <boost/test/unit_test.hpp>

#include "state/effective_config.h"
#include "tests/unit/state/config_fixture.h"

using certplan::render_effective_config;
using certplan::testing::ConfigDir;

namespace {

certplan::DesiredState load_sample(const ConfigDir& config) {
  config.write("servers.yaml",
               "servers:\n"
               "  - name: web-01\n"
               "    host: 127.0.0.1\n"
               "    port: 2222\n"
               "    user: deploy\n"
               "    ssh_key_path: /keys/id\n"
               "    known_hosts_path: /keys/known_hosts\n"
               "    nginx_reload_command: sudo systemctl reload nginx\n"
               "    cert_path: /etc/nginx/ssl\n");
  config.write("domains.yaml",
               "domains:\n"
               "  - domain: example.com\n"
               "    alt_names: [www.example.com]\n"
               "    servers: [web-01]\n"
               "  - domain: \"*.example.org\"\n"
               "    key_type: rsa-2048\n"
               "    renew_before_days: 20\n"
               "    servers:\n"
               "      - name: web-01\n"
               "        cert_file: /etc/ssl/org.crt\n"
               "        key_file: /etc/ssl/org.key\n");
  config.write(".env", "# settings\nIONOS_API_KEY=very-secret-ionos-key\nLOG_LEVEL=debug\n");
  auto options = config.options();
  options.environment = {{"HOME", "/home/ops"},
                         {"ACME_EMAIL", "admin@example.com"},
                         {"ACME_EAB_HMAC_KEY", "very-secret-hmac"}};
  return certplan::load_desired_state(options);
}

}  // namespace

BOOST_AUTO_TEST_CASE(renders_values_and_sources) {
  ConfigDir config;
  auto state = load_sample(config);
  const std::string servers = config.path("servers.yaml");
  const std::string domains = config.path("domains.yaml");
  const std::string env = config.path(".env");

  const std::string expected =
      "settings:\n"
      "  IONOS_API_KEY                (set, hidden)  (" + env + ":2)\n"
      "  ACME_EMAIL                   admin@example.com  (environment)\n"
      "  RENEWAL_THRESHOLD_DAYS       30  (default)\n"
      "  CERT_BASE_PATH               /var/lib/certplan  (default)\n"
      "  LOG_FILE_PATH                (not set)  (default)\n"
      "  LOG_LEVEL                    debug  (" + env + ":3)\n"
      "  ACME_DIRECTORY_URL           https://acme-v02.api.letsencrypt.org/directory  (default)\n"
      "  ACME_STAGING_DIRECTORY_URL   https://acme-staging-v02.api.letsencrypt.org/directory  "
      "(default)\n"
      "  ACME_CA_BUNDLE               (not set)  (default)\n"
      "  IONOS_API_URL                https://api.hosting.ionos.com/dns  (default)\n"
      "  DNS_RESOLVERS                (not set, system resolver)  (default)\n"
      "  DNS_PROPAGATION_TIMEOUT      300 s  (default)\n"
      "  HEALTHCHECK_CA_BUNDLE        (not set)  (default)\n"
      "  NOTIFY_WEBHOOK_URL           (not set)  (default)\n"
      "  CERTPLAN_STATE_DIR           /var/lib/certplan/.certplan  (default)\n"
      "  ACME_EAB_KID                 (not set)  (default)\n"
      "  ACME_EAB_HMAC_KEY            (set, hidden)  (environment)\n"
      "  RFC2136_NAMESERVER           (not set)  (default)\n"
      "  RFC2136_TSIG_KEY             (not set)  (default)\n"
      "  RFC2136_TSIG_SECRET          (not set)  (default)\n"
      "  RFC2136_TSIG_ALGORITHM       hmac-sha256  (default)\n"
      "  DNS_EXEC_PATH                (not set)  (default)\n"
      "servers:\n"
      "  web-01  (" + servers + ":2:5)\n"
      "    host                         127.0.0.1  (" + servers + ":2:5)\n"
      "    port                         2222  (" + servers + ":2:5)\n"
      "    user                         deploy  (" + servers + ":2:5)\n"
      "    ssh_key_path                 /keys/id  (" + servers + ":2:5)\n"
      "    known_hosts_path             /keys/known_hosts  (" + servers + ":2:5)\n"
      "    nginx_reload_command         sudo systemctl reload nginx  (" + servers + ":2:5)\n"
      "    nginx_test_command           sudo nginx -t  (default)\n"
      "    cert_path                    /etc/nginx/ssl  (" + servers + ":2:5)\n"
      "    https_port                   443  (default)\n"
      "    use_sudo                     false  (default)\n"
      "domains:\n"
      "  example.com  (" + domains + ":2:5)\n"
      "    alt_names                    www.example.com  (" + domains + ":2:5)\n"
      "    key_type                     ec-256  (default)\n"
      "    renew_before_days            30 (RENEWAL_THRESHOLD_DAYS)  (default)\n"
      "    dns_provider                 ionos  (default)\n"
      "    server web-01  (" + domains + ":4:15)\n"
      "      cert_file                    /etc/nginx/ssl/example.com/fullchain.pem  (" + domains +
      ":4:15)\n"
      "      key_file                     /etc/nginx/ssl/example.com/privkey.pem  (" + domains +
      ":4:15)\n"
      "  *.example.org  (" + domains + ":5:5)\n"
      "    alt_names                    (none)  (" + domains + ":5:5)\n"
      "    key_type                     rsa-2048  (" + domains + ":5:5)\n"
      "    renew_before_days            20  (" + domains + ":5:5)\n"
      "    dns_provider                 ionos  (default)\n"
      "    server web-01  (" + domains + ":9:9)\n"
      "      cert_file                    /etc/ssl/org.crt  (" + domains + ":9:9)\n"
      "      key_file                     /etc/ssl/org.key  (" + domains + ":9:9)\n"
      "config digest: " + state.config_digest + "\n";
  BOOST_TEST(render_effective_config(state) == expected);
}

BOOST_AUTO_TEST_CASE(secret_values_never_rendered) {
  ConfigDir config;
  auto state = load_sample(config);
  const std::string text = render_effective_config(state);

  BOOST_TEST(text.find("very-secret-ionos-key") == std::string::npos);
  BOOST_TEST(text.find("very-secret-hmac") == std::string::npos);
  BOOST_TEST(text.find("IONOS_API_KEY                (set, hidden)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rendering_is_deterministic) {
  ConfigDir config;
  auto state = load_sample(config);
  BOOST_TEST(render_effective_config(state) == render_effective_config(load_sample(config)));
}

BOOST_AUTO_TEST_CASE(empty_configuration_rendered) {
  certplan::DesiredState state;
  state.config_digest = "abc";
  const std::string text = render_effective_config(state);
  BOOST_TEST(text.find("servers:\n  (none)\ndomains:\n  (none)\nconfig digest: abc\n") !=
             std::string::npos);
}
