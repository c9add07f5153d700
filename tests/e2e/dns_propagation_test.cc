// DnsPropagationChecker and CNAME following against pebble-challtestsrv,
// started on a random loopback address for each test.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "providers/dns/cname.h"
#include "providers/dns/ionos_provider.h"
#include "providers/dns/propagation.h"
#include "providers/http/http_client.h"

namespace certplan {
namespace {

using Json = nlohmann::json;
using std::chrono::milliseconds;

// A child process whose standard output and error go to a pipe. It is sent
// SIGTERM, then SIGKILL, when the object is destroyed.
class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& argv) {
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    pid_ = ::fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> args;
      for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    output_fd_ = fds[0];
  }

  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  ~ServerProcess() {
    stop_draining_ = true;
    if (drainer_.joinable()) drainer_.join();
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        ::close(output_fd_);
        return;
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    ::close(output_fd_);
  }

  // Reads output until it contains `marker`. Returns false when the process
  // closes its output first or `timeout` passes.
  bool wait_for_output(const std::string& marker, milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[1024];
    while (output_.find(marker) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd entry{output_fd_, POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t count = ::read(output_fd_, buffer, sizeof(buffer));
      if (count <= 0) return false;
      output_.append(buffer, static_cast<std::size_t>(count));
    }
    return true;
  }

  // Keeps reading (and dropping) the server's log so that a full pipe never
  // blocks it.
  void drain_output() {
    drainer_ = std::thread([this] {
      char buffer[1024];
      while (!stop_draining_) {
        pollfd entry{output_fd_, POLLIN, 0};
        if (::poll(&entry, 1, 100) <= 0) continue;
        if (::read(output_fd_, buffer, sizeof(buffer)) <= 0) return;
      }
    });
  }

 private:
  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::string output_;
  std::atomic<bool> stop_draining_{false};
  std::thread drainer_;
};

// pebble-challtestsrv serving DNS (UDP and TCP) on a random loopback address.
class ChallengeTestServer {
 public:
  ChallengeTestServer() {
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> octet(1, 254);
    std::uniform_int_distribution<int> port(20000, 59999);
    for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
      const std::string address = "127." + std::to_string(octet(random)) + "." +
                                  std::to_string(octet(random)) + "." +
                                  std::to_string(octet(random));
      const int dns_port = port(random);
      const std::string management = address + ":" + std::to_string(dns_port + 1);

      auto process = std::make_unique<ServerProcess>(std::vector<std::string>{
          "pebble-challtestsrv", "-dns01", address + ":" + std::to_string(dns_port),
          "-management", management, "-http01", "", "-https01", "", "-tlsalpn01", ""});
      if (process->wait_for_output("Starting management server", milliseconds(10000)) &&
          wait_until_listening("http://" + management)) {
        process->drain_output();
        process_ = std::move(process);
        server_ = DnsServer{address, static_cast<std::uint16_t>(dns_port)};
        management_url_ = "http://" + management;
      }
    }
    BOOST_REQUIRE_MESSAGE(process_, "pebble-challtestsrv did not start");
  }

  const DnsServer& dns() const { return server_; }
  const std::string& management_url() const { return management_url_; }

  void post(const std::string& endpoint, const Json& body) {
    auto response = client_.send(
        http::HttpRequest{"POST", management_url_ + endpoint, {}, body.dump()});
    BOOST_REQUIRE(response.has_value());
    BOOST_REQUIRE_EQUAL(response.value().status, 200);
  }

  void set_txt(const std::string& host, const std::string& value) {
    post("/set-txt", {{"host", host + "."}, {"value", value}});
  }

 private:
  // The management server logs its start just before it listens.
  bool wait_until_listening(const std::string& url) {
    for (int i = 0; i < 50; ++i) {
      auto response = client_.send(http::HttpRequest{"GET", url + "/", {}, ""});
      if (response.has_value()) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  }

  std::unique_ptr<ServerProcess> process_;
  DnsServer server_;
  std::string management_url_;
  http::HttpClient client_{http::HttpOptions{}};
};

// A DNS server in Python that responds to every UDP query with an empty,
// truncated response and to every TCP query with two TXT records, the first
// made of the strings "part-one-" and "part-two". It shows that the checker
// retries over TCP and joins the strings of a TXT record.
constexpr const char* kTruncatingServer = R"PY(
import socket, struct, sys, threading

address, port = sys.argv[1], int(sys.argv[2])

def question_end(message):
    offset = 12
    while message[offset] != 0:
        offset += 1 + message[offset]
    return offset + 5

def build_response(message, truncated):
    flags = 0x8000 | 0x0400 | ((message[2] & 0x01) << 8)
    answers = b""
    count = 0
    if truncated:
        flags |= 0x0200
    else:
        for strings in (["part-one-", "part-two"], ["other"]):
            rdata = b"".join(bytes([len(text)]) + text.encode() for text in strings)
            answers += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 60, len(rdata)) + rdata
            count += 1
    end = question_end(message)
    return message[:2] + struct.pack(">HHHHH", flags, 1, count, 0, 0) + message[12:end] + answers

