#pragma once

// How plans and status reports refer to a certificate: a summary without
// key material, a short fingerprint for people, and the key type names.

#include <optional>
#include <string>
#include <string_view>

#include "engine/plan.h"
#include "state/certificate.h"

namespace certplan {

// The fingerprint, names, expiry and key type of `facts`.
CertificateSummary summarize(const CertificateFacts& facts);

// The first two bytes of a colon-hex fingerprint and an ellipsis
// ("9c:11:…"); "(none)" for an empty fingerprint.
std::string short_fingerprint(const std::string& fingerprint);

// "ec-256", "rsa-2048", ... as in domains.yaml.
std::string_view key_type_label(KeyType type);

// The KeyType of a key_type_label; nullopt for any other text.
std::optional<KeyType> parse_key_type_label(std::string_view label);

}  // namespace certplan
