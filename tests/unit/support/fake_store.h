#pragma once

// An in-memory CertificateStore.

#include <map>
#include <mutex>
#include <string>

#include "state/certificate_store.h"

namespace certplan::testing {

class FakeStore final : public CertificateStore {
 public:
  // Puts files in the store without counting as a save.
  void put(const std::string& domain, CertificateFiles files);
  // save() of `domain` fails with `error` from now on.
  void fail_save(const std::string& domain, Error error);
  int saves() const;
  // Calls of load(); observe() does not count.
  int loads() const;

  StoreObservation observe(const std::string& domain) override;
  Result<CertificateFiles> load(const std::string& domain) override;
  Result<void> save(const std::string& domain, const CertificateFiles& files) override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, CertificateFiles> certificates_;
  std::map<std::string, Error> save_failures_;
  int saves_ = 0;
  int loads_ = 0;

  Result<CertificateFiles> find(const std::string& domain);
};

}  // namespace certplan::testing
