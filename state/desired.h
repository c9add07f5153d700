#pragma once

// The desired state: servers.yaml, domains.yaml and the settings from the
// environment, loaded into typed structures (see state/config_loader.h).

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/certificate.h"
#include "state/secret.h"

namespace certplan {

// The origin of a value, for error messages and --show-config.
struct SourceLocation {
  std::string file;  // path as given, or "environment", ".env file", "default"
  int line = 0;      // 1-based; 0 when not from a file
  int column = 0;    // 1-based; 0 when not from a file
};

struct ServerConfig {
  std::string name;
  std::string host;                       // address or name to connect to, for SSH and HTTPS
  int port = 22;
  std::string user;
  std::filesystem::path ssh_key_path;
  std::filesystem::path known_hosts_path; // default ~/.ssh/known_hosts
  std::string nginx_reload_command;
  std::string nginx_test_command = "sudo nginx -t";
  std::string cert_path;                  // remote directory, absolute
  int https_port = 443;
  bool use_sudo = false;                  // file steps through `sudo -n`
  SourceLocation location;
};

// The location of one domain's files on one server.
struct DeploymentTarget {
  std::string server;
  std::string cert_file;  // absolute remote path of fullchain.pem
  std::string key_file;   // absolute remote path of privkey.pem
  SourceLocation location;
};

struct DomainConfig {
  std::string domain;                  // lowercase punycode, no trailing dot; may start with "*."
  std::vector<std::string> alt_names;  // same form
  std::vector<DeploymentTarget> targets;
  KeyType key_type = KeyType::ec256;
  std::optional<int> renew_before_days;
  std::string dns_provider = "ionos";
  std::string profile;                 // ACME profile of new orders; empty for the CA's default
  SourceLocation location;

  // domain followed by alt_names, in configuration order.
  std::vector<std::string> names() const;
};

// Directory and file name of a domain: "*.example.com" becomes
// "_wildcard.example.com"; other names are used as they are.
std::string storage_name(const std::string& domain);

// A setting together with where its value came from.
template <class T>
struct Setting {
  T value{};
  SourceLocation source{"default", 0, 0};
};

// Globals and secrets, from the environment, then .env, then defaults.
struct Settings {
  Setting<SecretString> ionos_api_key;
  Setting<std::string> acme_email;
  Setting<int> renewal_threshold_days{30};
  Setting<std::filesystem::path> cert_base_path;
  Setting<std::filesystem::path> log_file_path;
  Setting<std::string> log_level{"info"};
  Setting<std::string> acme_directory_url{"https://acme-v02.api.letsencrypt.org/directory"};
  Setting<std::string> acme_staging_directory_url{"https://acme-staging-v02.api.letsencrypt.org/directory"};
  Setting<std::filesystem::path> acme_ca_bundle;
  Setting<std::string> ionos_api_url{"https://api.hosting.ionos.com/dns"};
  Setting<std::vector<std::string>> dns_resolvers;  // "ip:port" each
  Setting<std::chrono::seconds> dns_propagation_timeout{std::chrono::seconds(300)};
  Setting<std::filesystem::path> healthcheck_ca_bundle;
  Setting<std::string> notify_webhook_url;
  Setting<std::filesystem::path> state_dir;  // CERTPLAN_STATE_DIR, default {cert_base_path}/.certplan

  // External Account Binding, for CAs that require it.
  Setting<std::string> acme_eab_kid;
  Setting<SecretString> acme_eab_hmac_key;  // base64url, as the CA hands it out

  // dns_provider: rfc2136 (dynamic update with TSIG).
  Setting<std::string> rfc2136_nameserver;  // "ip:port" or "ip" (port 53)
  Setting<std::string> rfc2136_tsig_key;    // key name
  Setting<SecretString> rfc2136_tsig_secret; // base64
  Setting<std::string> rfc2136_tsig_algorithm{"hmac-sha256"};

  // dns_provider: exec (DNS_EXEC_PATH present|cleanup FQDN VALUE).
  Setting<std::filesystem::path> dns_exec_path;
};

struct DesiredState {
  std::vector<ServerConfig> servers;  // in file order
  std::vector<DomainConfig> domains;  // in file order
  Settings settings;
  // SHA-256 (hex) over the normalised configuration and the non-secret
  // settings that change what a plan does. A saved plan records it.
  std::string config_digest;

  const ServerConfig* find_server(const std::string& name) const;
  const DomainConfig* find_domain(const std::string& domain) const;
};

}  // namespace certplan
