#pragma once

// Backoff after failed issuance: each failure of a domain is recorded in
// {state_dir}/backoff/<storage name>.json, and the planner plans no issue for
// that domain until the next attempt time, so a CA's rate limits are not
// spent on a domain that keeps failing. The delay is 1 hour after the first
// failure, doubling per consecutive failure, at most 24 hours. A change of
// the domain's configuration ends the backoff at once. When the CA asked to
// wait longer than that (a Retry-After on 429 or 503), the backoff lasts
// until the end of the CA's wait.

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/issuer.h"
#include "state/certificate.h"
#include "state/result.h"

namespace certplan {

// The failures of one domain since its last successful issue.
struct IssueBackoff {
  int failures = 0;             // consecutive, with the same configuration
  TimePoint last_failure;
  TimePoint next_attempt;       // no issue is planned before this time
  std::string error;            // the message of the last failure
  std::string config_digest;    // issue_config_digest() at the last failure
};

// Backoff records by domain, as the planner reads them.
using BackoffRecords = std::map<std::string, IssueBackoff>;

// The digest of what an issue of a domain depends on: its names (in any
// order), key type, DNS provider and ACME profile, as "sha256:<hex>".
[[nodiscard]] std::string issue_config_digest(const std::vector<std::string>& names,
                                              KeyType key_type, const std::string& dns_provider,
                                              const std::string& profile = "");

// The wait after `failures` consecutive failures: 1 h doubled per failure
// after the first, capped at 24 h.
[[nodiscard]] std::chrono::seconds backoff_delay(int failures);

// The record after one more failure at `now`. The count goes on from
// `previous` only when it was made with the same configuration digest. The
// next attempt is after backoff_delay(), or at `ca_retry_after` when the CA
// asked to wait until later than that.
[[nodiscard]] IssueBackoff next_backoff(const std::optional<IssueBackoff>& previous,
                                        const std::string& config_digest, const std::string& error,
                                        TimePoint now,
                                        std::optional<TimePoint> ca_retry_after = std::nullopt);

// Whether `record` still holds back an issue of a domain whose configuration
// now has `config_digest`.
[[nodiscard]] bool backoff_active(const IssueBackoff& record, const std::string& config_digest,
                                  TimePoint now);

// The plan warning for `domain` held back by `record`.
[[nodiscard]] std::string backoff_warning(const std::string& domain, const IssueBackoff& record);

// {state_dir}/backoff/<storage name of domain>.json
[[nodiscard]] std::filesystem::path backoff_path(const std::filesystem::path& state_dir,
                                                 const std::string& domain);

// Reads the record of `domain`; nullopt when there is none. Fails with
// ErrorKind::invalid on a file that is not a record of a known version.
[[nodiscard]] Result<std::optional<IssueBackoff>> load_backoff(const std::filesystem::path& state_dir,
                                                               const std::string& domain);

// Reads the records of every domain in `domains` that has one.
[[nodiscard]] Result<BackoffRecords> load_backoff_records(const std::filesystem::path& state_dir,
                                                          const std::vector<std::string>& domains);

// Records one more failure of `domain` (atomic replace, mode 0600) and
// returns the new record.
[[nodiscard]] Result<IssueBackoff> record_issue_failure(
    const std::filesystem::path& state_dir, const std::string& domain, const std::string& config_digest,
    const std::string& error, TimePoint now, std::optional<TimePoint> ca_retry_after = std::nullopt);

// Removes the record of `domain` after a successful issue. Succeeds when
// there is no record.
[[nodiscard]] Result<void> clear_backoff(const std::filesystem::path& state_dir,
                                         const std::string& domain);

// An Issuer that keeps the backoff records of another: a failed issue()
// records one more failure of the request's domain, with the next attempt
// no earlier than the inner issuer's retry_not_before(), and a successful
// one removes its record. A record that cannot be written does not change the result of
// issue(); it is kept for warnings().
class BackoffRecordingIssuer final : public Issuer {
 public:
  // `inner` and `clock` must outlive this issuer.
  BackoffRecordingIssuer(Issuer& inner, std::filesystem::path state_dir, const Clock& clock);
  BackoffRecordingIssuer(const BackoffRecordingIssuer&) = delete;
  BackoffRecordingIssuer& operator=(const BackoffRecordingIssuer&) = delete;

  // Issues through the inner issuer and updates the domain's record.
  [[nodiscard]] Result<CertificateFiles> issue(const IssueRequest& request) override;

  // The inner issuer's retry_not_before().
  [[nodiscard]] std::optional<TimePoint> retry_not_before(const std::string& domain) const override {
    return inner_.retry_not_before(domain);
  }

  // Every record that could not be written or removed so far, oldest first.
  [[nodiscard]] std::vector<std::string> warnings() const;

 private:
  Issuer& inner_;
  std::filesystem::path state_dir_;
  const Clock& clock_;
  mutable std::mutex warnings_mutex_;
  std::vector<std::string> warnings_;
};

}  // namespace certplan
