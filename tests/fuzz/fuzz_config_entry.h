#pragma once

// The entry logic of the fuzz_config_loader target, shared with the corpus
// unit test: one input becomes servers.yaml, domains.yaml and .env in a
// scratch directory, and load_desired_state reads them with a fixed
// environment. ConfigError is the loader's documented failure. Any other
// exception escapes to the caller as a finding.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "state/config_loader.h"
#include "state/config_paths.h"
#include "state/diagnostics.h"
#include "state/domain_name.h"
#include "tests/fuzz/fuzz_invariant.h"

namespace certplan::fuzz {

// Byte between the parts of a configuration input. YAML does not allow a
// form feed in its text, so no valid file needs one.
inline constexpr char config_part_separator = '\f';

// The files made from one input. A YAML part that the input does not reach
// is missing, so the loader reports that file as not found.
struct ConfigFiles {
  std::string servers;
  std::optional<std::string> domains;
  std::optional<std::string> env;
};

// Splits `input` at its first two separators: servers.yaml, domains.yaml,
// then .env, which gets the rest, further separators included.
inline ConfigFiles split_config_input(std::string_view input) {
  ConfigFiles files;

  const auto first = input.find(config_part_separator);
  files.servers = std::string(input.substr(0, first));
  if (first == std::string_view::npos) return files;

  const std::string_view after_servers = input.substr(first + 1);
  const auto second = after_servers.find(config_part_separator);
  files.domains = std::string(after_servers.substr(0, second));
  if (second == std::string_view::npos) return files;

  files.env = std::string(after_servers.substr(second + 1));
  return files;
}

// A fresh directory under the system temporary directory, removed with its
// contents when destroyed.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "certplan-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("failed to create a scratch directory from " + pattern +
                               "; check that the temporary directory is writable");
    }
    path_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The environment of every load. Every variable that a DNS provider
// requires is set, so a domain is never rejected for a missing setting, and
// HOME points at the scratch directory.
inline std::map<std::string, std::string> fuzz_environment(const std::filesystem::path& home) {
  return {
      {"HOME", home.string()},
      {"ACME_EMAIL", "admin@example.com"},
      {"IONOS_API_KEY", "prefix.fuzz-not-a-real-key"},
      {"RFC2136_NAMESERVER", "127.0.0.1:5353"},
      {"RFC2136_TSIG_KEY", "certplan-fuzz"},
      {"RFC2136_TSIG_SECRET", "ZnV6ei1ub3QtYS1zZWNyZXQ="},
      {"DNS_EXEC_PATH", "/usr/local/bin/certplan-dns-hook"},
  };
}

inline void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream stream(path, std::ios::binary | std::ios::trunc);
  stream.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!stream) {
    throw std::runtime_error("failed to write " + path.string() +
                             "; check free space in the temporary directory");
  }
}

// Writes `text` to `path`, or removes `path` when there is no text.
inline void write_or_remove(const std::filesystem::path& path,
                            const std::optional<std::string>& text) {
  if (text) {
    write_file(path, *text);
    return;
  }
  std::error_code error;
  std::filesystem::remove(path, error);
}

inline bool is_lowercase_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

inline void check_domain_name(const std::string& name, const std::string& domain) {
  auto normalized = normalize_domain_name(name);
  require_invariant(normalized.has_value() && normalized.value() == name,
                    "name `" + name + "` of domain `" + domain + "` is not in normalized form");
}

inline void check_domain(const DesiredState& state, const DomainConfig& domain) {
  require_invariant(state.find_domain(domain.domain) == &domain,
                    "domain `" + domain.domain + "` is listed twice");
  for (const auto& name : domain.names()) check_domain_name(name, domain.domain);

  for (const auto& target : domain.targets) {
    require_invariant(state.find_server(target.server) != nullptr,
                      "domain `" + domain.domain + "` targets unknown server `" + target.server +
                          "`");
    require_invariant(!remote_path_problem(target.cert_file).has_value(),
                      "cert_file `" + target.cert_file + "` of domain `" + domain.domain +
                          "` is not an absolute path without `..`");
    require_invariant(!remote_path_problem(target.key_file).has_value(),
                      "key_file `" + target.key_file + "` of domain `" + domain.domain +
                          "` is not an absolute path without `..`");
  }
}

// Checks the properties that the loader enforces before it returns a state.
inline void check_loaded_state(const DesiredState& state) {
  require_invariant(state.config_digest.size() == 64 && is_lowercase_hex(state.config_digest),
                    "config_digest is not 64 lowercase hex digits: " + state.config_digest);

  for (const auto& server : state.servers) {
    require_invariant(state.find_server(server.name) == &server,
                      "server name `" + server.name + "` is listed twice");
  }
  for (const auto& domain : state.domains) check_domain(state, domain);
}

enum class ConfigOutcome { loaded, rejected };

// Writes the files of `input` into `dir` and loads them. A missing .env
// part becomes an empty .env file, so the loader never falls back to ./.env
// of the working directory. Returns rejected when the loader throws
// ConfigError and throws InvariantError when a loaded state breaks a
// property the loader enforces. Other exceptions escape.
inline ConfigOutcome run_config_input(const std::filesystem::path& dir, std::string_view input) {
  const ConfigFiles files = split_config_input(input);
  write_file(dir / "servers.yaml", files.servers);
  write_or_remove(dir / "domains.yaml", files.domains);
  write_file(dir / ".env", files.env.value_or(""));

  LoadOptions options;
  options.config_dir = dir;
  options.env_file = dir / ".env";
  options.environment = fuzz_environment(dir);
  options.file_checks = FileChecks::disabled;

  try {
    const DesiredState state = load_desired_state(options);
    check_loaded_state(state);
    return ConfigOutcome::loaded;
  } catch (const ConfigError&) {
    return ConfigOutcome::rejected;
  }
}

}  // namespace certplan::fuzz
