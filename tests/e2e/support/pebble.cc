#include "tests/e2e/support/pebble.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

namespace certplan::pebble_e2e {

namespace {

constexpr int kAcmePort = 14000;
constexpr int kManagementPort = 15000;
constexpr int kDnsPort = 8053;
constexpr int kChallTestSrvPort = 8055;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream stream(path);
  std::ostringstream content;
  content << stream.rdbuf();
  return content.str();
}

// Runs a command to completion with its output in `log`; throws when it fails.
void run(const std::vector<std::string>& arguments, const std::filesystem::path& log) {
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }

  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(arguments[0] + " failed: " + read_text(log));
  }
}

bool accepts_connections(const std::string& address, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, address.c_str(), &target.sin_addr);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) == 0;
  ::close(fd);
  return connected;
}

}  // namespace

std::string random_loopback_address() {
  std::random_device random;
  return "127." + std::to_string(1 + random() % 254) + "." + std::to_string(random() % 256) + "." +
         std::to_string(2 + random() % 252);
}

PebbleFixture::PebbleFixture(PebbleOptions options) : address_(random_loopback_address()) {
  std::string pattern = (std::filesystem::temp_directory_path() / "certplan-pebble-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;

  try {
    make_certificates();
    write_config(options);

    const std::string dns = address_ + ":" + std::to_string(kDnsPort);
    const std::string validation_dns =
        options.validation_dns_server.empty() ? dns : options.validation_dns_server;
    start({"pebble-challtestsrv", "-dns01", dns, "-management",
           address_ + ":" + std::to_string(kChallTestSrvPort), "-http01", "", "-https01", "",
           "-tlsalpn01", ""},
          "challtestsrv.log", {});
    wait_for_listener(kChallTestSrvPort, "challtestsrv.log");

    // PEBBLE_VA_NOSLEEP removes pebble's random validation delay. Nonce
    // rejection stays on (5% by default) so that badNonce retries run.
    std::vector<std::string> environment{"PEBBLE_VA_NOSLEEP=1"};
    if (options.nonce_reject_percent >= 0) {
      environment.push_back("PEBBLE_WFE_NONCEREJECT=" +
                            std::to_string(options.nonce_reject_percent));
    }
    start({"pebble", "-config", (directory_ / "pebble.json").string(), "-dnsserver",
           validation_dns},
          "pebble.log", environment);
    wait_for_listener(kAcmePort, "pebble.log");
    wait_for_listener(kManagementPort, "pebble.log");
  } catch (...) {
    stop_all();
    throw;
  }
}

PebbleFixture::~PebbleFixture() { stop_all(); }

std::string PebbleFixture::directory_url() const {
  return "https://" + address_ + ":" + std::to_string(kAcmePort) + "/dir";
}

std::string PebbleFixture::challtestsrv_url() const {
  return "http://" + address_ + ":" + std::to_string(kChallTestSrvPort);
}

std::string PebbleFixture::challtestsrv_dns() const {
  return address_ + ":" + std::to_string(kDnsPort);
}

void PebbleFixture::make_certificates() {
  const std::filesystem::path log = directory_ / "openssl.log";
  const std::string ca_key = (directory_ / "ca.key").string();
  const std::string ca_pem = (directory_ / "ca.pem").string();
  const std::string key = (directory_ / "pebble.key").string();
  const std::string csr = (directory_ / "pebble.csr").string();
  const std::string certificate = (directory_ / "pebble.pem").string();
  const std::string extensions = (directory_ / "pebble.ext").string();

  run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", ca_key, "-out", ca_pem, "-days", "2", "-subj", "/CN=certplan test CA for pebble"},
      log);
  run({"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
       key, "-out", csr, "-subj", "/CN=" + address_},
      log);
  std::ofstream(extensions) << "subjectAltName = IP:" << address_ << ", DNS:localhost\n";
  run({"openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial",
       "-out", certificate, "-days", "2", "-extfile", extensions},
      log);
}

std::filesystem::path PebbleFixture::make_unrelated_ca() {
  const std::filesystem::path certificate = directory_ / "unrelated-ca.pem";
  run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", (directory_ / "unrelated-ca.key").string(), "-out", certificate.string(), "-days",
       "2", "-subj", "/CN=certplan unrelated test CA"},
      directory_ / "openssl.log");
  return certificate;
}

