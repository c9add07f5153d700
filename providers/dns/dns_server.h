#pragma once

// A DNS server to ask directly: an IP address and a port.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "state/result.h"

namespace certplan {

struct DnsServer {
  std::string address;  // IPv4 or IPv6, without brackets
  std::uint16_t port = 53;

  // "ip:port", with brackets around an IPv6 address.
  [[nodiscard]] std::string to_string() const;
};

// Parses "ip", "ip:port", "[ipv6]" or "[ipv6]:port" (DNS_RESOLVERS entries).
// Fails with ErrorKind::invalid on a host name, a bad address or a bad port.
[[nodiscard]] Result<DnsServer> parse_dns_server(std::string_view text);

// Parses every entry, failing on the first invalid one.
[[nodiscard]] Result<std::vector<DnsServer>> parse_dns_servers(const std::vector<std::string>& texts);

}  // namespace certplan
