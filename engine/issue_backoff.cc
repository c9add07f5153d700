#include "engine/issue_backoff.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "engine/plan_time.h"
#include "state/atomic_file.h"
#include "state/desired.h"

namespace certplan {

namespace {

constexpr int kFormatVersion = 1;
constexpr std::chrono::seconds kFirstDelay = std::chrono::hours(1);
constexpr std::chrono::seconds kMaxDelay = std::chrono::hours(24);

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 of a domain configuration failed in OpenSSL");
  }
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

nlohmann::json to_json(const std::string& domain, const IssueBackoff& record) {
  return nlohmann::json{{"version", kFormatVersion},
                        {"domain", domain},
                        {"failures", record.failures},
                        {"last_failure", format_rfc3339(record.last_failure)},
                        {"next_attempt", format_rfc3339(record.next_attempt)},
                        {"error", record.error},
                        {"config_digest", record.config_digest}};
}

Result<IssueBackoff> from_json(const std::string& text, const std::filesystem::path& path) {
  const auto invalid = [&path](const std::string& what) {
    return make_error(ErrorKind::invalid, "the backoff record " + path.string() + " is invalid (" +
                                              what + "); delete it to allow the next issue");
  };

  const nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return invalid("not a JSON object");
  if (document.value("version", 0) != kFormatVersion) return invalid("unknown version");

  IssueBackoff record;
  try {
    record.failures = document.at("failures").get<int>();
    record.error = document.at("error").get<std::string>();
    record.config_digest = document.at("config_digest").get<std::string>();
    const auto last = parse_rfc3339(document.at("last_failure").get<std::string>());
    const auto next = parse_rfc3339(document.at("next_attempt").get<std::string>());
    if (!last || !next) return invalid("a time is not RFC 3339");
    record.last_failure = *last;
    record.next_attempt = *next;
  } catch (const nlohmann::json::exception& error) {
    return invalid(error.what());
  }
  return record;
}

}  // namespace

std::string issue_config_digest(const std::vector<std::string>& names, KeyType key_type,
                                const std::string& dns_provider, const std::string& profile) {
  std::vector<std::string> sorted = names;
  std::sort(sorted.begin(), sorted.end());
  nlohmann::json canonical{
      {"names", sorted}, {"key_type", std::string(key_type_name(key_type))}, {"dns_provider", dns_provider}};
  // Only a set profile enters the digest, so that records written before
  // profiles existed keep matching their domains.
  if (!profile.empty()) canonical["profile"] = profile;
  return "sha256:" + sha256_hex(canonical.dump());
}

std::chrono::seconds backoff_delay(int failures) {
  std::chrono::seconds delay = kFirstDelay;
  for (int i = 1; i < failures && delay < kMaxDelay; ++i) delay *= 2;
  return std::min(delay, kMaxDelay);
}

IssueBackoff next_backoff(const std::optional<IssueBackoff>& previous, const std::string& config_digest,
                          const std::string& error, TimePoint now,
                          std::optional<TimePoint> ca_retry_after) {
  IssueBackoff record;
  record.failures = 1;
  if (previous && previous->config_digest == config_digest) record.failures = previous->failures + 1;

  record.last_failure = now;
  record.next_attempt = now + backoff_delay(record.failures);
  if (ca_retry_after && *ca_retry_after > record.next_attempt) record.next_attempt = *ca_retry_after;
  record.error = error;
  record.config_digest = config_digest;
  return record;
}

bool backoff_active(const IssueBackoff& record, const std::string& config_digest, TimePoint now) {
  return record.config_digest == config_digest && now < record.next_attempt;
}

std::string backoff_warning(const std::string& domain, const IssueBackoff& record) {
  const std::string times = record.failures == 1 ? " time" : " times";
  return domain + ": issuance failed " + std::to_string(record.failures) + times + ", last at " +
         format_utc_minute(record.last_failure) + " (" + record.error + "); next attempt after " +
         format_utc_minute(record.next_attempt);
}

std::filesystem::path backoff_path(const std::filesystem::path& state_dir, const std::string& domain) {
  return state_dir / "backoff" / (storage_name(domain) + ".json");
}

Result<std::optional<IssueBackoff>> load_backoff(const std::filesystem::path& state_dir,
                                                 const std::string& domain) {
  const std::filesystem::path path = backoff_path(state_dir, domain);
  std::ifstream stream(path);
  if (!stream) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) return std::optional<IssueBackoff>{};
    return make_error(ErrorKind::failed, "could not read the backoff record " + path.string() +
                                             "; check its permissions");
  }

  std::ostringstream text;
  text << stream.rdbuf();
  auto record = from_json(text.str(), path);
  if (!record) return record.error();
  return std::optional<IssueBackoff>{std::move(record.value())};
}

Result<BackoffRecords> load_backoff_records(const std::filesystem::path& state_dir,
                                            const std::vector<std::string>& domains) {
  BackoffRecords records;
  for (const std::string& domain : domains) {
    auto record = load_backoff(state_dir, domain);
    if (!record) return record.error();
    if (record.value()) records.emplace(domain, *record.value());
  }
  return records;
}

Result<IssueBackoff> record_issue_failure(const std::filesystem::path& state_dir, const std::string& domain,
                                          const std::string& config_digest, const std::string& error,
                                          TimePoint now, std::optional<TimePoint> ca_retry_after) {
  // An unreadable old record must not stop the new one from being written.
  auto previous = load_backoff(state_dir, domain);
  const std::optional<IssueBackoff> last = previous ? previous.value() : std::nullopt;

  const IssueBackoff record = next_backoff(last, config_digest, error, now, ca_retry_after);
  auto written =
      write_file_atomic(backoff_path(state_dir, domain), to_json(domain, record).dump(2) + "\n", 0600);
  if (!written) return written.error().with_context("recording the failed issue of " + domain);
  return record;
}

Result<void> clear_backoff(const std::filesystem::path& state_dir, const std::string& domain) {
  const std::filesystem::path path = backoff_path(state_dir, domain);
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) {
    return make_error(ErrorKind::failed, "could not remove the backoff record " + path.string() + ": " +
                                             error.message() + "; remove it by hand");
  }
  return success();
}

BackoffRecordingIssuer::BackoffRecordingIssuer(Issuer& inner, std::filesystem::path state_dir,
                                               const Clock& clock)
    : inner_(inner), state_dir_(std::move(state_dir)), clock_(clock) {}

Result<CertificateFiles> BackoffRecordingIssuer::issue(const IssueRequest& request) {
  auto issued = inner_.issue(request);

  Result<void> updated = success();
  if (issued) {
    updated = clear_backoff(state_dir_, request.domain);
  } else {
    const std::string digest =
        issue_config_digest(request.names, request.key_type, request.dns_provider, request.profile);
    auto recorded = record_issue_failure(state_dir_, request.domain, digest, issued.error().message,
                                         clock_.now(), inner_.retry_not_before(request.domain));
    if (!recorded) updated = recorded.error();
  }

  if (!updated) {
    const std::lock_guard lock(warnings_mutex_);
    warnings_.push_back(updated.error().message);
  }
  return issued;
}

std::vector<std::string> BackoffRecordingIssuer::warnings() const {
  const std::lock_guard lock(warnings_mutex_);
  return warnings_;
}

}  // namespace certplan
