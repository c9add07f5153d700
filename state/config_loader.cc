#include "state/config_loader.h"

#include <pwd.h>
#include <unistd.h>

#include "state/config_digest.h"
#include "state/config_domains.h"
#include "state/config_servers.h"
#include "state/config_yaml.h"
#include "state/environment.h"

extern char** environ;

namespace certplan {

namespace {

const FileShape servers_shape{
    "servers",
    "a `servers:` list with one entry per nginx server (name, host, user, ssh_key_path, "
    "nginx_reload_command, cert_path)"};

const FileShape domains_shape{
    "domains",
    "a `domains:` list with one entry per certificate (domain, servers)"};

// HOME from the given environment, else the home directory of the user.
std::filesystem::path home_directory(const std::map<std::string, std::string>& environment) {
  if (auto it = environment.find("HOME"); it != environment.end() && !it->second.empty()) {
    return it->second;
  }
  if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return entry->pw_dir;
  }
  return "/";
}

std::optional<std::filesystem::path> env_file_path(const LoadOptions& options) {
  if (options.env_file) return options.env_file;
  std::error_code error;
  if (std::filesystem::exists(".env", error)) return std::filesystem::path(".env");
  return std::nullopt;
}

}  // namespace

DesiredState load_desired_state(const LoadOptions& options) {
  Diagnostics diagnostics;
  DesiredState state;

  const std::string servers_file = (options.config_dir / "servers.yaml").string();
  auto server_list = read_config_list(servers_file, servers_shape, diagnostics);
  if (server_list) {
    ServerReadOptions server_options{options.file_checks, home_directory(options.environment)};
    state.servers = read_servers(servers_file, *server_list, server_options, diagnostics);
  }

  const std::string domains_file = (options.config_dir / "domains.yaml").string();
  auto domain_list = read_config_list(domains_file, domains_shape, diagnostics);
  if (domain_list) {
    const auto* servers = server_list ? &state.servers : nullptr;
    state.domains = read_domains(domains_file, *domain_list, servers, diagnostics);
    check_target_paths(state.domains, diagnostics);
  }

  std::optional<EnvFile> env_file;
  if (auto path = env_file_path(options)) env_file = read_env_file(*path, diagnostics);
  state.settings = resolve_settings(options.environment, env_file ? &*env_file : nullptr,
                                    diagnostics);
  check_required_settings(state.settings, state.domains, diagnostics);

  diagnostics.throw_if_any();
  state.config_digest = compute_config_digest(state);
  return state;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    environment.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return environment;
}

}  // namespace certplan
