#pragma once

// The steps of one ACME order (RFC 8555 section 7.4): newOrder, the dns-01
// challenges of its authorizations, polling, finalize and download.

#include <string>
#include <vector>

#include "providers/acme/acme_client.h"
#include "state/result.h"

namespace certplan {

struct AcmeOrder {
  std::string url;
  std::string finalize_url;
  std::vector<std::string> authorization_urls;
};

// The dns-01 challenge of one authorization that still needs validation.
struct Dns01Challenge {
  std::string identifier;         // as in the authorization: "example.com" also for "*.example.com"
  bool wildcard = false;
  std::string authorization_url;
  std::string challenge_url;
  std::string token;
};

// Members of a new order besides its names.
struct OrderOptions {
  std::string profile;   // the "profile" member; left out when empty
  std::string replaces;  // the "replaces" member (RFC 9773 certificate identifier); left out when empty
};

// The newOrder payload for `names` (wildcards as dns identifiers
// "*.example.com") with the members of `options` that are set.
[[nodiscard]] nlohmann::json new_order_payload(const std::vector<std::string>& names,
                                               const OrderOptions& options);

// Creates an order for `names` with new_order_payload().
[[nodiscard]] Result<AcmeOrder> create_order(AcmeClient& client, const JwsSigner& signer,
                                             const std::vector<std::string>& names,
                                             const OrderOptions& options = {});

// Fetches every authorization of `order` and returns the dns-01 challenge of
// each pending one; an authorization that is already valid needs none.
// Fails when a pending authorization offers no dns-01 challenge.
[[nodiscard]] Result<std::vector<Dns01Challenge>> pending_dns01_challenges(
    AcmeClient& client, const JwsSigner& signer, const AcmeOrder& order);

// Tells the CA that the record of `challenge` is in place (POST {}).
[[nodiscard]] Result<void> respond_to_challenge(AcmeClient& client, const JwsSigner& signer,
                                                const Dns01Challenge& challenge);

// Polls the authorizations of `challenges` until none is pending. Fails
// with the CA's error for each identifier whose authorization is invalid.
[[nodiscard]] Result<void> wait_for_authorizations(AcmeClient& client, const JwsSigner& signer,
                                                   const std::vector<Dns01Challenge>& challenges);

// Sends the CSR (DER) to finalize, polls the order until it is valid and
// returns its certificate URL.
[[nodiscard]] Result<std::string> finalize_order(AcmeClient& client, const JwsSigner& signer,
                                                 const AcmeOrder& order, const std::string& csr_der);

// Downloads the PEM chain at `certificate_url`.
[[nodiscard]] Result<std::string> download_certificate(AcmeClient& client, const JwsSigner& signer,
                                                       const std::string& certificate_url);

}  // namespace certplan
