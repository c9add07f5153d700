#include "state/config_domains.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <utility>

#include "state/config_paths.h"
#include "state/config_yaml.h"
#include "state/domain_name.h"

namespace certplan {

namespace {

const std::vector<std::string> domain_keys = {"domain",   "servers",           "alt_names",
                                              "key_type", "renew_before_days", "dns_provider",
                                              "profile"};
const std::vector<std::string> target_keys = {"name", "cert_file", "key_file"};

constexpr std::array<std::pair<std::string_view, KeyType>, 5> key_types = {{
    {"ec-256", KeyType::ec256},
    {"ec-384", KeyType::ec384},
    {"rsa-2048", KeyType::rsa2048},
    {"rsa-3072", KeyType::rsa3072},
    {"rsa-4096", KeyType::rsa4096},
}};

constexpr std::array<std::string_view, 3> dns_providers = {"ionos", "rfc2136", "exec"};

// The characters certplan accepts in an ACME profile name: letters, digits,
// '.', '_' and '-'. Names with anything else are more likely typos than
// profiles a CA lists.
bool valid_profile_name(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  });
}

std::string join_server_names(const std::vector<ServerConfig>& servers) {
  std::string text;
  for (const auto& server : servers) {
    if (!text.empty()) text += ", ";
    text += server.name;
  }
  return text;
}

std::string entry_subject(const YAML::Node& entry, std::size_t index) {
  YAML::Node domain = entry["domain"];
  if (domain && domain.IsScalar() && !domain.Scalar().empty()) {
    return "domain `" + domain.Scalar() + "`";
  }
  return "domain entry " + std::to_string(index + 1);
}

// Reads one domain entry key by key; targets need the servers to resolve
// default file paths.
class DomainReader {
 public:
  DomainReader(const std::string& file, const YAML::Node& entry, std::size_t index,
               const std::vector<ServerConfig>* servers, Diagnostics& diagnostics)
      : file_(file),
        reader_(file, entry, entry_subject(entry, index), domain_keys, diagnostics),
        servers_(servers),
        diagnostics_(diagnostics) {
    domain_.location = location_of(file, entry);
  }

  // The domain, or nullopt when its name is missing or invalid.
  std::optional<DomainConfig> read() {
    bool named = read_name();
    read_alt_names();
    read_options();
    read_targets();
    if (!named) return std::nullopt;
    return std::move(domain_);
  }

  SourceLocation name_location() const { return reader_.location("domain"); }

 private:
  bool read_name() {
    auto raw = reader_.string("domain", Presence::required,
                              "the name the certificate is for, such as example.com");
    if (!raw) return false;

    auto name = normalize_domain_name(*raw);
    if (!name) {
      diagnostics_.add(reader_.location("domain"),
                       "invalid domain `" + *raw + "`: it " + name.error().message);
      return false;
    }
    domain_.domain = name.value();
    return true;
  }

  void read_alt_names() {
    auto list = reader_.list("alt_names", Presence::optional, "[www.example.com]", "");
    if (!list) return;

    std::map<std::string, SourceLocation> seen;
    for (const auto& node : *list) {
      SourceLocation where = location_of(file_, node);
      if (!node.IsScalar()) {
        diagnostics_.add(where, "each entry of `alt_names` of " + reader_.subject() +
                                    " must be a domain name, not " + describe_node(node));
        continue;
      }

      auto name = normalize_domain_name(node.Scalar());
      if (!name) {
        diagnostics_.add(where, "invalid alt name `" + node.Scalar() + "` of " +
                                    reader_.subject() + ": it " + name.error().message);
        continue;
      }
      if (name.value() == domain_.domain) {
        diagnostics_.add(where, "alt name `" + node.Scalar() + "` of " + reader_.subject() +
                                    " repeats the domain itself; remove it from alt_names");
        continue;
      }
      auto [first, inserted] = seen.emplace(name.value(), where);
      if (!inserted) {
        diagnostics_.add(where, "alt name `" + node.Scalar() + "` of " + reader_.subject() +
                                    " is listed twice (first at " +
                                    location_string(first->second) + "); remove one");
        continue;
      }
      domain_.alt_names.push_back(name.value());
    }
  }

