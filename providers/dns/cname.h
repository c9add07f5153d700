#pragma once

// CNAME delegation of DNS-01 challenges: "_acme-challenge.example.com" may be
// a CNAME to a name in another zone, and the TXT record then goes there.

#include <chrono>
#include <string>
#include <vector>

#include "providers/dns/dns_server.h"
#include "state/result.h"

namespace certplan {

// Returns the name the TXT record for `domain` must be written to: the end of
// the CNAME chain at "_acme-challenge.<domain>" ("*." removed from wildcard
// domains), or that name itself when it has no CNAME. Asks `servers` in turn
// until one responds, or the system resolver when `servers` is empty. Fails
// with ErrorKind::invalid on a CNAME loop or a chain of more than 8 names.
[[nodiscard]] Result<std::string> resolve_challenge_name(const std::string& domain,
                                                         const std::vector<DnsServer>& servers,
                                                         std::chrono::milliseconds query_timeout);

}  // namespace certplan
