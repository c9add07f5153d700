#include "providers/dns/ionos_provider.h"

#include <utility>

#include <openssl/crypto.h>

#include "providers/dns/dns_name.h"

namespace certplan {

namespace {

constexpr int kNotFound = 404;

bool is_success(int status) { return status >= 200 && status < 300; }

ErrorKind kind_for_status(int status) {
  if (status == 401 || status == 403) return ErrorKind::rejected;
  if (status == kNotFound) return ErrorKind::not_found;
  if (status >= 500) return ErrorKind::failed;
  return ErrorKind::rejected;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return encoded;
}

std::string join_zone_names(const std::vector<IonosZone>& zones) {
  if (zones.empty()) return "none";
  std::string names;
  for (const IonosZone& zone : zones) {
    if (!names.empty()) names += ", ";
    names += zone.name;
  }
  return names;
}

std::string strip_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

IonosProvider::IonosProvider(std::string api_url, SecretString api_key, IonosOptions options)
    : api_url_(strip_trailing_slash(std::move(api_url))),
      api_key_(std::move(api_key)),
      options_(options),
      client_(options_.http) {}

Result<PublishedRecord> IonosProvider::present(const std::string& fqdn, const std::string& value) {
  auto name = normalize_dns_name(fqdn);
  if (!name) return name.error();
  auto zone = zone_for(name.value());
  if (!zone) return zone.error();

  const std::string path = "/v1/zones/" + zone.value().id + "/records";
  auto response = call("POST", path, "",
                       build_ionos_txt_body(name.value(), value, options_.ttl_seconds));
  if (!response) return response.error();

  auto created = parse_ionos_created_records(response.value().body);
  if (!created) return created.error().with_context("POST " + path);

  PublishedRecord record{name.value(), value, zone.value().name, ""};
  for (const IonosRecord& entry : created.value()) {
    if (entry.type == "TXT" && txt_content_matches(entry.content, value)) {
      record.id = entry.id;
      break;
    }
  }
  return record;
}

Result<void> IonosProvider::cleanup(const PublishedRecord& record) {
  auto name = normalize_dns_name(record.fqdn);
  if (!name) return name.error();
  auto zone = zone_for(name.value());
  if (!zone) return zone.error();

  if (!record.id.empty()) {
    auto deleted = delete_record(zone.value(), record.id);
    if (deleted || deleted.error().kind != ErrorKind::not_found) return deleted;
  }

  // The id is unknown (a previous run, or IONOS replaced the record), so the
  // record is looked up by name and content.
  auto id = find_record_id(zone.value(), name.value(), record.value);
  if (!id) return id.error();
  if (!id.value()) {
    return make_error(ErrorKind::not_found, "TXT record \"" + record.value + "\" at " +
                                                name.value() + " in IONOS zone " +
                                                zone.value().name + " was already gone");
  }
  return delete_record(zone.value(), *id.value());
}

Result<std::vector<IonosZone>> IonosProvider::list_zones() {
  std::lock_guard<std::mutex> lock(zones_mutex_);
  if (zones_) return *zones_;

  auto response = call("GET", "/v1/zones", "", "");
  if (!response) return response.error();
  auto zones = parse_ionos_zones(response.value().body);
  if (!zones) return zones.error().with_context("GET /v1/zones");

  for (IonosZone& zone : zones.value()) {
    auto name = normalize_dns_name(zone.name);
    if (!name) return name.error().with_context("GET /v1/zones");
    zone.name = std::move(name.value());
  }
  zones_ = zones.value();
  return zones;
}

Result<IonosZone> IonosProvider::zone_for(const std::string& fqdn) {
  auto zones = list_zones();
  if (!zones) return zones.error();

  std::vector<std::string> names;
  for (const IonosZone& zone : zones.value()) names.push_back(zone.name);

  const std::optional<std::string> match = find_zone(fqdn, names);
  if (!match) {
    return make_error(ErrorKind::not_found,
                      "no IONOS zone contains " + fqdn + "; the account has the zones " +
                          join_zone_names(zones.value()) +
                          "; add the zone in IONOS or fix the name in domains.yaml");
  }
  for (const IonosZone& zone : zones.value()) {
    if (zone.name == *match) return zone;
  }
  return make_error(ErrorKind::not_found, "no IONOS zone contains " + fqdn);
}

Result<http::HttpResponse> IonosProvider::call(const std::string& method, const std::string& path,
                                               const std::string& query, const std::string& body) {
  http::HttpRequest request;
  request.method = method;
  request.url = api_url_ + path + (query.empty() ? "" : "?" + query);
  request.headers = {{"Accept", "application/json"}, {"X-API-Key", api_key_.reveal()}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;

  auto response = client_.send(request);
  std::string& key_copy = request.headers[1].second;
  OPENSSL_cleanse(key_copy.data(), key_copy.size());
  if (!response) return response.error();
  if (is_success(response.value().status)) return response;

  const int status = response.value().status;
  std::string message = "IONOS API rejected " + method + " " + path +
                        ": " + describe_ionos_error(status, response.value().body);
  if (status == 401 || status == 403) message += "; check IONOS_API_KEY (PREFIX.SECRET)";
  return make_error(kind_for_status(status), std::move(message));
}

Result<void> IonosProvider::delete_record(const IonosZone& zone, const std::string& id) {
  auto response =
      call("DELETE", "/v1/zones/" + zone.id + "/records/" + percent_encode(id), "", "");
  if (!response) return response.error();
  return success();
}

Result<std::optional<std::string>> IonosProvider::find_record_id(const IonosZone& zone,
                                                                 const std::string& fqdn,
                                                                 const std::string& value) {
  const std::string path = "/v1/zones/" + zone.id;
  auto response =
      call("GET", path, "recordName=" + percent_encode(fqdn) + "&recordType=TXT", "");
  if (!response) return response.error();

  auto records = parse_ionos_zone_records(response.value().body);
  if (!records) return records.error().with_context("GET " + path);

  for (const IonosRecord& entry : records.value()) {
    auto entry_name = normalize_dns_name(entry.name);
    const bool same_name = entry_name && entry_name.value() == fqdn;
    if (same_name && entry.type == "TXT" && txt_content_matches(entry.content, value)) {
      return std::optional<std::string>(entry.id);
    }
  }
  return std::optional<std::string>();
}

}  // namespace certplan
