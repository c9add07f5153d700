#include "providers/http/http_client.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>

#include <boost/test/unit_test.hpp>

namespace certplan::http {
namespace {

// A python3 HTTP server on a random 127.x.y.z address and a free port. It
// returns status 201 for every request, two "X-Test" headers and a body that
// echoes the method, the User-Agent and the request body.
class EchoServer {
 public:
  EchoServer() {
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

    // The server prints its port once it listens.
    FILE* stream = fdopen(output[0], "r");
    char line[32] = {};
    const bool got_port = std::fgets(line, sizeof line, stream) != nullptr;
    std::fclose(stream);
    BOOST_REQUIRE_MESSAGE(got_port, "the python3 test server did not start");
    port_ = std::stoi(line);
  }
  ~EchoServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::string url(const std::string& path) const {
    return "http://" + address_ + ":" + std::to_string(port_) + path;
  }
  const std::string& address() const { return address_; }

 private:
  static constexpr const char* kScript = R"PY(
import http.server, sys
class Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        length = int(self.headers.get("Content-Length", "0"))
        received = self.rfile.read(length).decode()
        body = f"{self.command} {self.headers.get('User-Agent')} [{received}]".encode()
        self.send_response(201)
        self.send_header("X-Test", " first ")
        self.send_header("x-test", "second")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = answer
    do_POST = answer
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer((sys.argv[1], 0), Echo)
print(server.server_address[1], flush=True)
server.serve_forever()
)PY";

  std::string address_;
  int port_ = 0;
  pid_t pid_ = -1;
};

BOOST_AUTO_TEST_CASE(header_line_lowercases_and_trims) {
  const auto header = parse_header_line("Replay-Nonce:   abc-123 \r\n");
  BOOST_REQUIRE(header.has_value());
  BOOST_TEST(header->first == "replay-nonce");
  BOOST_TEST(header->second == "abc-123");
}

BOOST_AUTO_TEST_CASE(header_line_keeps_colons_in_value) {
  const auto header = parse_header_line("Location: https://127.0.0.1:14000/acct/1\r\n");
  BOOST_REQUIRE(header.has_value());
  BOOST_TEST(header->first == "location");
  BOOST_TEST(header->second == "https://127.0.0.1:14000/acct/1");
}

BOOST_AUTO_TEST_CASE(header_line_skips_status_and_blank) {
  BOOST_TEST(!parse_header_line("HTTP/1.1 200 OK\r\n").has_value());
  BOOST_TEST(!parse_header_line("\r\n").has_value());
  BOOST_TEST(!parse_header_line("no colon here\r\n").has_value());
  BOOST_TEST(!parse_header_line(": empty name\r\n").has_value());
}

BOOST_AUTO_TEST_CASE(response_header_lookup_any_case) {
  HttpResponse response;
  response.headers = {{"link", "<a>;rel=\"up\""}, {"retry-after", "5"}, {"link", "<b>"}};
  BOOST_TEST(response.header("Retry-After").value_or("") == "5");
  BOOST_TEST(response.header("LINK").value_or("") == "<a>;rel=\"up\"");
  BOOST_TEST(!response.header("replay-nonce").has_value());
}

BOOST_AUTO_TEST_CASE(mask_url_hides_password_and_query_values) {
  BOOST_TEST(mask_url("https://user:secret@127.0.0.1:8443/path?key=abc&x=1#frag") ==
             "https://user:***@127.0.0.1:8443/path?key=***&x=***");
}

BOOST_AUTO_TEST_CASE(mask_url_keeps_plain_url) {
  BOOST_TEST(mask_url("https://127.0.0.1:14000/dir") == "https://127.0.0.1:14000/dir");
}

BOOST_AUTO_TEST_CASE(mask_url_user_without_password) {
  BOOST_TEST(mask_url("https://user@127.0.0.1/a") == "https://user@127.0.0.1/a");
}

BOOST_AUTO_TEST_CASE(mask_url_bare_query_parameter) {
  BOOST_TEST(mask_url("http://127.0.0.1?tokenvalue") == "http://127.0.0.1?***");
  BOOST_TEST(mask_url("http://127.0.0.1/?a=&b") == "http://127.0.0.1/?a=***&***");
}

BOOST_AUTO_TEST_CASE(send_get_and_post_over_loopback) {
  EchoServer server;
  HttpClient client(HttpOptions{});

  auto got = client.send(HttpRequest{"GET", server.url("/get"), {}, ""});
  BOOST_REQUIRE_MESSAGE(got.has_value(), (got.has_error() ? got.error().message : ""));
  BOOST_TEST(got.value().status == 201);
  BOOST_TEST(got.value().body == "GET certplan/" CERTPLAN_VERSION " []");
  BOOST_TEST(got.value().header("x-test").value_or("") == "first");
  BOOST_TEST(got.value().headers.size() >= 3u);

  // The same client sends again over its kept-alive connection.
  auto posted = client.send(HttpRequest{
      "POST", server.url("/post"), {{"Content-Type", "application/jose+json"}}, "{\"a\":1}"});
  BOOST_REQUIRE_MESSAGE(posted.has_value(), (posted.has_error() ? posted.error().message : ""));
  BOOST_TEST(posted.value().status == 201);
  BOOST_TEST(posted.value().body == "POST certplan/" CERTPLAN_VERSION " [{\"a\":1}]");
}

BOOST_AUTO_TEST_CASE(send_refused_names_masked_url) {
  // Port 1 on a fresh loopback address has no listener.
  EchoServer server;
  HttpClient client(HttpOptions{});
  const std::string url = "http://" + server.address() + ":1/dir?token=secret";

  auto result = client.send(HttpRequest{"GET", url, {}, ""});
  BOOST_REQUIRE(result.has_error());
  BOOST_TEST(static_cast<int>(result.error().kind) == static_cast<int>(ErrorKind::unreachable));
  const std::string expected_start = "GET http://" + server.address() + ":1/dir?token=*** failed: ";
  BOOST_TEST(result.error().message.starts_with(expected_start), result.error().message);
  BOOST_TEST(result.error().message.find("secret") == std::string::npos);
  BOOST_TEST(result.error().message.ends_with("; check the URL and that the server runs"));
}

}  // namespace
}  // namespace certplan::http
