#pragma once

// TlsProbe with OpenSSL on a plain socket: it connects to the server's own
// address (never DNS for the domain), sends SNI, and keeps the served leaf
// even when the chain does not verify.

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>

#include "engine/tls_probe.h"
#include "state/result.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace certplan {

class HttpsProbe final : public TlsProbe {
 public:
  // Verifies chains against the PEM bundle `ca_bundle`
  // (HEALTHCHECK_CA_BUNDLE), or against OpenSSL's default store when it is
  // empty.
  explicit HttpsProbe(std::filesystem::path ca_bundle = {}) : ca_bundle_(std::move(ca_bundle)) {}

  // Safe to call from several threads at once.
  // Connects to target.address:target.port within `timeout` (which bounds
  // the whole probe). A refused connection fails with
  // ErrorKind::unreachable, an expired timeout with ErrorKind::timed_out, a
  // failed handshake with ErrorKind::failed, and an unreadable CA bundle
  // with ErrorKind::invalid.
  Result<ProbeResult> probe(const ProbeTarget& target, bool http_request,
                            std::chrono::milliseconds timeout) override;

 private:
  // Returns the TLS context with the CA bundle loaded, made on the first
  // call and shared after that, because loading the bundle costs more CPU
  // than a handshake.
  Result<std::shared_ptr<ssl_ctx_st>> context();

  std::filesystem::path ca_bundle_;
  std::mutex mutex_;
  std::shared_ptr<ssl_ctx_st> context_;
};

}  // namespace certplan
