#include "state/effective_config.h"

#include <fmt/format.h>

#include "state/config_domains.h"
#include "state/diagnostics.h"

namespace certplan {

namespace {

const SourceLocation default_source{"default", 0, 0};

std::string or_not_set(const std::string& value) {
  return value.empty() ? "(not set)" : value;
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

// One "name value (source)" line; `indent` spaces deep.
void add_line(std::string& out, int indent, std::string_view name, const std::string& value,
              const SourceLocation& source) {
  out += fmt::format("{:{}}{:<28} {}  ({})\n", "", indent, name, value, location_string(source));
}

template <class T>
void add_setting(std::string& out, std::string_view name, const Setting<T>& setting,
                 const std::string& value) {
  add_line(out, 2, name, value, setting.source);
}

void add_secret(std::string& out, std::string_view name, const Setting<SecretString>& setting) {
  add_line(out, 2, name, setting.value.empty() ? "(not set)" : "(set, hidden)", setting.source);
}

void render_settings(std::string& out, const Settings& s) {
  out += "settings:\n";
  add_secret(out, "IONOS_API_KEY", s.ionos_api_key);
  add_setting(out, "ACME_EMAIL", s.acme_email, or_not_set(s.acme_email.value));
  add_setting(out, "RENEWAL_THRESHOLD_DAYS", s.renewal_threshold_days,
              std::to_string(s.renewal_threshold_days.value));
  add_setting(out, "CERT_BASE_PATH", s.cert_base_path, or_not_set(s.cert_base_path.value.string()));
  add_setting(out, "LOG_FILE_PATH", s.log_file_path, or_not_set(s.log_file_path.value.string()));
  add_setting(out, "LOG_LEVEL", s.log_level, s.log_level.value);
  add_setting(out, "ACME_DIRECTORY_URL", s.acme_directory_url, s.acme_directory_url.value);
  add_setting(out, "ACME_STAGING_DIRECTORY_URL", s.acme_staging_directory_url,
              s.acme_staging_directory_url.value);
  add_setting(out, "ACME_CA_BUNDLE", s.acme_ca_bundle, or_not_set(s.acme_ca_bundle.value.string()));
  add_setting(out, "IONOS_API_URL", s.ionos_api_url, s.ionos_api_url.value);
  add_setting(out, "DNS_RESOLVERS", s.dns_resolvers,
              s.dns_resolvers.value.empty() ? "(not set, system resolver)"
                                            : join(s.dns_resolvers.value));
  add_setting(out, "DNS_PROPAGATION_TIMEOUT", s.dns_propagation_timeout,
              std::to_string(s.dns_propagation_timeout.value.count()) + " s");
  add_setting(out, "HEALTHCHECK_CA_BUNDLE", s.healthcheck_ca_bundle,
              or_not_set(s.healthcheck_ca_bundle.value.string()));
  add_setting(out, "NOTIFY_WEBHOOK_URL", s.notify_webhook_url, or_not_set(s.notify_webhook_url.value));
  add_setting(out, "CERTPLAN_STATE_DIR", s.state_dir, or_not_set(s.state_dir.value.string()));
  add_setting(out, "ACME_EAB_KID", s.acme_eab_kid, or_not_set(s.acme_eab_kid.value));
  add_secret(out, "ACME_EAB_HMAC_KEY", s.acme_eab_hmac_key);
  add_setting(out, "RFC2136_NAMESERVER", s.rfc2136_nameserver, or_not_set(s.rfc2136_nameserver.value));
  add_setting(out, "RFC2136_TSIG_KEY", s.rfc2136_tsig_key, or_not_set(s.rfc2136_tsig_key.value));
  add_secret(out, "RFC2136_TSIG_SECRET", s.rfc2136_tsig_secret);
  add_setting(out, "RFC2136_TSIG_ALGORITHM", s.rfc2136_tsig_algorithm, s.rfc2136_tsig_algorithm.value);
  add_setting(out, "DNS_EXEC_PATH", s.dns_exec_path, or_not_set(s.dns_exec_path.value.string()));
}

// NOTE: DesiredState keeps one location per server and domain entry, not
// per key. So a field shows the entry's location when it differs from the
// built-in default, and "default" when it equals it, even if the file spells
// the default out.
template <class T>
const SourceLocation& source_of(const T& value, const T& default_value,
                                const SourceLocation& entry) {
  return value == default_value ? default_source : entry;
}

void render_server(std::string& out, const ServerConfig& server) {
  const ServerConfig defaults;
  const SourceLocation& at = server.location;

  out += fmt::format("  {}  ({})\n", server.name, location_string(at));
  add_line(out, 4, "host", server.host, at);
  add_line(out, 4, "port", std::to_string(server.port), source_of(server.port, defaults.port, at));
  add_line(out, 4, "user", server.user, at);
  add_line(out, 4, "ssh_key_path", server.ssh_key_path.string(), at);
  add_line(out, 4, "known_hosts_path", server.known_hosts_path.string(), at);
  add_line(out, 4, "nginx_reload_command", server.nginx_reload_command, at);
  add_line(out, 4, "nginx_test_command", server.nginx_test_command,
           source_of(server.nginx_test_command, defaults.nginx_test_command, at));
  add_line(out, 4, "cert_path", server.cert_path, at);
  add_line(out, 4, "https_port", std::to_string(server.https_port),
           source_of(server.https_port, defaults.https_port, at));
  add_line(out, 4, "use_sudo", server.use_sudo ? "true" : "false",
           source_of(server.use_sudo, defaults.use_sudo, at));
}

void render_domain(std::string& out, const DomainConfig& domain, const Settings& settings) {
  const DomainConfig defaults;
  const SourceLocation& at = domain.location;

  out += fmt::format("  {}  ({})\n", domain.domain, location_string(at));
  add_line(out, 4, "alt_names", domain.alt_names.empty() ? "(none)" : join(domain.alt_names), at);
  add_line(out, 4, "key_type", std::string(config_key_type_name(domain.key_type)),
           source_of(domain.key_type, defaults.key_type, at));
  if (domain.renew_before_days) {
    add_line(out, 4, "renew_before_days", std::to_string(*domain.renew_before_days), at);
  } else {
    add_line(out, 4, "renew_before_days",
             std::to_string(settings.renewal_threshold_days.value) + " (RENEWAL_THRESHOLD_DAYS)",
             settings.renewal_threshold_days.source);
  }
  add_line(out, 4, "dns_provider", domain.dns_provider,
           source_of(domain.dns_provider, defaults.dns_provider, at));
  if (!domain.profile.empty()) add_line(out, 4, "profile", domain.profile, at);

  for (const auto& target : domain.targets) {
    out += fmt::format("    server {}  ({})\n", target.server, location_string(target.location));
    add_line(out, 6, "cert_file", target.cert_file, target.location);
    add_line(out, 6, "key_file", target.key_file, target.location);
  }
}

}  // namespace

std::string render_effective_config(const DesiredState& state) {
  std::string out;
  render_settings(out, state.settings);

  out += "servers:\n";
  if (state.servers.empty()) out += "  (none)\n";
  for (const auto& server : state.servers) render_server(out, server);

  out += "domains:\n";
  if (state.domains.empty()) out += "  (none)\n";
  for (const auto& domain : state.domains) render_domain(out, domain, state.settings);

  out += "config digest: " + state.config_digest + "\n";
  return out;
}

}  // namespace certplan
