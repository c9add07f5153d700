#include "state/desired.h"

#include <algorithm>

namespace certplan {

std::vector<std::string> DomainConfig::names() const {
  std::vector<std::string> result;
  result.reserve(alt_names.size() + 1);
  result.push_back(domain);
  result.insert(result.end(), alt_names.begin(), alt_names.end());
  return result;
}

std::string storage_name(const std::string& domain) {
  constexpr std::string_view wildcard_prefix = "*.";
  if (domain.starts_with(wildcard_prefix)) return "_wildcard." + domain.substr(wildcard_prefix.size());
  return domain;
}

const ServerConfig* DesiredState::find_server(const std::string& name) const {
  auto it = std::find_if(servers.begin(), servers.end(),
                         [&](const ServerConfig& server) { return server.name == name; });
  return it == servers.end() ? nullptr : &*it;
}

const DomainConfig* DesiredState::find_domain(const std::string& domain) const {
  auto it = std::find_if(domains.begin(), domains.end(),
                         [&](const DomainConfig& config) { return config.domain == domain; });
  return it == domains.end() ? nullptr : &*it;
}

}  // namespace certplan
