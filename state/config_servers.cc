#include "state/config_servers.h"

#include <algorithm>
#include <map>

#include "state/config_yaml.h"

namespace certplan {

namespace {

const std::vector<std::string> server_keys = {
    "name",      "host",        "port",     "user",  "ssh_key_path", "known_hosts_path",
    "nginx_reload_command", "nginx_test_command", "cert_path", "https_port", "use_sudo"};

bool is_valid_server_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

void read_name(MappingReader& reader, ServerConfig& server, Diagnostics& diagnostics) {
  auto name = reader.string("name", Presence::required, "a unique name for the server");
  if (!name) return;
  if (!is_valid_server_name(*name)) {
    diagnostics.add(reader.location("name"),
                    "server name `" + *name + "` may contain only letters, digits, `.`, `_` "
                                              "and `-`; rename it");
    return;
  }
  server.name = *name;
  reader.set_subject("server `" + server.name + "`");
}

void read_remote_directory(MappingReader& reader, ServerConfig& server, Diagnostics& diagnostics) {
  auto cert_path = reader.string("cert_path", Presence::required,
                                 "the directory on the server that holds the certificates, "
                                 "such as /etc/nginx/ssl");
  if (!cert_path) return;
  if (auto problem = remote_path_problem(*cert_path)) {
    diagnostics.add(reader.location("cert_path"), "cert_path `" + *cert_path + "` of " +
                                                      reader.subject() + " " + *problem);
    return;
  }
  server.cert_path = *cert_path;
}

void read_connection(MappingReader& reader, ServerConfig& server,
                     const ServerReadOptions& options) {
  if (auto host = reader.string("host", Presence::required,
                                "the address or DNS name used for SSH and HTTPS")) {
    server.host = *host;
  }
  if (auto port = reader.integer("port", 1, 65535)) server.port = *port;
  if (auto user = reader.string("user", Presence::required, "the SSH user")) server.user = *user;

  if (auto key = reader.string("ssh_key_path", Presence::required,
                               "the private key file for SSH, mode 600")) {
    server.ssh_key_path = expand_home(*key, options.home);
  }

  server.known_hosts_path = options.home / ".ssh" / "known_hosts";
  if (auto known_hosts = reader.string("known_hosts_path", Presence::optional, "")) {
    server.known_hosts_path = expand_home(*known_hosts, options.home);
  }
}

void read_nginx(MappingReader& reader, ServerConfig& server) {
  if (auto reload = reader.string("nginx_reload_command", Presence::required,
                                  "the command that reloads nginx, such as "
                                  "`sudo systemctl reload nginx`")) {
    server.nginx_reload_command = *reload;
  }
  if (auto test = reader.string("nginx_test_command", Presence::optional, "")) {
    server.nginx_test_command = *test;
  }
  if (auto https_port = reader.integer("https_port", 1, 65535)) {
    server.https_port = *https_port;
  }
  if (auto use_sudo = reader.boolean("use_sudo")) server.use_sudo = *use_sudo;
}

void check_files(const MappingReader& reader, const ServerConfig& server,
                 Diagnostics& diagnostics) {
  if (!server.ssh_key_path.empty() && reader.has("ssh_key_path")) {
    check_ssh_key_file(server, reader.location("ssh_key_path"), diagnostics);
  }
  if (!server.host.empty()) {
    check_known_hosts_file(server, reader.location("known_hosts_path"), diagnostics);
  }
}

// Named before the keys are checked, so that even the first messages about
// an entry name its server.
std::string entry_subject(const YAML::Node& entry, std::size_t index) {
  YAML::Node name = entry["name"];
  if (name && name.IsScalar() && !name.Scalar().empty()) return "server `" + name.Scalar() + "`";
  return "server entry " + std::to_string(index + 1);
}

}  // namespace

std::vector<ServerConfig> read_servers(const std::string& file, const YAML::Node& list,
                                       const ServerReadOptions& options,
                                       Diagnostics& diagnostics) {
  std::vector<ServerConfig> servers;
  std::map<std::string, SourceLocation> first_by_name;

  for (std::size_t index = 0; index < list.size(); ++index) {
    const YAML::Node entry = list[index];
    if (!entry.IsMap()) {
      diagnostics.add(location_of(file, entry),
                      "each entry of `servers` must be a mapping with keys such as name: and "
                      "host:, not " + describe_node(entry));
      continue;
    }

    ServerConfig server;
    server.location = location_of(file, entry);
    MappingReader reader(file, entry, entry_subject(entry, index), server_keys, diagnostics);
    read_name(reader, server, diagnostics);
    read_connection(reader, server, options);
    read_nginx(reader, server);
    read_remote_directory(reader, server, diagnostics);
    if (options.file_checks == FileChecks::enabled) check_files(reader, server, diagnostics);

    if (server.name.empty()) continue;
    auto [first, inserted] = first_by_name.emplace(server.name, server.location);
    if (!inserted) {
      diagnostics.add(reader.location("name"), "duplicate server name `" + server.name +
                                                   "`; it is first defined at " +
                                                   location_string(first->second) +
                                                   "; give each server a unique name");
      continue;
    }
    servers.push_back(std::move(server));
  }
  return servers;
}

}  // namespace certplan
