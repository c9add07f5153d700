#pragma once

// domains.yaml: the certificates certplan keeps valid and where each one is
// deployed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "state/certificate.h"
#include "state/desired.h"
#include "state/diagnostics.h"

namespace certplan {

// Reads the entries of the `domains:` list of `file`. `servers` are the
// servers read from servers.yaml, or null when that file could not be read
// (then server names are not checked and default file paths stay empty).
[[nodiscard]] std::vector<DomainConfig> read_domains(const std::string& file,
                                                     const YAML::Node& list,
                                                     const std::vector<ServerConfig>* servers,
                                                     Diagnostics& diagnostics);

// Reports two deployments that write the same file on the same server,
// whether from two domains or as cert_file and key_file of one.
void check_target_paths(const std::vector<DomainConfig>& domains, Diagnostics& diagnostics);

// The spelling of key types in domains.yaml: "ec-256", "ec-384", "rsa-2048",
// "rsa-3072", "rsa-4096".
[[nodiscard]] std::optional<KeyType> parse_config_key_type(std::string_view name);
[[nodiscard]] std::string_view config_key_type_name(KeyType type);

}  // namespace certplan
