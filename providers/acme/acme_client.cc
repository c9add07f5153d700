#include "providers/acme/acme_client.h"

#include <utility>

#include "engine/plan_time.h"

#include "providers/acme/acme_problem.h"
#include "providers/acme/retry_after.h"

namespace certplan {

namespace {

// pebble rejects 5% of good nonces by default, and a CA may expire a nonce,
// so a few fresh attempts are normal. With 60% rejected (the hardest pebble
// case tested), 21 rejections in a row happen with probability 0.6^21, about
// 2e-5 per request, so twenty retries in a row means something is broken.
constexpr int kMaxBadNonceRetries = 20;

std::string string_member(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return "";
  return found->get<std::string>();
}

std::optional<std::chrono::seconds> retry_after_of(const http::HttpResponse& response) {
  const auto value = response.header("retry-after");
  if (!value) return std::nullopt;
  return parse_retry_after(*value, std::chrono::system_clock::now());
}

// meta.profiles maps each profile name to a description, which may be
// missing or not a string in the wild; only the names matter here.
std::map<std::string, std::string> profiles_of(const nlohmann::json& meta) {
  std::map<std::string, std::string> profiles;
  const auto listed = meta.find("profiles");
  if (listed == meta.end() || !listed->is_object()) return profiles;
  for (const auto& [name, description] : listed->items()) {
    profiles.emplace(name, description.is_string() ? description.get<std::string>() : "");
  }
  return profiles;
}

// The wait of a refused 429 or 503, appended to the CA's error so that the
// operator sees when the CA takes requests again. problem_error() already
// names the delay of a rateLimited problem.
std::string refused_wait(std::chrono::seconds retry_after, bool delay_named) {
  const auto until = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) +
                     retry_after;
  std::string text = delay_named ? "" : "; the CA asks to retry after " + std::to_string(retry_after.count()) + " seconds";
  return text + " (at " + format_rfc3339(until) + "), which is past the issuance deadline";
}

AcmeResponse to_acme_response(http::HttpResponse&& response) {
  AcmeResponse result;
  result.status = response.status;
  result.location = response.header("location").value_or("");
  result.retry_after = retry_after_of(response);
  result.json = nlohmann::json::parse(response.body, nullptr, false);
  if (result.json.is_discarded()) result.json = nullptr;
  result.body = std::move(response.body);
  return result;
}

// The error for a status of 400 or more whose body is no problem document.
Error status_error(std::string_view what, const std::string& url, const http::HttpResponse& response) {
  const std::string excerpt = response.body.substr(0, 200);
  return make_error(ErrorKind::failed, std::string(what) + " (" + http::mask_url(url) +
                                           ") failed with HTTP status " +
                                           std::to_string(response.status) + ": " + excerpt);
}

}  // namespace

AcmeClient::AcmeClient(http::HttpClient& http, std::string directory_url, SteadyTime deadline)
    : http_(http), directory_url_(std::move(directory_url)), deadline_(deadline) {}

Result<void> AcmeClient::fetch_directory() {
  auto sent = http_.send(http::HttpRequest{"GET", directory_url_, {}, ""});
  if (sent.has_error()) {
    return sent.error().with_context(
        "could not fetch the ACME directory (check ACME_DIRECTORY_URL and ACME_CA_BUNDLE)");
  }

  const http::HttpResponse& response = sent.value();
  if (response.status != 200) {
    return make_error(ErrorKind::failed, "the ACME directory " + http::mask_url(directory_url_) +
                                             " returned HTTP status " +
                                             std::to_string(response.status) +
                                             "; check ACME_DIRECTORY_URL");
  }

  const nlohmann::json document = nlohmann::json::parse(response.body, nullptr, false);
  if (!document.is_object()) {
    return make_error(ErrorKind::invalid, "the ACME directory " + http::mask_url(directory_url_) +
                                              " is not a JSON object; check ACME_DIRECTORY_URL");
  }

  AcmeResourceUrls directory;
  directory.new_nonce = string_member(document, "newNonce");
  directory.new_account = string_member(document, "newAccount");
  directory.new_order = string_member(document, "newOrder");
  const auto meta = document.find("meta");
  if (meta != document.end() && meta->is_object()) {
    directory.external_account_required = meta->value("externalAccountRequired", false);
    directory.profiles = profiles_of(*meta);
  }
  directory.renewal_info = string_member(document, "renewalInfo");
  if (directory.new_nonce.empty() || directory.new_account.empty() || directory.new_order.empty()) {
    return make_error(ErrorKind::invalid,
                      "the ACME directory " + http::mask_url(directory_url_) +
                          " lacks newNonce, newAccount or newOrder; check ACME_DIRECTORY_URL");
  }

  directory_ = std::move(directory);
  return success();
}

