// A whole `certplan apply` for one certificate with the apex and the
// wildcard name, through the fake IONOS API. Both names validate at the one
// record name _acme-challenge.example.com, so its two TXT values must exist
// side by side, and both must be gone afterwards.

#include <algorithm>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "providers/http/http_client.h"
#include "state/certificate.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

// GETs a /_test/ path of the fake IONOS API, which needs no API key.
nlohmann::json fake_ionos_get(const Sandbox& sandbox, const std::string& path) {
  const std::string facts = Sandbox::read_file(sandbox.dir() / "sandbox.env");
  const std::string key = "\nIONOS_API_URL=";
  const auto start = facts.find(key);
  BOOST_REQUIRE(start != std::string::npos);
  const auto end = facts.find('\n', start + key.size());
  const std::string url = facts.substr(start + key.size(), end - start - key.size());

  http::HttpClient client(http::HttpOptions{});
  auto response = client.send(http::HttpRequest{"GET", url + path, {}, ""});
  BOOST_REQUIRE_MESSAGE(response.has_value(),
                        (response.has_error() ? response.error().message : ""));
  BOOST_REQUIRE_EQUAL(response.value().status, 200);
  return nlohmann::json::parse(response.value().body);
}

bool is_record_request(const nlohmann::json& request, const std::string& method) {
  const std::string path = request.at("path");
  return request.at("method") == method && path.starts_with("/v1/zones/") &&
         path.find("/records") != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(apex_and_wildcard_apply) {
  Sandbox sandbox(SandboxOptions{1, {"example.com"}});
  Sandbox::write_file(sandbox.dir() / "config" / "domains.yaml",
                      "domains:\n"
                      "  - domain: example.com\n"
                      "    alt_names: [\"*.example.com\"]\n"
                      "    dns_provider: ionos\n"
                      "    servers: [web-01]\n");

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_REQUIRE(apply.exit_code == 0);

  // The store contains one certificate with both names, and web-01 serves it.
  const std::string fullchain = Sandbox::read_file(sandbox.store_dir("example.com") / "fullchain.cer");
  auto facts = parse_certificate_chain(fullchain);
  BOOST_REQUIRE_MESSAGE(facts.has_value(), (facts.has_error() ? facts.error().message : ""));
  const std::vector<std::string> names{"*.example.com", "example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
  BOOST_TEST(sandbox.served_fingerprint(1, "example.com") == pem_leaf_fingerprint(fullchain));

  // certplan created two records, one per authorization, and deleted none
  // before the second existed, so both values were published at once. POST
  // adds a record, whereas PATCH would replace every TXT value at the name.
  const nlohmann::json requests = fake_ionos_get(sandbox, "/_test/requests");
  std::vector<std::string> record_calls;
  for (const nlohmann::json& request : requests) {
    if (is_record_request(request, "POST")) record_calls.push_back("POST");
    if (is_record_request(request, "DELETE")) record_calls.push_back("DELETE");
    BOOST_TEST(request.at("method") != "PATCH", request.dump());
  }
  const std::vector<std::string> expected_calls{"POST", "POST", "DELETE", "DELETE"};
  BOOST_TEST_INFO("requests:\n" << requests.dump(1));
  BOOST_TEST(record_calls == expected_calls, boost::test_tools::per_element());

  // Each record lookup requested the TXT records of the one challenge name.
  for (const nlohmann::json& request : requests) {
    if (request.at("method") != "GET" || !request.at("query").contains("recordName")) continue;
    BOOST_TEST(request.at("query").at("recordName").at(0) == "_acme-challenge.example.com",
               request.dump());
  }

  // Nothing is left in the zone.
  const nlohmann::json records = fake_ionos_get(sandbox, "/_test/records");
  BOOST_TEST(records.empty(), records.dump());
}

}  // namespace certplan::e2e
