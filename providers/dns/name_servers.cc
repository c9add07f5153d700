#include "providers/dns/name_servers.h"

#include <algorithm>

#include "providers/dns/dns_query.h"

namespace certplan {

namespace {

void add_unique(std::vector<DnsServer>& servers, const std::string& address) {
  const bool known = std::any_of(servers.begin(), servers.end(), [&](const DnsServer& server) {
    return server.address == address;
  });
  if (!known && !address.empty()) servers.push_back(DnsServer{address, 53});
}

// Walks from `name` towards the root until a name has NS records.
Result<std::vector<std::string>> find_name_server_hosts(const std::string& name,
                                                       std::chrono::milliseconds query_timeout) {
  std::string candidate = name;
  while (!candidate.empty()) {
    auto ns = ask_system_resolver(candidate, DnsQuestion::ns, query_timeout);
    if (!ns) {
      const Error& error = ns.error();
      return Error{error.kind, "could not find the name servers of " + name + ": " + error.message +
                                   "; set DNS_RESOLVERS to resolvers that answer for the zone"};
    }
    if (!ns.value().ns.empty()) return ns.value().ns;

    const std::size_t dot = candidate.find('.');
    if (dot == std::string::npos) break;
    candidate.erase(0, dot + 1);
  }
  return make_error(ErrorKind::not_found, "found no NS records for " + name +
                                              " or its parents; check the name or set "
                                              "DNS_RESOLVERS");
}

}  // namespace

Result<std::vector<DnsServer>> find_authoritative_servers(const std::string& zone,
                                                          std::chrono::milliseconds query_timeout) {
  auto hosts = find_name_server_hosts(zone, query_timeout);
  if (!hosts) return hosts.error();

  std::vector<DnsServer> servers;
  for (const std::string& host : hosts.value()) {
    for (const DnsQuestion question : {DnsQuestion::a, DnsQuestion::aaaa}) {
      auto addresses = ask_system_resolver(host, question, query_timeout);
      if (!addresses) continue;
      for (const std::string& address : addresses.value().addresses) add_unique(servers, address);
    }
  }

  if (servers.empty()) {
    return make_error(ErrorKind::not_found, "no name server of the zone " + zone +
                                                " has an address; set DNS_RESOLVERS instead");
  }
  return servers;
}

}  // namespace certplan
