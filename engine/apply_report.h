#pragma once

// What `certplan apply` did: per host and per issued certificate, with the
// exit code that cron, systemd and CI act on.

#include <string>
#include <string_view>
#include <vector>

namespace certplan {

enum class HostOutcome { applied, unchanged, rolled_back, rollback_failed, unreachable, failed };

// "applied", "unchanged", "rolled back", "rollback failed", "unreachable", "failed".
std::string_view host_outcome_name(HostOutcome outcome);

struct HostReport {
  std::string server;
  HostOutcome outcome = HostOutcome::unchanged;
  std::string failed_step;     // "lock", "backup", "write", "test", "reload", "verify"; empty on success
  std::string message;         // what failed, with the command output
  std::string manual_steps;    // for rollback_failed: what a person has to do on the host
  std::vector<std::string> skipped_domains;  // deploys skipped because their issue failed
};

struct IssueReport {
  std::string domain;
  bool ok = false;
  std::string message;
};

struct ApplyReport {
  std::vector<HostReport> hosts;
  std::vector<IssueReport> issues;

  // 0: every action succeeded. 1: an error stopped the run before anything
  // changed (no certificate issued, no host changed). 3: something failed,
  // and every failed host is back in its previous state. 4: a rollback
  // failed, so a host needs a person.
  [[nodiscard]] int exit_code() const;
};

// One line of totals, then one line per host sorted by name, then the
// failed issues, e.g.
// "Apply complete: 1 applied, 1 rolled back.\n  webserver-01  applied\n
//    webserver-02  rolled back: test failed: <output>\n".
std::string render_summary(const ApplyReport& report);

}  // namespace certplan
