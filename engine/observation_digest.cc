#include "engine/observation_digest.h"

#include <array>
#include <memory>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

namespace certplan {

namespace {

std::string sha256_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0x0f];
  }
  return hex;
}

nlohmann::json certificate_content(const CertificateWithKey& entry) {
  return {
      {"fingerprint", entry.certificate.fingerprint},
      {"public_key_fingerprint", entry.certificate.public_key_fingerprint},
      {"key_present", entry.key_present},
      {"key_matches", entry.key_matches},
  };
}

nlohmann::json files_content(const ServerObservation& server, const std::string& domain) {
  auto found = server.files.find(domain);
  if (found == server.files.end()) return nullptr;
  const FilesObservation& files = found->second;
  return {
      {"deployed", files.deployed ? certificate_content(*files.deployed) : nlohmann::json(nullptr)},
      {"error", files.error},
  };
}

nlohmann::json served_content(const ServerObservation& server, const std::string& domain) {
  auto found = server.served.find(domain);
  if (found == server.served.end()) return nullptr;
  const ServedObservation& served = found->second;
  return {
      {"fingerprint", served.leaf ? served.leaf->fingerprint : std::string()},
      {"error", served.error},
  };
}

bool targets(const DomainConfig& domain, const std::string& server) {
  for (const auto& target : domain.targets) {
    if (target.server == server) return true;
  }
  return false;
}

}  // namespace

std::string canonical_host_text(const DesiredState& desired, const ObservedState& observed,
                                const PlanScope& scope, const std::string& server) {
  auto found = observed.servers.find(server);
  if (found == observed.servers.end()) return nlohmann::json{{"observed", false}}.dump();
  const ServerObservation& observation = found->second;

  nlohmann::json domains = nlohmann::json::object();
  for (const DomainConfig* domain : domains_in_scope(desired, scope)) {
    if (!targets(*domain, server)) continue;
    domains[domain->domain] = {
        {"files", files_content(observation, domain->domain)},
        {"served", served_content(observation, domain->domain)},
    };
  }
  nlohmann::json text = {
      {"observed", true},
      {"reachable", observation.reachable},
      {"error", observation.error},
      {"domains", domains},
  };
  return text.dump();
}

std::string canonical_store_text(const DesiredState& desired, const ObservedState& observed,
                                 const PlanScope& scope) {
  nlohmann::json domains = nlohmann::json::object();
  for (const DomainConfig* domain : domains_in_scope(desired, scope)) {
    auto found = observed.store.find(domain->domain);
    if (found == observed.store.end()) {
      domains[domain->domain] = nullptr;
      continue;
    }
    const StoreObservation& entry = found->second;
    domains[domain->domain] = {
        {"current", entry.current ? certificate_content(*entry.current) : nlohmann::json(nullptr)},
        {"error", entry.error},
    };
  }
  return domains.dump();
}

ObservationDigests digest_observations(const DesiredState& desired, const ObservedState& observed,
                                       const PlanScope& scope) {
  ObservationDigests digests;
  digests.store_digest = sha256_hex(canonical_store_text(desired, observed, scope));
  for (const auto& server : servers_in_scope(desired, scope)) {
    digests.host_digests[server] = sha256_hex(canonical_host_text(desired, observed, scope, server));
  }
  return digests;
}

std::vector<std::string> describe_digest_changes(const Plan& plan, const std::string& config_digest,
                                                 const ObservationDigests& fresh) {
  std::vector<std::string> changes;
  if (plan.config_digest != config_digest) {
    changes.push_back("the configuration (servers.yaml, domains.yaml or settings) changed");
  }
  if (plan.store_digest != fresh.store_digest) {
    changes.push_back("the local certificate store changed");
  }

  for (const auto& [server, digest] : plan.host_digests) {
    auto found = fresh.host_digests.find(server);
    if (found == fresh.host_digests.end()) {
      changes.push_back(server + " is no longer in the plan's scope");
    } else if (found->second != digest) {
      changes.push_back(server + " now holds or serves different certificates, or its reachability changed");
    }
  }
  for (const auto& [server, digest] : fresh.host_digests) {
    if (!plan.host_digests.contains(server)) {
      changes.push_back(server + " is in scope now but was not when the plan was made");
    }
  }
  return changes;
}

}  // namespace certplan
