#include "providers/acme/renewal_info.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "engine/plan_time.h"
#include "providers/acme/acme_client.h"
#include "providers/acme/base64url.h"
#include "providers/acme/retry_after.h"
#include "providers/http/http_client.h"
#include "state/atomic_file.h"
#include "state/openssl_handles.h"

namespace certplan {

namespace {

using AuthorityKeyIdHandle = std::unique_ptr<AUTHORITY_KEYID, OpenSslDeleter<AUTHORITY_KEYID_free>>;
using BignumHandle = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;

// The content octets of the DER INTEGER of a positive serial: big-endian,
// with a leading zero byte when the top bit is set, so that it stays positive.
Result<std::string> serial_der_content(const X509* certificate) {
  const BignumHandle serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr));
  if (!serial || BN_is_negative(serial.get())) {
    return make_error(ErrorKind::invalid, "the certificate's serial number could not be read");
  }

  std::string bytes(static_cast<std::size_t>(BN_num_bytes(serial.get())), '\0');
  BN_bn2bin(serial.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  if (bytes.empty() || (static_cast<unsigned char>(bytes.front()) & 0x80U) != 0) bytes.insert(0, 1, '\0');
  return bytes;
}

Result<TimePoint> window_time(const nlohmann::json& window, const char* name) {
  const auto found = window.find(name);
  if (found == window.end() || !found->is_string()) {
    return make_error(ErrorKind::invalid,
                      std::string("renewalInfo has no suggestedWindow.") + name + " string");
  }
  const auto time = parse_rfc3339(found->get<std::string>());
  if (!time) {
    return make_error(ErrorKind::invalid, std::string("renewalInfo suggestedWindow.") + name + " `" +
                                              found->get<std::string>() + "` is not an RFC 3339 time");
  }
  return *time;
}

std::filesystem::path cache_path(const std::filesystem::path& state_dir, const std::string& certificate_id) {
  return state_dir / "renewal-info" / (certificate_id + ".json");
}

// The cached window of `certificate_id` while its Retry-After lasts.
std::optional<RenewalWindow> cached_window(const std::filesystem::path& state_dir,
                                           const std::string& certificate_id, TimePoint now) {
  if (state_dir.empty()) return std::nullopt;
  std::ifstream stream(cache_path(state_dir, certificate_id));
  if (!stream) return std::nullopt;
  std::ostringstream text;
  text << stream.rdbuf();

  const nlohmann::json cached = nlohmann::json::parse(text.str(), nullptr, false);
  if (!cached.is_object() || !cached.contains("fetch_after") || !cached["fetch_after"].is_string()) {
    return std::nullopt;
  }
  const auto fetch_after = parse_rfc3339(cached["fetch_after"].get<std::string>());
  if (!fetch_after || now >= *fetch_after) return std::nullopt;

  auto window = parse_renewal_info(cached.value("response", std::string()));
  if (!window) return std::nullopt;
  return std::move(window.value());
}

// Keeps the response for `retry_after` (at most kMaxRenewalInfoCache). A
// cache that cannot be written only costs a request next time.
void cache_window(const std::filesystem::path& state_dir, const std::string& certificate_id,
                  const std::string& response, std::chrono::seconds retry_after, TimePoint now) {
  if (state_dir.empty() || retry_after <= std::chrono::seconds(0)) return;
  const auto kept = std::min<std::chrono::seconds>(retry_after, kMaxRenewalInfoCache);
  const nlohmann::json cached{{"fetch_after", format_rfc3339(now + kept)}, {"response", response}};

  const std::filesystem::path path = cache_path(state_dir, certificate_id);
  if (!create_private_directories(path.parent_path())) return;
  (void)write_file_atomic(path, cached.dump(2) + "\n", 0600);
}

}  // namespace

