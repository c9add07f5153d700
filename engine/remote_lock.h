#pragma once

// The lock file `{cert_path}/.certplan.lock` on a server, which keeps two
// certplan runs from deploying to the same host at once.

#include <chrono>
#include <optional>
#include <string>

#include "engine/clock.h"
#include "engine/host_session.h"
#include "state/desired.h"
#include "state/result.h"

namespace certplan {

// The holder of a lock, as the lock file records it:
// "host=<hostname> pid=<pid> run=<run id> since=<RFC 3339 UTC>".
struct LockOwner {
  std::string host;
  std::string pid;
  std::string run_id;
  std::string since;  // RFC 3339 UTC, e.g. "2026-12-04T20:57:21Z"
};

std::string lock_path(const ServerConfig& server);

// The owner written by this process for `run_id`.
LockOwner current_lock_owner(const std::string& run_id, const Clock& clock);

std::string format_lock_owner(const LockOwner& owner);
// nullopt when `content` is not in the form format_lock_owner writes.
std::optional<LockOwner> parse_lock_owner(const std::string& content);

// Takes the lock. When another run holds it, fails with ErrorKind::locked
// naming the holder, its age and the file to remove if no run is active.
[[nodiscard]] Result<void> acquire_remote_lock(HostSession& session, const ServerConfig& server,
                                               const LockOwner& owner, const Clock& clock);

// Removes the lock file.
[[nodiscard]] Result<void> release_remote_lock(HostSession& session, const ServerConfig& server);

// Removes the lock file only when run `run_id` holds it; returns whether it
// removed one. A lock of another run is left alone.
[[nodiscard]] Result<bool> release_remote_lock_of_run(HostSession& session,
                                                      const ServerConfig& server,
                                                      const std::string& run_id);

}  // namespace certplan
