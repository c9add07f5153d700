#pragma once

// The local certificate store, as the engine uses it. The real one is
// state/acme_sh_store.h (acme.sh's layout under CERT_BASE_PATH); unit tests
// use an in-memory fake.

#include <optional>
#include <string>

#include "state/certificate.h"
#include "state/observed.h"
#include "state/result.h"
#include "state/secret.h"

namespace certplan {

// A certificate and its key, as PEM, ready to deploy.
struct CertificateFiles {
  std::string fullchain_pem;  // leaf first, then the chain
  SecretString key_pem;
};

class CertificateStore {
 public:
  virtual ~CertificateStore() = default;

  // What the store holds for `domain` (the configured name, e.g.
  // "*.example.com"). A domain with no files is a StoreObservation with
  // neither `current` nor `error`.
  virtual StoreObservation observe(const std::string& domain) = 0;

  // The current certificate and key of `domain`; ErrorKind::not_found when
  // the store has none.
  virtual Result<CertificateFiles> load(const std::string& domain) = 0;

  // Replaces the current certificate and key of `domain` atomically: the
  // new files are written beside the old ones with their final modes (key
  // 0600 from creation) and renamed over them only when complete.
  virtual Result<void> save(const std::string& domain, const CertificateFiles& files) = 0;
};

}  // namespace certplan
