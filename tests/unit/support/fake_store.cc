#include "tests/unit/support/fake_store.h"

namespace certplan::testing {

void FakeStore::put(const std::string& domain, CertificateFiles files) {
  const std::lock_guard lock(mutex_);
  certificates_[domain] = std::move(files);
}

void FakeStore::fail_save(const std::string& domain, Error error) {
  const std::lock_guard lock(mutex_);
  save_failures_[domain] = std::move(error);
}

int FakeStore::saves() const {
  const std::lock_guard lock(mutex_);
  return saves_;
}

int FakeStore::loads() const {
  const std::lock_guard lock(mutex_);
  return loads_;
}

StoreObservation FakeStore::observe(const std::string& domain) {
  auto loaded = find(domain);
  StoreObservation observation;
  if (!loaded) return observation;

  auto facts = parse_certificate_chain(loaded.value().fullchain_pem);
  if (!facts) {
    observation.error = facts.error().message;
    return observation;
  }
  CertificateWithKey current;
  current.certificate = share_facts(std::move(facts.value()));
  if (auto key = parse_private_key(loaded.value().key_pem)) {
    current.key_present = true;
    current.key_type = key_type_of(key.value());
    current.key_matches = public_key_fingerprint(key.value()) == current.certificate->public_key_fingerprint;
  }
  observation.current = std::move(current);
  return observation;
}

Result<CertificateFiles> FakeStore::load(const std::string& domain) {
  {
    const std::lock_guard lock(mutex_);
    ++loads_;
  }
  return find(domain);
}

Result<CertificateFiles> FakeStore::find(const std::string& domain) {
  const std::lock_guard lock(mutex_);
  const auto found = certificates_.find(domain);
  if (found == certificates_.end()) return make_error(ErrorKind::not_found, "no certificate stored for " + domain);
  return found->second;
}

Result<void> FakeStore::save(const std::string& domain, const CertificateFiles& files) {
  const std::lock_guard lock(mutex_);
  if (const auto failure = save_failures_.find(domain); failure != save_failures_.end()) return failure->second;
  certificates_[domain] = files;
  ++saves_;
  return success();
}

}  // namespace certplan::testing
