#include "providers/acme/acme_order.h"

#include <algorithm>

#include "providers/acme/acme_problem.h"
#include "providers/acme/backoff.h"
#include "providers/acme/base64url.h"

namespace certplan {

namespace {

std::string string_member(const nlohmann::json& object, const char* name) {
  if (!object.is_object()) return "";
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return "";
  return found->get<std::string>();
}

// Describes the "error" member of `object`. A missing error becomes "the CA
// gave no reason", so that the message still names the identifier and status.
std::string problem_text(const nlohmann::json& object) {
  const auto problem = parse_problem_object(object.is_object() ? object.value("error", nlohmann::json())
                                                               : nlohmann::json());
  return problem ? describe_problem(*problem) : "the CA gave no reason";
}

const nlohmann::json* find_dns01(const nlohmann::json& authorization) {
  const auto challenges = authorization.find("challenges");
  if (challenges == authorization.end() || !challenges->is_array()) return nullptr;
  for (const nlohmann::json& challenge : *challenges) {
    if (string_member(challenge, "type") == "dns-01") return &challenge;
  }
  return nullptr;
}

std::string identifier_of(const nlohmann::json& authorization) {
  const auto identifier = authorization.find("identifier");
  if (identifier == authorization.end()) return "";
  return string_member(*identifier, "value");
}

Result<nlohmann::json> fetch_json(AcmeClient& client, const JwsSigner& signer, const std::string& url,
                                  std::string_view what) {
  auto response = client.post_as_get(signer, url, what);
  if (response.has_error()) return response.error();
  if (!response.value().json.is_object()) {
    return make_error(ErrorKind::invalid, std::string(what) + " (" + url + ") did not return a JSON object");
  }
  return std::move(response.value().json);
}

// Polls one authorization until it leaves "pending"; returns its last state.
Result<nlohmann::json> poll_authorization(AcmeClient& client, const JwsSigner& signer,
                                          const std::string& url) {
  Backoff backoff;
  while (true) {
    auto response = client.post_as_get(signer, url, "authorization");
    if (response.has_error()) return response.error();
    if (!response.value().json.is_object()) {
      return make_error(ErrorKind::invalid, "authorization " + url + " did not return a JSON object");
    }

    const std::string status = string_member(response.value().json, "status");
    if (status != "pending" && status != "processing") return std::move(response.value().json);

    auto slept = sleep_before_deadline(backoff.next(response.value().retry_after), client.deadline(),
                                       "validation of authorization " + url);
    if (slept.has_error()) return slept.error();
  }
}

// The error of one identifier whose authorization ended in `authorization`.
std::string authorization_failure(const nlohmann::json& authorization) {
  const std::string identifier = identifier_of(authorization);
  const std::string status = string_member(authorization, "status");
  const nlohmann::json* challenge = find_dns01(authorization);
  const std::string reason = challenge ? problem_text(*challenge) : "the CA gave no reason";
  return identifier + ": authorization " + status + ": " + reason;
}

}  // namespace

nlohmann::json new_order_payload(const std::vector<std::string>& names, const OrderOptions& options) {
  nlohmann::json identifiers = nlohmann::json::array();
  for (const std::string& name : names) identifiers.push_back({{"type", "dns"}, {"value", name}});

  nlohmann::json payload{{"identifiers", identifiers}};
  if (!options.profile.empty()) payload["profile"] = options.profile;
  if (!options.replaces.empty()) payload["replaces"] = options.replaces;
  return payload;
}

Result<AcmeOrder> create_order(AcmeClient& client, const JwsSigner& signer,
                               const std::vector<std::string>& names, const OrderOptions& options) {
  auto response = client.post(signer, client.directory().new_order, new_order_payload(names, options),
                              "newOrder");
  if (response.has_error()) return response.error();

  AcmeOrder order;
  order.url = response.value().location;
  order.finalize_url = string_member(response.value().json, "finalize");
  const nlohmann::json& body = response.value().json;
  if (body.is_object() && body.contains("authorizations") && body["authorizations"].is_array()) {
    for (const nlohmann::json& url : body["authorizations"]) {
      if (url.is_string()) order.authorization_urls.push_back(url.get<std::string>());
    }
  }

  if (order.url.empty() || order.finalize_url.empty() || order.authorization_urls.empty()) {
    return make_error(ErrorKind::invalid,
                      "newOrder returned no order URL, finalize URL or authorizations");
  }
  return order;
}

Result<std::vector<Dns01Challenge>> pending_dns01_challenges(AcmeClient& client,
                                                             const JwsSigner& signer,
                                                             const AcmeOrder& order) {
  std::vector<Dns01Challenge> challenges;
  for (const std::string& url : order.authorization_urls) {
    auto authorization = fetch_json(client, signer, url, "authorization");
    if (authorization.has_error()) return authorization.error();
    const nlohmann::json& body = authorization.value();

    const std::string status = string_member(body, "status");
    if (status == "valid") continue;
    if (status != "pending") {
      return make_error(ErrorKind::failed, authorization_failure(body));
    }

    const nlohmann::json* challenge = find_dns01(body);
    if (challenge == nullptr) {
      return make_error(ErrorKind::rejected,
                        identifier_of(body) + ": the CA offers no dns-01 challenge for this name");
    }

    Dns01Challenge item;
    item.identifier = identifier_of(body);
    item.wildcard = body.value("wildcard", false);
    item.authorization_url = url;
    item.challenge_url = string_member(*challenge, "url");
    item.token = string_member(*challenge, "token");
    if (item.identifier.empty() || item.challenge_url.empty() || item.token.empty()) {
      return make_error(ErrorKind::invalid,
                        "authorization " + url + " lacks an identifier, challenge URL or token");
    }
    challenges.push_back(std::move(item));
  }
  return challenges;
}

Result<void> respond_to_challenge(AcmeClient& client, const JwsSigner& signer,
                                  const Dns01Challenge& challenge) {
  auto response = client.post(signer, challenge.challenge_url, nlohmann::json::object(),
                              "dns-01 challenge of " + challenge.identifier);
  if (response.has_error()) return response.error();
  return success();
}

Result<void> wait_for_authorizations(AcmeClient& client, const JwsSigner& signer,
                                     const std::vector<Dns01Challenge>& challenges) {
  std::vector<std::string> failed;
  for (const Dns01Challenge& challenge : challenges) {
    auto authorization = poll_authorization(client, signer, challenge.authorization_url);
    if (authorization.has_error()) return authorization.error();
    if (string_member(authorization.value(), "status") == "valid") continue;
    failed.push_back(authorization_failure(authorization.value()));
  }

  // A CA may list an order's authorizations in any order, so the failures
  // (each starting with its identifier) are sorted for a stable message.
  std::sort(failed.begin(), failed.end());
  std::string failures;
  for (const std::string& failure : failed) {
    if (!failures.empty()) failures += "; ";
    failures += failure;
  }

  if (!failures.empty()) return make_error(ErrorKind::rejected, "DNS-01 validation failed: " + failures);
  return success();
}

Result<std::string> finalize_order(AcmeClient& client, const JwsSigner& signer,
                                   const AcmeOrder& order, const std::string& csr_der) {
  auto finalized = client.post(signer, order.finalize_url,
                               nlohmann::json{{"csr", base64url_encode(csr_der)}}, "finalize");
  if (finalized.has_error()) return finalized.error();

  nlohmann::json state = std::move(finalized.value().json);
  std::optional<std::chrono::seconds> retry_after = finalized.value().retry_after;
  Backoff backoff;
  while (true) {
    const std::string status = string_member(state, "status");
    if (status == "valid") break;
    if (status == "invalid") {
      return make_error(ErrorKind::rejected, "order " + order.url + " became invalid: " + problem_text(state));
    }

    auto slept = sleep_before_deadline(backoff.next(retry_after), client.deadline(),
                                       "issuance of order " + order.url);
    if (slept.has_error()) return slept.error();

    auto polled = client.post_as_get(signer, order.url, "order");
    if (polled.has_error()) return polled.error();
    state = std::move(polled.value().json);
    retry_after = polled.value().retry_after;
  }

  const std::string certificate_url = string_member(state, "certificate");
  if (certificate_url.empty()) {
    return make_error(ErrorKind::invalid, "order " + order.url + " is valid but names no certificate URL");
  }
  return certificate_url;
}

Result<std::string> download_certificate(AcmeClient& client, const JwsSigner& signer,
                                         const std::string& certificate_url) {
  auto response =
      client.post_as_get(signer, certificate_url, "certificate download", "application/pem-certificate-chain");
  if (response.has_error()) return response.error();
  if (response.value().body.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return make_error(ErrorKind::invalid,
                      "certificate download (" + certificate_url + ") returned no PEM certificate");
  }
  return std::move(response.value().body);
}

}  // namespace certplan
