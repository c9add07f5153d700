#pragma once

// Issuance of one certificate. The real one is providers/acme (RFC 8555 with
// DNS-01); tests use a fake that signs with a local CA.

#include <optional>
#include <string>
#include <vector>

#include "state/certificate_store.h"
#include "state/certificate.h"
#include "state/desired.h"
#include "state/result.h"

namespace certplan {

struct IssueRequest {
  std::string domain;               // the configured name; the store key
  std::vector<std::string> names;   // every name of the certificate, domain first
  KeyType key_type = KeyType::ec256;
  std::string dns_provider;         // "ionos", ...
  std::string profile{};            // ACME profile of the order; empty for the CA's default
  // The chain (leaf first) of the certificate the new one replaces, so that
  // the CA can link the two (the `replaces` of RFC 9773). Empty when the
  // store contains none.
  std::string replaces_fullchain_pem{};
};

// The request that issues `domain` as configured, with nothing to replace.
IssueRequest issue_request_for(const DomainConfig& domain);

class Issuer {
 public:
  virtual ~Issuer() = default;

  // Generates a new key, orders and downloads a certificate for
  // `request.names`. Cleans up every DNS record it created, also on failure.
  virtual Result<CertificateFiles> issue(const IssueRequest& request) = 0;

  // The time the CA named (Retry-After) when it turned away the last failed
  // issue() of `domain`; nullopt when it named none.
  [[nodiscard]] virtual std::optional<TimePoint> retry_not_before(const std::string& domain) const {
    (void)domain;
    return std::nullopt;
  }
};

}  // namespace certplan
