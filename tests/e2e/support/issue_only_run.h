#pragma once

// A certplan configuration without servers in a directory of its own, for
// suites that start their own pebble and DNS server instead of the sandbox.
// `certplan apply` with it only issues certificates into the local store.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {

// Variables of the .env file, name and value, in file order.
using EnvSettings = std::vector<std::pair<std::string, std::string>>;

class IssueOnlyRun {
 public:
  // Writes DIR/config/servers.yaml without servers, DIR/config/domains.yaml
  // with `domains_yaml`, and DIR/.env (mode 0600 from its creation) with
  // `settings` followed by CERT_BASE_PATH=DIR/store and
  // LOG_FILE_PATH=DIR/certplan.log. Throws std::runtime_error when a file
  // cannot be written.
  IssueOnlyRun(std::filesystem::path dir, const EnvSettings& settings,
               const std::string& domains_yaml);

  // Runs CERTPLAN_EXECUTABLE --config-dir DIR/config --env-file DIR/.env
  // --no-color followed by `args`. Every variable that certplan reads is
  // removed from its environment, so only the .env file applies.
  [[nodiscard]] CommandOutput run(const std::vector<std::string>& args) const;

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // The local store's directory of `domain` (acme.sh layout).
  [[nodiscard]] std::filesystem::path store_dir(const std::string& domain) const;
  // certplan's log file, or "" while it does not exist.
  [[nodiscard]] std::string log_text() const;

 private:
  std::filesystem::path dir_;
};

}  // namespace certplan::e2e
