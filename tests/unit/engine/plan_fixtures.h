#pragma once

// A small world for planner and rendering tests: two servers, one domain
// with an alternative name, certificates described by their facts only.
// Header-only, because tests/unit/engine/*_test.cc each build on their own.

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/plan_time.h"
#include "state/desired.h"
#include "state/observed.h"

namespace certplan {

// Boost.Test prints the values of a failed check with these.
inline std::ostream& operator<<(std::ostream& out, ReasonCode code) { return out << reason_code_name(code); }
inline std::ostream& operator<<(std::ostream& out, ActionKind kind) { return out << action_kind_name(kind); }

}  // namespace certplan

namespace certplan::testing {

// Parses an RFC 3339 time and throws on a typo in the test itself.
inline TimePoint at(const std::string& text) {
  auto time = parse_rfc3339(text);
  if (!time) throw std::invalid_argument("invalid time in test: " + text);
  return *time;
}

// The moment every planner test runs at.
inline TimePoint test_now() { return at("2026-12-21T00:00:00Z"); }

inline CertificateFacts make_facts(std::vector<std::string> names, TimePoint not_before, TimePoint not_after,
                                   const std::string& fingerprint, KeyType key_type = KeyType::ec256) {
  CertificateFacts facts;
  facts.subject = "CN=" + names.front();
  facts.issuer = "CN=Test CA";
  facts.names = std::move(names);
  facts.not_before = not_before;
  facts.not_after = not_after;
  facts.fingerprint = fingerprint;
  facts.public_key_fingerprint = "pk:" + fingerprint;
  facts.key_type = key_type;
  facts.chain_length = 2;
  return facts;
}

enum class KeyState { matching, missing, mismatched };

inline CertificateWithKey with_key(const CertificateFacts& facts, KeyState state = KeyState::matching) {
  CertificateWithKey entry;
  entry.certificate = share_facts(facts);
  entry.key_present = state != KeyState::missing;
  entry.key_matches = state == KeyState::matching;
  if (entry.key_present) entry.key_type = facts.key_type;
  return entry;
}

// A 90-day certificate for example.com and www.example.com with 58 days left at test_now().
inline CertificateFacts valid_certificate() {
  return make_facts({"example.com", "www.example.com"}, at("2026-11-19T00:00:00Z"), at("2027-02-17T00:00:00Z"),
                    "3f:2a:10:01");
}

// The certificate deployed before valid_certificate(): 90 days, expires 2027-01-02 (12 days left).
inline CertificateFacts older_certificate() {
  return make_facts({"example.com", "www.example.com"}, at("2026-10-04T00:00:00Z"), at("2027-01-02T00:00:00Z"),
                    "9c:11:20:02");
}

inline ServerConfig make_server(const std::string& name, const std::string& host) {
  ServerConfig server;
  server.name = name;
  server.host = host;
  server.user = "deploy";
  server.cert_path = "/etc/nginx/ssl";
  server.nginx_reload_command = "sudo systemctl reload nginx";
  return server;
}

inline DeploymentTarget make_target(const std::string& server, const std::string& domain) {
  return DeploymentTarget{server, "/etc/nginx/ssl/" + domain + "/fullchain.pem",
                          "/etc/nginx/ssl/" + domain + "/privkey.pem", {}};
}

// webserver-01 and webserver-02, example.com (with www.example.com) on both.
inline DesiredState two_server_desired() {
  DesiredState desired;
  desired.servers = {make_server("webserver-01", "127.0.0.11"), make_server("webserver-02", "127.0.0.12")};

  DomainConfig domain;
  domain.domain = "example.com";
  domain.alt_names = {"www.example.com"};
  domain.targets = {make_target("webserver-01", "example.com"), make_target("webserver-02", "example.com")};
  desired.domains = {domain};
  desired.config_digest = "c0ffee";
  return desired;
}

// Adds a domain without alternative names, deployed to `servers`.
inline void add_domain(DesiredState& desired, const std::string& name, const std::vector<std::string>& servers) {
  DomainConfig domain;
  domain.domain = name;
  for (const auto& server : servers) domain.targets.push_back(make_target(server, name));
  desired.domains.push_back(domain);
}

// A server that holds and serves `facts` for `domain` with the matching key.
inline void place(ObservedState& observed, const std::string& server, const std::string& domain,
                  const CertificateFacts& facts) {
  ServerObservation& observation = observed.servers[server];
  observation.reachable = true;
  observation.files[domain].deployed = with_key(facts);
  observation.served[domain].leaf = share_facts(facts);
}

// A server that could not be observed, with `error` as the reason.
inline ServerObservation unreachable(const std::string& error) {
  ServerObservation observation;
  observation.reachable = false;
  observation.error = error;
  return observation;
}

// Every server of `desired` holds and serves `facts` for example.com, and the store holds it too.
inline ObservedState all_in_place(const DesiredState& desired, const CertificateFacts& facts) {
  ObservedState observed;
  observed.store["example.com"].current = with_key(facts);
  for (const auto& server : desired.servers) place(observed, server.name, "example.com", facts);
  return observed;
}

}  // namespace certplan::testing