Result<AcmeResponse> AcmeClient::post(const JwsSigner& signer, const std::string& url,
                                      const nlohmann::json& payload, std::string_view what) {
  return send_signed(signer, url, payload.dump(), what, "");
}

Result<AcmeResponse> AcmeClient::post_as_get(const JwsSigner& signer, const std::string& url,
                                             std::string_view what, const std::string& accept) {
  return send_signed(signer, url, "", what, accept);
}

Result<AcmeResponse> AcmeClient::send_signed(const JwsSigner& signer, const std::string& url,
                                             const std::string& payload, std::string_view what,
                                             const std::string& accept) {
  int bad_nonce_retries = 0;
  while (true) {
    if (std::chrono::steady_clock::now() > deadline_) {
      return make_error(ErrorKind::timed_out,
                        std::string(what) + " did not finish before the ACME timeout");
    }

    auto nonce = take_nonce();
    if (nonce.has_error()) return nonce.error();

    http::HttpRequest request{"POST", url, {{"Content-Type", "application/jose+json"}}, ""};
    if (!accept.empty()) request.headers.emplace_back("Accept", accept);
    request.body = sign_jws(signer, url, nonce.value(), payload);

    auto sent = http_.send(request);
    if (sent.has_error()) return sent.error().with_context(what);
    http::HttpResponse& response = sent.value();
    keep_nonce(response);

    if (response.status < 400) return to_acme_response(std::move(response));

    const auto problem = parse_problem(response.body);
    const auto retry_after = retry_after_of(response);
    const std::string step = std::string(what) + " (" + http::mask_url(url) + ")";

    // The error response carries a fresh nonce, which keep_nonce() pooled.
    if (problem && problem->type == "badNonce" && bad_nonce_retries < kMaxBadNonceRetries) {
      ++bad_nonce_retries;
      continue;
    }

    // The CA asked to come back later. Wait as asked unless that passes the
    // deadline, in which case its problem becomes the error.
    if ((response.status == 429 || response.status == 503) && retry_after &&
        std::chrono::steady_clock::now() + *retry_after <= deadline_) {
      auto slept = sleep_before_deadline(*retry_after, deadline_, step);
      if (slept.has_error()) return slept.error();
      continue;
    }

    const bool refused = (response.status == 429 || response.status == 503) && retry_after;
    if (refused) refused_retry_after_ = retry_after;
    Error error = problem ? problem_error(step, *problem, retry_after) : status_error(what, url, response);
    if (refused) error.message += refused_wait(*retry_after, problem && problem->type == "rateLimited");
    return error;
  }
}

Result<std::string> AcmeClient::take_nonce() {
  {
    const std::lock_guard lock(nonce_mutex_);
    if (!nonces_.empty()) {
      std::string nonce = std::move(nonces_.front());
      nonces_.pop_front();
      return nonce;
    }
  }

  auto sent = http_.send(http::HttpRequest{"HEAD", directory_.new_nonce, {}, ""});
  if (sent.has_error()) return sent.error().with_context("newNonce");

  const auto nonce = sent.value().header("replay-nonce");
  if (!nonce || nonce->empty()) {
    return make_error(ErrorKind::invalid, "newNonce (" + http::mask_url(directory_.new_nonce) +
                                              ") returned HTTP status " +
                                              std::to_string(sent.value().status) +
                                              " without a Replay-Nonce header");
  }
  return *nonce;
}

void AcmeClient::keep_nonce(const http::HttpResponse& response) {
  auto nonce = response.header("replay-nonce");
  if (!nonce || nonce->empty()) return;

  const std::lock_guard lock(nonce_mutex_);
  nonces_.push_back(std::move(*nonce));
}

}  // namespace certplan
