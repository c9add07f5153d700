#include "engine/issue_reason.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "engine/certificate_summary.h"
#include "engine/plan_time.h"
#include "engine/renewal_policy.h"

namespace certplan {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string join(const std::vector<std::string>& values, const std::string& separator) {
  std::string joined;
  for (const auto& value : values) {
    if (!joined.empty()) joined += separator;
    joined += value;
  }
  return joined;
}

std::string plural_days(int days) { return std::to_string(days) + (days == 1 ? " day" : " days"); }

std::optional<Reason> names_reason(const DomainConfig& domain, const CertificateFacts& certificate) {
  auto configured = configured_names(domain);
  auto certified = certificate.names;
  std::sort(certified.begin(), certified.end());

  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::set_difference(configured.begin(), configured.end(), certified.begin(), certified.end(),
                      std::back_inserter(added));
  std::set_difference(certified.begin(), certified.end(), configured.begin(), configured.end(),
                      std::back_inserter(removed));
  if (added.empty() && removed.empty()) return std::nullopt;

  std::vector<std::string> parts;
  if (!added.empty()) parts.push_back("added " + join(added, ", "));
  if (!removed.empty()) parts.push_back("removed " + join(removed, ", "));
  return Reason{ReasonCode::names_changed, "names in domains.yaml changed: " + join(parts, "; ")};
}

std::optional<Reason> key_type_reason(const DomainConfig& domain, const CertificateWithKey& stored) {
  auto stored_type = stored.certificate->key_type ? stored.certificate->key_type : stored.key_type;
  if (stored_type == domain.key_type) return std::nullopt;

  std::string expected(key_type_name(domain.key_type));
  std::string actual = stored_type ? std::string(key_type_name(*stored_type)) : "a type certplan does not issue";
  return Reason{ReasonCode::key_type_changed,
                "the stored key is " + actual + " but domains.yaml asks for " + expected};
}

std::optional<Reason> stored_key_reason(const DomainConfig& domain, const CertificateWithKey& stored) {
  if (!stored.key_present) {
    return Reason{ReasonCode::key_mismatch, "the local store has no private key for " + domain.domain};
  }
  if (!stored.key_matches) {
    return Reason{ReasonCode::key_mismatch,
                  "the stored private key of " + domain.domain + " does not match its certificate"};
  }
  return std::nullopt;
}

Reason expired_reason(const CertificateFacts& certificate, TimePoint now) {
  int days_ago = days_until(now, certificate.not_after);
  std::string when = days_ago == 0 ? "less than a day ago" : plural_days(days_ago) + " ago";
  return Reason{ReasonCode::expired, "expired " + format_utc_minute(certificate.not_after) + ", " + when};
}

Reason renewal_due_reason(const CertificateFacts& certificate, const RenewalDecision& decision,
                          const std::optional<RenewalWindow>& window) {
  if (decision.trigger == RenewalTrigger::renewal_window && window) {
    std::string message = "the CA suggests renewal between " + format_utc_minute(window->start) +
                          " and " + format_utc_minute(window->end) +
                          " (ACME Renewal Information); expires " +
                          format_utc_minute(certificate.not_after) + ", " +
                          plural_days(decision.days_left) + " left";
    if (!window->explanation_url.empty()) message += "; see " + window->explanation_url;
    return Reason{ReasonCode::renewal_due, message};
  }
  return Reason{ReasonCode::renewal_due, "expires " + format_utc_minute(certificate.not_after) + ", " +
                                             plural_days(decision.days_left) + " left, threshold " +
                                             std::to_string(decision.effective_threshold_days)};
}

}  // namespace

std::vector<std::string> configured_names(const DomainConfig& domain) {
  std::vector<std::string> names{lowercase(domain.domain)};
  for (const auto& name : domain.alt_names) names.push_back(lowercase(name));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::optional<Reason> issue_reason(const DomainConfig& domain, const StoreObservation& stored,
                                   int default_threshold_days, ForceRenewal force, TimePoint now,
                                   const std::optional<RenewalWindow>& window) {
  if (!stored.current) {
    return Reason{ReasonCode::not_present, "the local store has no certificate for " + domain.domain};
  }
  const CertificateWithKey& current = *stored.current;
  const CertificateFacts& certificate = *current.certificate;

  RenewalInputs inputs{certificate.not_before, certificate.not_after,
                       renewal_threshold_days(domain, default_threshold_days), now, window};
  RenewalDecision decision = decide_renewal(inputs);
  if (decision.verdict == RenewalVerdict::expired) return expired_reason(certificate, now);

  if (auto reason = names_reason(domain, certificate)) return reason;
  if (auto reason = key_type_reason(domain, current)) return reason;
  if (auto reason = stored_key_reason(domain, current)) return reason;

  if (decision.verdict == RenewalVerdict::renewal_due) return renewal_due_reason(certificate, decision, window);

  if (force == ForceRenewal::yes) {
    return Reason{ReasonCode::forced, "--force-renew " + domain.domain + "; it expires " +
                                          format_utc_minute(certificate.not_after) + ", " +
                                          plural_days(decision.days_left) + " left"};
  }
  return std::nullopt;
}

}  // namespace certplan
