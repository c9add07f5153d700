#pragma once

// Waits until DNS servers return a DNS-01 TXT value, asking each server
// directly, so that the validation request goes to the CA only once the
// record is visible.

#include <chrono>
#include <string>
#include <vector>

#include "providers/dns/dns_provider.h"
#include "providers/dns/dns_server.h"

namespace certplan {

struct PropagationOptions {
  std::chrono::milliseconds timeout{std::chrono::seconds(300)};  // DNS_PROPAGATION_TIMEOUT
  std::chrono::milliseconds first_interval{50};  // pause after the first round of queries
  std::chrono::milliseconds max_interval{2000};  // the pause doubles up to this
  std::chrono::milliseconds query_timeout{2000};  // per UDP or TCP query
};

class DnsPropagationChecker final : public PropagationChecker {
 public:
  // `resolvers` are the DNS_RESOLVERS; when empty, every authoritative
  // server of the zone is asked instead.
  DnsPropagationChecker(std::vector<DnsServer> resolvers, PropagationOptions options);

  // Polls every server until each returns `value` among the TXT records at
  // `fqdn`, or fails with ErrorKind::timed_out naming the servers without it.
  // An empty `zone` makes it look for the name servers from `fqdn` upwards.
  Result<void> wait_for(const std::string& fqdn, const std::string& zone,
                        const std::string& value) override;

 private:
  [[nodiscard]] Result<std::vector<DnsServer>> servers_for(const std::string& zone) const;

  std::vector<DnsServer> resolvers_;
  PropagationOptions options_;
};

}  // namespace certplan