def read_exact(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data

def serve_udp(udp):
    while True:
        message, peer = udp.recvfrom(4096)
        udp.sendto(build_response(message, True), peer)

udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind((address, port))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind((address, port))
tcp.listen()
threading.Thread(target=serve_udp, args=(udp,), daemon=True).start()
print("ready", flush=True)
while True:
    connection, _ = tcp.accept()
    with connection:
        try:
            size = struct.unpack(">H", read_exact(connection, 2))[0]
            response = build_response(read_exact(connection, size), False)
            connection.sendall(struct.pack(">H", len(response)) + response)
        except EOFError:
            pass
)PY";

// kTruncatingServer on a random loopback address and port.
class TruncatingServer {
 public:
  TruncatingServer() {
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> octet(1, 254);
    std::uniform_int_distribution<int> port(20000, 60000);
    for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
      const std::string address = "127." + std::to_string(octet(random)) + "." +
                                  std::to_string(octet(random)) + "." +
                                  std::to_string(octet(random));
      const int dns_port = port(random);
      auto process = std::make_unique<ServerProcess>(std::vector<std::string>{
          "python3", "-c", kTruncatingServer, address, std::to_string(dns_port)});
      if (process->wait_for_output("ready\n", milliseconds(10000))) {
        process_ = std::move(process);
        server_ = DnsServer{address, static_cast<std::uint16_t>(dns_port)};
      }
    }
    BOOST_REQUIRE_MESSAGE(process_, "the truncating DNS server did not start");
  }

  const DnsServer& dns() const { return server_; }

 private:
  std::unique_ptr<ServerProcess> process_;
  DnsServer server_;
};

PropagationOptions short_options(milliseconds timeout) {
  PropagationOptions options;
  options.timeout = timeout;
  options.query_timeout = milliseconds(500);
  return options;
}

BOOST_AUTO_TEST_CASE(waits_for_record_set_later) {
  ChallengeTestServer dns;
  DnsPropagationChecker checker({dns.dns()}, short_options(milliseconds(15000)));

  const auto start = std::chrono::steady_clock::now();
  std::thread publisher([&dns] {
    std::this_thread::sleep_for(milliseconds(1500));
    dns.set_txt("_acme-challenge.example.com", "late-token");
  });
  auto result = checker.wait_for("_acme-challenge.example.com", "example.com", "late-token");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  publisher.join();

  BOOST_TEST(result.has_value());
  BOOST_TEST(elapsed >= milliseconds(1500));
  // The poll interval is at most 2 s, so the value is seen soon after it appears.
  BOOST_TEST(elapsed < milliseconds(4500));
}

