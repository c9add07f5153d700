#include "state/certificate_interner.h"

namespace certplan {

SharedFacts share_facts(CertificateFacts facts) {
  return std::make_shared<const CertificateFacts>(std::move(facts));
}

SharedFacts CertificateInterner::intern(CertificateFacts facts) {
  std::string key = facts.fingerprint + "/" + std::to_string(facts.chain_length);

  const std::lock_guard<std::mutex> lock(mutex_);
  auto [entry, inserted] = held_.try_emplace(std::move(key));
  if (inserted) entry->second = share_facts(std::move(facts));
  return entry->second;
}

std::size_t CertificateInterner::size() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return held_.size();
}

}  // namespace certplan
