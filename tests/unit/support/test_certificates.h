#pragma once

// Certificates for tests: a throwaway CA, leaves it issues, and self-signed
// leaves, all made in memory with OpenSSL. Every certificate is X.509 v3,
// signed with SHA-256, with the given names as DNS entries of its SAN
// extension and the first name as its CN. Failures throw std::runtime_error.

#include <string>
#include <vector>

#include "state/certificate.h"

namespace certplan::testing {

// A CA that exists only for one test run.
struct TestCa {
  PrivateKey key;               // ec-256
  std::string certificate_pem;  // self-signed, CN "certplan test CA", basicConstraints CA:TRUE
};

// Makes a new CA, valid from one day ago for ten years.
TestCa make_test_ca();

// Issues a leaf for `key` signed by `ca`. Returns the leaf PEM followed by
// the CA's PEM, the form of a fullchain file.
std::string issue_test_certificate(const TestCa& ca, const std::vector<std::string>& names,
                                   TimePoint not_before, TimePoint not_after,
                                   const PrivateKey& key);

// Makes a leaf for `key` signed by `key` itself. Returns its PEM alone.
std::string self_signed_certificate(const std::vector<std::string>& names, TimePoint not_before,
                                    TimePoint not_after, const PrivateKey& key);

}  // namespace certplan::testing