  void read_options() {
    if (auto name = reader_.string("key_type", Presence::optional, "")) {
      if (auto type = parse_config_key_type(*name)) {
        domain_.key_type = *type;
      } else {
        diagnostics_.add(reader_.location("key_type"),
                         "unsupported key_type `" + *name + "` for " + reader_.subject() +
                             "; use one of ec-256, ec-384, rsa-2048, rsa-3072, rsa-4096");
      }
    }

    if (auto days = reader_.positive_integer("renew_before_days", "days")) {
      domain_.renew_before_days = *days;
    }

    if (auto provider = reader_.string("dns_provider", Presence::optional, "")) {
      if (std::find(dns_providers.begin(), dns_providers.end(), *provider) != dns_providers.end()) {
        domain_.dns_provider = *provider;
      } else {
        diagnostics_.add(reader_.location("dns_provider"),
                         "unknown dns_provider `" + *provider + "` for " + reader_.subject() +
                             "; use one of ionos, rfc2136, exec");
      }
    }

    if (auto profile = reader_.string("profile", Presence::optional, "")) {
      if (valid_profile_name(*profile)) {
        domain_.profile = *profile;
      } else {
        diagnostics_.add(reader_.location("profile"),
                         "invalid profile `" + *profile + "` for " + reader_.subject() +
                             "; use a profile name of the CA, such as classic, made of letters, "
                             "digits, '.', '_' and '-'");
      }
    }
  }

  void read_targets() {
    auto list = reader_.list("servers", Presence::required, "[webserver-01, webserver-02]",
                             "the servers to deploy the certificate to");
    if (!list) return;

    std::map<std::string, SourceLocation> seen;
    for (const auto& node : *list) {
      auto target = read_target(node);
      if (!target) continue;

      auto [first, inserted] = seen.emplace(target->server, target->location);
      if (!inserted) {
        diagnostics_.add(target->location, reader_.subject() + " lists server `" +
                                               target->server + "` twice (first at " +
                                               location_string(first->second) +
                                               "); remove one of them");
        continue;
      }
      domain_.targets.push_back(std::move(*target));
    }
  }

  std::optional<DeploymentTarget> read_target(const YAML::Node& node) {
    DeploymentTarget target;
    target.location = location_of(file_, node);

    if (node.IsScalar() && !node.Scalar().empty()) {
      target.server = node.Scalar();
      if (!resolve_server(target)) return std::nullopt;
      set_default_paths(target);
      return target;
    }
    if (!node.IsMap()) {
      diagnostics_.add(target.location, "each entry of `servers` of " + reader_.subject() +
                                            " must be a server name or a mapping with name:, "
                                            "cert_file: and key_file:, not " +
                                            describe_node(node));
      return std::nullopt;
    }

    MappingReader target_reader(file_, node, "a server entry of " + reader_.subject(),
                                target_keys, diagnostics_);
    auto name = target_reader.string("name", Presence::required, "the server's name");
    if (!name) return std::nullopt;
    target.server = *name;
    if (!resolve_server(target)) return std::nullopt;

    set_default_paths(target);
    read_target_path(target_reader, "cert_file", target.server, target.cert_file);
    read_target_path(target_reader, "key_file", target.server, target.key_file);
    return target;
  }

  // Reports a server name that servers.yaml does not define.
  bool resolve_server(const DeploymentTarget& target) {
    if (servers_ == nullptr) return true;
    auto found = std::find_if(servers_->begin(), servers_->end(),
                              [&](const ServerConfig& server) { return server.name == target.server; });
    if (found != servers_->end()) return true;

    std::vector<std::string> names;
    for (const auto& server : *servers_) names.push_back(server.name);
    std::string message = reader_.subject() + " names unknown server `" + target.server + "`";
    if (auto suggestion = nearest_name(target.server, names)) {
      message += "; did you mean `" + *suggestion + "`?";
    } else if (names.empty()) {
      message += "; servers.yaml defines no servers";
    } else {
      message += "; servers.yaml defines: " + join_server_names(*servers_);
    }
    diagnostics_.add(target.location, message);
    return false;
  }

