// certplan against pebble through the test front of
// tests/e2e/support/acme_front.py, for what Debian's pebble 2.4.0 lacks:
// ACME Renewal Information, profiles, and a CA that returns 429 with
// Retry-After. Each case starts a one-host sandbox, points
// ACME_DIRECTORY_URL at a front on the sandbox's services address and
// issues the first certificate through it.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/plan_time.h"
#include "tests/e2e/support/acme_front.h"
#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::seconds;

const std::string kDomain = "example.com";

// A sandbox whose certplan talks to pebble only through a front.
struct FrontedSandbox {
  FrontedSandbox() : sandbox(SandboxOptions{1, {kDomain}}), front(front_options(sandbox)) {
    replace_env_line("ACME_DIRECTORY_URL=", "ACME_DIRECTORY_URL=" + front.directory_url());
  }

  static AcmeFrontOptions front_options(const Sandbox& started) {
    const fs::path ca = started.dir() / "ca";
    return AcmeFrontOptions{started.base() + ".1", "https://" + started.base() + ".1:14000/dir",
                            ca / "ca.pem", ca / "pebble-listener.pem", ca / "pebble-listener.key"};
  }

  // Replaces the .env line that starts with `prefix`.
  void replace_env_line(const std::string& prefix, const std::string& line) const {
    const fs::path env = sandbox.dir() / ".env";
    std::string text;
    for (const std::string& existing : lines_of(Sandbox::read_file(env))) {
      text += (existing.starts_with(prefix) ? line : existing) + "\n";
    }
    Sandbox::write_file(env, text);
  }

  // Adds `profile: NAME` to the domain in domains.yaml.
  void set_profile(const std::string& profile) const {
    const fs::path domains = sandbox.dir() / "config" / "domains.yaml";
    std::string text;
    for (const std::string& line : lines_of(Sandbox::read_file(domains))) {
      if (line.find("profile:") != std::string::npos) continue;
      text += line + "\n";
      if (line == "    dns_provider: ionos") text += "    profile: " + profile + "\n";
    }
    Sandbox::write_file(domains, text);
  }

  CommandOutput apply() const { return sandbox.run_certplan({"apply", "--auto-approve"}); }

  std::string stored_chain() const { return Sandbox::read_file(sandbox.store_dir(kDomain) / "fullchain.cer"); }

  // The requests of one kind that the front served, oldest first. Requests
  // that pebble rejected with 400 are left out: pebble rejects some nonces
  // on purpose (badNonce), and certplan then sends the request again.
  std::vector<nlohmann::json> requests_of(const std::string& kind) const {
    std::vector<nlohmann::json> found;
    for (const nlohmann::json& request : front.requests()) {
      if (request.at("kind") == kind && request.at("status") != 400) found.push_back(request);
    }
    return found;
  }

  Sandbox sandbox;
  AcmeFront front;
};

std::string base64url(const unsigned char* bytes, int size) {
  std::string encoded(static_cast<std::size_t>(4 * ((size + 2) / 3)) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), bytes, size);
  encoded.resize(static_cast<std::size_t>(length));
  for (char& c : encoded) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return encoded;
}

// The RFC 9773 identifier of the leaf of `pem`, computed here from the DER
// encoding of the serial rather than the way certplan computes it.
std::string certificate_id(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* certificate = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  BOOST_REQUIRE(certificate != nullptr);

  const ASN1_OCTET_STRING* key_id = X509_get0_authority_key_id(certificate);
  BOOST_REQUIRE(key_id != nullptr);
  unsigned char* der = nullptr;
  const int der_size = i2d_ASN1_INTEGER(X509_get0_serialNumber(certificate), &der);
  // A serial of at most 20 octets has a one-byte tag and a one-byte length.
  BOOST_REQUIRE(der_size > 2 && der[1] == der_size - 2);
  std::string id = base64url(ASN1_STRING_get0_data(key_id), ASN1_STRING_length(key_id)) + "." +
                   base64url(der + 2, der_size - 2);
  OPENSSL_free(der);
  X509_free(certificate);
  return id;
}

// Now, cut to the minute, so that the window prints as it was set.
std::chrono::system_clock::time_point this_minute() {
  return std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
}

nlohmann::json window(std::chrono::system_clock::time_point start, std::chrono::system_clock::time_point end) {
  return {{"start", format_rfc3339(start)}, {"end", format_rfc3339(end)}};
}

