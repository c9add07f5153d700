#include <boost/test/unit_test.hpp>

#include "engine/observation_digest.h"
#include "plan_fixtures.h"

using namespace certplan;
using namespace certplan::testing;

namespace {

// Three servers and three domains with every kind of entry: a certificate
// with its key, a missing key, errors with characters JSON must escape, an
// unreachable server, a server never observed, and absent and broken
// store entries.
struct World {
  DesiredState desired = two_server_desired();
  ObservedState observed = all_in_place(desired, valid_certificate());

  World() {
    desired.servers.push_back(make_server("webserver-03", "127.0.0.13"));
    add_domain(desired, "b.example", {"webserver-01", "webserver-03"});
    add_domain(desired, "a.example", {"webserver-01"});

    ServerObservation& first = observed.servers["webserver-01"];
    first.files["b.example"].deployed = with_key(older_certificate(), KeyState::missing);
    first.served["b.example"].error = "handshake failed: \"alert 40\"\n\tthen\x01 closed";
    first.files["a.example"].error = "/etc/nginx/ssl/a.example/fullchain.pem: no certificate";
    first.served["a.example"].leaf = share_facts(older_certificate());

    observed.servers["webserver-02"] = unreachable("connection refused");
    observed.store["b.example"].error = "unreadable";
  }
};

}  // namespace

// Saved plans contain the digests and apply compares them with fresh ones,
// so these tests pin the canonical texts byte for byte.
BOOST_AUTO_TEST_CASE(host_texts_are_pinned) {
  World world;

  const std::string first = canonical_host_text(world.desired, world.observed, PlanScope{}, "webserver-01");
  const std::string second = canonical_host_text(world.desired, world.observed, PlanScope{}, "webserver-02");
  const std::string third = canonical_host_text(world.desired, world.observed, PlanScope{}, "webserver-03");

  BOOST_TEST(first == R"json({"domains":{"a.example":{"files":{"deployed":null,"error":"/etc/nginx/ssl/a.example/fullchain.pem: no certificate"},"served":{"error":"","fingerprint":"9c:11:20:02"}},"b.example":{"files":{"deployed":{"fingerprint":"9c:11:20:02","key_matches":false,"key_present":false,"public_key_fingerprint":"pk:9c:11:20:02"},"error":""},"served":{"error":"handshake failed: \"alert 40\"\n\tthen\u0001 closed","fingerprint":""}},"example.com":{"files":{"deployed":{"fingerprint":"3f:2a:10:01","key_matches":true,"key_present":true,"public_key_fingerprint":"pk:3f:2a:10:01"},"error":""},"served":{"error":"","fingerprint":"3f:2a:10:01"}}},"error":"","observed":true,"reachable":true})json");
  BOOST_TEST(second == R"json({"domains":{"example.com":{"files":null,"served":null}},"error":"connection refused","observed":true,"reachable":false})json");
  BOOST_TEST(third == R"json({"observed":false})json");
}

BOOST_AUTO_TEST_CASE(store_text_is_pinned) {
  World world;

  const std::string text = canonical_store_text(world.desired, world.observed, PlanScope{});

  BOOST_TEST(text == R"json({"a.example":null,"b.example":{"current":null,"error":"unreadable"},"example.com":{"current":{"fingerprint":"3f:2a:10:01","key_matches":true,"key_present":true,"public_key_fingerprint":"pk:3f:2a:10:01"},"error":""}})json");
}

BOOST_AUTO_TEST_CASE(scope_limits_the_texts_to_its_domains) {
  World world;
  PlanScope scope;
  scope.only_domains = {"a.example"};

  const std::string first = canonical_host_text(world.desired, world.observed, scope, "webserver-01");
  const std::string store = canonical_store_text(world.desired, world.observed, scope);

  BOOST_TEST(first == R"json({"domains":{"a.example":{"files":{"deployed":null,"error":"/etc/nginx/ssl/a.example/fullchain.pem: no certificate"},"served":{"error":"","fingerprint":"9c:11:20:02"}}},"error":"","observed":true,"reachable":true})json");
  BOOST_TEST(store == R"json({"a.example":null})json");
}

BOOST_AUTO_TEST_CASE(digests_are_the_sha256_of_the_texts) {
  World world;

  const ObservationDigests digests = digest_observations(world.desired, world.observed, PlanScope{});

  BOOST_TEST(digests.host_digests.size() == 3u);
  BOOST_TEST(digests.store_digest == "aab29db13376fe15a3b5ec740e1385b41a2dc2adda024ebe21010d74e8058bf6");
  BOOST_TEST(digests.host_digests.at("webserver-01") == "73b4e600e39b75da76df3be82b5497f03d307399d0aff0730eff63defd8bd86b");
}
