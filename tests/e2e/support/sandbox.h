#pragma once

// A Boost.Test fixture that starts the loopback sandbox of
// examples/sandbox/sandbox.sh (pebble, challtestsrv, the fake IONOS API and
// N sshd+nginx hosts) in a temporary directory and stops it again.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace certplan::e2e {

struct SandboxOptions {
  int hosts = 2;
  std::vector<std::string> domains = {"example.com"};
};

// What a finished command printed, and how it ended.
struct CommandOutput {
  int exit_code = -1;  // -1 when the command was killed by a signal or timed out
  std::string out;
  std::string err;
  bool timed_out = false;

  // stdout followed by stderr, for checks that do not care which stream.
  std::string text() const { return out + err; }
};

// Facts about one sandbox host, from DIR/sandbox.env.
struct HostFacts {
  std::string name;                    // web-01, web-02, ...
  std::string address;                 // 127.A.B.(10+i)
  std::filesystem::path cert_dir;      // cert_path in servers.yaml
  std::filesystem::path nginx_prefix;  // the -p directory of its nginx
};

// Runs `argv` (argv[0] is a path, no shell), with stdin from /dev/null,
// capturing stdout and stderr separately. Kills it after `timeout`.
// `unset_variables` are removed from the child's environment.
CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const std::vector<std::string>& unset_variables = {});

// The lines of `text`, without trailing spaces and carriage returns.
std::vector<std::string> lines_of(const std::string& text);
// Whether `text` has a line equal to `expected`.
bool has_line(const std::string& text, const std::string& expected);
// Whether `text` has a line that starts with `prefix`.
bool has_line_starting_with(const std::string& text, const std::string& prefix);
// Whether `text` has one line that contains every string of `words`.
bool has_line_containing_all(const std::string& text, const std::vector<std::string>& words);

class Sandbox {
 public:
  // Starts a sandbox on a random free base 127.A.B (A in 100..250); throws
  // std::runtime_error with sandbox.sh's output when it does not come up.
  explicit Sandbox(SandboxOptions options = {});
  // Stops every process and removes the directory, unless the environment
  // sets CERTPLAN_KEEP_SANDBOX=1 (the directory is then kept and named).
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& base() const { return base_; }

  // Runs CERTPLAN_EXECUTABLE --config-dir DIR/config --env-file DIR/.env
  // --no-color followed by `args`. Variables of DIR/.env are removed from
  // the child's environment so only the sandbox's values apply.
  CommandOutput run_certplan(std::vector<std::string> args,
                             std::chrono::seconds timeout = std::chrono::seconds(180)) const;

  // Facts of host `i`, counted from 1 like the names web-01, web-02.
  const HostFacts& host(int i) const;
  int host_count() const { return static_cast<int>(hosts_.size()); }

  // The SHA-256 fingerprint (lowercase colon hex) of the leaf certificate
  // host `i` serves for `domain` on its HTTPS port, read with tls_client.
  std::string served_fingerprint(int i, const std::string& domain) const;

  // Adds an unknown directive to host `i`'s nginx.conf so `nginx -t` fails.
  // The restored files fail the same way, so a rollback cannot pass it.
  void break_nginx_config(int i) const;

  // Raises host `i`'s OpenSSL security level to 4 (keys of 192-bit
  // strength), so `nginx -t` fails once a P-256 certificate, certplan's
  // default, is deployed, but passes with the P-384 placeholder.
  void make_nginx_reject_p256(int i) const;

  // The IONOS API key the sandbox generated (from DIR/.env).
  std::string ionos_api_key() const;

  // The local store's directory of `domain` (acme.sh layout).
  std::filesystem::path store_dir(const std::string& domain) const;

  // certplan's log file (LOG_FILE_PATH), or "" while it does not exist.
  std::string log_text() const;

  // Permission bits of `path`, e.g. 0644.
  static unsigned mode_of(const std::filesystem::path& path);
  // Whole file as bytes; throws std::runtime_error when it cannot be read.
  static std::string read_file(const std::filesystem::path& path);
  // Replaces the content of `path`, keeping owner and mode of an existing file.
  static void write_file(const std::filesystem::path& path, const std::string& content);

 private:
  void start(const SandboxOptions& options);
  void load_facts();
  void stop() const;

  std::filesystem::path dir_;
  std::string base_;
  std::string https_port_;
  std::vector<HostFacts> hosts_;
  std::vector<std::string> env_variables_;  // names set in DIR/.env
};

}  // namespace certplan::e2e
