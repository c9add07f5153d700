#include "tests/e2e/support/bind_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "providers/dns/dns_query.h"

namespace certplan::bind_e2e {

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream stream(path);
  std::ostringstream content;
  content << stream.rdbuf();
  return content.str();
}

// Runs `command` with /bin/sh and returns its stdout; throws on a non-zero
// exit status.
std::string run_checked(const std::string& command) {
  struct PipeClose {
    void operator()(FILE* pipe) const { pclose(pipe); }
  };
  FILE* raw = popen(command.c_str(), "r");
  if (raw == nullptr) throw std::runtime_error("could not run " + command);
  std::unique_ptr<FILE, PipeClose> pipe(raw);

  std::string output;
  std::array<char, 4096> buffer{};
  while (const std::size_t count = fread(buffer.data(), 1, buffer.size(), pipe.get())) {
    output.append(buffer.data(), count);
  }
  const int status = pclose(pipe.release());
  if (status != 0) throw std::runtime_error(command + " failed with status " + std::to_string(status));
  return output;
}

}  // namespace

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    throw std::runtime_error("could not find a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

BindFixture::BindFixture(std::uint16_t port) {
  std::string pattern = (std::filesystem::temp_directory_path() / "certplan-bind-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  server_ = DnsServer{"127.0.0.1", port == 0 ? free_loopback_port() : port};

  try {
    make_key();
    write_zone();
    write_config();
    start();
    wait_until_serving();
  } catch (...) {
    stop();
    throw;
  }
}

BindFixture::~BindFixture() { stop(); }

std::string BindFixture::log() const { return read_text(directory_ / "named.log"); }

void BindFixture::make_key() {
  const std::string key = run_checked(std::string("tsig-keygen -a hmac-sha256 ") + key_name);
  std::ofstream(directory_ / "key.conf") << key;

  const std::regex secret_line("secret \"([A-Za-z0-9+/=]+)\"");
  std::smatch match;
  if (!std::regex_search(key, match, secret_line)) {
    throw std::runtime_error("tsig-keygen printed no secret");
  }
  key_secret_ = SecretString(match[1].str());
}

void BindFixture::write_zone() const {
  std::ofstream(directory_ / "example.com.zone")
      << "$TTL 300\n"
      << "@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 60\n"
      << "@ IN NS ns1.example.com.\n"
      << "ns1 IN A 127.0.0.1\n"
      << "@ IN A 127.0.0.1\n"
      << "www IN A 127.0.0.1\n";
}

void BindFixture::write_config() const {
  const std::string dir = directory_.string();
  std::ofstream(directory_ / "named.conf")
      << "include \"" << dir << "/key.conf\";\n"
      << "options {\n"
      << "  directory \"" << dir << "\";\n"
      << "  pid-file \"" << dir << "/named.pid\";\n"
      << "  session-keyfile \"" << dir << "/session.key\";\n"
      << "  managed-keys-directory \"" << dir << "\";\n"
      << "  listen-on port " << server_.port << " { 127.0.0.1; };\n"
      << "  listen-on-v6 { none; };\n"
      << "  recursion no;\n"
      << "  dnssec-validation no;\n"
      << "};\n"
      << "controls { };\n"
      << "zone \"" << zone << "\" {\n"
      << "  type primary;\n"
      << "  file \"" << dir << "/example.com.zone\";\n"
      << "  allow-update { key \"" << key_name << "\"; };\n"
      << "};\n";
}

void BindFixture::start() {
  const std::filesystem::path log_path = directory_ / "named.log";
  const std::string config = (directory_ / "named.conf").string();
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    execlp("named", "named", "-g", "-c", config.c_str(), "-u", "root", nullptr);
    _exit(127);
  }
  process_ = child;
}

// Polls with NS queries for the zone until named returns its NS record, and
// fails at once when named has exited.
void BindFixture::wait_until_serving() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(process_, &status, WNOHANG) == process_) {
      process_ = -1;
      throw std::runtime_error("named exited while starting; named.log:\n" + log());
    }

    auto answer = ask_dns_server(server_, zone, DnsQuestion::ns, std::chrono::milliseconds(500));
    if (answer && !answer.value().ns.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("named does not answer on " + server_.to_string() +
                           " after 30 s; named.log:\n" + log());
}

void BindFixture::stop() {
  if (process_ > 0) {
    kill(process_, SIGTERM);
    waitpid(process_, nullptr, 0);
    process_ = -1;
  }

  std::error_code ignored;
  if (!directory_.empty() && std::getenv("CERTPLAN_KEEP_BIND") == nullptr) {
    std::filesystem::remove_all(directory_, ignored);
  }
}

}  // namespace certplan::bind_e2e
