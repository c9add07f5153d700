#pragma once

// How plans and status reports refer to a certificate: a summary without
// key material and a short fingerprint for people.

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

}  // namespace certplan
