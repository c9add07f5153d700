#pragma once

// `certplan status`: per domain, the certificate in the local store and, per
// target server, the certificates in its files and on its HTTPS port, with
// days left and whether they agree with the store.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/desired.h"
#include "state/observed.h"

namespace certplan {

// Agreement of one server's copy of a domain with the store.
enum class Agreement {
  ok,          // files hold the store's certificate with its key, and nginx serves it
  drift,       // files or the served certificate differ from the store, or could not be read
  missing,     // the server has no certificate files for the domain
  unreachable, // the server could not be observed
};

std::string_view agreement_name(Agreement agreement);  // "ok", "drift", ...

struct ServerStatus {
  std::string server;
  std::string deployed_fingerprint;  // empty when none
  std::string served_fingerprint;    // empty when none
  std::optional<TimePoint> not_after;  // of the deployed certificate
  std::optional<int> days_left;
  Agreement agreement = Agreement::ok;
  std::string detail;  // why it is not ok, in words
};

struct DomainStatus {
  std::string domain;
  std::string store_fingerprint;     // empty when the store has none
  std::optional<TimePoint> not_after;
  std::optional<int> days_left;
  std::string store_state;           // "ok", "renewal due", "expired", "missing" or "error"
  std::string store_detail;          // the read error, when store_state is "error"
  std::vector<ServerStatus> servers; // sorted by server name
};

// One entry per configured domain, sorted by domain name. Renewal uses the
// domain's renew_before_days or the settings' renewal_threshold_days.
std::vector<DomainStatus> collect_status(const DesiredState& desired, const ObservedState& observed,
                                         TimePoint now);

// A table with one line for the store and one per server of each domain,
// then the details of every row that is not ok. Ends with a newline.
std::string render_status_text(const std::vector<DomainStatus>& status);

// {"domains": [{"domain", "store": {...}, "servers": [...]}]} with full
// fingerprints and RFC 3339 times.
nlohmann::json status_to_json(const std::vector<DomainStatus>& status);

}  // namespace certplan
