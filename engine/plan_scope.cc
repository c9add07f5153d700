#include "engine/plan_scope.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace certplan {

namespace {

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

bool has_target_in_scope(const DomainConfig& domain, const PlanScope& scope) {
  return std::any_of(domain.targets.begin(), domain.targets.end(), [&](const DeploymentTarget& target) {
    return server_in_scope(scope, target.server);
  });
}

}  // namespace

void check_scope(const DesiredState& desired, const PlanScope& scope) {
  for (const auto& domain : scope.only_domains) {
    bool known = std::any_of(desired.domains.begin(), desired.domains.end(),
                             [&](const DomainConfig& config) { return config.domain == domain; });
    if (!known) {
      throw std::invalid_argument("--domain " + domain +
                                  " is not a domain in domains.yaml; check the spelling");
    }
  }
  for (const auto& server : scope.only_servers) {
    bool known = std::any_of(desired.servers.begin(), desired.servers.end(),
                             [&](const ServerConfig& config) { return config.name == server; });
    if (!known) {
      throw std::invalid_argument("--server " + server +
                                  " is not a server in servers.yaml; check the spelling");
    }
  }
}

std::vector<const DomainConfig*> domains_in_scope(const DesiredState& desired, const PlanScope& scope) {
  std::vector<const DomainConfig*> domains;
  for (const auto& domain : desired.domains) {
    if (!scope.only_domains.empty() && !contains(scope.only_domains, domain.domain)) continue;
    if (!scope.only_servers.empty() && !has_target_in_scope(domain, scope)) continue;
    domains.push_back(&domain);
  }
  std::sort(domains.begin(), domains.end(),
            [](const DomainConfig* a, const DomainConfig* b) { return a->domain < b->domain; });
  return domains;
}

bool server_in_scope(const PlanScope& scope, const std::string& server) {
  return scope.only_servers.empty() || contains(scope.only_servers, server);
}

std::vector<std::string> servers_in_scope(const DesiredState& desired, const PlanScope& scope) {
  std::set<std::string> servers;
  for (const DomainConfig* domain : domains_in_scope(desired, scope)) {
    for (const auto& target : domain->targets) {
      if (server_in_scope(scope, target.server)) servers.insert(target.server);
    }
  }
  return {servers.begin(), servers.end()};
}

}  // namespace certplan
