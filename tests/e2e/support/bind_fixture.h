#pragma once

// A real BIND 9 name server for end-to-end tests: one primary zone that a
// TSIG key may update, on 127.0.0.1 and a free port, with its configuration,
// zone file and journal in a temporary directory. BIND can only listen on
// addresses that an interface carries, so it uses 127.0.0.1, not 127.x.y.z.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "providers/dns/dns_server.h"
#include "state/secret.h"

namespace certplan::bind_e2e {

class BindFixture {
 public:
  static constexpr const char* zone = "example.com";
  static constexpr const char* key_name = "certplan-update";

  // Makes a hmac-sha256 key with tsig-keygen, starts `named -g` and waits
  // until it answers for the zone. Throws std::runtime_error with named's
  // log when a step fails, after stopping named. `port` 0 takes a free port.
  // Another port (53, say) is only for a test in its own network namespace.
  explicit BindFixture(std::uint16_t port = 0);
  ~BindFixture();
  BindFixture(const BindFixture&) = delete;
  BindFixture& operator=(const BindFixture&) = delete;

  [[nodiscard]] const DnsServer& server() const { return server_; }
  [[nodiscard]] const SecretString& key_secret() const { return key_secret_; }
  [[nodiscard]] const std::filesystem::path& directory() const { return directory_; }

  // named's output so far, for failure messages.
  [[nodiscard]] std::string log() const;

 private:
  void make_key();
  void write_zone() const;
  void write_config() const;
  void start();
  void wait_until_serving();
  void stop();

  std::filesystem::path directory_;
  DnsServer server_;
  SecretString key_secret_;
  pid_t process_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
[[nodiscard]] std::uint16_t free_loopback_port();

}  // namespace certplan::bind_e2e
