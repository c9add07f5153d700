#include "providers/dns/dns_provider_factory.h"

#include "providers/dns/dns_server.h"
#include "providers/dns/exec_provider.h"
#include "providers/dns/ionos_provider.h"
#include "providers/dns/propagation.h"
#include "providers/dns/rfc2136_provider.h"

namespace certplan {

namespace {

Result<std::unique_ptr<DnsProvider>> make_ionos(const Settings& settings) {
  if (settings.ionos_api_key.value.empty()) {
    return make_error(ErrorKind::invalid,
                      "IONOS_API_KEY is not set; set it to the PREFIX.SECRET key from the IONOS "
                      "developer console, or choose another dns_provider");
  }
  if (settings.ionos_api_url.value.empty()) {
    return make_error(ErrorKind::invalid, "IONOS_API_URL is empty; remove it to use the default");
  }
  return std::make_unique<IonosProvider>(settings.ionos_api_url.value,
                                         settings.ionos_api_key.value);
}

Result<std::unique_ptr<DnsProvider>> make_exec(const Settings& settings) {
  if (settings.dns_exec_path.value.empty()) {
    return make_error(ErrorKind::invalid,
                      "DNS_EXEC_PATH is not set; dns_provider exec needs the path of the program "
                      "that runs as `PROGRAM present|cleanup FQDN VALUE`");
  }
  return std::make_unique<ExecProvider>(settings.dns_exec_path.value);
}

Result<std::unique_ptr<DnsProvider>> make_rfc2136(const Settings& settings) {
  auto provider = Rfc2136Provider::from_settings(settings);
  if (!provider) return provider.error();
  return std::unique_ptr<DnsProvider>(std::move(provider.value()));
}

}  // namespace

Result<std::unique_ptr<DnsProvider>> make_dns_provider(const std::string& name,
                                                       const Settings& settings) {
  if (name == "ionos") return make_ionos(settings);
  if (name == "exec") return make_exec(settings);
  if (name == "rfc2136") return make_rfc2136(settings);
  return make_error(ErrorKind::invalid, "unknown dns_provider \"" + name +
                                            "\"; use ionos, exec or rfc2136");
}

Result<std::unique_ptr<PropagationChecker>> make_propagation_checker(const Settings& settings) {
  auto resolvers = parse_dns_servers(settings.dns_resolvers.value);
  if (!resolvers) return resolvers.error().with_context("DNS_RESOLVERS");

  PropagationOptions options;
  options.timeout = settings.dns_propagation_timeout.value;
  return std::make_unique<DnsPropagationChecker>(std::move(resolvers.value()), options);
}

}  // namespace certplan
