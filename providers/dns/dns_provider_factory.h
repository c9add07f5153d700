#pragma once

// Builds the DNS provider that a domain's dns_provider value names, and the
// propagation checker, from the settings.

#include <memory>
#include <string>

#include "providers/dns/dns_provider.h"
#include "state/desired.h"

namespace certplan {

// Returns the provider for `name` ("ionos", "exec" or "rfc2136"). Fails with
// ErrorKind::invalid when the name is unknown or a setting it needs is
// missing or malformed.
[[nodiscard]] Result<std::unique_ptr<DnsProvider>> make_dns_provider(const std::string& name,
                                                                     const Settings& settings);

// Returns a DnsPropagationChecker for DNS_RESOLVERS and
// DNS_PROPAGATION_TIMEOUT. Fails with ErrorKind::invalid on a bad resolver entry.
[[nodiscard]] Result<std::unique_ptr<PropagationChecker>> make_propagation_checker(
    const Settings& settings);

}  // namespace certplan
