#pragma once

// The Issuer of certplan: RFC 8555 with DNS-01 against any ACME CA.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/issuer.h"
#include "providers/acme/acme_order.h"
#include "providers/dns/dns_provider.h"
#include "providers/dns/dns_server.h"
#include "state/secret.h"

namespace certplan {

struct Account;
class AcmeClient;

// Whether issue() looks for a CNAME at "_acme-challenge.<name>" and writes
// the TXT record at the end of its chain instead.
enum class ChallengeCnames { ignore, follow };

struct AcmeIssuerOptions {
  std::string directory_url;
  std::filesystem::path ca_bundle;   // CA of the ACME server's TLS certificate; system store when empty
  std::string email;                 // account contact; none when empty
  std::filesystem::path state_dir;   // accounts are kept under {state_dir}/accounts
  std::string eab_kid;               // External Account Binding, when the CA requires it
  SecretString eab_hmac_key;
  std::chrono::seconds timeout{600}; // for one whole issue(), DNS propagation included
  // Off by default, so that a caller that sets nothing sends no DNS query.
  ChallengeCnames challenge_cnames = ChallengeCnames::ignore;
  // Servers queried for those CNAMEs (DNS_RESOLVERS); the system resolver when empty.
  std::vector<DnsServer> dns_resolvers;
  std::chrono::milliseconds dns_query_timeout{2000};  // per CNAME query
  // Receives each warning (a DNS record that could not be removed) as it
  // happens; the warning is also kept for warnings().
  std::function<void(const std::string&)> on_warning;
};

// Creates the DNS provider named by a domain's dns_provider ("ionos", ...).
using DnsProviderFactory =
    std::function<Result<std::unique_ptr<DnsProvider>>(const std::string& provider_name)>;

// Issues certificates with DNS-01. One instance may be used by several
// threads at once: each issue() has its own connection and nonces, and the
// account is loaded or registered once, under a lock.
class AcmeIssuer final : public Issuer {
 public:
  // `propagation` must outlive the issuer.
  AcmeIssuer(AcmeIssuerOptions options, DnsProviderFactory dns_providers,
             PropagationChecker& propagation);
  ~AcmeIssuer() override;
  AcmeIssuer(const AcmeIssuer&) = delete;
  AcmeIssuer& operator=(const AcmeIssuer&) = delete;

  // Generates a key, orders the names of `request`, publishes every TXT
  // record, waits for propagation, lets the CA validate, finalizes and
  // downloads the chain. Removes every record it published on success and
  // on failure; a removal that fails becomes a warning.
  [[nodiscard]] Result<CertificateFiles> issue(const IssueRequest& request) override;

  // Every warning of every issue() so far, oldest first.
  [[nodiscard]] std::vector<std::string> warnings() const;

  // The end of the CA's Retry-After when a 429 or 503 ended the last
  // issue() of `domain` because the wait would have passed the timeout.
  [[nodiscard]] std::optional<TimePoint> retry_not_before(const std::string& domain) const override;

 private:
  void remember_retry_after(const std::string& domain, std::optional<std::chrono::seconds> retry_after);
  // The RFC 9773 identifier of the certificate `request` replaces, or ""
  // when there is none or the CA offers no renewalInfo.
  [[nodiscard]] std::string replaced_certificate_id(const AcmeClient& client, const IssueRequest& request);
  // Creates the order; when the CA refuses it as a replacement that already
  // happened, warns and creates it again without `replaces`.
  [[nodiscard]] Result<AcmeOrder> open_order(AcmeClient& client, const JwsSigner& signer,
                                             const IssueRequest& request, const OrderOptions& order_options);
  [[nodiscard]] Result<std::shared_ptr<const Account>> account(AcmeClient& client);
  void warn(const std::string& message);

  AcmeIssuerOptions options_;
  DnsProviderFactory dns_providers_;
  PropagationChecker& propagation_;

  std::mutex account_mutex_;
  std::shared_ptr<const Account> account_;

  mutable std::mutex warnings_mutex_;
  std::vector<std::string> warnings_;

  mutable std::mutex retry_mutex_;
  std::map<std::string, TimePoint> retry_not_before_;  // by domain
};

}  // namespace certplan
