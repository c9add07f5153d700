#pragma once

// A HostSession over one libssh connection. Each command runs on its own
// channel of that connection. A session must be used from one thread at a
// time, because a libssh session is not thread-safe. engine/session_pool.h
// hands out one lease per server for that reason.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/host_session.h"
#include "providers/ssh/shell_command.h"
#include "providers/ssh/ssh_handles.h"
#include "state/desired.h"
#include "state/result.h"

namespace certplan {

class SshHostSession final : public HostSession {
 public:
  // Takes a connected and authenticated session (see SshConnector).
  SshHostSession(ServerConfig server, SshSessionHandle session);
  SshHostSession(const SshHostSession&) = delete;
  SshHostSession& operator=(const SshHostSession&) = delete;

  Result<std::map<std::string, std::optional<std::string>>> read_files(
      const std::vector<std::string>& paths) override;
  Result<void> write_file(const std::string& path, const std::string& content,
                          unsigned mode) override;
  Result<void> copy_file(const std::string& from, const std::string& to) override;
  Result<void> rename_file(const std::string& from, const std::string& to) override;
  Result<void> remove_file(const std::string& path) override;
  Result<std::vector<std::string>> list_directory(const std::string& directory,
                                                  const std::string& prefix) override;
  Result<bool> create_exclusive(const std::string& path, const std::string& content) override;
  Result<CommandResult> run(const std::string& command,
                            std::chrono::milliseconds timeout) override;

 private:
  // The exit status and output of one command. `output` interleaves both
  // streams in the order they arrived.
  struct Execution {
    int exit_status = 0;
    std::string standard_output;
    std::string standard_error;
    std::string output;
  };

  // Runs `command` on a new channel, writes `input` to its stdin and then
  // EOF, and collects both streams until the channel closes. Writes one
  // audit line per command to the "ssh" logger.
  [[nodiscard]] Result<Execution> execute(const std::string& command, const std::string& input,
                                          std::chrono::milliseconds timeout);

  // Runs a file step: a refusal of `sudo -n` becomes ErrorKind::rejected
  // with the sudoers fix, and any exit status other than 0 and
  // `accepted_status` becomes ErrorKind::failed naming `step`.
  [[nodiscard]] Result<Execution> execute_file_step(const std::string& step,
                                                    const std::string& command,
                                                    const std::string& input,
                                                    int accepted_status = 0);

  [[nodiscard]] std::string host_port() const;

  ServerConfig server_;
  SshSessionHandle session_;
  FileCommands commands_;
};

}  // namespace certplan
