#include "providers/acme/acme_problem.h"

#include "providers/acme/retry_after.h"

#include <boost/test/unit_test.hpp>

namespace certplan {
namespace {

BOOST_AUTO_TEST_CASE(problem_simple) {
  const auto problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:malformed",
    "detail": "Request payload did not parse as JSON",
    "status": 400})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem->type == "malformed");
  BOOST_TEST(problem->detail == "Request payload did not parse as JSON");
  BOOST_TEST(problem->status == 400);
  BOOST_TEST(problem->subproblems.empty());

  const Error error = problem_error("newOrder (https://127.0.0.1:14000/order-plz)", *problem, std::nullopt);
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(error.message ==
             "newOrder (https://127.0.0.1:14000/order-plz) failed: malformed: Request payload did not "
             "parse as JSON");
}

BOOST_AUTO_TEST_CASE(problem_with_subproblems) {
  const auto problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:rejectedIdentifier",
    "detail": "Some of the identifiers requested were rejected",
    "status": 400,
    "subproblems": [
      {"type": "urn:ietf:params:acme:error:malformed",
       "detail": "Invalid underscore in DNS name \"_example.org\"",
       "identifier": {"type": "dns", "value": "_example.org"}},
      {"type": "urn:ietf:params:acme:error:rejectedIdentifier",
       "detail": "This CA will not issue for \"example.net\"",
       "identifier": {"type": "dns", "value": "example.net"}},
      {"type": "urn:ietf:params:acme:error:caa", "detail": "no identifier here"}
    ]})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_REQUIRE_EQUAL(problem->subproblems.size(), 3u);
  BOOST_TEST(problem->subproblems[0].identifier == "_example.org");
  BOOST_TEST(problem->subproblems[0].type == "malformed");
  BOOST_TEST(problem->subproblems[1].identifier == "example.net");
  BOOST_TEST(problem->subproblems[2].identifier == "");

  BOOST_TEST(describe_problem(*problem) ==
             "rejectedIdentifier: Some of the identifiers requested were rejected; _example.org: "
             "malformed: Invalid underscore in DNS name \"_example.org\"; example.net: "
             "rejectedIdentifier: This CA will not issue for \"example.net\"; caa: no identifier here");
}

BOOST_AUTO_TEST_CASE(problem_rate_limited_with_retry_after) {
  const auto problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:rateLimited",
    "detail": "too many certificates already issued for \"example.com\"",
    "status": 429})");
  BOOST_REQUIRE(problem.has_value());

  const Error error = problem_error("newOrder", *problem, std::chrono::seconds(3600));
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(error.message ==
             "newOrder failed: rateLimited: too many certificates already issued for \"example.com\"; "
             "the CA asks to retry after 3600 seconds");
}

BOOST_AUTO_TEST_CASE(problem_rate_limited_without_retry_after) {
  const auto problem = parse_problem(R"({"type": "urn:ietf:params:acme:error:rateLimited"})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem_error("newOrder", *problem, std::nullopt).message ==
             "newOrder failed: rateLimited; the CA gave no Retry-After, so wait before the next attempt");
}

BOOST_AUTO_TEST_CASE(problem_429_with_http_date) {
  // A 429 whose Retry-After is an HTTP date two hours ahead.
  const auto problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:rateLimited",
    "detail": "too many new orders recently",
    "status": 429})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem->status == 429);
  const auto now = std::chrono::system_clock::from_time_t(1796346000);  // 2026-12-04T01:00:00Z
  const auto retry_after = parse_retry_after("Fri, 04 Dec 2026 03:00:00 GMT", now);
  BOOST_REQUIRE(retry_after.has_value());
  BOOST_TEST(problem_error("newOrder", *problem, retry_after).message ==
             "newOrder failed: rateLimited: too many new orders recently; the CA asks to retry after 7200 "
             "seconds");
}

BOOST_AUTO_TEST_CASE(problem_503_keeps_type) {
  const auto problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:serverInternal",
    "detail": "down for maintenance",
    "status": 503})");
  BOOST_REQUIRE(problem.has_value());
  const Error error = problem_error("newOrder", *problem, std::chrono::seconds(60));
  BOOST_TEST(static_cast<int>(error.kind) == static_cast<int>(ErrorKind::failed));
  BOOST_TEST(error.message == "newOrder failed: serverInternal: down for maintenance");
}

BOOST_AUTO_TEST_CASE(problem_bad_nonce) {
  const auto problem = parse_problem(R"({
    "type": "urn:ietf:params:acme:error:badNonce",
    "detail": "JWS has an invalid anti-replay nonce: \"abc\"",
    "status": 400})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem->type == "badNonce");
  BOOST_TEST(problem->detail == "JWS has an invalid anti-replay nonce: \"abc\"");
}

BOOST_AUTO_TEST_CASE(problem_external_account_hint) {
  const auto problem = parse_problem(
      R"({"type": "urn:ietf:params:acme:error:externalAccountRequired", "detail": "EAB required"})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem_error("newAccount", *problem, std::nullopt).message ==
             "newAccount failed: externalAccountRequired: EAB required; the CA requires External "
             "Account Binding: set ACME_EAB_KID and ACME_EAB_HMAC_KEY");
}

BOOST_AUTO_TEST_CASE(problem_dns_hint_skips_accounts) {
  const auto problem = parse_problem(
      R"({"type": "urn:ietf:params:acme:error:unauthorized", "detail": "bad binding"})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem_error("newAccount (https://127.0.0.1:14000/sign-me-up)", *problem,
                           std::nullopt)
                 .message ==
             "newAccount (https://127.0.0.1:14000/sign-me-up) failed: unauthorized: bad binding");
  BOOST_TEST(problem_error("finalize", *problem, std::nullopt).message ==
             "finalize failed: unauthorized: bad binding; check that the TXT record "
             "_acme-challenge.<domain> is visible to the CA");
}

BOOST_AUTO_TEST_CASE(problem_foreign_type_kept) {
  const auto problem = parse_problem(R"({"type": "about:blank", "status": 500})");
  BOOST_REQUIRE(problem.has_value());
  BOOST_TEST(problem->type == "about:blank");
  BOOST_TEST(problem->status == 500);
  BOOST_TEST(static_cast<int>(problem_error("x", *problem, std::nullopt).kind) ==
             static_cast<int>(ErrorKind::failed));
}

BOOST_AUTO_TEST_CASE(problem_not_a_problem) {
  BOOST_TEST(!parse_problem("<html>502 Bad Gateway</html>").has_value());
  BOOST_TEST(!parse_problem(R"({"detail": "no type"})").has_value());
  BOOST_TEST(!parse_problem(R"(["urn:ietf:params:acme:error:malformed"])").has_value());
  BOOST_TEST(!parse_problem("").has_value());
}

}  // namespace
}  // namespace certplan
