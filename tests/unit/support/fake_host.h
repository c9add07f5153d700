#pragma once

// An in-memory server for engine tests: a file system, a table of scripted
// commands, declared failures of file operations, and what its nginx
// serves after the last successful reload. FakeConnector hands out sessions
// to these hosts; FakeProbe (fake_probe.h) reads what they serve.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/host_session.h"
#include "state/desired.h"

namespace certplan::testing {

struct FakeFile {
  std::string content;
  unsigned mode = 0644;

  bool operator==(const FakeFile&) const = default;
};

enum class FileOperation { read, write, copy, rename, remove, list, create_exclusive };

// Thrown by a fake operation declared to simulate the death of the certplan
// process at that point: whatever was done before stays done.
class SimulatedKill : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one run of a scripted command does.
struct CommandOutcome {
  enum class Kind {
    exit,     // exits with `exit_status` and prints `output`
    reload,   // exits 0, and nginx now serves what the files contain
    timeout,  // fails with ErrorKind::timed_out
    kill,     // throws SimulatedKill
  };
  Kind kind = Kind::exit;
  int exit_status = 0;
  std::string output;

  static CommandOutcome exits(int status, std::string output = "");
  static CommandOutcome reloads();
  static CommandOutcome times_out();
  static CommandOutcome kills();
};

// A declared failure of file operations on one path.
struct FileFault {
  FileOperation operation = FileOperation::write;
  std::string path;
  std::optional<Error> error;  // returned; nullopt means SimulatedKill is thrown
  int remaining = -1;          // how many more times it applies; -1 for always
};

class FakeHost final : public HostSession {
 public:
  // A host with `server`'s commands scripted as nginx would behave: the
  // test command exits 0 and the reload command serves the files.
  explicit FakeHost(ServerConfig server);

  const ServerConfig& config() const { return server_; }

  // --- set-up and inspection by tests ---
  void put_file(const std::string& path, const std::string& content, unsigned mode = 0644);
  std::optional<FakeFile> file(const std::string& path) const;
  std::map<std::string, FakeFile> files() const;

  // nginx serves the certificate in `cert_file` for SNI `server_name`
  // after each reload.
  void add_site(const std::string& server_name, const std::string& cert_file);
  // Serves the files now, as if nginx had been started.
  void start_nginx();
  std::optional<std::string> served_pem(const std::string& server_name) const;
  void set_http_status(int status);
  int http_status() const;
  void set_chain_trusted(bool trusted);
  bool chain_trusted() const;

  // Each run of `command` takes the next outcome; the last one repeats.
  void script_command(const std::string& command, std::vector<CommandOutcome> outcomes);
  void add_fault(FileFault fault);
  // Called with "write /path", "run nginx -t", ... before each operation.
  void on_operation(std::function<void(const std::string&)> observer);
  std::vector<std::string> operations() const;

  // --- HostSession ---
  Result<std::map<std::string, std::optional<std::string>>> read_files(
      const std::vector<std::string>& paths) override;
  Result<void> write_file(const std::string& path, const std::string& content, unsigned mode) override;
  Result<void> copy_file(const std::string& from, const std::string& to) override;
  Result<void> rename_file(const std::string& from, const std::string& to) override;
  Result<void> remove_file(const std::string& path) override;
  Result<std::vector<std::string>> list_directory(const std::string& directory,
                                                  const std::string& prefix) override;
  Result<bool> create_exclusive(const std::string& path, const std::string& content) override;
  Result<CommandResult> run(const std::string& command, std::chrono::milliseconds timeout) override;

 private:
  // Records the operation, calls the observer, and applies a declared fault.
  Result<void> enter(FileOperation operation, const std::string& path, const std::string& record);
  void serve_files_locked();

  ServerConfig server_;
  mutable std::mutex mutex_;
  std::map<std::string, FakeFile> files_;
  std::map<std::string, std::string> sites_;   // SNI -> cert file
  std::map<std::string, std::string> served_;  // SNI -> PEM
  int http_status_ = 200;
  bool chain_trusted_ = true;
  std::map<std::string, std::vector<CommandOutcome>> commands_;
  std::map<std::string, std::size_t> command_runs_;
  std::vector<FileFault> faults_;
  std::function<void(const std::string&)> observer_;
  std::vector<std::string> operations_;
};

// Hands out sessions to FakeHosts by server name.
class FakeConnector final : public HostConnector {
 public:
  // Adds a host for `server`, reachable unless refuse() is called.
  FakeHost& add_host(const ServerConfig& server);
  FakeHost& host(const std::string& name);
  // The host whose address and HTTPS port are these; nullptr when none.
  FakeHost* find_by_address(const std::string& address, int https_port);
  // connect() to `name` fails with `error` from now on.
  void refuse(const std::string& name, Error error);
  int connections(const std::string& name) const;

  Result<std::unique_ptr<HostSession>> connect(const ServerConfig& server) override;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<FakeHost>> hosts_;
  std::map<std::string, Error> refusals_;
  std::map<std::string, int> connections_;
};

}  // namespace certplan::testing
