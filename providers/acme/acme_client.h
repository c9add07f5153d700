#pragma once

// The transport of RFC 8555: the directory, the nonce pool, signed POST and
// POST-as-GET, with the retries the protocol expects (badNonce, and
// Retry-After on 429 and 503) inside one deadline.

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "providers/acme/backoff.h"
#include "providers/acme/jws.h"
#include "providers/http/http_client.h"
#include "state/result.h"

namespace certplan {

// The resource URLs of an ACME server.
struct AcmeResourceUrls {
  std::string new_nonce;
  std::string new_account;
  std::string new_order;
  bool external_account_required = false;  // meta.externalAccountRequired
  std::string renewal_info;                // RFC 9773; empty when the CA offers none
  // meta.profiles: profile name -> description. Empty when the CA lists none.
  std::map<std::string, std::string> profiles;
};

// A successful response (status below 400) of the CA.
struct AcmeResponse {
  int status = 0;
  std::string location;                           // the Location header, may be empty
  std::optional<std::chrono::seconds> retry_after;
  nlohmann::json json;                            // null unless the body is JSON
  std::string body;
};

// One conversation with one ACME server. The nonce pool is locked, so a
// client may be shared by threads; the HTTP client then serialises their
// requests.
class AcmeClient {
 public:
  // `http` must outlive the client. Every request fails with
  // ErrorKind::timed_out once `deadline` has passed.
  AcmeClient(http::HttpClient& http, std::string directory_url, SteadyTime deadline);
  AcmeClient(const AcmeClient&) = delete;
  AcmeClient& operator=(const AcmeClient&) = delete;

  // Fetches the directory; ErrorKind::unreachable names the URL when the CA
  // cannot be reached, ErrorKind::invalid when the document lacks a URL.
  [[nodiscard]] Result<void> fetch_directory();

  // The directory of the last successful fetch_directory().
  [[nodiscard]] const AcmeResourceUrls& directory() const { return directory_; }
  [[nodiscard]] const std::string& directory_url() const { return directory_url_; }
  [[nodiscard]] SteadyTime deadline() const { return deadline_; }

  // The Retry-After of the last 429 or 503 that ended a request because the
  // wait would have passed the deadline; nullopt when none did.
  [[nodiscard]] std::optional<std::chrono::seconds> refused_retry_after() const {
    return refused_retry_after_;
  }

  // Sends `payload` (JSON) signed by `signer` to `url`. `what` names the
  // step in errors ("newOrder"). Retries a badNonce up to a bound and a
  // 429/503 with Retry-After while the deadline allows.
  [[nodiscard]] Result<AcmeResponse> post(const JwsSigner& signer, const std::string& url,
                                          const nlohmann::json& payload, std::string_view what);

  // POST-as-GET of `url` (empty payload); `accept` sets the Accept header
  // when not empty.
  [[nodiscard]] Result<AcmeResponse> post_as_get(const JwsSigner& signer, const std::string& url,
                                                 std::string_view what, const std::string& accept = "");

 private:
  [[nodiscard]] Result<AcmeResponse> send_signed(const JwsSigner& signer, const std::string& url,
                                                 const std::string& payload, std::string_view what,
                                                 const std::string& accept);
  [[nodiscard]] Result<std::string> take_nonce();
  void keep_nonce(const http::HttpResponse& response);

  http::HttpClient& http_;
  std::string directory_url_;
  SteadyTime deadline_;
  AcmeResourceUrls directory_;
  std::mutex nonce_mutex_;
  std::deque<std::string> nonces_;
  std::optional<std::chrono::seconds> refused_retry_after_;
};

}  // namespace certplan
