#pragma once

// One shared, read-only copy of the facts of each distinct certificate.
//
// A fleet deploys the same certificate to many servers, and each server
// both stores and serves it, so observing 1,000 servers parses it 2,000
// times. Keeping its facts once makes the observed state grow with the
// number of certificates, not with the number of deployments.

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "state/certificate.h"

namespace certplan {

using SharedFacts = std::shared_ptr<const CertificateFacts>;

// Returns `facts` as shared facts without interning them.
SharedFacts share_facts(CertificateFacts facts);

// An interner that several threads may use at once.
class CertificateInterner {
 public:
  // Returns the stored copy for the same leaf fingerprint and chain length,
  // or stores `facts` as that copy. The other facts come from the leaf, so
  // equal keys mean equal facts.
  SharedFacts intern(CertificateFacts facts);

  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, SharedFacts> held_;
};

}  // namespace certplan
