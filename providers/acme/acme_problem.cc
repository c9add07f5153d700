#include "providers/acme/acme_problem.h"

#include <string>

namespace certplan {

namespace {

constexpr std::string_view kAcmeErrorPrefix = "urn:ietf:params:acme:error:";

std::string string_member(const nlohmann::json& object, const char* name) {
  const auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return "";
  return found->get<std::string>();
}

ErrorKind kind_of(std::string_view type) {
  if (type == "malformed" || type == "badCSR" || type == "rejectedIdentifier" ||
      type == "unsupportedIdentifier" || type == "invalidContact" || type == "badSignatureAlgorithm" ||
      type == "badPublicKey") {
    return ErrorKind::invalid;
  }
  if (type == "unauthorized" || type == "rateLimited" || type == "caa" ||
      type == "externalAccountRequired" || type == "userActionRequired" ||
      type == "accountDoesNotExist" || type == "badRevocationReason") {
    return ErrorKind::rejected;
  }
  if (type == "connection" || type == "dns") return ErrorKind::unreachable;
  return ErrorKind::failed;
}

// `what` names the request. Account requests involve no challenge record,
// so they never get the DNS hint.
std::string hint_for(std::string_view type, std::string_view what) {
  if (type == "externalAccountRequired") {
    return "; the CA requires External Account Binding: set ACME_EAB_KID and ACME_EAB_HMAC_KEY";
  }
  if (type == "accountDoesNotExist") {
    return "; the stored account is unknown to this CA: remove account.json of this directory URL "
           "under the state directory to register again";
  }
  if (type == "caa") return "; check the CAA records of the domain";
  const bool account_request = what.starts_with("newAccount");
  if (!account_request && (type == "dns" || type == "unauthorized" || type == "incorrectResponse")) {
    return "; check that the TXT record _acme-challenge.<domain> is visible to the CA";
  }
  return "";
}

}  // namespace

std::optional<AcmeProblem> parse_problem_object(const nlohmann::json& object) {
  if (!object.is_object()) return std::nullopt;
  const auto type = object.find("type");
  if (type == object.end() || !type->is_string()) return std::nullopt;

  AcmeProblem problem;
  problem.type = short_problem_type(type->get<std::string>());
  problem.detail = string_member(object, "detail");
  const auto status = object.find("status");
  if (status != object.end() && status->is_number_integer()) problem.status = status->get<int>();

  const auto subproblems = object.find("subproblems");
  if (subproblems != object.end() && subproblems->is_array()) {
    for (const nlohmann::json& item : *subproblems) {
      if (!item.is_object()) continue;
      AcmeSubproblem subproblem;
      subproblem.type = short_problem_type(string_member(item, "type"));
      subproblem.detail = string_member(item, "detail");
      const auto identifier = item.find("identifier");
      if (identifier != item.end() && identifier->is_object()) {
        subproblem.identifier = string_member(*identifier, "value");
      }
      problem.subproblems.push_back(std::move(subproblem));
    }
  }
  return problem;
}

std::optional<AcmeProblem> parse_problem(std::string_view body) {
  const nlohmann::json object = nlohmann::json::parse(body, nullptr, false);
  if (object.is_discarded()) return std::nullopt;
  return parse_problem_object(object);
}

std::string short_problem_type(std::string_view type) {
  if (type.starts_with(kAcmeErrorPrefix)) type.remove_prefix(kAcmeErrorPrefix.size());
  return std::string(type);
}

std::string describe_problem(const AcmeProblem& problem) {
  std::string text = problem.type;
  if (!problem.detail.empty()) text += ": " + problem.detail;

  for (const AcmeSubproblem& subproblem : problem.subproblems) {
    text += "; ";
    if (!subproblem.identifier.empty()) text += subproblem.identifier + ": ";
    text += subproblem.type;
    if (!subproblem.detail.empty()) text += ": " + subproblem.detail;
  }
  return text;
}

Error problem_error(std::string_view what, const AcmeProblem& problem,
                    std::optional<std::chrono::seconds> retry_after) {
  std::string message = std::string(what) + " failed: " + describe_problem(problem);

  if (problem.type == "rateLimited") {
    message += retry_after ? "; the CA asks to retry after " + std::to_string(retry_after->count()) +
                                 " seconds"
                           : "; the CA gave no Retry-After, so wait before the next attempt";
  }
  message += hint_for(problem.type, what);
  return make_error(kind_of(problem.type), message);
}

}  // namespace certplan
