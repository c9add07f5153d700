#pragma once

// TlsProbe with OpenSSL on a plain socket: it connects to the server's own
// address (never DNS for the domain), sends SNI, and keeps the served leaf
// even when the chain does not verify.

#include <chrono>
#include <filesystem>

#include "engine/tls_probe.h"
#include "state/result.h"

namespace certplan {

class HttpsProbe final : public TlsProbe {
 public:
  // Verifies chains against the PEM bundle `ca_bundle`
  // (HEALTHCHECK_CA_BUNDLE), or against OpenSSL's default store when it is
  // empty.
  explicit HttpsProbe(std::filesystem::path ca_bundle = {}) : ca_bundle_(std::move(ca_bundle)) {}

  // Connects to target.address:target.port within `timeout` (which bounds
  // the whole probe). A refused connection fails with
  // ErrorKind::unreachable, an expired timeout with ErrorKind::timed_out, a
  // failed handshake with ErrorKind::failed, and an unreadable CA bundle
  // with ErrorKind::invalid.
  Result<ProbeResult> probe(const ProbeTarget& target, bool http_request,
                            std::chrono::milliseconds timeout) override;

 private:
  std::filesystem::path ca_bundle_;
};

}  // namespace certplan
