#pragma once

// ACME problem documents (RFC 8555 section 6.7, RFC 7807): the error bodies
// of a CA, turned into an Error whose message an operator can act on.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/result.h"

namespace certplan {

// One identifier's part of a compound error.
struct AcmeSubproblem {
  std::string type;        // short form, e.g. "caa"
  std::string detail;
  std::string identifier;  // the "value" of the identifier, empty if none was given
};

struct AcmeProblem {
  std::string type;        // short form without "urn:ietf:params:acme:error:"
  std::string detail;
  int status = 0;          // the "status" member, 0 when missing
  std::vector<AcmeSubproblem> subproblems;
};

// Reads a problem document; nullopt when `body` is not a JSON object with a
// string "type".
[[nodiscard]] std::optional<AcmeProblem> parse_problem(std::string_view body);

// Reads the problem object found inside a challenge or an order ("error").
[[nodiscard]] std::optional<AcmeProblem> parse_problem_object(const nlohmann::json& object);

// Strips the ACME error namespace: "urn:ietf:params:acme:error:badNonce"
// becomes "badNonce"; other types are returned as they are.
[[nodiscard]] std::string short_problem_type(std::string_view type);

// Describes `problem` in one line: "rateLimited: <detail>", then each
// subproblem as "; <identifier>: <type>: <detail>".
[[nodiscard]] std::string describe_problem(const AcmeProblem& problem);

// Builds the Error of a failed ACME request: "<what> failed: <problem>", plus
// the Retry-After delay for rateLimited and a hint for common types.
[[nodiscard]] Error problem_error(std::string_view what, const AcmeProblem& problem,
                                  std::optional<std::chrono::seconds> retry_after);

}  // namespace certplan