  void set_default_paths(DeploymentTarget& target) const {
    if (servers_ == nullptr || domain_.domain.empty()) return;
    const auto* server = &*std::find_if(servers_->begin(), servers_->end(),
                                        [&](const ServerConfig& s) { return s.name == target.server; });
    if (server->cert_path.empty()) return;

    std::string directory = server->cert_path;
    if (!directory.ends_with('/')) directory += '/';
    directory += storage_name(domain_.domain);
    target.cert_file = directory + "/fullchain.pem";
    target.key_file = directory + "/privkey.pem";
  }

  void read_target_path(MappingReader& target_reader, const std::string& key,
                        const std::string& server, std::string& path) {
    auto value = target_reader.string(key, Presence::optional, "");
    if (!value) return;
    if (auto problem = remote_path_problem(*value)) {
      diagnostics_.add(target_reader.location(key), key + " `" + *value + "` of " +
                                                        reader_.subject() + " on server `" +
                                                        server + "` " + *problem);
      return;
    }
    path = *value;
  }

  const std::string& file_;
  MappingReader reader_;
  const std::vector<ServerConfig>* servers_;
  Diagnostics& diagnostics_;
  DomainConfig domain_;
};

}  // namespace

std::optional<KeyType> parse_config_key_type(std::string_view name) {
  for (const auto& [text, type] : key_types) {
    if (text == name) return type;
  }
  return std::nullopt;
}

std::string_view config_key_type_name(KeyType type) {
  for (const auto& [text, candidate] : key_types) {
    if (candidate == type) return text;
  }
  return "unknown";
}

std::vector<DomainConfig> read_domains(const std::string& file, const YAML::Node& list,
                                       const std::vector<ServerConfig>* servers,
                                       Diagnostics& diagnostics) {
  std::vector<DomainConfig> domains;
  std::map<std::string, SourceLocation> first_by_name;

  for (std::size_t index = 0; index < list.size(); ++index) {
    const YAML::Node entry = list[index];
    if (!entry.IsMap()) {
      diagnostics.add(location_of(file, entry),
                      "each entry of `domains` must be a mapping with keys such as domain: and "
                      "servers:, not " + describe_node(entry));
      continue;
    }

    DomainReader reader(file, entry, index, servers, diagnostics);
    auto domain = reader.read();
    if (!domain) continue;

    auto [first, inserted] = first_by_name.emplace(domain->domain, reader.name_location());
    if (!inserted) {
      diagnostics.add(reader.name_location(), "duplicate domain `" + domain->domain +
                                                  "`; it is first defined at " +
                                                  location_string(first->second) +
                                                  "; merge the two entries or remove one");
      continue;
    }
    domains.push_back(std::move(*domain));
  }
  return domains;
}

void check_target_paths(const std::vector<DomainConfig>& domains, Diagnostics& diagnostics) {
  struct FileUse {
    std::string domain;
    SourceLocation location;
  };
  std::map<std::pair<std::string, std::string>, FileUse> uses;

  for (const auto& domain : domains) {
    for (const auto& target : domain.targets) {
      if (!target.cert_file.empty() && target.cert_file == target.key_file) {
        diagnostics.add(target.location, "domain `" + domain.domain + "` uses `" +
                                             target.cert_file + "` as both cert_file and "
                                             "key_file on server `" + target.server +
                                             "`; give them different paths");
        continue;
      }

      for (const std::string* path : {&target.cert_file, &target.key_file}) {
        if (path->empty()) continue;
        auto [first, inserted] =
            uses.emplace(std::pair(target.server, *path), FileUse{domain.domain, target.location});
        if (inserted) continue;

        diagnostics.add(target.location,
                        "domain `" + domain.domain + "` deploys to `" + *path + "` on server `" +
                            target.server + "`, which domain `" + first->second.domain +
                            "` also uses (" + location_string(first->second.location) +
                            "); give one of them a different cert_file or key_file");
      }
    }
  }
}

}  // namespace certplan
