#pragma once

// The fingerprint of a configuration, which a saved plan records so that
// apply can tell whether the configuration changed since the plan was made.

#include <string>

#include "state/desired.h"

namespace certplan {

// SHA-256 (lowercase hex) over a canonical JSON form of the normalised
// servers and domains, sorted by name, and of the settings that change what
// a plan does: RENEWAL_THRESHOLD_DAYS, ACME_DIRECTORY_URL and
// CERT_BASE_PATH. Source locations and secrets are left out, so moving an
// entry within a file or rotating an API key keeps the digest.
[[nodiscard]] std::string compute_config_digest(const DesiredState& state);

// The canonical JSON text the digest is computed over.
[[nodiscard]] std::string canonical_config_json(const DesiredState& state);

}  // namespace certplan
