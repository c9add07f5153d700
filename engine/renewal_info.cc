#include "engine/renewal_info.h"

namespace certplan {

RenewalWindowFetch fetch_renewal_windows(const std::vector<std::string>& domains, CertificateStore& store,
                                         RenewalInfoSource& source) {
  RenewalWindowFetch result;
  for (const std::string& domain : domains) {
    auto loaded = store.load(domain);
    if (!loaded) {
      if (loaded.error().kind != ErrorKind::not_found) {
        result.failures.push_back(domain + ": could not load the stored certificate: " +
                                  loaded.error().message);
      }
      continue;
    }

    auto window = source.fetch(loaded.value().fullchain_pem);
    if (!window) {
      result.failures.push_back(domain + ": " + window.error().message);
      continue;
    }
    if (window.value()) result.windows.emplace(domain, std::move(*window.value()));
  }
  return result;
}

}  // namespace certplan
