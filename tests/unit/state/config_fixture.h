#pragma once

// A configuration directory in a fresh temporary directory, for the
// configuration tests: write servers.yaml, domains.yaml and .env inline,
// then load them with an environment the test controls.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "state/config_loader.h"

namespace certplan::testing {

class ConfigDir {
 public:
  ConfigDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "certplan-config-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    write(".env", "");
  }
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;
  ~ConfigDir() {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }

  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary | std::ios::trunc) << text;
  }

  // File checks are off by default. The tests for them turn them on.
  LoadOptions options() const {
    LoadOptions options;
    options.config_dir = dir_;
    options.env_file = dir_ / ".env";
    options.environment = {{"HOME", dir_.string()},
                           {"ACME_EMAIL", "admin@example.com"},
                           {"IONOS_API_KEY", "ionos-test-key-5b1f"}};
    options.file_checks = FileChecks::disabled;
    return options;
  }

 private:
  std::filesystem::path dir_;
};

// The diagnostics of a load that must fail, as printed by the CLI.
inline std::vector<std::string> load_errors(const LoadOptions& options) {
  try {
    (void)load_desired_state(options);
  } catch (const ConfigError& error) {
    std::vector<std::string> lines;
    for (const auto& diagnostic : error.diagnostics()) lines.push_back(diagnostic.to_string());
    return lines;
  }
  BOOST_FAIL("the configuration loaded without errors");
  return {};
}

// A servers.yaml with one valid server named web-01.
inline const char* one_server_yaml =
    "servers:\n"
    "  - name: web-01\n"
    "    host: 127.0.0.1\n"
    "    user: deploy\n"
    "    ssh_key_path: /keys/id\n"
    "    nginx_reload_command: sudo systemctl reload nginx\n"
    "    cert_path: /etc/nginx/ssl\n";

// A domains.yaml with one valid domain deployed to web-01.
inline const char* one_domain_yaml =
    "domains:\n"
    "  - domain: example.com\n"
    "    servers: [web-01]\n";

}  // namespace certplan::testing
