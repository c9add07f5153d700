#pragma once

// servers.yaml: the nginx servers certplan deploys to.

#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "state/config_paths.h"
#include "state/desired.h"
#include "state/diagnostics.h"

namespace certplan {

struct ServerReadOptions {
  FileChecks file_checks = FileChecks::enabled;
  std::filesystem::path home;  // for "~/" in paths and the default known_hosts_path
};

// Reads the entries of the `servers:` list of `file` and reports every
// problem. Returns every server that has a valid name, also when other keys
// of it are wrong, so that domains naming it are not reported as well.
[[nodiscard]] std::vector<ServerConfig> read_servers(const std::string& file,
                                                     const YAML::Node& list,
                                                     const ServerReadOptions& options,
                                                     Diagnostics& diagnostics);

}  // namespace certplan
