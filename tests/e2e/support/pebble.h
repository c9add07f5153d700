#pragma once

// A throwaway ACME CA for end-to-end tests: pebble and pebble-challtestsrv on
// a random 127.x.y.z address, with a TLS certificate for pebble's listener
// made by openssl from a test CA. Everything lives in a temporary directory
// and every process is stopped when the fixture is destroyed.

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "providers/dns/dns_provider.h"
#include "providers/http/http_client.h"

namespace certplan::pebble_e2e {

// What a test may change about pebble. The defaults give a plain pebble:
// its own nonce rejection rate, no External Account Binding, and DNS-01
// lookups answered by the fixture's challtestsrv.
struct PebbleOptions {
  // PEBBLE_WFE_NONCEREJECT. A negative value keeps pebble's default of 5.
  int nonce_reject_percent = -1;

  // External Account Binding keys, key id to base64url HMAC key. When not
  // empty, pebble rejects every newAccount request without a binding made
  // with one of these keys (externalAccountBindingRequired).
  std::map<std::string, std::string> eab_mac_keys;

  // The DNS server, "host:port", that pebble queries for DNS-01 TXT records.
  // Empty means the fixture's own challtestsrv.
  std::string validation_dns_server;
};

class PebbleFixture {
 public:
  // Starts both servers and waits until their listeners accept connections.
  // Throws std::runtime_error (with the server logs) when a server does not
  // start.
  explicit PebbleFixture(PebbleOptions options);
  // The same with only PEBBLE_WFE_NONCEREJECT set (see PebbleOptions).
  explicit PebbleFixture(int nonce_reject_percent = -1)
      : PebbleFixture(PebbleOptions{nonce_reject_percent, {}, ""}) {}
  ~PebbleFixture();
  PebbleFixture(const PebbleFixture&) = delete;
  PebbleFixture& operator=(const PebbleFixture&) = delete;

  [[nodiscard]] const std::string& address() const { return address_; }
  [[nodiscard]] std::string directory_url() const;
  [[nodiscard]] std::filesystem::path ca_bundle() const { return directory_ / "ca.pem"; }
  [[nodiscard]] std::string challtestsrv_url() const;
  // "host:port" of challtestsrv's DNS server, for DNS_RESOLVERS.
  [[nodiscard]] std::string challtestsrv_dns() const;
  [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }

  // Makes a second, unrelated self-signed CA and returns its certificate,
  // for checking that a CA bundle without pebble's CA is rejected.
  [[nodiscard]] std::filesystem::path make_unrelated_ca();

 private:
  void make_certificates();
  void write_config(const PebbleOptions& options);
  pid_t start(const std::vector<std::string>& arguments, const std::string& log_name,
              const std::vector<std::string>& environment);
  void wait_for_listener(int port, const std::string& log_name);
  void stop_all();

  std::string address_;
  std::filesystem::path directory_;
  std::vector<pid_t> processes_;
};

// Publishes TXT records through challtestsrv's management API and records
// every call, so tests can check that each record was removed again.
class ChallTestSrvDns final : public DnsProvider {
 public:
  struct Log {
    std::mutex mutex;
    std::vector<std::string> presented;  // "fqdn value"
    std::vector<std::string> cleaned;    // "fqdn value"
  };

  // `value_override`, when not empty, replaces every value, so that the CA
  // finds a wrong record and validation fails.
  ChallTestSrvDns(std::string management_url, Log& log, std::string value_override = "");

  Result<PublishedRecord> present(const std::string& fqdn, const std::string& value) override;
  Result<void> cleanup(const PublishedRecord& record) override;

 private:
  std::string management_url_;
  Log& log_;
  std::string value_override_;
  http::HttpClient http_;
};

// challtestsrv serves new records at once, so there is nothing to wait for.
class InstantPropagation final : public PropagationChecker {
 public:
  Result<void> wait_for(const std::string& fqdn, const std::string& zone,
                        const std::string& value) override;

  std::mutex mutex;
  std::vector<std::string> checked;  // "fqdn zone value"
};

// A random 127.A.B.C address, never 127.0.0.1, for one test's servers.
[[nodiscard]] std::string random_loopback_address();

}  // namespace certplan::pebble_e2e
