#include "tests/unit/support/fake_issuer.h"

#include <stdexcept>

namespace certplan::testing {

CertificateFiles make_certificate_files(const TestCa& ca, const std::vector<std::string>& names,
                                        TimePoint now, int days) {
  auto key = generate_private_key(KeyType::ec256);
  if (!key) throw std::runtime_error("test key: " + key.error().message);
  const std::string pem = issue_test_certificate(ca, names, now - std::chrono::hours(1),
                                                 now + std::chrono::hours(24) * days, key.value());
  return CertificateFiles{pem, private_key_to_pem(key.value())};
}

void FakeIssuer::fail(const std::string& domain, Error error) {
  const std::lock_guard lock(mutex_);
  failures_[domain] = std::move(error);
}

std::vector<IssueRequest> FakeIssuer::requests() const {
  const std::lock_guard lock(mutex_);
  return requests_;
}

Result<CertificateFiles> FakeIssuer::issue(const IssueRequest& request) {
  {
    const std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (const auto failure = failures_.find(request.domain); failure != failures_.end()) {
      return failure->second;
    }
  }
  return make_certificate_files(ca_, request.names, clock_.now());
}

}  // namespace certplan::testing
