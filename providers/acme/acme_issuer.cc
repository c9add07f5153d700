#include "providers/acme/acme_issuer.h"

#include <utility>

#include "providers/acme/acme_account.h"
#include "providers/acme/acme_client.h"
#include "providers/acme/acme_order.h"
#include "providers/acme/dns01.h"
#include "providers/acme/renewal_info.h"
#include "providers/dns/cname.h"
#include "state/certificate.h"

namespace certplan {

namespace {

// The records published for one order. issue() removes each of them after
// run_order returns, whatever the result.
struct PublishedRecords {
  DnsProvider& provider;
  std::vector<PublishedRecord> records;
};

// The name the TXT record for `identifier` goes to: "_acme-challenge.<name>",
// or the end of the CNAME chain there when `options` ask to follow it.
Result<std::string> challenge_record_name(const AcmeIssuerOptions& options,
                                          const std::string& identifier) {
  if (options.challenge_cnames == ChallengeCnames::ignore) return dns01_record_name(identifier);
  return resolve_challenge_name(identifier, options.dns_resolvers, options.dns_query_timeout);
}

Result<void> publish_records(PublishedRecords& published, const std::vector<Dns01Challenge>& challenges,
                             const std::string& thumbprint, const AcmeIssuerOptions& options) {
  for (const Dns01Challenge& challenge : challenges) {
    auto name = challenge_record_name(options, challenge.identifier);
    if (name.has_error()) return name.error();

    auto record =
        published.provider.present(name.value(), dns01_record_value(challenge.token, thumbprint));
    if (record.has_error()) return record.error().with_context("publishing TXT " + name.value());
    published.records.push_back(std::move(record.value()));
  }
  return success();
}

Result<void> wait_for_propagation(PropagationChecker& propagation,
                                  const std::vector<PublishedRecord>& records) {
  for (const PublishedRecord& record : records) {
    auto visible = propagation.wait_for(record.fqdn, record.zone, record.value);
    if (visible.has_error()) return visible.error();
  }
  return success();
}

// Every step from the new order to the downloaded chain. Records it
// publishes are left in `published` for the caller to remove.
Result<std::string> run_order(AcmeClient& client, const JwsSigner& signer, const std::string& thumbprint,
                              const IssueRequest& request, const AcmeOrder& order,
                              const PrivateKey& key, PublishedRecords& published,
                              PropagationChecker& propagation, const AcmeIssuerOptions& options) {
  auto challenges = pending_dns01_challenges(client, signer, order);
  if (challenges.has_error()) return challenges.error();

  // All records go up before the first validation, because an apex and its
  // wildcard need two values on one name at the same time.
  auto presented = publish_records(published, challenges.value(), thumbprint, options);
  if (presented.has_error()) return presented.error();

  auto visible = wait_for_propagation(propagation, published.records);
  if (visible.has_error()) return visible.error();

  for (const Dns01Challenge& challenge : challenges.value()) {
    auto responded = respond_to_challenge(client, signer, challenge);
    if (responded.has_error()) return responded.error();
  }

  auto validated = wait_for_authorizations(client, signer, challenges.value());
  if (validated.has_error()) return validated.error();

  auto csr = make_csr_der(key, request.names);
  if (csr.has_error()) return csr.error();

  auto certificate_url = finalize_order(client, signer, order, csr.value());
  if (certificate_url.has_error()) return certificate_url.error();

  return download_certificate(client, signer, certificate_url.value());
}

// Fails when `request` names a profile that the CA does not list in
// meta.profiles, naming the profiles it does list.
Result<void> check_profile(const AcmeClient& client, const IssueRequest& request) {
  if (request.profile.empty()) return success();
  const auto& offered = client.directory().profiles;
  if (offered.contains(request.profile)) return success();

  const std::string start = "domain " + request.domain + " asks for ACME profile `" + request.profile +
                            "`, but the CA at " + http::mask_url(client.directory_url());
  if (offered.empty()) {
    return make_error(ErrorKind::invalid, start + " offers no profiles; remove `profile` from " +
                                              request.domain + " in domains.yaml");
  }
  std::string names;
  for (const auto& [name, description] : offered) names += (names.empty() ? "" : ", ") + name;
  return make_error(ErrorKind::invalid, start + " offers only " + names + "; set `profile` of " +
                                            request.domain + " in domains.yaml to one of them");
}

// Whether the CA refused a new order because of its `replaces` member: the
// certificate was replaced already (RFC 9773's alreadyReplaced), for
// example by an order whose certificate never reached the store. The
// problem type reaches here only in the message, in its short form.
bool replaces_refused(const Error& error, const OrderOptions& order_options) {
  return !order_options.replaces.empty() && error.message.find("alreadyReplaced") != std::string::npos;
}

}  // namespace

AcmeIssuer::AcmeIssuer(AcmeIssuerOptions options, DnsProviderFactory dns_providers,
                       PropagationChecker& propagation)
    : options_(std::move(options)), dns_providers_(std::move(dns_providers)), propagation_(propagation) {}

AcmeIssuer::~AcmeIssuer() = default;

Result<CertificateFiles> AcmeIssuer::issue(const IssueRequest& request) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + options_.timeout;
  http::HttpClient http(http::HttpOptions{options_.ca_bundle});
  AcmeClient client(http, options_.directory_url, deadline);

