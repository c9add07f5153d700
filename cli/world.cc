#include "cli/world.h"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include "engine/issue_backoff.h"
#include "providers/acme/acme_issuer.h"
#include "providers/acme/renewal_info.h"
#include "providers/dns/dns_server.h"
#include "providers/dns/dns_provider_factory.h"
#include "providers/health/tls_probe.h"
#include "providers/notify/webhook_notifier.h"
#include "providers/ssh/ssh_connector.h"
#include "state/acme_sh_store.h"

namespace certplan {

// The issuer, the propagation checker it borrows, and the wrapper that
// records failed issuance for the per-domain backoff live together.
struct World::IssuerParts {
  std::unique_ptr<PropagationChecker> propagation;
  std::unique_ptr<AcmeIssuer> acme;
  std::unique_ptr<BackoffRecordingIssuer> recording;
};

World::World(const DesiredState& desired)
    : desired_(desired),
      store_(std::make_unique<AcmeShStore>(desired.settings.cert_base_path.value)),
      connector_(std::make_unique<SshConnector>()),
      sessions_(std::make_unique<SessionPool>(desired, *connector_)),
      probe_(std::make_unique<HttpsProbe>(desired.settings.healthcheck_ca_bundle.value)),
      journal_(std::make_unique<Journal>(desired.settings.state_dir.value)) {
  if (!desired.settings.notify_webhook_url.value.empty()) {
    notifier_ =
        std::make_unique<WebhookNotifier>(desired.settings.notify_webhook_url.value, clock_);
  }
}

World::~World() = default;

Issuer& World::issuer(AcmeDirectory directory) {
  if (issuer_) return *issuer_->recording;

  auto parts = make_issuer_parts(directory, desired_.settings.state_dir.value);
  parts->recording =
      std::make_unique<BackoffRecordingIssuer>(*parts->acme, desired_.settings.state_dir.value, clock_);
  issuer_ = std::move(parts);
  return *issuer_->recording;
}

Issuer& World::throwaway_issuer(AcmeDirectory directory, const std::filesystem::path& account_state_dir) {
  if (!throwaway_issuer_) throwaway_issuer_ = make_issuer_parts(directory, account_state_dir);
  return *throwaway_issuer_->acme;
}

std::unique_ptr<World::IssuerParts> World::make_issuer_parts(
    AcmeDirectory directory, const std::filesystem::path& account_state_dir) const {
  const Settings& settings = desired_.settings;
  auto parts = std::make_unique<IssuerParts>();
  auto checker = make_propagation_checker(settings);
  if (checker.has_error()) throw std::runtime_error(checker.error().message);
  parts->propagation = std::move(checker).value();

  AcmeIssuerOptions options;
  options.directory_url = directory == AcmeDirectory::production
                              ? settings.acme_directory_url.value
                              : settings.acme_staging_directory_url.value;
  options.ca_bundle = settings.acme_ca_bundle.value;
  options.email = settings.acme_email.value;
  options.state_dir = account_state_dir;
  options.eab_kid = settings.acme_eab_kid.value;
  options.eab_hmac_key = settings.acme_eab_hmac_key.value;
  options.on_warning = [](const std::string& warning) { spdlog::get("dns")->warn("{}", warning); };

  // A CNAME at _acme-challenge is followed through the DNS_RESOLVERS. Without
  // them the lookup would go to the system resolver, which may not see the
  // zone as the world does, so delegation then needs DNS_RESOLVERS set.
  if (!settings.dns_resolvers.value.empty()) {
    auto resolvers = parse_dns_servers(settings.dns_resolvers.value);
    if (resolvers.has_error()) throw std::runtime_error(resolvers.error().message);
    options.dns_resolvers = std::move(resolvers).value();
    options.challenge_cnames = ChallengeCnames::follow;
  }

  auto make_provider = [&settings](const std::string& name) {
    return make_dns_provider(name, settings);
  };
  parts->acme = std::make_unique<AcmeIssuer>(options, make_provider, *parts->propagation);
  return parts;
}

RenewalInfoSource& World::renewal_info() {
  if (!renewal_info_) {
    const Settings& settings = desired_.settings;
    AcmeRenewalInfoOptions options;
    options.directory_url = settings.acme_directory_url.value;
    options.ca_bundle = settings.acme_ca_bundle.value;
    options.state_dir = settings.state_dir.value;
    renewal_info_ = std::make_unique<AcmeRenewalInfo>(std::move(options));
  }
  return *renewal_info_;
}

std::vector<std::string> World::issuer_warnings() const {
  if (!issuer_) return {};
  return issuer_->recording->warnings();
}

}  // namespace certplan
