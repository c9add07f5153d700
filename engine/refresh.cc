#include "engine/refresh.h"

#include <algorithm>
#include <map>
#include <optional>

#include "engine/parallel.h"
#include "state/certificate_interner.h"

namespace certplan {

namespace {

bool in_scope(const std::vector<std::string>& scope, const std::string& name) {
  return scope.empty() || std::find(scope.begin(), scope.end(), name) != scope.end();
}

// One domain's files on the server being observed.
struct FileTargets {
  std::string domain;
  std::string cert_file;
  std::string key_file;
};

// Returns every server's file targets from one pass over the domains. One
// pass per server would cost servers times deployments comparisons.
std::map<std::string, std::vector<FileTargets>> targets_by_server(const DesiredState& desired,
                                                                  const ObserveOptions& options) {
  std::map<std::string, std::vector<FileTargets>> targets;
  for (const DomainConfig& domain : desired.domains) {
    if (!in_scope(options.only_domains, domain.domain)) continue;
    for (const DeploymentTarget& target : domain.targets) {
      targets[target.server].push_back({domain.domain, target.cert_file, target.key_file});
    }
  }
  return targets;
}

FilesObservation describe_files(const FileTargets& target,
                                const std::map<std::string, std::optional<std::string>>& contents,
                                CertificateInterner& interner) {
  FilesObservation observation;
  const auto cert = contents.find(target.cert_file);
  if (cert == contents.end() || !cert->second) return observation;

  auto facts = parse_certificate_chain(*cert->second);
  if (!facts) {
    observation.error = target.cert_file + ": " + facts.error().message;
    return observation;
  }

  CertificateWithKey deployed;
  deployed.certificate = interner.intern(std::move(facts.value()));
  const auto key = contents.find(target.key_file);
  if (key != contents.end() && key->second) {
    const SecretString key_pem(*key->second);
    auto parsed = parse_private_key(key_pem);
    if (parsed) {
      deployed.key_present = true;
      deployed.key_type = key_type_of(parsed.value());
      deployed.key_matches =
          public_key_fingerprint(parsed.value()) == deployed.certificate->public_key_fingerprint;
    } else {
      observation.error = target.key_file + ": " + parsed.error().message;
    }
  }
  observation.deployed = std::move(deployed);
  return observation;
}

// Reads every file of the server in one call, then lets go of the session
// before the (slower) handshakes.
void observe_files(SessionPool& sessions, const std::string& server,
                   const std::vector<FileTargets>& targets, CertificateInterner& interner,
                   ServerObservation& observation) {
  auto lease = sessions.acquire(server);
  if (!lease) {
    observation.error = lease.error().message;
    return;
  }
  observation.reachable = true;
  if (targets.empty()) return;

  std::vector<std::string> paths;
  for (const FileTargets& target : targets) {
    paths.push_back(target.cert_file);
    paths.push_back(target.key_file);
  }
  auto contents = lease.value()->read_files(paths);

  for (const FileTargets& target : targets) {
    if (!contents) {
      observation.files[target.domain].error = contents.error().message;
      continue;
    }
    observation.files[target.domain] = describe_files(target, contents.value(), interner);
  }
  // The contents include private keys: moving each into a SecretString
  // wipes the bytes when it goes out of scope.
  if (contents) {
    for (auto& [path, content] : contents.value()) {
      if (content) SecretString wipe(std::move(*content));
    }
  }
}

void observe_served(const ServerConfig& server, const std::vector<FileTargets>& targets,
                    TlsProbe& probe, std::chrono::milliseconds timeout,
                    CertificateInterner& interner, ServerObservation& observation) {
  for (const FileTargets& target : targets) {
    const ProbeTarget probe_target{server.host, server.https_port, probe_server_name(target.domain)};
    auto result = probe.probe(probe_target, false, timeout);
    ServedObservation& served = observation.served[target.domain];
    if (result) {
      served.leaf = interner.intern(std::move(result.value().leaf));
    } else {
      served.error = result.error().message;
    }
  }
}

}  // namespace

std::string probe_server_name(const std::string& domain) {
  if (domain.starts_with("*.")) return "certplan-check." + domain.substr(2);
  return domain;
}

ObservedState observe(const DesiredState& desired, CertificateStore& store, SessionPool& sessions,
                      TlsProbe& probe, const ObserveOptions& options) {
  ObservedState observed;
  for (const DomainConfig& domain : desired.domains) {
    if (in_scope(options.only_domains, domain.domain)) {
      observed.store[domain.domain] = store.observe(domain.domain);
    }
  }

  // Without a domain filter every server in scope is observed, so that an
  // unreachable one shows up even when it has no domain yet.
  const auto targets = targets_by_server(desired, options);
  const std::vector<FileTargets> no_targets;
  auto targets_on = [&](const std::string& server) -> const std::vector<FileTargets>& {
    auto found = targets.find(server);
    return found == targets.end() ? no_targets : found->second;
  };
  std::vector<const ServerConfig*> servers;
  for (const ServerConfig& server : desired.servers) {
    if (!in_scope(options.only_servers, server.name)) continue;
    if (!options.only_domains.empty() && targets_on(server.name).empty()) continue;
    servers.push_back(&server);
    observed.servers[server.name];  // created here, so workers never insert into the map
  }

  CertificateInterner interner;
  run_parallel(servers.size(), options.parallelism, [&](std::size_t index) {
    const ServerConfig& server = *servers[index];
    ServerObservation& observation = observed.servers.at(server.name);
    const std::vector<FileTargets>& server_targets = targets_on(server.name);

    observe_files(sessions, server.name, server_targets, interner, observation);
    if (observation.reachable) {
      observe_served(server, server_targets, probe, options.probe_timeout, interner, observation);
    }
  });
  return observed;
}

}  // namespace certplan