bool plans_issue(const std::string& plan_output) {
  return plan_output.find("issue:" + kDomain) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(renewal_window_decides_renewal) {
  FrontedSandbox test;
  const CommandOutput first = test.apply();
  BOOST_TEST_INFO("first apply:\n" << first.text() << "\nfront log:\n" << test.front.log());
  BOOST_REQUIRE_EQUAL(first.exit_code, 0);
  const std::string old_chain = test.stored_chain();
  const std::string old_id = certificate_id(old_chain);

  // pebble's certificates last years, so days left alone renew nothing; a
  // window in the future keeps it that way.
  const auto now = this_minute();
  test.front.configure({{"renewal_window", window(now + days(10), now + days(12))}});
  const CommandOutput future = test.sandbox.run_certplan({"plan"});
  BOOST_TEST_INFO("plan with a future window:\n" << future.text());
  BOOST_TEST(future.exit_code == 0);
  BOOST_TEST(!plans_issue(future.out));
  BOOST_TEST(has_line_starting_with(future.out, "No changes."));
  const auto fetches = test.requests_of("renewalInfo");
  BOOST_REQUIRE_EQUAL(fetches.size(), 1u);
  BOOST_TEST(fetches.front().at("certificate_id") == old_id);

  // A window that has started makes the certificate due, with the window
  // in the reason.
  const auto start = now - days(2);
  const auto end = now - days(1);
  test.front.configure({{"renewal_window", window(start, end)}});
  const CommandOutput past = test.sandbox.run_certplan({"plan"});
  BOOST_TEST_INFO("plan with a past window:\n" << past.text());
  BOOST_TEST(past.exit_code == 0);
  BOOST_TEST(plans_issue(past.out));
  BOOST_TEST(past.out.find("the CA suggests renewal between " + format_utc_minute(start) + " and " +
                           format_utc_minute(end) + " (ACME Renewal Information)") != std::string::npos);

  // The renewal's newOrder names the certificate it replaces.
  const std::size_t orders_before = test.front.orders().size();
  const CommandOutput renewal = test.apply();
  BOOST_TEST_INFO("renewing apply:\n" << renewal.text());
  BOOST_REQUIRE_EQUAL(renewal.exit_code, 0);
  const auto orders = test.front.orders();
  BOOST_REQUIRE_EQUAL(orders.size(), orders_before + 1);
  BOOST_TEST(orders.back().value("replaces", "") == old_id);
  BOOST_TEST(test.stored_chain() != old_chain);
  BOOST_TEST(!orders.front().contains("replaces"), "the first order replaces nothing");

  // With a Retry-After, the window is kept, and the next plan reads it from
  // the state directory instead of asking again.
  const std::string new_id = certificate_id(test.stored_chain());
  nlohmann::json cached_window = window(now + days(10), now + days(12));
  cached_window["retry_after"] = 3600;
  test.front.configure({{"renewal_window", cached_window}});
  for (int run = 0; run < 2; ++run) {
    const CommandOutput plan = test.sandbox.run_certplan({"plan"});
    BOOST_TEST_INFO("plan " << run << " with a cached window:\n" << plan.text());
    BOOST_TEST(!plans_issue(plan.out));
  }
  std::size_t fetches_for_new = 0;
  for (const nlohmann::json& request : test.requests_of("renewalInfo")) {
    if (request.at("certificate_id") == new_id) ++fetches_for_new;
  }
  BOOST_TEST(fetches_for_new == 1u);
  const fs::path cache = test.sandbox.dir() / "store" / ".certplan" / "renewal-info" / (new_id + ".json");
  BOOST_TEST(Sandbox::mode_of(cache) == 0600U);
}

// A CA refuses a `replaces` whose certificate it counts as replaced already,
// for example when an earlier renewal's certificate never reached the store.
// The renewal must still happen, ordered again without the member.
BOOST_AUTO_TEST_CASE(refused_replaces_orders_again_without_it) {
  FrontedSandbox test;
  const CommandOutput first = test.apply();
  BOOST_TEST_INFO("first apply:\n" << first.text() << "\nfront log:\n" << test.front.log());
  BOOST_REQUIRE_EQUAL(first.exit_code, 0);
  const std::string old_chain = test.stored_chain();
  const std::string old_id = certificate_id(old_chain);

  const auto now = this_minute();
  test.front.configure({{"renewal_window", window(now - days(2), now - days(1))}, {"refuse_replaces", true}});
  const std::size_t orders_before = test.front.orders().size();
  const CommandOutput renewal = test.apply();
  BOOST_TEST_INFO("renewing apply:\n" << renewal.text() << "\nfront log:\n" << test.front.log());
  BOOST_REQUIRE_EQUAL(renewal.exit_code, 0);
  BOOST_TEST(test.stored_chain() != old_chain);

  std::size_t refused = 0;
  for (const nlohmann::json& request : test.requests_of("newOrder")) {
    if (request.at("status") == 409) ++refused;
  }
  BOOST_TEST(refused == 1u);
  const auto orders = test.front.orders();
  BOOST_REQUIRE_EQUAL(orders.size(), orders_before + 1);
  BOOST_TEST(!orders.back().contains("replaces"));

  const std::string log = test.sandbox.log_text();
  BOOST_TEST_INFO("log file:\n" << log);
  BOOST_TEST(has_line_containing_all(log, {"refused the order as a replacement of " + old_id,
                                           "alreadyReplaced", "ordering again without `replaces`"}));
}

BOOST_AUTO_TEST_CASE(failed_renewal_info_falls_back_to_days) {
  FrontedSandbox test;
  const CommandOutput first = test.apply();
  BOOST_TEST_INFO("first apply:\n" << first.text());
  BOOST_REQUIRE_EQUAL(first.exit_code, 0);

  // The directory lists renewalInfo, but every renewalInfo request fails.
  const auto now = this_minute();
  test.front.configure({{"renewal_window", window(now - days(2), now - days(1))},
                        {"refuse", {{"kind", "renewalInfo"}, {"count", -1}, {"status", 503}, {"retry_after", 1}}}});
  const CommandOutput plan = test.sandbox.run_certplan({"plan"});
  BOOST_TEST_INFO("plan:\n" << plan.text());
  BOOST_TEST(plan.exit_code == 0);
  BOOST_TEST(!plans_issue(plan.out));
  BOOST_TEST(has_line_containing_all(test.sandbox.log_text(),
                                     {"renewal information not available for example.com",
                                      "planning by days left alone"}));

  // The failed fetch blocks nothing: a forced renewal goes ahead and still
  // names the certificate it replaces.
  const std::string old_id = certificate_id(test.stored_chain());
  const CommandOutput forced = test.sandbox.run_certplan({"apply", "--auto-approve", "--force-renew", kDomain});
  BOOST_TEST_INFO("forced apply:\n" << forced.text());
  BOOST_TEST(forced.exit_code == 0);
  const auto orders = test.front.orders();
  BOOST_REQUIRE_EQUAL(orders.size(), 2u);
  BOOST_TEST(orders.back().value("replaces", "") == old_id);
}

BOOST_AUTO_TEST_CASE(profile_is_sent_and_checked) {
  FrontedSandbox test;
  test.front.configure({{"profiles", {{"classic", "the usual 90 days"}, {"shortlived", "6 days"}}}});
  test.set_profile("classic");

  const CommandOutput issued = test.apply();
  BOOST_TEST_INFO("apply with profile classic:\n" << issued.text());
  BOOST_REQUIRE_EQUAL(issued.exit_code, 0);
  const auto orders = test.front.orders();
  BOOST_REQUIRE_EQUAL(orders.size(), 1u);
  BOOST_TEST(orders.front().value("profile", "") == "classic");

  test.set_profile("tlsserver");
  const CommandOutput unknown = test.sandbox.run_certplan({"apply", "--auto-approve", "--force-renew", kDomain});
  BOOST_TEST_INFO("apply with profile tlsserver:\n" << unknown.text());
  BOOST_TEST(unknown.exit_code != 0);
  BOOST_TEST(has_line_containing_all(unknown.text(),
                                     {"domain example.com asks for ACME profile `tlsserver`",
                                      "offers only classic, shortlived",
                                      "set `profile` of example.com in domains.yaml to one of them"}));
  BOOST_TEST(test.front.orders().size() == 1u, "no order was sent for an unknown profile");
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured) {
  FrontedSandbox test;

  // Two refusals of 2 s each, then pebble: the issue succeeds after waiting.
  test.front.configure({{"refuse", {{"kind", "newOrder"}, {"count", 2}, {"status", 429}, {"retry_after", 2}}}});
  const CommandOutput waited = test.apply();
  BOOST_TEST_INFO("apply with two 429s:\n" << waited.text());
  BOOST_REQUIRE_EQUAL(waited.exit_code, 0);
  auto orders = test.requests_of("newOrder");
  BOOST_REQUIRE_EQUAL(orders.size(), 3u);
  BOOST_TEST(orders[0].at("status") == 429);
  BOOST_TEST(orders[1].at("status") == 429);
  BOOST_TEST(orders[2].at("status") == 201);
  BOOST_TEST(orders[1].at("time").get<double>() - orders[0].at("time").get<double>() >= 2.0);
  BOOST_TEST(orders[2].at("time").get<double>() - orders[1].at("time").get<double>() >= 2.0);

  // The HTTP-date form: one refusal until 3 s from now. The date has whole
  // seconds, so the wait is at least 2 s.
  test.front.configure(
      {{"refuse", {{"kind", "newOrder"}, {"count", 1}, {"status", 503}, {"retry_after", 3}, {"http_date", true}}}});
  const CommandOutput dated = test.sandbox.run_certplan({"apply", "--auto-approve", "--force-renew", kDomain});
  BOOST_TEST_INFO("apply with an HTTP-date 503:\n" << dated.text());
  BOOST_REQUIRE_EQUAL(dated.exit_code, 0);
  orders = test.requests_of("newOrder");
  BOOST_REQUIRE_EQUAL(orders.size(), 5u);
  BOOST_TEST(orders[3].at("status") == 503);
  BOOST_TEST(orders[4].at("status") == 201);
  BOOST_TEST(orders[4].at("time").get<double>() - orders[3].at("time").get<double>() >= 1.9);
}

BOOST_AUTO_TEST_CASE(retry_after_past_deadline_backs_off) {
  FrontedSandbox test;

  // Two hours is past the 600 s issuance timeout and longer than the first
  // 1 h backoff step, so the backoff is stretched to the CA's time.
  test.front.configure({{"refuse", {{"kind", "newOrder"}, {"count", -1}, {"status", 429}, {"retry_after", 7200}}}});
  const auto before = std::chrono::system_clock::now();
  const CommandOutput refused = test.apply();
  BOOST_TEST_INFO("apply refused:\n" << refused.text());
  BOOST_TEST(refused.exit_code != 0);
  BOOST_TEST(has_line_containing_all(refused.text(),
                                     {"issue example.com  failed:", "rateLimited: the test front refuses newOrder for now",
                                      "retry after 7200 seconds", "past the issuance deadline"}));
  BOOST_TEST(test.requests_of("newOrder").size() == 1u, "certplan did not wait for 2 hours");

  const fs::path record_path = test.sandbox.dir() / "store" / ".certplan" / "backoff" / "example.com.json";
  const nlohmann::json record = nlohmann::json::parse(Sandbox::read_file(record_path));
  const auto next_attempt = parse_rfc3339(record.at("next_attempt").get<std::string>());
  BOOST_REQUIRE(next_attempt.has_value());
  BOOST_TEST((*next_attempt >= before + seconds(7200) - seconds(1)));
  BOOST_TEST((*next_attempt <= std::chrono::system_clock::now() + seconds(7200) + seconds(1)));

  // The next plan shows the backoff instead of an issue.
  const CommandOutput plan = test.sandbox.run_certplan({"plan"});
  BOOST_TEST_INFO("plan in backoff:\n" << plan.text());
  BOOST_TEST(!plans_issue(plan.out));
  BOOST_TEST(has_line_containing_all(plan.text(), {"example.com: issuance failed 1 time",
                                                   "next attempt after " + format_utc_minute(*next_attempt)}));

  // The HTTP-date form gives up the same way, naming the time.
  test.front.configure(
      {{"refuse", {{"kind", "newOrder"}, {"count", -1}, {"status", 429}, {"retry_after", 7200}, {"http_date", true}}}});
  const CommandOutput dated = test.sandbox.run_certplan({"apply", "--auto-approve", "--force-renew", kDomain});
  BOOST_TEST_INFO("apply refused with an HTTP date:\n" << dated.text());
  BOOST_TEST(dated.exit_code != 0);
  BOOST_TEST(has_line_containing_all(dated.text(), {"rateLimited: the test front refuses newOrder for now",
                                                    "past the issuance deadline"}));
  BOOST_TEST(std::regex_search(dated.text(), std::regex("retry after (7199|7200) seconds \\(at ")));
}

}  // namespace certplan::e2e