Result<std::string> renewal_certificate_id(std::string_view fullchain_pem) {
  const BioHandle bio(BIO_new_mem_buf(fullchain_pem.data(), static_cast<int>(fullchain_pem.size())));
  const X509Handle certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!certificate) {
    return make_error(ErrorKind::invalid, "the stored chain contains no PEM certificate");
  }

  const AuthorityKeyIdHandle authority(static_cast<AUTHORITY_KEYID*>(
      X509_get_ext_d2i(certificate.get(), NID_authority_key_identifier, nullptr, nullptr)));
  if (!authority || authority->keyid == nullptr) {
    return make_error(ErrorKind::invalid,
                      "the certificate has no Authority Key Identifier, so it has no renewal "
                      "information identifier");
  }
  const std::string key_id(reinterpret_cast<const char*>(ASN1_STRING_get0_data(authority->keyid)),
                           static_cast<std::size_t>(ASN1_STRING_length(authority->keyid)));

  auto serial = serial_der_content(certificate.get());
  if (!serial) return serial.error();
  return base64url_encode(key_id) + "." + base64url_encode(serial.value());
}

Result<RenewalWindow> parse_renewal_info(std::string_view body) {
  const nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (!document.is_object()) return make_error(ErrorKind::invalid, "renewalInfo is not a JSON object");

  const auto window = document.find("suggestedWindow");
  if (window == document.end() || !window->is_object()) {
    return make_error(ErrorKind::invalid, "renewalInfo has no suggestedWindow object");
  }
  auto start = window_time(*window, "start");
  if (!start) return start.error();
  auto end = window_time(*window, "end");
  if (!end) return end.error();
  if (end.value() <= start.value()) {
    return make_error(ErrorKind::invalid, "renewalInfo suggestedWindow ends at " +
                                              format_rfc3339(end.value()) + ", not after its start " +
                                              format_rfc3339(start.value()));
  }

  RenewalWindow result{start.value(), end.value(), ""};
  const auto explanation = document.find("explanationURL");
  if (explanation != document.end() && explanation->is_string()) result.explanation_url = explanation->get<std::string>();
  return result;
}

AcmeRenewalInfo::AcmeRenewalInfo(AcmeRenewalInfoOptions options) : options_(std::move(options)) {}

Result<std::string> AcmeRenewalInfo::renewal_info_url() {
  if (renewal_info_url_) return *renewal_info_url_;
  if (directory_error_) return *directory_error_;

  http::HttpClient http(http::HttpOptions{options_.ca_bundle, options_.timeout});
  AcmeClient client(http, options_.directory_url, std::chrono::steady_clock::now() + options_.timeout);
  auto fetched = client.fetch_directory();
  if (fetched.has_error()) {
    directory_error_ = fetched.error();
    return fetched.error();
  }

  renewal_info_url_ = client.directory().renewal_info;
  return *renewal_info_url_;
}

Result<std::optional<RenewalWindow>> AcmeRenewalInfo::fetch(const std::string& fullchain_pem) {
  auto certificate_id = renewal_certificate_id(fullchain_pem);
  if (certificate_id.has_error()) return certificate_id.error();

  const TimePoint now = std::chrono::system_clock::now();
  if (auto cached = cached_window(options_.state_dir, certificate_id.value(), now)) {
    return std::optional<RenewalWindow>{std::move(*cached)};
  }

  auto base_url = renewal_info_url();
  if (base_url.has_error()) return base_url.error();
  if (base_url.value().empty()) return std::optional<RenewalWindow>{};

  std::string url = base_url.value();
  if (!url.ends_with('/')) url += '/';
  url += certificate_id.value();

  http::HttpClient http(http::HttpOptions{options_.ca_bundle, options_.timeout});
  auto sent = http.send(http::HttpRequest{"GET", url, {}, ""});
  if (sent.has_error()) return sent.error().with_context("renewalInfo");
  const http::HttpResponse& response = sent.value();
  if (response.status != 200) {
    return make_error(ErrorKind::failed, "renewalInfo (" + http::mask_url(url) + ") returned HTTP status " +
                                             std::to_string(response.status));
  }

  auto window = parse_renewal_info(response.body);
  if (window.has_error()) return window.error().with_context("renewalInfo (" + http::mask_url(url) + ")");

  if (const auto header = response.header("retry-after")) {
    if (const auto retry_after = parse_retry_after(*header, now)) {
      cache_window(options_.state_dir, certificate_id.value(), response.body, *retry_after, now);
    }
  }
  return std::optional<RenewalWindow>{std::move(window.value())};
}

}  // namespace certplan
