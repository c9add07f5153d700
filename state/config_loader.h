#pragma once

// Loads the desired state: servers.yaml and domains.yaml from the
// configuration directory, and the settings from the environment and the
// .env file. Every problem is collected first, and then one ConfigError
// lists them all.

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "state/config_paths.h"
#include "state/desired.h"
#include "state/diagnostics.h"

namespace certplan {

struct LoadOptions {
  std::filesystem::path config_dir;               // contains servers.yaml and domains.yaml
  std::optional<std::filesystem::path> env_file;  // --env-file; default: ./.env when it exists
  std::map<std::string, std::string> environment; // the process environment (tests pass their own)
  FileChecks file_checks = FileChecks::enabled;   // look at the SSH key and known_hosts files
};

// Loads, normalises and validates the whole configuration and computes its
// digest. Throws ConfigError listing every problem found.
[[nodiscard]] DesiredState load_desired_state(const LoadOptions& options);

// The process environment as a map, for LoadOptions::environment.
[[nodiscard]] std::map<std::string, std::string> process_environment();

}  // namespace certplan
