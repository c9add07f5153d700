#pragma once

// Observation: what the local store holds, what each server has in its
// files and what each server serves over HTTPS.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "engine/session_pool.h"
#include "engine/tls_probe.h"
#include "state/certificate_store.h"
#include "state/desired.h"
#include "state/observed.h"

namespace certplan {

struct ObserveOptions {
  std::size_t parallelism = 10;           // servers observed at once
  std::vector<std::string> only_domains;  // empty means every domain
  std::vector<std::string> only_servers;  // empty means every server
  std::chrono::milliseconds probe_timeout{10000};
};

// The SNI a probe sends for `domain`: the domain itself, or for a wildcard
// "*.example.com" the name "certplan-check.example.com" that it covers.
std::string probe_server_name(const std::string& domain);

// Observes every domain and server in scope. Per server: one read_files call
// for all certificate and key files, then one handshake per domain. Key
// material is parsed in memory to compare it with the certificate and is
// not kept. A server that cannot be connected to is recorded with
// reachable = false and the connection error.
ObservedState observe(const DesiredState& desired, CertificateStore& store, SessionPool& sessions,
                      TlsProbe& probe, const ObserveOptions& options);

}  // namespace certplan
