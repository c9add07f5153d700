#pragma once

// One SSH session per server for a whole run, shared by observation, apply
// and recovery, so that each server is connected to (and its host key
// checked) once.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "engine/host_session.h"
#include "state/desired.h"
#include "state/result.h"

namespace certplan {

class SessionPool {
 public:
  // Exclusive use of one server's session while the lease lives.
  class Lease {
   public:
    Lease(std::unique_lock<std::mutex> lock, HostSession& session)
        : lock_(std::move(lock)), session_(&session) {}
    HostSession& session() const { return *session_; }
    HostSession* operator->() const { return session_; }

   private:
    std::unique_lock<std::mutex> lock_;
    HostSession* session_;
  };

  // Keeps references to `desired` and `connector`: both must outlive the pool.
  SessionPool(const DesiredState& desired, HostConnector& connector);
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // Connects to `server` on first use and waits while another thread uses
  // its session. A failed connection is remembered: later calls return the
  // same error without trying again. Throws std::invalid_argument for a
  // server that is not in servers.yaml.
  [[nodiscard]] Result<Lease> acquire(const std::string& server);

 private:
  struct Entry {
    const ServerConfig* config = nullptr;
    std::mutex mutex;
    std::unique_ptr<HostSession> session;
    std::optional<Error> connect_error;
  };

  HostConnector& connector_;
  std::map<std::string, Entry> entries_;  // fixed after construction
};

}  // namespace certplan
