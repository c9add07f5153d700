// The configuration digest: what changes it and what does not.

#include <boost/test/unit_test.hpp>

#include "state/config_digest.h"
#include "tests/unit/state/config_fixture.h"

using certplan::compute_config_digest;
using certplan::testing::ConfigDir;
using certplan::testing::one_domain_yaml;
using certplan::testing::one_server_yaml;

namespace {

certplan::DesiredState load_example() {
  ConfigDir config;
  config.write("servers.yaml", one_server_yaml);
  config.write("domains.yaml", one_domain_yaml);
  return certplan::load_desired_state(config.options());
}

}  // namespace

BOOST_AUTO_TEST_CASE(digest_is_sha256_of_canonical_json) {
  auto state = load_example();
  BOOST_TEST(certplan::canonical_config_json(state) ==
             R"({"domains":[{"alt_names":[],"dns_provider":"ionos","domain":"example.com",)"
             R"("key_type":"ec-256","renew_before_days":null,"targets":[{"cert_file":)"
             R"("/etc/nginx/ssl/example.com/fullchain.pem","key_file":)"
             R"("/etc/nginx/ssl/example.com/privkey.pem","server":"web-01"}]}],)"
             R"("servers":[{"cert_path":"/etc/nginx/ssl","host":"127.0.0.1","https_port":443,)"
             R"("known_hosts_path":")" +
                 state.servers[0].known_hosts_path.string() +
                 R"(","name":"web-01","nginx_reload_command":"sudo systemctl reload nginx",)"
                 R"("nginx_test_command":"sudo nginx -t","port":22,"ssh_key_path":"/keys/id",)"
                 R"("use_sudo":false,"user":"deploy"}],"settings":{"acme_directory_url":)"
                 R"("https://acme-v02.api.letsencrypt.org/directory","cert_base_path":)"
                 R"("/var/lib/certplan","renewal_threshold_days":30}})");
  BOOST_TEST(state.config_digest == compute_config_digest(state));
  BOOST_TEST(state.config_digest.size() == 64u);
  BOOST_TEST(state.config_digest.find_first_not_of("0123456789abcdef") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(digest_of_known_text) {
  // SHA-256 of the canonical JSON of an empty configuration with default
  // settings, computed independently with `printf %s TEXT | sha256sum`.
  certplan::DesiredState state;
  state.settings.cert_base_path.value = "/var/lib/certplan";
  BOOST_TEST(certplan::canonical_config_json(state) ==
             R"({"domains":[],"servers":[],"settings":{"acme_directory_url":)"
             R"("https://acme-v02.api.letsencrypt.org/directory","cert_base_path":)"
             R"("/var/lib/certplan","renewal_threshold_days":30}})");
  BOOST_TEST(compute_config_digest(state) ==
             "35bdc4a36a9c921021ee8a60c961539f0e8b0e765127d71ec02acbe0fda482a7");
}

BOOST_AUTO_TEST_CASE(server_field_changes_digest) {
  auto state = load_example();
  const std::string before = compute_config_digest(state);

  state.servers[0].port = 2222;
  BOOST_TEST(compute_config_digest(state) != before);
}

BOOST_AUTO_TEST_CASE(plan_settings_change_digest) {
  auto state = load_example();
  const std::string before = compute_config_digest(state);

  auto changed = state;
  changed.settings.renewal_threshold_days.value = 10;
  BOOST_TEST(compute_config_digest(changed) != before);

  changed = state;
  changed.settings.acme_directory_url.value = "https://127.0.0.1:14000/dir";
  BOOST_TEST(compute_config_digest(changed) != before);

  changed = state;
  changed.settings.cert_base_path.value = "/srv/certs";
  BOOST_TEST(compute_config_digest(changed) != before);

  changed = state;
  changed.domains[0].alt_names.push_back("www.example.com");
  BOOST_TEST(compute_config_digest(changed) != before);
}

BOOST_AUTO_TEST_CASE(secrets_do_not_change_digest) {
  auto state = load_example();
  const std::string before = compute_config_digest(state);

  state.settings.ionos_api_key.value = certplan::SecretString("rotated.key");
  state.settings.acme_eab_hmac_key.value = certplan::SecretString("hmac");
  state.settings.rfc2136_tsig_secret.value = certplan::SecretString("tsig");
  BOOST_TEST(compute_config_digest(state) == before);
  BOOST_TEST(certplan::canonical_config_json(state).find("rotated.key") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(order_and_locations_do_not_change_digest) {
  ConfigDir config;
  config.write("servers.yaml", std::string(one_server_yaml) +
                                   "  - name: web-02\n"
                                   "    host: 127.0.0.2\n"
                                   "    user: deploy\n"
                                   "    ssh_key_path: /keys/id\n"
                                   "    nginx_reload_command: reload\n"
                                   "    cert_path: /srv/ssl\n");
  config.write("domains.yaml", one_domain_yaml);
  const std::string before = certplan::load_desired_state(config.options()).config_digest;

  config.write("servers.yaml",
               "# reordered\n"
               "servers:\n"
               "  - name: web-02\n"
               "    host: 127.0.0.2\n"
               "    user: deploy\n"
               "    ssh_key_path: /keys/id\n"
               "    nginx_reload_command: reload\n"
               "    cert_path: /srv/ssl\n" +
                   std::string(one_server_yaml).substr(std::string("servers:\n").size()));
  BOOST_TEST(certplan::load_desired_state(config.options()).config_digest == before);
}
