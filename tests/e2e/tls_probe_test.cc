// End-to-end tests of HttpsProbe against a real nginx with two server
// blocks, each with its own self-signed certificate, on a random
// 127.A.B.C address.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "engine/host_steps.h"
#include "providers/health/tls_probe.h"
#include "tests/e2e/support/sshd_fixture.h"

namespace certplan {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using test::run_local_checked;

std::string read_text(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// A TCP socket bound to a random 127.A.B.C address and port; it listens
// only when asked, so that a probe against it can time out.
class LoopbackSocket {
 public:
  LoopbackSocket() {
    std::random_device device;
    std::mt19937 random(device());
    std::uniform_int_distribution<int> octet(1, 254);
    std::uniform_int_distribution<int> ports(30000, 39999);
    for (int attempt = 0; attempt < 20; ++attempt) {
      address_ = "127." + std::to_string(octet(random)) + "." + std::to_string(octet(random)) +
                 "." + std::to_string(octet(random));
      port_ = ports(random);
      descriptor_ = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_port = htons(static_cast<uint16_t>(port_));
      ::inet_pton(AF_INET, address_.c_str(), &local.sin_addr);
      if (::bind(descriptor_, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0) return;
      ::close(descriptor_);
    }
    throw std::runtime_error("found no free loopback address and port");
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  ~LoopbackSocket() { close(); }

  void listen() { ::listen(descriptor_, 4); }
  void close() {
    if (descriptor_ >= 0) ::close(descriptor_);
    descriptor_ = -1;
  }
  const std::string& address() const { return address_; }
  int port() const { return port_; }

 private:
  std::string address_;
  int port_ = 0;
  int descriptor_ = -1;
};

// nginx with server blocks for a.test (GET / returns 200) and b.test
// (GET / returns 404), each with its own self-signed certificate.
class NginxFixture {
 public:
  NginxFixture() {
    std::string pattern = (fs::temp_directory_path() / "certplan-nginx-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    prefix_ = pattern;
    try {
      start();
    } catch (...) {
      stop();
      throw;
    }
  }
  NginxFixture(const NginxFixture&) = delete;
  NginxFixture& operator=(const NginxFixture&) = delete;
  ~NginxFixture() { stop(); }

  const std::string& address() const { return address_; }
  int port() const { return port_; }
  fs::path certificate(const std::string& name) const { return prefix_ / "ssl" / (name + ".pem"); }

  // Writes a new self-signed certificate and key for `name`, which nginx
  // serves after the next reload.
  void renew(const std::string& name) const {
    run_local_checked("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30"
                      " -subj /CN=" + name + " -addext subjectAltName=DNS:" + name +
                      " -keyout " + (prefix_ / "ssl" / (name + ".key")).string() +
                      " -out " + certificate(name).string());
  }

  // Signals the master and returns at once, as `systemctl reload nginx` does.
  void reload() const { run_local_checked("nginx -p " + prefix_.string() + " -c conf/nginx.conf -s reload"); }

  // SHA-256 of the certificate's DER as openssl prints it, in lowercase.
  std::string fingerprint(const std::string& name) const {
    std::string line = run_local_checked("openssl x509 -noout -fingerprint -sha256 -in " +
                                         certificate(name).string());
    line = line.substr(line.find('=') + 1);
    line.erase(line.find_last_not_of("\n") + 1);
    std::transform(line.begin(), line.end(), line.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return line;
  }

 private:
  void start() {
    fs::create_directories(prefix_ / "conf");
    fs::create_directories(prefix_ / "logs");
    fs::create_directories(prefix_ / "ssl");
    for (const std::string name : {"a.test", "b.test"}) renew(name);

    LoopbackSocket reserved;
    address_ = reserved.address();
    port_ = reserved.port();
    reserved.close();

    const std::string p = prefix_.string();
    const std::string listen = address_ + ":" + std::to_string(port_);
    std::ofstream config(prefix_ / "conf" / "nginx.conf");
    config << "pid " << p << "/nginx.pid;\n"
           << "error_log " << p << "/logs/error.log;\n"
           << "worker_processes 1;\n"
           << "events {}\n"
           << "http {\n"
           << "  access_log " << p << "/logs/access.log;\n"
           << "  client_body_temp_path " << p << "/client_body;\n"
           << "  proxy_temp_path " << p << "/proxy;\n"
           << "  fastcgi_temp_path " << p << "/fastcgi;\n"
           << "  uwsgi_temp_path " << p << "/uwsgi;\n"
           << "  scgi_temp_path " << p << "/scgi;\n"
           << "  server {\n    listen " << listen << " ssl default_server;\n"
           << "    server_name a.test;\n"
           << "    ssl_certificate " << p << "/ssl/a.test.pem;\n"
           << "    ssl_certificate_key " << p << "/ssl/a.test.key;\n"
           << "    location / { return 200 \"a\\n\"; }\n  }\n"
           << "  server {\n    listen " << listen << " ssl;\n"
           << "    server_name b.test;\n"
           << "    ssl_certificate " << p << "/ssl/b.test.pem;\n"
           << "    ssl_certificate_key " << p << "/ssl/b.test.key;\n"
           << "    location / { return 404; }\n  }\n"
           << "}\n";
    config.close();

    run_local_checked("nginx -p " + p + " -c conf/nginx.conf");
    for (int attempt = 0; attempt < 100 && pid_ == 0; ++attempt) {
      const std::string pid_text = read_text(prefix_ / "nginx.pid");
      if (!pid_text.empty()) pid_ = std::stoi(pid_text);
      std::this_thread::sleep_for(milliseconds(50));
    }
    if (pid_ == 0) throw std::runtime_error("nginx did not start: " + read_text(prefix_ / "logs/error.log"));
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int attempt = 0; attempt < 100 && ::kill(pid_, 0) == 0; ++attempt) {
        std::this_thread::sleep_for(milliseconds(20));
      }
      pid_ = 0;
    }
    std::error_code ignored;
    fs::remove_all(prefix_, ignored);
  }

  fs::path prefix_;
  std::string address_;
  int port_ = 0;
  pid_t pid_ = 0;
};

ProbeTarget target_of(const NginxFixture& nginx, const std::string& name) {
  return ProbeTarget{nginx.address(), nginx.port(), name};
}

}  // namespace

BOOST_AUTO_TEST_CASE(probe_each_server_name) {
  NginxFixture nginx;
  HttpsProbe probe(nginx.certificate("a.test"));

  auto a = probe.probe(target_of(nginx, "a.test"), true, milliseconds(5000));
  BOOST_TEST_REQUIRE(a.has_value(), (a ? "" : a.error().message));
  BOOST_TEST(a.value().leaf.fingerprint == nginx.fingerprint("a.test"));
  BOOST_TEST(a.value().leaf.names == (std::vector<std::string>{"a.test"}),
             boost::test_tools::per_element());
  BOOST_TEST(a.value().leaf.chain_length == 1);
  BOOST_TEST(a.value().http_status == 200);
  BOOST_TEST(a.value().chain_trusted);
  BOOST_TEST(a.value().trust_error == "");

  auto b = probe.probe(target_of(nginx, "b.test"), true, milliseconds(5000));
  BOOST_TEST_REQUIRE(b.has_value(), (b ? "" : b.error().message));
  BOOST_TEST(b.value().leaf.fingerprint == nginx.fingerprint("b.test"));
  BOOST_TEST(b.value().http_status == 404);
  BOOST_TEST(!b.value().chain_trusted);
  BOOST_TEST(b.value().trust_error == "self-signed certificate");
}

// On a reload, nginx's old worker goes on accepting for 100 ms after the
// new one starts. Once a confirmed wait for the new certificate returns,
// every new connection must get it.
BOOST_AUTO_TEST_CASE(confirmed_match_outlasts_the_old_worker) {
  NginxFixture nginx;
  HttpsProbe probe;
  const ProbeTarget target = target_of(nginx, "a.test");
  PollOptions options;
  options.first_interval = milliseconds(5);

  for (int reload = 1; reload <= 5; ++reload) {
    nginx.renew("a.test");
    const std::string renewed = nginx.fingerprint("a.test");
    nginx.reload();

    auto served = wait_until_served(probe, target, renewed, options);
    BOOST_TEST_REQUIRE(served.has_value(), (served ? "" : served.error().message));
    for (int after = 1; after <= 8; ++after) {
      auto result = probe.probe(target, false, milliseconds(5000));
      BOOST_TEST_REQUIRE(result.has_value(), (result ? "" : result.error().message));
      BOOST_TEST(result.value().leaf.fingerprint == renewed, "reload " << reload << ", probe " << after);
    }
  }
}

BOOST_AUTO_TEST_CASE(handshake_only_leaves_status_zero) {
  NginxFixture nginx;
  HttpsProbe probe(nginx.certificate("b.test"));

  auto b = probe.probe(target_of(nginx, "b.test"), false, milliseconds(5000));
  BOOST_TEST_REQUIRE(b.has_value(), (b ? "" : b.error().message));
  BOOST_TEST(b.value().http_status == 0);
  BOOST_TEST(b.value().chain_trusted);
}

BOOST_AUTO_TEST_CASE(name_mismatch_not_trusted) {
  NginxFixture nginx;
  HttpsProbe probe(nginx.certificate("a.test"));

  // c.test has no server block, so nginx serves the default server's a.test.
  auto c = probe.probe(target_of(nginx, "c.test"), false, milliseconds(5000));
  BOOST_TEST_REQUIRE(c.has_value(), (c ? "" : c.error().message));
  BOOST_TEST(c.value().leaf.fingerprint == nginx.fingerprint("a.test"));
  BOOST_TEST(!c.value().chain_trusted);
  BOOST_TEST(c.value().trust_error == "hostname mismatch");
}

BOOST_AUTO_TEST_CASE(system_store_does_not_trust_test_ca) {
  NginxFixture nginx;
  HttpsProbe probe;

  auto a = probe.probe(target_of(nginx, "a.test"), false, milliseconds(5000));
  BOOST_TEST_REQUIRE(a.has_value(), (a ? "" : a.error().message));
  BOOST_TEST(!a.value().chain_trusted);
  BOOST_TEST(a.value().trust_error == "self-signed certificate");
}

BOOST_AUTO_TEST_CASE(missing_ca_bundle_invalid) {
  NginxFixture nginx;
  const fs::path missing = fs::temp_directory_path() / "certplan-no-such-bundle.pem";
  HttpsProbe probe(missing);

  auto a = probe.probe(target_of(nginx, "a.test"), false, milliseconds(5000));
  BOOST_TEST_REQUIRE(!a.has_value());
  BOOST_TEST(static_cast<int>(a.error().kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(a.error().message.starts_with("could not load the CA bundle " + missing.string() + ": "));
  BOOST_TEST(a.error().message.ends_with("; check HEALTHCHECK_CA_BUNDLE"));
}

BOOST_AUTO_TEST_CASE(refused_connection_unreachable) {
  LoopbackSocket closed;
  const ProbeTarget target{closed.address(), closed.port(), "a.test"};
  closed.close();
  HttpsProbe probe;

  auto result = probe.probe(target, false, milliseconds(2000));
  BOOST_TEST_REQUIRE(!result.has_value());
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::unreachable));
  BOOST_TEST(result.error().message ==
             "could not connect to " + target.address + ":" + std::to_string(target.port) +
                 " (SNI a.test): Connection refused; check that nginx runs and https_port in "
                 "servers.yaml");
}

BOOST_AUTO_TEST_CASE(silent_server_times_out) {
  LoopbackSocket silent;
  silent.listen();
  const ProbeTarget target{silent.address(), silent.port(), "a.test"};
  HttpsProbe probe;

  const auto started = std::chrono::steady_clock::now();
  auto result = probe.probe(target, false, milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - started;

  BOOST_TEST_REQUIRE(!result.has_value());
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_TEST(result.error().message ==
             "TLS handshake with " + target.address + ":" + std::to_string(target.port) +
                 " (SNI a.test) timed out after 300 ms");
  BOOST_TEST(elapsed < std::chrono::seconds(2));
}

}  // namespace certplan
