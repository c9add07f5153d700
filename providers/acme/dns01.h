#pragma once

// The DNS-01 challenge (RFC 8555 section 8.4): where the TXT record goes and
// what it contains.

#include <string>

namespace certplan {

// "_acme-challenge." followed by `identifier` without a leading "*.", so an
// apex and its wildcard share one name.
[[nodiscard]] std::string dns01_record_name(const std::string& identifier);

// The TXT value: base64url(SHA-256(token "." thumbprint)), where the
// thumbprint is the account key's RFC 7638 thumbprint.
[[nodiscard]] std::string dns01_record_value(const std::string& token, const std::string& thumbprint);

}  // namespace certplan
