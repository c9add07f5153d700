#pragma once

// An Issuer that signs with a test CA instead of ordering from an ACME CA.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/issuer.h"
#include "tests/unit/support/test_certificates.h"

namespace certplan::testing {

class FakeIssuer final : public Issuer {
 public:
  // Leaves are valid from one hour before clock.now() for 90 days.
  FakeIssuer(const TestCa& ca, const Clock& clock) : ca_(ca), clock_(clock) {}

  // Issuing `domain` fails with `error` from now on.
  void fail(const std::string& domain, Error error);
  std::vector<IssueRequest> requests() const;

  Result<CertificateFiles> issue(const IssueRequest& request) override;

 private:
  const TestCa& ca_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Error> failures_;
  std::vector<IssueRequest> requests_;
};

// A certificate and key for `names`, signed by `ca`, valid from one hour
// before `now` for `days`: the files of a store or a server in tests.
CertificateFiles make_certificate_files(const TestCa& ca, const std::vector<std::string>& names,
                                        TimePoint now, int days = 90);

}  // namespace certplan::testing
