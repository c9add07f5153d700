#pragma once

// ACME Renewal Information (RFC 9773) as the planner uses it: the window in
// which the CA suggests renewing a stored certificate. The planner never
// talks to the CA; the caller fetches the windows through RenewalInfoSource
// before planning, as it observes the store and the servers, and hands them
// over in PlanPolicy.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/certificate.h"
#include "state/certificate_store.h"
#include "state/result.h"

namespace certplan {

// The CA's suggestedWindow for one certificate.
struct RenewalWindow {
  TimePoint start;
  TimePoint end;
  std::string explanation_url;  // the CA's explanationURL; empty when it gave none
};

// Renewal windows by domain, as the planner reads them.
using RenewalWindows = std::map<std::string, RenewalWindow>;

// The source of renewal windows. The real source requests them from the
// ACME CA; unit tests use an in-memory fake.
class RenewalInfoSource {
 public:
  virtual ~RenewalInfoSource() = default;

  // The window of the leaf certificate of `fullchain_pem` (leaf first).
  // nullopt when the CA offers no renewal information at all; an error when
  // it does but the window could not be fetched or read.
  [[nodiscard]] virtual Result<std::optional<RenewalWindow>> fetch(const std::string& fullchain_pem) = 0;
};

// The windows found, and one message per domain whose window could not be
// fetched, for the log. Such a domain is planned by the day-based policy.
struct RenewalWindowFetch {
  RenewalWindows windows;
  std::vector<std::string> failures;
};

// Fetches the window of the current certificate of each of `domains` that
// the store holds. A domain without a stored certificate is skipped.
[[nodiscard]] RenewalWindowFetch fetch_renewal_windows(const std::vector<std::string>& domains,
                                                       CertificateStore& store,
                                                       RenewalInfoSource& source);

}  // namespace certplan
