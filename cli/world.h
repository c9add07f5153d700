#pragma once

// The real providers of one run, built from the desired state: the local
// store, SSH sessions, the HTTPS probe, the journal and, for apply, the ACME
// issuer and the webhook notifier. The engine uses only their interfaces.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/issuer.h"
#include "engine/journal.h"
#include "engine/notifier.h"
#include "engine/renewal_info.h"
#include "engine/session_pool.h"
#include "engine/tls_probe.h"
#include "state/certificate_store.h"
#include "state/desired.h"

namespace certplan {

// The ACME directory an issuer uses: production or staging.
enum class AcmeDirectory { production, staging };

class World {
 public:
  explicit World(const DesiredState& desired);
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  CertificateStore& store() { return *store_; }
  SessionPool& sessions() { return *sessions_; }
  TlsProbe& probe() { return *probe_; }
  const Clock& clock() const { return clock_; }
  Journal& journal() { return *journal_; }

  // The ACME issuer, made on first use (plan and status never need it).
  Issuer& issuer(AcmeDirectory directory);

  // An issuer for a dry run: its ACME account lives under `account_state_dir`
  // (a temporary directory the caller removes) rather than
  // CERTPLAN_STATE_DIR, and it records no backoff, so it keeps nothing.
  Issuer& throwaway_issuer(AcmeDirectory directory, const std::filesystem::path& account_state_dir);

  // Problems the issuer met that did not fail an issue (a backoff record
  // that could not be written); empty when no issuer was made.
  std::vector<std::string> issuer_warnings() const;

  // The CA's renewal information (ACME_DIRECTORY_URL), made on first use.
  RenewalInfoSource& renewal_info();

  // The webhook notifier, or null without NOTIFY_WEBHOOK_URL.
  Notifier* notifier() { return notifier_.get(); }

 private:
  const DesiredState& desired_;
  SystemClock clock_;
  std::unique_ptr<CertificateStore> store_;
  std::unique_ptr<HostConnector> connector_;
  std::unique_ptr<SessionPool> sessions_;
  std::unique_ptr<TlsProbe> probe_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Notifier> notifier_;
  struct IssuerParts;
  std::unique_ptr<IssuerParts> make_issuer_parts(AcmeDirectory directory,
                                                 const std::filesystem::path& account_state_dir) const;
  std::unique_ptr<IssuerParts> issuer_;
  std::unique_ptr<IssuerParts> throwaway_issuer_;
  std::unique_ptr<RenewalInfoSource> renewal_info_;
};

}  // namespace certplan
