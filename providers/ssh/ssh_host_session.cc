#include "providers/ssh/ssh_host_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "providers/ssh/read_files_output.h"

namespace certplan {

namespace {

using Clock = std::chrono::steady_clock;

// Time limit of each file step. Certificates and keys are a few kilobytes.
constexpr std::chrono::milliseconds file_step_timeout{60'000};

// How long one read waits for data before the deadline is checked again.
constexpr int poll_interval_ms = 50;

// The "ssh" logger of the command line, or one on the default logger's
// sinks when none is registered (tests, library use).
std::shared_ptr<spdlog::logger> audit_logger() {
  if (auto registered = spdlog::get("ssh")) return registered;

  static std::once_flag created;
  static std::shared_ptr<spdlog::logger> fallback;
  std::call_once(created, [] {
    const auto& sinks = spdlog::default_logger()->sinks();
    fallback = std::make_shared<spdlog::logger>("ssh", sinks.begin(), sinks.end());
  });
  return fallback;
}

std::string random_nonce() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("OpenSSL could not generate random bytes");
  }
  std::string hex;
  for (unsigned char byte : bytes) {
    constexpr const char* digits = "0123456789abcdef";
    hex += digits[byte >> 4];
    hex += digits[byte & 0x0f];
  }
  return hex;
}

bool sudo_refused(const std::string& standard_error) {
  return standard_error.find("sudo: a password is required") != std::string::npos ||
         standard_error.find("sudo: a terminal is required") != std::string::npos ||
         standard_error.find("is not allowed to execute") != std::string::npos;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Sends the TCP acknowledgement of what the server sent so far now, not when
// the kernel's delayed-ACK timer fires (40 ms on Linux). sshd leaves Nagle's
// algorithm on for sessions without a terminal, so it sends a small packet
// only after its previous one is acknowledged. Right after login it sends
// its host keys (hostkeys-00@openssh.com) and then the reply to the first
// channel open, and without this call the reply waited 40 ms (seen with
// strace against OpenSSH 9.2).
void acknowledge_now(socket_t descriptor) {
  const int on = 1;
  ::setsockopt(descriptor, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

// Runs a libssh step in nonblocking mode until it returns something other
// than SSH_AGAIN, acknowledging each arrival at once (see acknowledge_now).
// Returns SSH_AGAIN when the deadline passes first.
int run_acknowledging(ssh_session session, Clock::time_point deadline,
                      const std::function<int()>& step) {
  const socket_t descriptor = ssh_get_fd(session);
  ssh_set_blocking(session, 0);
  int outcome = step();
  while (outcome == SSH_AGAIN && Clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd readable{descriptor, POLLIN, 0};
    ::poll(&readable, 1, static_cast<int>(std::clamp<long long>(left.count(), 1, poll_interval_ms)));
    acknowledge_now(descriptor);
    outcome = step();
  }
  ssh_set_blocking(session, 1);
  return outcome;
}

// Appends what the channel has on one stream. Returns the byte count, 0
// when there is no data (also at EOF), or SSH_ERROR.
int read_stream(ssh_channel channel, int is_stderr, int wait_ms, std::string& stream,
                std::string& interleaved) {
  std::array<char, 16384> buffer{};
  const int count = wait_ms > 0
                        ? ssh_channel_read_timeout(channel, buffer.data(), buffer.size(), is_stderr, wait_ms)
                        : ssh_channel_read_nonblocking(channel, buffer.data(), buffer.size(), is_stderr);
  if (count == SSH_EOF) return 0;
  if (count > 0) {
    stream.append(buffer.data(), static_cast<std::size_t>(count));
    interleaved.append(buffer.data(), static_cast<std::size_t>(count));
  }
  return count;
}

}  // namespace

SshHostSession::SshHostSession(ServerConfig server, SshSessionHandle session)
    : server_(std::move(server)),
      session_(std::move(session)),
      commands_(server_.use_sudo ? FilePrivilege::sudo : FilePrivilege::ssh_user) {}

std::string SshHostSession::host_port() const {
  return server_.host + ":" + std::to_string(server_.port);
}

Result<SshHostSession::Execution> SshHostSession::execute(const std::string& command,
                                                          const std::string& input,
                                                          std::chrono::milliseconds timeout) {
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  const auto lost = [&](const std::string& what) {
    return make_error(ErrorKind::unreachable, "SSH connection to " + host_port() + " failed while " +
                                                  what + ": " + ssh_get_error(session_.get()));
  };

  const auto too_slow = [&](const std::string& what) {
    return make_error(ErrorKind::timed_out, "SSH connection to " + host_port() + " timed out after " +
                                                std::to_string(timeout.count()) + " ms while " + what +
                                                "; check the server's load and network: " + command);
  };

  SshChannelHandle channel(ssh_channel_new(session_.get()));
  if (!channel) return lost("opening a channel");
  const int opened = run_acknowledging(session_.get(), deadline,
                                       [&] { return ssh_channel_open_session(channel.get()); });
  if (opened == SSH_AGAIN) return too_slow("opening a channel");
  if (opened != SSH_OK) return lost("opening a channel");
  const int started_command = run_acknowledging(
      session_.get(), deadline, [&] { return ssh_channel_request_exec(channel.get(), command.c_str()); });
  if (started_command == SSH_AGAIN) return too_slow("starting a command");
  if (started_command != SSH_OK) return lost("starting a command");

  // A command may exit without reading its input (`set -C; cat > LOCK` when
  // the lock exists), and the server then closes the channel while the input
  // is still on its way. That is no lost connection, so the exit status
  // below decides the outcome. A connection that is really gone also fails
  // the reads.
  if (!input.empty()) {
    ssh_channel_write(channel.get(), input.data(), static_cast<uint32_t>(input.size()));
  }
  if (ssh_channel_is_open(channel.get()) != 0) ssh_channel_send_eof(channel.get());

  Execution execution;
  while (true) {
    if (Clock::now() >= deadline) {
      ssh_channel_close(channel.get());
      audit_logger()->warn("host={} user={} exit=timeout ms={} command={}", host_port(),
                           server_.user, timeout.count(), command);
      return make_error(ErrorKind::timed_out,
                        "command on " + host_port() + " did not finish within " +
                            std::to_string(timeout.count()) +
                            " ms; its channel was closed, but the remote process may still be "
                            "running: " + command);
    }

    // Output that arrived during the last read is acknowledged now, so sshd
    // sends the rest of it, the exit status and the close without a pause.
    acknowledge_now(ssh_get_fd(session_.get()));
    const int out = read_stream(channel.get(), 0, poll_interval_ms, execution.standard_output,
                                execution.output);
    const int err = read_stream(channel.get(), 1, 0, execution.standard_error, execution.output);
    if (out == SSH_ERROR || err == SSH_ERROR) return lost("reading command output");
    if (out == 0 && err == 0 && ssh_channel_is_eof(channel.get())) break;
  }

  execution.exit_status = ssh_channel_get_exit_status(channel.get());
  ssh_channel_close(channel.get());

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  audit_logger()->info("host={} user={} exit={} ms={} command={}", host_port(), server_.user,
                       execution.exit_status, elapsed.count(), command);
  return execution;
}

Result<SshHostSession::Execution> SshHostSession::execute_file_step(const std::string& step,
                                                                    const std::string& command,
                                                                    const std::string& input,
                                                                    int accepted_status) {
  auto executed = execute(command, input, file_step_timeout);
  if (!executed) return executed.error();
  const Execution& execution = executed.value();
  if (execution.exit_status == 0 || execution.exit_status == accepted_status) return executed;

  if (server_.use_sudo && sudo_refused(execution.standard_error)) {
    return make_error(
        ErrorKind::rejected,
        step + " on " + host_port() + ": `sudo -n` refused user " + server_.user +
            " because a password is required or the command is not allowed (" +
            trimmed(execution.standard_error) + "); allow the file steps without a password in "
            "/etc/sudoers.d on the server (docs/servers.md lists the rules) or set use_sudo: false "
            "when the SSH user owns cert_path; the command was: " + command);
  }
  return make_error(ErrorKind::failed, step + " on " + host_port() + " failed with exit status " +
                                           std::to_string(execution.exit_status) + ": " +
                                           trimmed(execution.output));
}

Result<std::map<std::string, std::optional<std::string>>> SshHostSession::read_files(
    const std::vector<std::string>& paths) {
  std::map<std::string, std::optional<std::string>> files;
  if (paths.empty()) return files;

  const std::string nonce = random_nonce();
  auto executed = execute_file_step("read files", commands_.read_files(paths, nonce), "");
  if (!executed) return executed.error();

  auto parsed = parse_read_files_output(paths, nonce, executed.value().standard_output);
  if (!parsed) return parsed.error().with_context(host_port());

  for (auto& [path, entry] : parsed.value()) {
    if (entry.cat_status != 0) {
      const std::string& errors = executed.value().standard_error;
      if (server_.use_sudo && sudo_refused(errors)) {
        return make_error(ErrorKind::rejected,
                          "read files on " + host_port() + ": `sudo -n` refused `cat " + path +
                              "` for user " + server_.user + " (" + trimmed(errors) +
                              "); allow it without a password in /etc/sudoers.d on the server "
                              "(docs/servers.md lists the rules)");
      }
      return make_error(ErrorKind::failed, "could not read " + path + " on " + host_port() + ": " +
                                               trimmed(errors));
    }
    files[path] = std::move(entry.content);
  }
  return files;
}

Result<void> SshHostSession::write_file(const std::string& path, const std::string& content,
                                        unsigned mode) {
  auto executed = execute_file_step("write " + path, commands_.write_file(path, mode), content);
  if (!executed) return executed.error();
  return success();
}

Result<void> SshHostSession::copy_file(const std::string& from, const std::string& to) {
  auto executed = execute_file_step("copy " + from + " to " + to, commands_.copy_file(from, to), "");
  if (!executed) return executed.error();
  return success();
}

Result<void> SshHostSession::rename_file(const std::string& from, const std::string& to) {
  auto executed =
      execute_file_step("rename " + from + " to " + to, commands_.rename_file(from, to), "");
  if (!executed) return executed.error();
  return success();
}

Result<void> SshHostSession::remove_file(const std::string& path) {
  auto executed = execute_file_step("remove " + path, commands_.remove_file(path), "");
  if (!executed) return executed.error();
  return success();
}

Result<std::vector<std::string>> SshHostSession::list_directory(const std::string& directory,
                                                                const std::string& prefix) {
  auto executed = execute_file_step("list " + directory, commands_.list_directory(directory), "");
  if (!executed) return executed.error();

  std::vector<std::string> names;
  std::istringstream lines(executed.value().standard_output);
  for (std::string name; std::getline(lines, name);) {
    if (!name.empty() && name.starts_with(prefix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<bool> SshHostSession::create_exclusive(const std::string& path, const std::string& content) {
  auto executed = execute_file_step("create " + path, commands_.create_exclusive(path), content,
                                    exists_exit_status);
  if (!executed) return executed.error();
  return executed.value().exit_status == 0;
}

Result<CommandResult> SshHostSession::run(const std::string& command,
                                          std::chrono::milliseconds timeout) {
  auto executed = execute(command, "", timeout);
  if (!executed) return executed.error();
  return CommandResult{executed.value().exit_status, std::move(executed.value().output)};
}

}  // namespace certplan
