// observe(): the store, each server's files and what each server serves.

#include <boost/test/unit_test.hpp>

#include <condition_variable>
#include <mutex>

#include "engine/refresh.h"
#include "tests/unit/support/fake_fleet.h"

namespace certplan::testing {
namespace {

ObservedState observe_fleet(Fleet& fleet, ObserveOptions options = {}) {
  return observe(fleet.desired, fleet.store, *fleet.sessions, fleet.probe, options);
}

BOOST_AUTO_TEST_CASE(probe_name_of_wildcard) {
  BOOST_TEST(probe_server_name("example.com") == "example.com");
  BOOST_TEST(probe_server_name("*.example.com") == "certplan-check.example.com");
}

BOOST_AUTO_TEST_CASE(observes_store_files_and_served) {
  Fleet fleet;
  const ObservedState observed = observe_fleet(fleet);

  BOOST_REQUIRE(observed.store.contains("example.com"));
  const auto& stored = observed.store.at("example.com").current;
  BOOST_REQUIRE(stored.has_value());
  BOOST_TEST(stored->certificate->fingerprint == fleet.new_fingerprints["example.com"]);

  BOOST_REQUIRE_EQUAL(observed.servers.size(), 2u);
  for (const std::string server : {"web-01", "web-02"}) {
    BOOST_TEST_CONTEXT(server) {
      const ServerObservation& observation = observed.servers.at(server);
      BOOST_TEST(observation.reachable);
      BOOST_TEST(observation.error == "");
      const FilesObservation& files = observation.files.at("example.com");
      BOOST_TEST(files.error == "");
      BOOST_REQUIRE(files.deployed.has_value());
      BOOST_TEST(files.deployed->certificate->fingerprint == fleet.old_fingerprints["example.com"]);
      BOOST_TEST(files.deployed->key_present);
      BOOST_TEST(files.deployed->key_matches);
      BOOST_TEST((files.deployed->key_type == KeyType::ec256));
      const ServedObservation& served = observation.served.at("example.com");
      BOOST_REQUIRE(served.leaf);
      BOOST_TEST(served.leaf->fingerprint == fleet.old_fingerprints["example.com"]);
    }
  }
  // One read_files call per server, for the certificate and the key together.
  const auto operations = fleet.host("web-01").operations();
  const std::vector<std::string> expected = {"read " + cert_file_of("example.com"),
                                             "read " + key_file_of("example.com")};
  BOOST_TEST(operations == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(servers_with_the_same_certificate_share_its_facts) {
  // Both servers store and serve the same old certificate, so the
  // observation keeps its facts once.
  Fleet fleet;
  const ObservedState observed = observe_fleet(fleet);

  const ServerObservation& first = observed.servers.at("web-01");
  const ServerObservation& second = observed.servers.at("web-02");
  BOOST_REQUIRE(first.files.at("example.com").deployed.has_value());
  BOOST_REQUIRE(second.files.at("example.com").deployed.has_value());
  const SharedFacts& deployed = first.files.at("example.com").deployed->certificate;
  BOOST_TEST(deployed.get() == second.files.at("example.com").deployed->certificate.get());
  BOOST_TEST(deployed.get() == first.served.at("example.com").leaf.get());
  BOOST_TEST(deployed.get() == second.served.at("example.com").leaf.get());
}

BOOST_AUTO_TEST_CASE(key_of_another_certificate) {
  Fleet fleet;
  const CertificateFiles other = make_certificate_files(fleet.ca, {"example.com"}, fleet.clock.now());
  fleet.host("web-01").put_file(key_file_of("example.com"), other.key_pem.reveal(), 0600);

  const ObservedState observed = observe_fleet(fleet);

  const auto& deployed = observed.servers.at("web-01").files.at("example.com").deployed;
  BOOST_REQUIRE(deployed.has_value());
  BOOST_TEST(deployed->key_present);
  BOOST_TEST(!deployed->key_matches);
}

BOOST_AUTO_TEST_CASE(missing_and_broken_files) {
  Fleet fleet;
  BOOST_REQUIRE(fleet.host("web-01").remove_file(cert_file_of("example.com")));
  fleet.host("web-02").put_file(cert_file_of("example.com"), "not a certificate");

  const ObservedState observed = observe_fleet(fleet);

  const FilesObservation& missing = observed.servers.at("web-01").files.at("example.com");
  BOOST_TEST(!missing.deployed.has_value());
  BOOST_TEST(missing.error == "");
  const FilesObservation& broken = observed.servers.at("web-02").files.at("example.com");
  BOOST_TEST(!broken.deployed.has_value());
  BOOST_TEST(broken.error.starts_with(cert_file_of("example.com") + ": "));
}

BOOST_AUTO_TEST_CASE(unreachable_server) {
  Fleet fleet;
  fleet.connector.refuse("web-02", make_error(ErrorKind::rejected,
                                              "host key of 127.0.0.12:22 does not match known_hosts"));

  const ObservedState observed = observe_fleet(fleet);

  const ServerObservation& observation = observed.servers.at("web-02");
  BOOST_TEST(!observation.reachable);
  BOOST_TEST(observation.error == "host key of 127.0.0.12:22 does not match known_hosts");
  BOOST_TEST(observation.files.empty());
  BOOST_TEST(observation.served.empty());
  BOOST_TEST(observed.servers.at("web-01").reachable);
}

BOOST_AUTO_TEST_CASE(probe_failure_recorded) {
  Fleet fleet;
  fleet.probe.fail("127.0.0.11", make_error(ErrorKind::timed_out, "handshake timed out"));

  const ObservedState observed = observe_fleet(fleet);

  const ServedObservation& served = observed.servers.at("web-01").served.at("example.com");
  BOOST_TEST(!served.leaf);
  BOOST_TEST(served.error == "handshake timed out");
}

BOOST_AUTO_TEST_CASE(wildcard_probed_with_check_name) {
  Fleet fleet({"*.example.net"});

  const ObservedState observed = observe_fleet(fleet);

  const ServedObservation& served = observed.servers.at("web-01").served.at("*.example.net");
  BOOST_REQUIRE(served.leaf);
  BOOST_TEST(served.leaf->fingerprint == fleet.old_fingerprints["*.example.net"]);
  BOOST_TEST(observed.servers.at("web-01").files.at("*.example.net").deployed.has_value());
}

BOOST_AUTO_TEST_CASE(scope_limits_observation) {
  Fleet fleet({"example.com", "example.org"});
  ObserveOptions options;
  options.only_domains = {"example.org"};
  options.only_servers = {"web-02"};

  const ObservedState observed = observe_fleet(fleet, options);

  BOOST_TEST(observed.store.size() == 1u);
  BOOST_TEST(observed.store.contains("example.org"));
  BOOST_TEST(observed.servers.size() == 1u);
  BOOST_TEST(observed.servers.at("web-02").files.size() == 1u);
  BOOST_TEST(observed.servers.at("web-02").files.contains("example.org"));
  BOOST_TEST(fleet.connector.connections("web-01") == 0);
}

BOOST_AUTO_TEST_CASE(session_shared_for_the_run) {
  Fleet fleet;
  fleet.connector.refuse("web-02", make_error(ErrorKind::unreachable, "connection refused"));

  static_cast<void>(observe_fleet(fleet));
  static_cast<void>(observe_fleet(fleet));
  auto lease = fleet.sessions->acquire("web-01");
  BOOST_TEST(static_cast<bool>(lease));
  auto refused = fleet.sessions->acquire("web-02");

  BOOST_TEST(fleet.connector.connections("web-01") == 1);
  // A failed connection is remembered, not retried.
  BOOST_TEST(fleet.connector.connections("web-02") == 1);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().message == "connection refused");
}

BOOST_AUTO_TEST_CASE(servers_observed_in_parallel) {
  Fleet fleet;
  std::mutex mutex;
  std::condition_variable arrived;
  int waiting = 0;
  bool timed_out = false;
  // Each server waits in its read until the other has reached it too; one
  // after another, the first would time out.
  for (const std::string name : {"web-01", "web-02"}) {
    fleet.host(name).on_operation([&](const std::string& operation) {
      if (operation != "read " + cert_file_of("example.com")) return;
      std::unique_lock lock(mutex);
      ++waiting;
      arrived.notify_all();
      if (!arrived.wait_for(lock, std::chrono::seconds(2), [&] { return waiting == 2; })) timed_out = true;
    });
  }

  static_cast<void>(observe_fleet(fleet));

  BOOST_TEST(waiting == 2);
  BOOST_TEST(!timed_out);
}

}  // namespace
}  // namespace certplan::testing