void PebbleFixture::write_config(const PebbleOptions& options) {
  nlohmann::json config{
      {"pebble",
       {{"listenAddress", address_ + ":" + std::to_string(kAcmePort)},
        {"managementListenAddress", address_ + ":" + std::to_string(kManagementPort)},
        {"certificate", (directory_ / "pebble.pem").string()},
        {"privateKey", (directory_ / "pebble.key").string()},
        {"httpPort", 5002},
        {"tlsPort", 5001},
        {"ocspResponderURL", ""},
        {"externalAccountBindingRequired", !options.eab_mac_keys.empty()}}}};
  if (!options.eab_mac_keys.empty()) {
    config["pebble"]["externalAccountMACKeys"] = options.eab_mac_keys;
  }
  std::ofstream(directory_ / "pebble.json") << config.dump(2) << "\n";
}

pid_t PebbleFixture::start(const std::vector<std::string>& arguments, const std::string& log_name,
                           const std::vector<std::string>& environment) {
  const std::filesystem::path log = directory_ / log_name;
  const pid_t child = fork();
  if (child < 0) throw std::runtime_error("fork failed");
  if (child == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    for (const std::string& variable : environment) putenv(const_cast<char*>(variable.c_str()));
    std::vector<char*> argv;
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  processes_.push_back(child);
  return child;
}

void PebbleFixture::wait_for_listener(int port, const std::string& log_name) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (accepts_connections(address_, port)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("nothing listens on " + address_ + ":" + std::to_string(port) +
                           " after 20 s; " + log_name + ":\n" + read_text(directory_ / log_name));
}

void PebbleFixture::stop_all() {
  for (const pid_t process : processes_) kill(process, SIGTERM);
  for (const pid_t process : processes_) waitpid(process, nullptr, 0);
  processes_.clear();

  std::error_code ignored;
  if (!directory_.empty() && std::getenv("CERTPLAN_KEEP_PEBBLE") == nullptr) {
    std::filesystem::remove_all(directory_, ignored);
  }
}

ChallTestSrvDns::ChallTestSrvDns(std::string management_url, Log& log, std::string value_override)
    : management_url_(std::move(management_url)),
      log_(log),
      value_override_(std::move(value_override)),
      http_(http::HttpOptions{}) {}

Result<PublishedRecord> ChallTestSrvDns::present(const std::string& fqdn, const std::string& value) {
  const std::string published = value_override_.empty() ? value : value_override_;
  const nlohmann::json body{{"host", fqdn + "."}, {"value", published}};
  auto sent = http_.send(http::HttpRequest{"POST", management_url_ + "/set-txt", {}, body.dump()});
  if (sent.has_error()) return sent.error();
  if (sent.value().status != 200) {
    return make_error(ErrorKind::failed, "set-txt returned " + std::to_string(sent.value().status));
  }

  const std::lock_guard lock(log_.mutex);
  log_.presented.push_back(fqdn + " " + value);
  const std::size_t first_dot = fqdn.find('.');
  return PublishedRecord{fqdn, value, fqdn.substr(first_dot + 1), ""};
}

Result<void> ChallTestSrvDns::cleanup(const PublishedRecord& record) {
  const nlohmann::json body{{"host", record.fqdn + "."}};
  auto sent = http_.send(http::HttpRequest{"POST", management_url_ + "/clear-txt", {}, body.dump()});
  if (sent.has_error()) return sent.error();
  if (sent.value().status != 200) {
    return make_error(ErrorKind::failed, "clear-txt returned " + std::to_string(sent.value().status));
  }

  const std::lock_guard lock(log_.mutex);
  log_.cleaned.push_back(record.fqdn + " " + record.value);
  return success();
}

Result<void> InstantPropagation::wait_for(const std::string& fqdn, const std::string& zone,
                                          const std::string& value) {
  const std::lock_guard lock(mutex);
  checked.push_back(fqdn + " " + zone + " " + value);
  return success();
}

}  // namespace certplan::pebble_e2e
