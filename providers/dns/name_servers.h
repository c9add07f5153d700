#pragma once

// The authoritative name servers of a zone, found through the system resolver.

#include <chrono>
#include <string>
#include <vector>

#include "providers/dns/dns_server.h"
#include "state/result.h"

namespace certplan {

// Looks up the NS records of `zone`, or of its closest parent that has
// some, and the A and AAAA addresses of each name server, all on port 53.
// A record name works too, so callers that do not know the zone pass the
// name. Fails with ErrorKind::not_found when no name server has an address.
[[nodiscard]] Result<std::vector<DnsServer>> find_authoritative_servers(
    const std::string& zone, std::chrono::milliseconds query_timeout);

}  // namespace certplan
