#pragma once

// A real sshd for end-to-end tests: its own directory, host key, client key
// and known_hosts, listening on a random 127.A.B.C address, with the local
// user certplan-test (created when missing) as the only allowed login.
// Needs root. The destructor stops sshd and removes the directory.

#include <filesystem>
#include <string>
#include <sys/types.h>

#include "state/desired.h"

namespace certplan::test {

// The exit status and the combined stdout and stderr of a local command.
struct LocalCommandResult {
  int exit_status = 0;
  std::string output;
};

// Runs `command` with /bin/sh on this machine (test set-up only).
LocalCommandResult run_local(const std::string& command);

// Like run_local, but throws std::runtime_error naming the command and its
// output when the exit status is not 0.
std::string run_local_checked(const std::string& command);

// A file in /etc/sudoers.d with a unique name, checked with visudo and
// removed by the destructor.
class SudoersFile {
 public:
  explicit SudoersFile(const std::string& rules);
  SudoersFile(const SudoersFile&) = delete;
  SudoersFile& operator=(const SudoersFile&) = delete;
  ~SudoersFile();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class SshdFixture {
 public:
  static constexpr const char* user = "certplan-test";

  // Starts sshd and waits until it accepts connections. Throws
  // std::runtime_error when a step fails, with sshd's log.
  SshdFixture();
  SshdFixture(const SshdFixture&) = delete;
  SshdFixture& operator=(const SshdFixture&) = delete;
  ~SshdFixture();

  const std::string& address() const { return address_; }
  int port() const { return port_; }
  const std::filesystem::path& directory() const { return directory_; }

  // A directory owned by certplan-test, mode 0755.
  std::filesystem::path user_directory() const { return directory_ / "user-files"; }

  // A directory owned by root, mode 0755, for use_sudo tests.
  std::filesystem::path root_directory() const { return directory_ / "root-files"; }

  // known_hosts with this sshd's host key.
  std::filesystem::path known_hosts() const { return directory_ / "known_hosts"; }

  // known_hosts that records another ed25519 key for this address and port.
  std::filesystem::path changed_known_hosts() const { return directory_ / "changed_known_hosts"; }

  // An empty known_hosts file.
  std::filesystem::path empty_known_hosts() const { return directory_ / "empty_known_hosts"; }

  // The SHA256 fingerprint of the host key, as ssh-keygen -l prints it.
  std::string host_key_fingerprint() const;

  // A server entry for this sshd, as servers.yaml would give it.
  ServerConfig server_config() const;

 private:
  void create_user() const;
  void write_keys() const;
  void write_config() const;
  void start();
  void wait_until_listening() const;
  void stop();

  std::filesystem::path directory_;
  std::string address_;
  int port_ = 0;
  pid_t pid_ = 0;
};

}  // namespace certplan::test
