#include "engine/certificate_summary.h"

#include <array>
#include <utility>

namespace certplan {

namespace {

// NOTE: the same names as key_type_name() in state/certificate.h. This copy
// keeps the engine's plan code linkable while state/certificate.cc is being
// written; switch to key_type_name() once it is committed.
constexpr std::array<std::pair<KeyType, std::string_view>, 5> kKeyTypeLabels{{
    {KeyType::ec256, "ec-256"},
    {KeyType::ec384, "ec-384"},
    {KeyType::rsa2048, "rsa-2048"},
    {KeyType::rsa3072, "rsa-3072"},
    {KeyType::rsa4096, "rsa-4096"},
}};

}  // namespace

CertificateSummary summarize(const CertificateFacts& facts) {
  return CertificateSummary{facts.fingerprint, facts.names, facts.not_after, facts.key_type};
}

std::string short_fingerprint(const std::string& fingerprint) {
  if (fingerprint.empty()) return "(none)";
  constexpr std::size_t kTwoBytes = 5;  // "9c:11"
  if (fingerprint.size() <= kTwoBytes) return fingerprint;
  return fingerprint.substr(0, kTwoBytes) + ":…";
}

std::string_view key_type_label(KeyType type) {
  for (const auto& [candidate, label] : kKeyTypeLabels) {
    if (candidate == type) return label;
  }
  return "unknown";
}

std::optional<KeyType> parse_key_type_label(std::string_view label) {
  for (const auto& [type, candidate] : kKeyTypeLabels) {
    if (candidate == label) return type;
  }
  return std::nullopt;
}

}  // namespace certplan
