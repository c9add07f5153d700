#include "providers/acme/acme_client.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include <boost/test/unit_test.hpp>

namespace certplan {
namespace {

// A python3 stand-in for an ACME server on a random 127.x.y.z address. It
// serves a directory and nonces. It returns 503 with "Retry-After: 1" for
// the first POST /busy and 200 after that, a rateLimited problem with
// "Retry-After: 3600" for POST /limited, and badNonce for POST /nonce-trouble.
// It does not check signatures: these tests cover the client's retries.
class FakeAcmeServer {
 public:
  FakeAcmeServer() {
    std::random_device random;
    address_ = "127." + std::to_string(1 + random() % 250) + "." +
               std::to_string(random() % 250) + "." + std::to_string(2 + random() % 250);

    int output[2];
    BOOST_REQUIRE(pipe(output) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(output[1], STDOUT_FILENO);
      close(output[0]);
      close(output[1]);
      execlp("python3", "python3", "-c", kScript, address_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(output[1]);

    FILE* stream = fdopen(output[0], "r");
    char line[32] = {};
    const bool got_port = std::fgets(line, sizeof line, stream) != nullptr;
    std::fclose(stream);
    BOOST_REQUIRE_MESSAGE(got_port, "the python3 fake ACME server did not start");
    port_ = std::stoi(line);
  }
  ~FakeAcmeServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  FakeAcmeServer(const FakeAcmeServer&) = delete;
  FakeAcmeServer& operator=(const FakeAcmeServer&) = delete;

  std::string url(const std::string& path) const {
    return "http://" + address_ + ":" + std::to_string(port_) + path;
  }

 private:
  static constexpr const char* kScript = R"PY(
import http.server, json, sys
state = {"nonce": 0, "busy": 0, "bad": 0}
class Fake(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, status, body, headers=()):
        data = body.encode()
        state["nonce"] += 1
        self.send_response(status)
        self.send_header("Replay-Nonce", "n%d" % state["nonce"])
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_HEAD(self):
        self.reply(200, "")
    def do_GET(self):
        base = "http://%s:%d" % self.server.server_address
        directory = {"newNonce": base + "/nonce", "newAccount": base + "/account",
                     "newOrder": base + "/order"}
        if self.path == "/dir-extended":
            directory["renewalInfo"] = base + "/renewal-info/"
            directory["meta"] = {"profiles": {"classic": "90 days", "shortlived": 7}}
        self.reply(200, json.dumps(directory))
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        problem = [("Content-Type", "application/problem+json")]
        if self.path == "/busy":
            state["busy"] += 1
            if state["busy"] == 1:
                self.reply(503, "", [("Retry-After", "1")])
            else:
                self.reply(200, json.dumps({"attempts": state["busy"]}), [("Location", "/busy/1")])
        elif self.path == "/limited":
            self.reply(429, json.dumps({"type": "urn:ietf:params:acme:error:rateLimited",
                                        "detail": "too many new orders", "status": 429}),
                       problem + [("Retry-After", "3600")])
        elif self.path == "/nonce-trouble":
            state["bad"] += 1
            self.reply(400, json.dumps({"type": "urn:ietf:params:acme:error:badNonce",
                                        "detail": "bad nonce %d" % state["bad"]}), problem)
        else:
            self.reply(404, "not here")
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer((sys.argv[1], 0), Fake)
print(server.server_address[1], flush=True)
server.serve_forever()
)PY";

  std::string address_;
  int port_ = 0;
  pid_t pid_ = -1;
};

struct ClientCase {
  FakeAcmeServer server;
  http::HttpClient http{http::HttpOptions{}};
  AccountKey key = AccountKey::generate().value();
  JwsSigner signer{key, "http://127.0.0.1/acct/1"};
};

BOOST_AUTO_TEST_CASE(directory_is_read) {
  ClientCase test;
  AcmeClient client(test.http, test.server.url("/dir"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  BOOST_REQUIRE(!client.fetch_directory().has_error());
  BOOST_TEST(client.directory().new_nonce == test.server.url("/nonce"));
  BOOST_TEST(client.directory().new_order == test.server.url("/order"));
  BOOST_TEST(!client.directory().external_account_required);
  BOOST_TEST(client.directory().renewal_info.empty());
  BOOST_TEST(client.directory().profiles.empty());
}

BOOST_AUTO_TEST_CASE(directory_renewal_info_and_profiles) {
  ClientCase test;
  AcmeClient client(test.http, test.server.url("/dir-extended"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  BOOST_REQUIRE(!client.fetch_directory().has_error());
  BOOST_TEST(client.directory().renewal_info == test.server.url("/renewal-info/"));
  BOOST_REQUIRE_EQUAL(client.directory().profiles.size(), 2u);
  BOOST_TEST(client.directory().profiles.at("classic") == "90 days");
  // A description that is not a string keeps the profile, without text.
  BOOST_TEST(client.directory().profiles.at("shortlived").empty());
}

BOOST_AUTO_TEST_CASE(retry_after_on_503_is_honoured) {
  ClientCase test;
  AcmeClient client(test.http, test.server.url("/dir"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  BOOST_REQUIRE(!client.fetch_directory().has_error());

  const auto start = std::chrono::steady_clock::now();
  auto response = client.post(test.signer, test.server.url("/busy"), nlohmann::json::object(), "busy");
  BOOST_REQUIRE_MESSAGE(response.has_value(), (response.has_error() ? response.error().message : ""));
  BOOST_TEST(response.value().status == 200);
  BOOST_TEST(response.value().json.at("attempts") == 2);
  BOOST_TEST(response.value().location == "/busy/1");
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  BOOST_TEST(elapsed.count() >= 1000);
}

BOOST_AUTO_TEST_CASE(retry_after_past_deadline_fails) {
  ClientCase test;
  AcmeClient client(test.http, test.server.url("/dir"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  BOOST_REQUIRE(!client.fetch_directory().has_error());

  auto response = client.post(test.signer, test.server.url("/limited"), nlohmann::json::object(),
                              "newOrder");
  BOOST_REQUIRE(response.has_error());
  BOOST_TEST(static_cast<int>(response.error().kind) == static_cast<int>(ErrorKind::rejected));
  const std::string expected_start = "newOrder (" + test.server.url("/limited") +
                                     ") failed: rateLimited: too many new orders; the CA asks to retry "
                                     "after 3600 seconds (at ";
  const std::string& message = response.error().message;
  BOOST_TEST(message.starts_with(expected_start), message);
  BOOST_TEST(message.ends_with("Z), which is past the issuance deadline"), message);
  BOOST_REQUIRE(client.refused_retry_after().has_value());
  BOOST_TEST(client.refused_retry_after()->count() == 3600);
}

BOOST_AUTO_TEST_CASE(bad_nonce_retries_are_bounded) {
  ClientCase test;
  AcmeClient client(test.http, test.server.url("/dir"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  BOOST_REQUIRE(!client.fetch_directory().has_error());

  auto response = client.post(test.signer, test.server.url("/nonce-trouble"),
                              nlohmann::json::object(), "newOrder");
  BOOST_REQUIRE(response.has_error());
  // One first attempt and twenty retries.
  BOOST_TEST(response.error().message ==
             "newOrder (" + test.server.url("/nonce-trouble") + ") failed: badNonce: bad nonce 21");
}

BOOST_AUTO_TEST_CASE(status_without_problem_is_reported) {
  ClientCase test;
  AcmeClient client(test.http, test.server.url("/dir"),
                    std::chrono::steady_clock::now() + std::chrono::seconds(30));
  BOOST_REQUIRE(!client.fetch_directory().has_error());

  auto response = client.post_as_get(test.signer, test.server.url("/missing"), "order");
  BOOST_REQUIRE(response.has_error());
  BOOST_TEST(response.error().message ==
             "order (" + test.server.url("/missing") + ") failed with HTTP status 404: not here");
}

}  // namespace
}  // namespace certplan
