#pragma once

// HTTPS checks against one server's own address (not whatever DNS returns),
// with SNI set to the domain. The real one is providers/health (libcurl).

#include <chrono>
#include <optional>
#include <string>

#include "state/certificate.h"
#include "state/result.h"

namespace certplan {

struct ProbeTarget {
  std::string address;      // the server's host from servers.yaml
  int port = 443;
  std::string server_name;  // SNI and Host header
};

struct ProbeResult {
  CertificateFacts leaf;  // the certificate the server presented
  int http_status = 0;    // 0 when only the handshake was done
  bool chain_trusted = false;
  std::string trust_error;  // why the chain was not trusted, when it was not
};

class TlsProbe {
 public:
  virtual ~TlsProbe() = default;

  // Does the handshake and reads the served leaf; with `http_request`, also
  // sends GET / and records the status. Peer verification never makes the
  // call fail: its outcome is reported in chain_trusted.
  virtual Result<ProbeResult> probe(const ProbeTarget& target, bool http_request,
                                    std::chrono::milliseconds timeout) = 0;
};

}  // namespace certplan
