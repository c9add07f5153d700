#pragma once

// Opens SSH sessions with libssh: public key authentication with the key
// file of servers.yaml only (no agent, no password), and the host key
// checked against the server's known_hosts file.

#include <chrono>
#include <memory>

#include "engine/host_session.h"
#include "state/desired.h"
#include "state/result.h"

namespace certplan {

class SshConnector final : public HostConnector {
 public:
  // `connect_timeout` bounds the TCP connect, the key exchange and each
  // later blocking libssh call on the session.
  explicit SshConnector(std::chrono::seconds connect_timeout = std::chrono::seconds(15))
      : connect_timeout_(connect_timeout) {}

  // Connects to server.host:server.port as server.user. An unknown or
  // changed host key fails with ErrorKind::rejected and the fix. A refused
  // or timed out connection fails with ErrorKind::unreachable, and a key
  // that the server does not accept with ErrorKind::rejected.
  Result<std::unique_ptr<HostSession>> connect(const ServerConfig& server) override;

 private:
  std::chrono::seconds connect_timeout_;
};

}  // namespace certplan
