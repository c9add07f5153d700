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

}  // namespace

Result<std::vector<DnsServer>> find_authoritative_servers(const std::string& zone,
                                                          std::chrono::milliseconds query_timeout) {
  auto ns = ask_system_resolver(zone, DnsQuestion::ns, query_timeout);
  if (!ns) return ns.error();
  if (ns.value().ns.empty()) {
    return make_error(ErrorKind::not_found, "the zone " + zone +
                                                " has no NS records; check the zone name or set "
                                                "DNS_RESOLVERS");
  }

  std::vector<DnsServer> servers;
  for (const std::string& host : ns.value().ns) {
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
