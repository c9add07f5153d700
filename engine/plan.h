#pragma once

// A plan: the actions that bring the observed state to the desired state,
// each with the reason a person can read. Plain data: printed, saved as
// JSON (engine/plan_file.h) and compared.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "state/certificate.h"

namespace certplan {

enum class ActionKind { issue, deploy, reload, verify };

// The fixed vocabulary of reason codes in plans and plan files.
enum class ReasonCode {
  not_present,
  renewal_due,
  expired,
  names_changed,
  key_type_changed,
  key_mismatch,
  file_drift,
  served_mismatch,
  forced,
};

std::string_view action_kind_name(ActionKind kind);    // "issue", ...
std::string_view reason_code_name(ReasonCode code);    // "not_present", ...
std::optional<ActionKind> parse_action_kind(std::string_view name);
std::optional<ReasonCode> parse_reason_code(std::string_view name);

struct Reason {
  ReasonCode code = ReasonCode::not_present;
  std::string message;  // "expires 2027-01-02 00:00 UTC, 12 days left, threshold 30"
};

// A certificate as a plan refers to it: enough to recognise it, no key.
struct CertificateSummary {
  std::string fingerprint;          // empty when not known before the issue runs
  std::vector<std::string> names;
  std::optional<TimePoint> not_after;
  std::optional<KeyType> key_type;
};

// A plan for a large fleet names the same certificate in thousands of
// actions, so they share one read-only summary of it.
using SharedSummary = std::shared_ptr<const CertificateSummary>;

SharedSummary share_summary(CertificateSummary summary);

struct Action {
  std::string id;                       // "issue:example.com", "deploy:example.com@web-01", "reload:web-01", "verify:example.com@web-01"
  ActionKind kind = ActionKind::issue;
  std::string domain;                   // empty for reload
  std::string server;                   // empty for issue
  std::vector<std::string> depends_on;  // action ids, sorted
  Reason reason;
  SharedSummary before;                 // what is there now, or null when nothing is
  SharedSummary after;                  // what will be there, or null when not known
  bool new_key = false;                 // issue with a new key replacing a stored one: shown as -/+
};

struct Plan {
  int format_major = 1;
  int format_minor = 0;
  TimePoint created_at{};
  std::string config_digest;
  std::string store_digest;                            // over what the store held for the domains in scope
  std::map<std::string, std::string> host_digests;     // server -> digest of what was observed there
  std::vector<std::string> scope_domains;              // --domain filters; empty means all
  std::vector<std::string> scope_servers;              // --server filters; empty means all
  std::vector<std::string> warnings;                   // e.g. unreachable servers, partial plan
  std::vector<Action> actions;                         // sorted: issue, then per server deploy, reload, verify

  bool empty() const { return actions.empty(); }
  const Action* find(const std::string& id) const;
};

}  // namespace certplan