  auto fetched = client.fetch_directory();
  if (fetched.has_error()) return fetched.error();

  auto profile_offered = check_profile(client, request);
  if (profile_offered.has_error()) return profile_offered.error();
  const OrderOptions order_options{request.profile, replaced_certificate_id(client, request)};

  auto account_of_ca = account(client);
  if (account_of_ca.has_error()) return account_of_ca.error();
  const Account& current = *account_of_ca.value();
  const JwsSigner signer{current.key, current.url};

  auto provider = dns_providers_(request.dns_provider);
  if (provider.has_error()) return provider.error();

  auto key = generate_private_key(request.key_type);
  if (key.has_error()) return key.error();

  auto order = open_order(client, signer, request, order_options);
  if (order.has_error()) {
    remember_retry_after(request.domain, client.refused_retry_after());
    return order.error();
  }

  PublishedRecords published{*provider.value(), {}};
  auto chain = run_order(client, signer, current.key.thumbprint(), request, order.value(), key.value(),
                         published, propagation_, options_);
  if (chain.has_error()) remember_retry_after(request.domain, client.refused_retry_after());

  // Cleanup runs whatever run_order returned. Its failures become warnings
  // and are also appended to an issuance error, so that one message reports
  // both.
  std::string cleanup_failures;
  for (const PublishedRecord& record : published.records) {
    auto removed = published.provider.cleanup(record);
    if (removed.has_error()) {
      const std::string message =
          "could not remove TXT record " + record.fqdn + " (zone " + record.zone + "): " +
          removed.error().message + "; remove it by hand";
      warn(message);
      cleanup_failures += "; " + message;
    }
  }

  if (chain.has_error()) return Error{chain.error().kind, chain.error().message + cleanup_failures};
  return CertificateFiles{std::move(chain.value()), private_key_to_pem(key.value())};
}

std::vector<std::string> AcmeIssuer::warnings() const {
  const std::lock_guard lock(warnings_mutex_);
  return warnings_;
}

Result<std::shared_ptr<const Account>> AcmeIssuer::account(AcmeClient& client) {
  const std::lock_guard lock(account_mutex_);
  if (account_) return account_;

  const AccountOptions account_options{options_.state_dir, options_.email, options_.eab_kid,
                                       options_.eab_hmac_key};
  auto loaded = load_or_register_account(client, account_options);
  if (loaded.has_error()) return loaded.error();

  account_ = std::make_shared<const Account>(std::move(loaded.value()));
  return account_;
}

std::optional<TimePoint> AcmeIssuer::retry_not_before(const std::string& domain) const {
  const std::lock_guard lock(retry_mutex_);
  const auto found = retry_not_before_.find(domain);
  if (found == retry_not_before_.end()) return std::nullopt;
  return found->second;
}

void AcmeIssuer::remember_retry_after(const std::string& domain,
                                      std::optional<std::chrono::seconds> retry_after) {
  const std::lock_guard lock(retry_mutex_);
  if (retry_after) {
    retry_not_before_[domain] = std::chrono::system_clock::now() + *retry_after;
  } else {
    retry_not_before_.erase(domain);
  }
}

Result<AcmeOrder> AcmeIssuer::open_order(AcmeClient& client, const JwsSigner& signer,
                                         const IssueRequest& request, const OrderOptions& order_options) {
  auto order = create_order(client, signer, request.names, order_options);
  if (order.has_value() || !replaces_refused(order.error(), order_options)) return order;

  // The link to the old certificate is only a courtesy to the CA. A renewal
  // that failed for want of it would leave the domain without a certificate.
  warn(request.domain + ": the CA refused the order as a replacement of " + order_options.replaces +
       " (" + order.error().message + "); ordering again without `replaces`");
  OrderOptions plain = order_options;
  plain.replaces.clear();
  return create_order(client, signer, request.names, plain);
}

std::string AcmeIssuer::replaced_certificate_id(const AcmeClient& client, const IssueRequest& request) {
  // A CA without renewalInfo may not know the `replaces` member, so only a
  // CA that offers renewalInfo receives it.
  if (request.replaces_fullchain_pem.empty() || client.directory().renewal_info.empty()) return "";

  auto id = renewal_certificate_id(request.replaces_fullchain_pem);
  if (id.has_error()) {
    warn(request.domain + ": the new order does not name the certificate it replaces: " +
         id.error().message);
    return "";
  }
  return id.value();
}

void AcmeIssuer::warn(const std::string& message) {
  {
    const std::lock_guard lock(warnings_mutex_);
    warnings_.push_back(message);
  }
  if (options_.on_warning) options_.on_warning(message);
}

}  // namespace certplan
