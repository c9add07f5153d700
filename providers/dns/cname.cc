#include "providers/dns/cname.h"

#include <algorithm>

#include "providers/dns/dns_name.h"
#include "providers/dns/dns_query.h"

namespace certplan {

namespace {

constexpr std::size_t kMaxChainLength = 8;

// Asks the servers in order and returns the first response, so that one
// server that is down does not stop the lookup.
Result<DnsResponse> ask_first_responding(const std::vector<DnsServer>& servers,
                                         const std::string& name,
                                         std::chrono::milliseconds query_timeout) {
  if (servers.empty()) return ask_system_resolver(name, DnsQuestion::cname, query_timeout);

  Result<DnsResponse> last = make_error(ErrorKind::failed, "no DNS server to ask");
  for (const DnsServer& server : servers) {
    last = ask_dns_server(server, name, DnsQuestion::cname, query_timeout);
    if (last) return last;
  }
  return last;
}

}  // namespace

Result<std::string> resolve_challenge_name(const std::string& domain,
                                           const std::vector<DnsServer>& servers,
                                           std::chrono::milliseconds query_timeout) {
  std::string base = domain;
  if (base.starts_with("*.")) base.erase(0, 2);
  auto normalized = normalize_dns_name("_acme-challenge." + base);
  if (!normalized) return normalized.error();

  std::vector<std::string> chain{normalized.value()};
  while (true) {
    auto response = ask_first_responding(servers, chain.back(), query_timeout);
    if (!response) {
      return response.error().with_context("looking up the CNAME of " + chain.back());
    }
    if (response.value().cname.empty()) return chain.back();

    // A resolver may return the whole chain at once; the last target is its end.
    const std::string& target = response.value().cname.back();
    if (std::find(chain.begin(), chain.end(), target) != chain.end()) {
      return make_error(ErrorKind::invalid, "the CNAME chain at " + chain.front() +
                                                " loops back to " + target +
                                                "; fix the CNAME records");
    }
    chain.push_back(target);
    if (chain.size() > kMaxChainLength) {
      return make_error(ErrorKind::invalid,
                        "the CNAME chain at " + chain.front() + " is longer than " +
                            std::to_string(kMaxChainLength) + " names; shorten it");
    }
  }
}

}  // namespace certplan
