#pragma once

// Starts and stops tests/e2e/support/acme_front.py: a TLS front for pebble
// on a loopback address that can add renewalInfo and profiles to the
// directory, record newOrder payloads and refuse requests with 429 or 503.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace certplan::e2e {

struct AcmeFrontOptions {
  std::string listen_address;             // a 127.x.y.z address; the port is picked by the front
  std::string upstream_directory_url;     // pebble's directory
  std::filesystem::path upstream_ca;      // CA bundle of pebble's listener
  std::filesystem::path certificate;      // PEM certificate of the front's listener
  std::filesystem::path key;              // its PEM key
};

class AcmeFront {
 public:
  // Starts the front in a new temporary directory and waits until it
  // listens; throws std::runtime_error with its log when it does not.
  explicit AcmeFront(AcmeFrontOptions options);
  // Stops the front and removes its directory.
  ~AcmeFront();
  AcmeFront(const AcmeFront&) = delete;
  AcmeFront& operator=(const AcmeFront&) = delete;

  // https://ADDRESS:PORT/dir, the directory URL certplan is given.
  [[nodiscard]] std::string directory_url() const;

  // Replaces config.json; the front reads it on every request. See
  // acme_front.py for the keys.
  void configure(const nlohmann::json& config) const;

  // The decoded payload of every newOrder pebble accepted, oldest first.
  [[nodiscard]] std::vector<nlohmann::json> orders() const;

  // Every request the front served, oldest first: time (seconds since the
  // epoch), method, path, kind and status.
  [[nodiscard]] std::vector<nlohmann::json> requests() const;

  // The front's own log (stderr).
  [[nodiscard]] std::string log() const;

 private:
  std::vector<nlohmann::json> read_lines(const std::string& name) const;
  void stop();

  AcmeFrontOptions options_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace certplan::e2e
