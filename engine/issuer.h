#pragma once

// Issuance of one certificate. The real one is providers/acme (RFC 8555 with
// DNS-01); tests use a fake that signs with a local CA.

#include <string>
#include <vector>

#include "state/certificate_store.h"
#include "state/certificate.h"
#include "state/result.h"

namespace certplan {

struct IssueRequest {
  std::string domain;               // the configured name; the store key
  std::vector<std::string> names;   // every name of the certificate, domain first
  KeyType key_type = KeyType::ec256;
  std::string dns_provider;         // "ionos", ...
};

class Issuer {
 public:
  virtual ~Issuer() = default;

  // Generates a new key, orders and downloads a certificate for
  // `request.names`. Cleans up every DNS record it created, also on failure.
  virtual Result<CertificateFiles> issue(const IssueRequest& request) = 0;
};

}  // namespace certplan
