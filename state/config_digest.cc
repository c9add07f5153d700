#include "state/config_digest.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "state/config_domains.h"

namespace certplan {

namespace {

nlohmann::json server_json(const ServerConfig& server) {
  return {
      {"name", server.name},
      {"host", server.host},
      {"port", server.port},
      {"user", server.user},
      {"ssh_key_path", server.ssh_key_path.string()},
      {"known_hosts_path", server.known_hosts_path.string()},
      {"nginx_reload_command", server.nginx_reload_command},
      {"nginx_test_command", server.nginx_test_command},
      {"cert_path", server.cert_path},
      {"https_port", server.https_port},
      {"use_sudo", server.use_sudo},
  };
}

nlohmann::json domain_json(const DomainConfig& domain) {
  std::vector<std::string> alt_names = domain.alt_names;
  std::sort(alt_names.begin(), alt_names.end());

  std::vector<DeploymentTarget> targets = domain.targets;
  std::sort(targets.begin(), targets.end(),
            [](const auto& a, const auto& b) { return a.server < b.server; });
  nlohmann::json target_list = nlohmann::json::array();
  for (const auto& target : targets) {
    target_list.push_back(
        {{"server", target.server}, {"cert_file", target.cert_file}, {"key_file", target.key_file}});
  }

  nlohmann::json result{
      {"domain", domain.domain},
      {"alt_names", alt_names},
      {"key_type", std::string(config_key_type_name(domain.key_type))},
      {"renew_before_days",
       domain.renew_before_days ? nlohmann::json(*domain.renew_before_days) : nlohmann::json()},
      {"dns_provider", domain.dns_provider},
      {"targets", target_list},
  };
  // Only a set profile enters the digest, so that configurations without
  // one keep the digests their saved plans recorded.
  if (!domain.profile.empty()) result["profile"] = domain.profile;
  return result;
}

template <class Config, class Key>
nlohmann::json sorted_array(std::vector<Config> items, Key key,
                            nlohmann::json (*to_json)(const Config&)) {
  std::sort(items.begin(), items.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  nlohmann::json array = nlohmann::json::array();
  for (const auto& item : items) array.push_back(to_json(item));
  return array;
}

std::string hex(const unsigned char* bytes, unsigned int size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    text += digits[bytes[i] >> 4];
    text += digits[bytes[i] & 0x0f];
  }
  return text;
}

}  // namespace

std::string canonical_config_json(const DesiredState& state) {
  nlohmann::json document = {
      {"servers", sorted_array(state.servers, [](const ServerConfig& s) { return s.name; },
                               &server_json)},
      {"domains", sorted_array(state.domains, [](const DomainConfig& d) { return d.domain; },
                               &domain_json)},
      {"settings",
       {
           {"renewal_threshold_days", state.settings.renewal_threshold_days.value},
           {"acme_directory_url", state.settings.acme_directory_url.value},
           {"cert_base_path", state.settings.cert_base_path.value.string()},
       }},
  };
  return document.dump();
}

std::string compute_config_digest(const DesiredState& state) {
  const std::string text = canonical_config_json(state);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 of the configuration failed in OpenSSL");
  }
  return hex(digest, size);
}

}  // namespace certplan
