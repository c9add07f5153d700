#pragma once

// The local certificate store in acme.sh's layout under CERT_BASE_PATH:
//
//   {base}/{name}/fullchain.cer   leaf first, then the chain       0644
//   {base}/{name}/{name}.key      private key, PKCS#8 PEM          0600
//   {base}/{name}/{name}.cer      leaf only                        0644
//   {base}/{name}/ca.cer          the chain without the leaf       0644
//
// where {name} is storage_name(domain) and the directory is 0700 when
// certplan creates it. Before save() replaces a valid pair, the pair is
// hard-linked to the same names with ".previous" appended, so a save that
// stops halfway leaves a usable certificate and key behind.
//
// Reading also finds certificates of an existing acme.sh home: ECDSA ones
// under {base}/{domain}_ecc/ and wildcards under a literal {base}/*.{domain}/
// (with file names such as "*.example.com.key"). certplan's own directory
// wins when it contains a certificate.

#include <filesystem>
#include <functional>
#include <string>

#include "state/certificate_store.h"

namespace certplan {

// The pair of a domain directory that observe() and load() use.
enum class StorePair { current, previous };

// The result of inspect() for one domain.
struct StoreInspection {
  StoreObservation observation;
  std::filesystem::path directory;  // the directory read; empty when no directory contains a certificate
  StorePair pair = StorePair::current;
  std::string note;  // why the previous pair is used; empty when the current pair is
};

// The steps of save(), in order, as passed to the save hook.
enum class SaveStep {
  temporaries_written,  // every new file is complete on disk beside its target
  previous_linked,      // the old pair is linked to the ".previous" names
  key_renamed,
  fullchain_renamed,
  leaf_renamed,
  chain_renamed,
};

class AcmeShStore final : public CertificateStore {
 public:
  // `base` is CERT_BASE_PATH; it is created (0700) on the first save.
  explicit AcmeShStore(std::filesystem::path base);

  StoreObservation observe(const std::string& domain) override;
  Result<CertificateFiles> load(const std::string& domain) override;
  Result<void> save(const std::string& domain, const CertificateFiles& files) override;

  // Reads the domain like observe() and also reports the directory used and
  // whether the previous pair replaced an unusable current one.
  StoreInspection inspect(const std::string& domain) const;

  // certplan's own directory for `domain`, where save() writes.
  std::filesystem::path directory_of(const std::string& domain) const;

  // Calls `hook` after each step of save(), for tests. A hook that throws
  // stops save() at that step, as a crash would.
  void set_save_hook(std::function<void(SaveStep)> hook) { save_hook_ = std::move(hook); }

 private:
  std::filesystem::path base_;
  std::function<void(SaveStep)> save_hook_;
};

}  // namespace certplan
