#pragma once

// One connection to one server, shared by observation and apply. The real
// one is providers/ssh (libssh); tests use an in-memory fake. With use_sudo
// the implementation runs file steps through `sudo -n`; callers do not care.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "state/desired.h"
#include "state/result.h"

namespace certplan {

struct CommandResult {
  int exit_status = 0;
  std::string output;  // stdout and stderr, interleaved as received
};

class HostSession {
 public:
  virtual ~HostSession() = default;

  // Contents of each path; a missing file maps to nullopt. One round trip
  // for all paths where the transport allows it.
  virtual Result<std::map<std::string, std::optional<std::string>>> read_files(
      const std::vector<std::string>& paths) = 0;

  // Writes `content` to a temporary file beside `path`, created with `mode`
  // (never looser, not even for a moment), then renames it over `path`.
  // Creates missing parent directories with mode 0755.
  virtual Result<void> write_file(const std::string& path, const std::string& content,
                                  unsigned mode) = 0;

  // Copies `from` to `to`, keeping the mode. Used for backups.
  virtual Result<void> copy_file(const std::string& from, const std::string& to) = 0;

  // Renames `from` over `to` (atomic on one file system).
  virtual Result<void> rename_file(const std::string& from, const std::string& to) = 0;

  // Removes `path`; succeeds when it does not exist.
  virtual Result<void> remove_file(const std::string& path) = 0;

  // Names (not paths) of the entries of `directory` that start with
  // `prefix`, sorted; empty when the directory does not exist.
  virtual Result<std::vector<std::string>> list_directory(const std::string& directory,
                                                          const std::string& prefix) = 0;

  // Creates `path` with `content` only if it does not exist, atomically on
  // the server. Returns false when it already exists.
  virtual Result<bool> create_exclusive(const std::string& path, const std::string& content) = 0;

  // Runs a shell command as the SSH user. A command still running after
  // `timeout` fails with ErrorKind::timed_out.
  virtual Result<CommandResult> run(const std::string& command,
                                    std::chrono::milliseconds timeout) = 0;
};

class HostConnector {
 public:
  virtual ~HostConnector() = default;

  // Opens a session to `server`. An unknown or changed host key fails with
  // ErrorKind::rejected; a refused or timed out connection with
  // ErrorKind::unreachable.
  virtual Result<std::unique_ptr<HostSession>> connect(const ServerConfig& server) = 0;
};

}  // namespace certplan
