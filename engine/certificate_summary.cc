#include "engine/certificate_summary.h"

namespace certplan {

CertificateSummary summarize(const CertificateFacts& facts) {
  return CertificateSummary{facts.fingerprint, facts.names, facts.not_after, facts.key_type};
}

std::string short_fingerprint(const std::string& fingerprint) {
  if (fingerprint.empty()) return "(none)";
  constexpr std::size_t kTwoBytes = 5;  // "9c:11"
  if (fingerprint.size() <= kTwoBytes) return fingerprint;
  return fingerprint.substr(0, kTwoBytes) + ":…";
}

}  // namespace certplan
