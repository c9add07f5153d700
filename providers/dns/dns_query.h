#pragma once

// Single DNS questions sent straight to one server with ldns, over UDP and
// again over TCP when the UDP response is truncated.

#include <chrono>
#include <string>
#include <vector>

#include "providers/dns/dns_server.h"
#include "state/result.h"

namespace certplan {

// The records one server returned for one question.
struct DnsResponse {
  std::vector<std::string> txt;    // TXT records of the answer section, strings joined
  std::vector<std::string> cname;  // CNAME targets, lowercase, without trailing dot
  std::vector<std::string> ns;     // NS targets, lowercase, without trailing dot
  std::vector<std::string> addresses;  // A and AAAA records, as text
};

enum class DnsQuestion { txt, cname, ns, a, aaaa };

// Asks `server` one question about `name`. A NOERROR or NXDOMAIN response is a
// success (possibly empty). No response within `timeout` fails with
// ErrorKind::unreachable, and any other response code with ErrorKind::failed.
[[nodiscard]] Result<DnsResponse> ask_dns_server(const DnsServer& server, const std::string& name,
                                                 DnsQuestion question,
                                                 std::chrono::milliseconds timeout);

// Asks the system resolver (/etc/resolv.conf), for names outside the
// configured servers, such as the addresses of a zone's name servers.
[[nodiscard]] Result<DnsResponse> ask_system_resolver(const std::string& name, DnsQuestion question,
                                                      std::chrono::milliseconds timeout);

}  // namespace certplan
