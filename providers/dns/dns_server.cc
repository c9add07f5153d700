#include "providers/dns/dns_server.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace certplan {

namespace {

bool is_ip_address(const std::string& address) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, address.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, address.c_str(), buffer) == 1;
}

Error invalid_server(std::string_view text, std::string_view reason) {
  return make_error(ErrorKind::invalid, "invalid DNS server \"" + std::string(text) + "\": " +
                                            std::string(reason) +
                                            "; write it as IP:PORT, for example 127.0.0.1:53");
}

}  // namespace

std::string DnsServer::to_string() const {
  const bool ipv6 = address.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + address + "]" : address;
  return host + ":" + std::to_string(port);
}

Result<DnsServer> parse_dns_server(std::string_view text) {
  std::string_view host = text;
  std::string_view port;

  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid_server(text, "missing ']'");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return invalid_server(text, "expected ':' after ']'");
      port = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    const std::size_t colon = text.find(':');
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }

  DnsServer server;
  server.address = std::string(host);
  if (!is_ip_address(server.address)) return invalid_server(text, "not an IP address");

  if (text.ends_with(':')) return invalid_server(text, "the port is empty");
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return invalid_server(text, "the port is not a number from 1 to 65535");
    }
    server.port = static_cast<std::uint16_t>(value);
  }
  return server;
}

Result<std::vector<DnsServer>> parse_dns_servers(const std::vector<std::string>& texts) {
  std::vector<DnsServer> servers;
  for (const std::string& text : texts) {
    auto server = parse_dns_server(text);
    if (!server) return server.error();
    servers.push_back(std::move(server.value()));
  }
  return servers;
}

}  // namespace certplan
