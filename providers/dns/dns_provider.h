#pragma once

// Publishing and removing the TXT records of DNS-01 challenges. One
// implementation per dns_provider value of domains.yaml: ionos, rfc2136,
// exec. Names are lowercase punycode without a trailing dot.

#include <string>

#include "state/result.h"

namespace certplan {

// A record this provider created, enough to delete exactly that record.
struct PublishedRecord {
  std::string fqdn;   // "_acme-challenge.example.com" (after CNAME following)
  std::string value;  // the TXT value, unquoted
  std::string zone;   // the zone it was written in
  std::string id;     // provider-specific record id; may be empty
};

class DnsProvider {
 public:
  virtual ~DnsProvider() = default;

  // Adds a TXT record `value` at `fqdn`, next to any record already there
  // (an apex and its wildcard need two values on one name at once).
  virtual Result<PublishedRecord> present(const std::string& fqdn, const std::string& value) = 0;

  // Deletes exactly the record `present` created. A record that is already
  // gone fails with ErrorKind::not_found, so the caller can report it.
  virtual Result<void> cleanup(const PublishedRecord& record) = 0;
};

// Waits until DNS answers a TXT value: used between present() and telling the
// CA to validate.
class PropagationChecker {
 public:
  virtual ~PropagationChecker() = default;

  // Returns once every server to be asked (the configured resolvers, else
  // every authoritative server of `zone`) answers `value` at `fqdn`.
  // Fails with ErrorKind::timed_out naming the servers still lacking it.
  virtual Result<void> wait_for(const std::string& fqdn, const std::string& zone,
                                const std::string& value) = 0;
};

}  // namespace certplan
