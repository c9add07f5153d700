#pragma once

// Which domains and servers a plan covers, from the --domain and --server
// filters. The planner and the digest check of `apply FILE` both use it, so
// that they agree on what a partial plan observed.

#include <string>
#include <vector>

#include "state/desired.h"

namespace certplan {

struct PlanScope {
  std::vector<std::string> only_domains;  // empty means every domain
  std::vector<std::string> only_servers;  // empty means every server

  bool partial() const { return !only_domains.empty() || !only_servers.empty(); }
};

// Throws std::invalid_argument naming the first filter value that is not a
// configured domain or server, because a typo would otherwise plan nothing.
void check_scope(const DesiredState& desired, const PlanScope& scope);

// Configured domains in scope, sorted by name. With a server filter, only
// domains with a target on one of those servers are in scope.
std::vector<const DomainConfig*> domains_in_scope(const DesiredState& desired, const PlanScope& scope);

// True when `server` passes the server filter.
bool server_in_scope(const PlanScope& scope, const std::string& server);

// Servers that are a target of a domain in scope and pass the server
// filter, sorted by name.
std::vector<std::string> servers_in_scope(const DesiredState& desired, const PlanScope& scope);

}  // namespace certplan
