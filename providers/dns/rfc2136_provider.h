#pragma once

// dns_provider rfc2136: DNS-01 records written with RFC 2136 dynamic updates,
// signed with a TSIG key (RFC 8945), sent to one primary name server.

#include <chrono>
#include <memory>
#include <string>

#include "providers/dns/dns_provider.h"
#include "providers/dns/dns_server.h"
#include "state/desired.h"
#include "state/secret.h"

namespace certplan {

struct Rfc2136Options {
  DnsServer nameserver;          // RFC2136_NAMESERVER
  std::string tsig_key;          // RFC2136_TSIG_KEY, the key name configured on the server
  SecretString tsig_secret;      // RFC2136_TSIG_SECRET, base64
  std::string tsig_algorithm = "hmac-sha256";  // RFC2136_TSIG_ALGORITHM
  std::chrono::milliseconds timeout{5000};     // per query or update
};

class Rfc2136Provider final : public DnsProvider {
 public:
  explicit Rfc2136Provider(Rfc2136Options options);
  Rfc2136Provider(const Rfc2136Provider&) = delete;
  Rfc2136Provider& operator=(const Rfc2136Provider&) = delete;

  // Builds the provider from the RFC2136_* settings. Fails with
  // ErrorKind::invalid naming the variable that is missing or malformed.
  [[nodiscard]] static Result<std::unique_ptr<Rfc2136Provider>> from_settings(
      const Settings& settings);

  // Finds the zone of `fqdn` with SOA queries to the name server, then adds
  // `fqdn 60 IN TXT "value"` next to any TXT record already at that name.
  // Fails with ErrorKind::rejected when the server rejects the update.
  Result<PublishedRecord> present(const std::string& fqdn, const std::string& value) override;

  // Deletes exactly the TXT record `record.value` at `record.fqdn` and keeps
  // other values. Fails with ErrorKind::not_found when it is already gone.
  Result<void> cleanup(const PublishedRecord& record) override;

 private:
  Rfc2136Options options_;
};

// Returns "hmac-sha256." and the like, the algorithm name ldns 1.8 signs
// with, for RFC2136_TSIG_ALGORITHM ("hmac-sha256", any case, final dot
// optional). Fails with ErrorKind::invalid on an algorithm ldns lacks.
[[nodiscard]] Result<std::string> tsig_algorithm_name(const std::string& algorithm);

}  // namespace certplan
