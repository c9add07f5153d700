#include "engine/observation_digest.h"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

#include <openssl/evp.h>

namespace certplan {

namespace {

// The canonical texts are compact JSON with the keys of every object in
// byte order. They are written directly, without a JSON tree, because a
// fleet of 1,000 servers with 100 domains has 100,000 entries to write on
// every plan and apply. Saved plans contain their digests, so the texts
// must not change from one version to the next.

bool needs_escape(char c) { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

void append_escaped(std::string& out, char c) {
  static constexpr char hex[] = "0123456789abcdef";
  switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      out += "\\u00";
      out += hex[(c >> 4) & 0x0f];
      out += hex[c & 0x0f];
  }
}

// Appends `text` as a JSON string, with bytes from 0x7f up unchanged. Runs
// of plain bytes are copied whole, because fingerprints and names never
// need escaping.
void append_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t plain_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!needs_escape(text[i])) continue;
    out.append(text, plain_start, i - plain_start);
    append_escaped(out, text[i]);
    plain_start = i + 1;
  }
  out.append(text, plain_start, text.size() - plain_start);
  out += '"';
}

void append_bool(std::string& out, bool value) { out += value ? "true" : "false"; }

// {"fingerprint":…,"key_matches":…,"key_present":…,"public_key_fingerprint":…}
void append_certificate(std::string& out, const CertificateWithKey& entry) {
  out += "{\"fingerprint\":";
  append_string(out, entry.certificate->fingerprint);
  out += ",\"key_matches\":";
  append_bool(out, entry.key_matches);
  out += ",\"key_present\":";
  append_bool(out, entry.key_present);
  out += ",\"public_key_fingerprint\":";
  append_string(out, entry.certificate->public_key_fingerprint);
  out += '}';
}

// {"deployed":…|null,"error":…} or null
void append_files(std::string& out, const ServerObservation& server, const std::string& domain) {
  auto found = server.files.find(domain);
  if (found == server.files.end()) {
    out += "null";
    return;
  }
  const FilesObservation& files = found->second;
  out += "{\"deployed\":";
  if (files.deployed) {
    append_certificate(out, *files.deployed);
  } else {
    out += "null";
  }
  out += ",\"error\":";
  append_string(out, files.error);
  out += '}';
}

// {"error":…,"fingerprint":…} or null
void append_served(std::string& out, const ServerObservation& server, const std::string& domain) {
  auto found = server.served.find(domain);
  if (found == server.served.end()) {
    out += "null";
    return;
  }
  const ServedObservation& served = found->second;
  out += "{\"error\":";
  append_string(out, served.error);
  out += ",\"fingerprint\":";
  append_string(out, served.leaf ? std::string_view(served.leaf->fingerprint) : std::string_view());
  out += '}';
}

// Lists the domains in scope under every server they target, sorted by
// name, in one pass over all targets instead of one pass per server.
using DomainsByServer = std::unordered_map<std::string, std::vector<const DomainConfig*>>;

std::vector<const DomainConfig*> sorted_domains(const DesiredState& desired, const PlanScope& scope) {
  std::vector<const DomainConfig*> domains = domains_in_scope(desired, scope);
  std::sort(domains.begin(), domains.end(),
            [](const DomainConfig* a, const DomainConfig* b) { return a->domain < b->domain; });
  return domains;
}

DomainsByServer domains_by_server(const DesiredState& desired, const PlanScope& scope) {
  DomainsByServer by_server;
  for (const DomainConfig* domain : sorted_domains(desired, scope)) {
    for (const auto& target : domain->targets) {
      auto& listed = by_server[target.server];
      // A domain with two targets on one server is listed once.
      if (listed.empty() || listed.back() != domain) listed.push_back(domain);
    }
  }
  return by_server;
}

std::string host_text(const ObservedState& observed, const std::string& server,
                      const std::vector<const DomainConfig*>& domains) {
  auto found = observed.servers.find(server);
  if (found == observed.servers.end()) return "{\"observed\":false}";
  const ServerObservation& observation = found->second;

  std::string out = "{\"domains\":{";
  bool first = true;
  for (const DomainConfig* domain : domains) {
    if (!first) out += ',';
    first = false;
    append_string(out, domain->domain);
    out += ":{\"files\":";
    append_files(out, observation, domain->domain);
    out += ",\"served\":";
    append_served(out, observation, domain->domain);
    out += '}';
  }
  out += "},\"error\":";
  append_string(out, observation.error);
  out += ",\"observed\":true,\"reachable\":";
  append_bool(out, observation.reachable);
  out += '}';
  return out;
}

std::string sha256_hex(const std::string& text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("OpenSSL could not compute a SHA-256 digest");
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string digest_hex;
  for (unsigned int i = 0; i < length; ++i) {
    digest_hex += hex[digest[i] >> 4];
    digest_hex += hex[digest[i] & 0x0f];
  }
  return digest_hex;
}

}  // namespace

std::string canonical_host_text(const DesiredState& desired, const ObservedState& observed,
                                const PlanScope& scope, const std::string& server) {
  const DomainsByServer by_server = domains_by_server(desired, scope);
  auto found = by_server.find(server);
  return host_text(observed, server, found == by_server.end() ? std::vector<const DomainConfig*>{} : found->second);
}

std::string canonical_store_text(const DesiredState& desired, const ObservedState& observed,
                                 const PlanScope& scope) {
  std::string out = "{";
  bool first = true;
  for (const DomainConfig* domain : sorted_domains(desired, scope)) {
    if (!first) out += ',';
    first = false;
    append_string(out, domain->domain);
    out += ':';

    auto found = observed.store.find(domain->domain);
    if (found == observed.store.end()) {
      out += "null";
      continue;
    }
    const StoreObservation& entry = found->second;
    out += "{\"current\":";
    if (entry.current) {
      append_certificate(out, *entry.current);
    } else {
      out += "null";
    }
    out += ",\"error\":";
    append_string(out, entry.error);
    out += '}';
  }
  out += '}';
  return out;
}

ObservationDigests digest_observations(const DesiredState& desired, const ObservedState& observed,
                                       const PlanScope& scope) {
  ObservationDigests digests;
  digests.store_digest = sha256_hex(canonical_store_text(desired, observed, scope));

  const DomainsByServer by_server = domains_by_server(desired, scope);
  const std::vector<const DomainConfig*> none;
  for (const auto& server : servers_in_scope(desired, scope)) {
    auto found = by_server.find(server);
    const auto& domains = found == by_server.end() ? none : found->second;
    digests.host_digests[server] = sha256_hex(host_text(observed, server, domains));
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
