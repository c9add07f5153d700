#include "tests/e2e/support/sshd_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace certplan::test {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::trunc);
  file << text;
  if (!file) throw std::runtime_error("could not write " + path.string());
}

std::string random_hex(std::size_t length) {
  std::random_device device;
  std::string hex;
  for (std::size_t i = 0; i < length; ++i) hex += "0123456789abcdef"[device() % 16];
  return hex;
}

// True when a TCP socket can bind `address`:`port` right now.
bool can_bind(const std::string& address, int port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) return false;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &local.sin_addr);
  const bool bound = ::bind(socket_fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0;
  ::close(socket_fd);
  return bound;
}

bool accepts_connections(const std::string& address, int port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) return false;
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &remote.sin_addr);
  const bool connected = ::connect(socket_fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0;
  ::close(socket_fd);
  return connected;
}

}  // namespace

LocalCommandResult run_local(const std::string& command) {
  const std::string redirected = "(" + command + ") 2>&1";
  FILE* pipe = ::popen(redirected.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("could not start: " + command);

  LocalCommandResult result;
  std::array<char, 4096> buffer{};
  for (std::size_t count; (count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    result.output.append(buffer.data(), count);
  }
  const int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return result;
}

std::string run_local_checked(const std::string& command) {
  LocalCommandResult result = run_local(command);
  if (result.exit_status != 0) {
    throw std::runtime_error("`" + command + "` failed with exit status " +
                             std::to_string(result.exit_status) + ": " + result.output);
  }
  return result.output;
}

SudoersFile::SudoersFile(const std::string& rules)
    // sudo skips files in sudoers.d whose names contain a dot.
    : path_("/etc/sudoers.d/certplan-test-" + random_hex(12)) {
  const fs::path draft = "/tmp/certplan-sudoers-" + random_hex(12);
  write_text(draft, rules);
  fs::permissions(draft, fs::perms::owner_read | fs::perms::group_read);

  const LocalCommandResult checked = run_local("visudo -cf " + draft.string());
  if (checked.exit_status != 0) {
    fs::remove(draft);
    throw std::runtime_error("visudo rejected the test rules: " + checked.output + rules);
  }
  fs::rename(draft, path_);
}

SudoersFile::~SudoersFile() {
  std::error_code ignored;
  fs::remove(path_, ignored);
}

SshdFixture::SshdFixture() {
  std::random_device device;
  std::mt19937 random(device());
  std::uniform_int_distribution<int> octet(1, 254);
  std::uniform_int_distribution<int> ports(20000, 29999);
  for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
    const std::string candidate = "127." + std::to_string(octet(random)) + "." +
                                  std::to_string(octet(random)) + "." + std::to_string(octet(random));
    const int candidate_port = ports(random);
    if (can_bind(candidate, candidate_port)) {
      address_ = candidate;
      port_ = candidate_port;
    }
  }
  if (port_ == 0) throw std::runtime_error("found no free loopback address and port for sshd");

  std::string pattern = (fs::temp_directory_path() / "certplan-sshd-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  // sshd reads AuthorizedKeysFile as the test user, who must reach it.
  fs::permissions(directory_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);

  try {
    create_user();
    write_keys();
    write_config();
    start();
    wait_until_listening();
  } catch (...) {
    stop();
    throw;
  }
}

SshdFixture::~SshdFixture() { stop(); }

void SshdFixture::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    // sshd removes its pid file on exit, which would race with remove_all.
    for (int attempt = 0; attempt < 100 && ::kill(pid_, 0) == 0; ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = 0;
  }
  std::error_code ignored;
  if (!directory_.empty()) fs::remove_all(directory_, ignored);
  directory_.clear();
}

void SshdFixture::create_user() const {
  if (run_local(std::string("id -u ") + user).exit_status != 0) {
    // '*' as password: no password login, but the account is not locked,
    // which sshd without PAM would reject even for key logins.
    run_local_checked(std::string("useradd --system --create-home --shell /bin/sh -p '*' ") + user);
  }
  // Without its home directory, sshd adds a warning to every command's output.
  run_local_checked(std::string("install -d -m 0755 -o ") + user + " \"$(getent passwd " + user +
                    " | cut -d: -f6)\"");
}

void SshdFixture::write_keys() const {
  const std::string dir = directory_.string();
  run_local_checked("ssh-keygen -q -t ed25519 -N '' -C certplan-test-host -f " + dir + "/host_ed25519");
  run_local_checked("ssh-keygen -q -t ed25519 -N '' -C certplan-test-other -f " + dir + "/other_ed25519");
  run_local_checked("ssh-keygen -q -t ed25519 -N '' -C certplan-test-client -f " + dir + "/client_ed25519");
  fs::copy_file(directory_ / "client_ed25519.pub", directory_ / "authorized_keys");

  const std::string host = "[" + address_ + "]:" + std::to_string(port_);
  write_text(known_hosts(), host + " " + read_text(directory_ / "host_ed25519.pub"));
  write_text(changed_known_hosts(), host + " " + read_text(directory_ / "other_ed25519.pub"));
  write_text(empty_known_hosts(), "");

  run_local_checked("install -d -m 0755 -o " + std::string(user) + " " + user_directory().string());
  run_local_checked("install -d -m 0755 -o root " + root_directory().string());
}

void SshdFixture::write_config() const {
  const std::string dir = directory_.string();
  write_text(directory_ / "sshd_config",
             "ListenAddress " + address_ + ":" + std::to_string(port_) + "\n" +
                 "HostKey " + dir + "/host_ed25519\n" +
                 "PidFile " + dir + "/sshd.pid\n" +
                 "AuthorizedKeysFile " + dir + "/authorized_keys\n" +
                 "PasswordAuthentication no\n"
                 "KbdInteractiveAuthentication no\n"
                 "PubkeyAuthentication yes\n"
                 "StrictModes no\n"
                 "UsePAM no\n"
                 "AllowUsers " + user + "\n"
                 "LogLevel VERBOSE\n");
}

void SshdFixture::start() {
  fs::create_directories("/run/sshd");
  const std::string dir = directory_.string();
  // Absolute -f and -E, because sshd re-executes itself for each connection.
  run_local_checked("/usr/sbin/sshd -f " + dir + "/sshd_config -E " + dir + "/sshd.log");

  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string pid_text = read_text(directory_ / "sshd.pid");
    if (!pid_text.empty()) {
      pid_ = std::stoi(pid_text);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("sshd wrote no pid file: " + read_text(directory_ / "sshd.log"));
}

void SshdFixture::wait_until_listening() const {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (accepts_connections(address_, port_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("sshd does not accept connections on " + address_ + ":" +
                           std::to_string(port_) + ": " + read_text(directory_ / "sshd.log"));
}

std::string SshdFixture::host_key_fingerprint() const {
  const std::string line =
      run_local_checked("ssh-keygen -l -E sha256 -f " + (directory_ / "host_ed25519.pub").string());
  // "256 SHA256:... comment (ED25519)"
  std::istringstream words(line);
  std::string bits;
  std::string fingerprint;
  words >> bits >> fingerprint;
  return fingerprint;
}

ServerConfig SshdFixture::server_config() const {
  ServerConfig server;
  server.name = "sshd-test";
  server.host = address_;
  server.port = port_;
  server.user = user;
  server.ssh_key_path = directory_ / "client_ed25519";
  server.known_hosts_path = known_hosts();
  server.cert_path = user_directory().string();
  return server;
}

}  // namespace certplan::test