BOOST_AUTO_TEST_CASE(finds_value_among_several) {
  ChallengeTestServer dns;
  for (int i = 0; i < 20; ++i) {
    dns.set_txt("_acme-challenge.example.com",
                "value-" + std::to_string(i) + "-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  }
  DnsPropagationChecker checker({dns.dns()}, short_options(milliseconds(3000)));

  auto result = checker.wait_for("_acme-challenge.example.com", "example.com",
                                 "value-19-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  BOOST_TEST(result.has_value());
}

BOOST_AUTO_TEST_CASE(times_out_naming_server) {
  ChallengeTestServer dns;
  DnsPropagationChecker checker({dns.dns()}, short_options(milliseconds(1000)));

  const auto start = std::chrono::steady_clock::now();
  auto result = checker.wait_for("_acme-challenge.missing.example.com", "example.com", "never");
  const auto elapsed = std::chrono::steady_clock::now() - start;

  BOOST_REQUIRE(!result.has_value());
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_TEST(result.error().message ==
             "TXT record \"never\" at _acme-challenge.missing.example.com did not appear within "
             "1 s on " + dns.dns().to_string() +
                 " (no TXT record); check that the record exists at the DNS provider, or raise "
                 "DNS_PROPAGATION_TIMEOUT");
  BOOST_TEST(elapsed >= milliseconds(1000));
  BOOST_TEST(elapsed < milliseconds(3000));
}

BOOST_AUTO_TEST_CASE(timeout_names_only_lagging_server) {
  ChallengeTestServer has_value;
  ChallengeTestServer lacks_value;
  has_value.set_txt("_acme-challenge.example.com", "token");
  lacks_value.set_txt("_acme-challenge.example.com", "old-token");
  DnsPropagationChecker checker({has_value.dns(), lacks_value.dns()},
                                short_options(milliseconds(800)));

  auto result = checker.wait_for("_acme-challenge.example.com", "example.com", "token");
  BOOST_REQUIRE(!result.has_value());
  BOOST_TEST(result.error().message ==
             "TXT record \"token\" at _acme-challenge.example.com did not appear within 800 ms on " +
                 lacks_value.dns().to_string() +
                 " (only the TXT value \"old-token\"); check that the record exists at the DNS "
                 "provider, or raise DNS_PROPAGATION_TIMEOUT");
}

BOOST_AUTO_TEST_CASE(truncated_udp_retried_over_tcp) {
  TruncatingServer dns;
  DnsPropagationChecker checker({dns.dns()}, short_options(milliseconds(3000)));

  auto joined = checker.wait_for("_acme-challenge.example.com", "example.com",
                                 "part-one-part-two");
  BOOST_TEST(joined.has_value());

  auto second = checker.wait_for("_acme-challenge.example.com", "example.com", "other");
  BOOST_TEST(second.has_value());
}

BOOST_AUTO_TEST_CASE(cname_is_followed) {
  ChallengeTestServer dns;
  dns.post("/set-cname", {{"host", "_acme-challenge.www.example.com."},
                          {"target", "_acme-challenge.www.validation.example.net."}});
  const std::vector<DnsServer> servers{dns.dns()};

  auto delegated = resolve_challenge_name("www.example.com", servers, milliseconds(1000));
  BOOST_REQUIRE(delegated.has_value());
  BOOST_TEST(delegated.value() == "_acme-challenge.www.validation.example.net");

  auto wildcard = resolve_challenge_name("*.www.example.com", servers, milliseconds(1000));
  BOOST_REQUIRE(wildcard.has_value());
  BOOST_TEST(wildcard.value() == "_acme-challenge.www.validation.example.net");

  auto direct = resolve_challenge_name("Other.Example.com", servers, milliseconds(1000));
  BOOST_REQUIRE(direct.has_value());
  BOOST_TEST(direct.value() == "_acme-challenge.other.example.com");
}

BOOST_AUTO_TEST_CASE(cname_loop_is_rejected) {
  ChallengeTestServer dns;
  dns.post("/set-cname", {{"host", "_acme-challenge.a.example.com."},
                          {"target", "b.example.com."}});
  dns.post("/set-cname", {{"host", "b.example.com."}, {"target", "_acme-challenge.a.example.com."}});

  auto result = resolve_challenge_name("a.example.com", {dns.dns()}, milliseconds(1000));
  BOOST_REQUIRE(!result.has_value());
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(result.error().message ==
             "the CNAME chain at _acme-challenge.a.example.com loops back to "
             "_acme-challenge.a.example.com; fix the CNAME records");
}

// fake_ionos.py hands its TXT records to pebble-challtestsrv, so a record
// written through IonosProvider becomes visible in DNS and disappears again.
BOOST_AUTO_TEST_CASE(ionos_fake_feeds_challtestsrv) {
  ChallengeTestServer dns;
  const std::string address = dns.dns().address;
  const std::string listen = address + ":" + std::to_string(dns.dns().port + 2);
  ServerProcess fake({"python3", CERTPLAN_SOURCE_DIR "/examples/sandbox/fake_ionos.py", "--listen",
                      listen, "--api-key", "chain.secret", "--zone", "example.com",
                      "--challtestsrv", dns.management_url()});
  BOOST_REQUIRE(fake.wait_for_output("ready\n", milliseconds(10000)));
  fake.drain_output();

  IonosProvider provider("http://" + listen, SecretString("chain.secret"));
  DnsPropagationChecker checker({dns.dns()}, short_options(milliseconds(3000)));

  auto apex = provider.present("_acme-challenge.example.com", "apex-value");
  BOOST_REQUIRE(apex.has_value());
  auto wildcard = provider.present("_acme-challenge.example.com", "wildcard-value");
  BOOST_REQUIRE(wildcard.has_value());
  BOOST_TEST(checker.wait_for("_acme-challenge.example.com", "example.com", "apex-value")
                 .has_value());
  BOOST_TEST(checker.wait_for("_acme-challenge.example.com", "example.com", "wildcard-value")
                 .has_value());

  BOOST_REQUIRE(provider.cleanup(apex.value()).has_value());
  BOOST_TEST(checker.wait_for("_acme-challenge.example.com", "example.com", "wildcard-value")
                 .has_value());
  DnsPropagationChecker quick_checker({dns.dns()}, short_options(milliseconds(300)));
  auto removed = quick_checker.wait_for("_acme-challenge.example.com", "example.com", "apex-value");
  BOOST_REQUIRE(!removed.has_value());
  BOOST_TEST(removed.error().message ==
             "TXT record \"apex-value\" at _acme-challenge.example.com did not appear within "
             "300 ms on " + dns.dns().to_string() +
                 " (only the TXT value \"wildcard-value\"); check that the record exists at the "
                 "DNS provider, or raise DNS_PROPAGATION_TIMEOUT");
}

}  // namespace
}  // namespace certplan
