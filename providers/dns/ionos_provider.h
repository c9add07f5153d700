#pragma once

// DNS-01 TXT records through the IONOS hosted DNS API (/v1). Records are
// added one by one with POST and removed by id with DELETE. PATCH is never
// used, because IONOS's PATCH replaces every record of the same name and
// type, which would drop the second value an apex and its wildcard need.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "providers/dns/dns_provider.h"
#include "providers/dns/ionos_api.h"
#include "providers/http/http_client.h"
#include "state/secret.h"

namespace certplan {

struct IonosOptions {
  http::HttpOptions http;  // timeout per request, CA bundle, proxy
  int ttl_seconds = 60;    // IONOS rejects TTLs below 60 s
};

class IonosProvider final : public DnsProvider {
 public:
  // `api_url` is the base without "/v1" (IONOS_API_URL, for example
  // "https://api.hosting.ionos.com/dns"); `api_key` is "PREFIX.SECRET".
  IonosProvider(std::string api_url, SecretString api_key, IonosOptions options = {});
  IonosProvider(const IonosProvider&) = delete;
  IonosProvider& operator=(const IonosProvider&) = delete;

  // Adds the TXT record in the zone of the account that contains `fqdn`.
  Result<PublishedRecord> present(const std::string& fqdn, const std::string& value) override;

  // Deletes the record by id, or, when IONOS returns 404 for the id, by
  // looking it up by name and content.
  Result<void> cleanup(const PublishedRecord& record) override;

 private:
  [[nodiscard]] Result<std::vector<IonosZone>> list_zones();
  [[nodiscard]] Result<IonosZone> zone_for(const std::string& fqdn);
  [[nodiscard]] Result<http::HttpResponse> call(const std::string& method, const std::string& path,
                                          const std::string& query, const std::string& body);
  [[nodiscard]] Result<void> delete_record(const IonosZone& zone, const std::string& id);
  [[nodiscard]] Result<std::optional<std::string>> find_record_id(const IonosZone& zone,
                                                                  const std::string& fqdn,
                                                                  const std::string& value);

  std::string api_url_;
  SecretString api_key_;
  IonosOptions options_;
  http::HttpClient client_;

  std::mutex zones_mutex_;
  std::optional<std::vector<IonosZone>> zones_;  // names normalized; listed once per instance
};

}  // namespace certplan
