#pragma once

// Helpers for the fault tests of the host transaction: they change one
// sandbox host's configuration, files or processes so that a step of
// `certplan apply` fails, and read back what is on the servers afterwards.
// They only touch the sandbox directory and the processes it started.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {

// The certificate chain and key of one domain on one host, as bytes.
struct HostFiles {
  std::string chain;
  std::string key;

  bool operator==(const HostFiles&) const = default;
};

// What one host shows for one domain: the leaf it serves over HTTPS, its
// files, and whether certplan's lock and journal of it exist.
struct HostSnapshot {
  std::string served;  // SHA-256 fingerprint of 8 probes in a row, or every distinct one joined by " and "
  HostFiles files;
  bool locked = false;
  bool journalled = false;
};

// Calls `condition` every 50 ms until it returns true or `timeout` passes.
// Returns whether it became true.
bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// The domain directory of host `i`: {cert_path}/{domain}.
std::filesystem::path domain_dir(const Sandbox& sandbox, int i, const std::string& domain);
// Reads fullchain.pem and privkey.pem of `domain` on host `i`.
HostFiles read_host_files(const Sandbox& sandbox, int i, const std::string& domain);
// The issued chain and key of `domain` in the local store (acme.sh layout).
HostFiles store_files(const Sandbox& sandbox, const std::string& domain);
// Whether the private key in `key_pem` belongs to the first certificate of `chain_pem`.
bool key_matches_certificate(const std::string& chain_pem, const std::string& key_pem);

// Takes a HostSnapshot of host `i`.
HostSnapshot snapshot_host(const Sandbox& sandbox, int i, const std::string& domain);

// {cert_path}/.certplan.lock of host `i`.
std::filesystem::path lock_file(const Sandbox& sandbox, int i);
// certplan's journal of host `i`: {CERT_BASE_PATH}/.certplan/journal/<server>.jsonl.
std::filesystem::path journal_file(const Sandbox& sandbox, int i);

// The value of `field` in the servers.yaml entry of host `i`.
std::string server_field(const Sandbox& sandbox, int i, const std::string& field);
// Replaces the value of `field` in the servers.yaml entry of host `i` with
// `value`, written as a double-quoted YAML string.
void set_server_field(const Sandbox& sandbox, int i, const std::string& field,
                      const std::string& value);

// A directory DIR/faults that the SSH user can write, for marker files that
// hooked test and reload commands create. Made on first use.
std::filesystem::path marker_dir(const Sandbox& sandbox);

// A shell command that creates `started`, waits until `release` exists (at
// most `limit`, so a forgotten marker cannot hang a run), then runs `command`.
std::string held_command(const std::filesystem::path& started, const std::filesystem::path& release,
                         std::chrono::seconds limit, const std::string& command);

// Creates an empty file at `path`.
void touch_file(const std::filesystem::path& path);

// Reloads host `i`'s nginx as root, outside certplan. Throws when it fails.
void reload_nginx(const Sandbox& sandbox, int i);

// Puts `files` back on host `i` as root, reloads its nginx directly and
// waits until it serves the chain's leaf again. Throws when it does not.
void put_back_files(const Sandbox& sandbox, int i, const std::string& domain,
                    const HostFiles& files);

// Sends SIGKILL to `root` and every process below it, until none is left.
void kill_process_tree(pid_t root);

// Kills the sshd of host `i` with all its sessions and the commands they
// run, and waits until its port is closed.
void stop_sshd(const Sandbox& sandbox, int i);
// Starts the sshd of host `i` again with sandbox.sh's command line, records
// its pid in DIR/run/ so `sandbox.sh stop` stops it, and waits until it listens.
void restart_sshd(const Sandbox& sandbox, int i);

// The line of certplan's apply summary for `server` ("  web-02  rolled back: ..."),
// without the leading spaces; "" when there is none.
std::string summary_line(const std::string& output, const std::string& server);

// `certplan apply` (or any certplan command) running in the background,
// with its output going to files in the sandbox directory. The destructor
// kills a run that is still going.
class BackgroundCertplan {
 public:
  // Starts certplan like Sandbox::run_certplan does. `label` names its output files.
  BackgroundCertplan(const Sandbox& sandbox, const std::vector<std::string>& args,
                     const std::string& label);
  ~BackgroundCertplan();
  BackgroundCertplan(const BackgroundCertplan&) = delete;
  BackgroundCertplan& operator=(const BackgroundCertplan&) = delete;

  pid_t pid() const { return pid_; }
  // stdout and stderr so far.
  std::string output_so_far() const;
  // Whether the process has exited (it is reaped then).
  bool finished();
  // SIGKILL, then waits for the process.
  void kill_now();
  // Waits up to `timeout` for the exit, and kills the process after it.
  CommandOutput wait(std::chrono::seconds timeout);

 private:
  void reap(int status);

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::filesystem::path out_file_;
  std::filesystem::path err_file_;
};

}  // namespace certplan::e2e
