// IonosProvider against examples/sandbox/fake_ionos.py, started on a random
// loopback address for each test.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <memory>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "providers/dns/ionos_provider.h"
#include "providers/http/http_client.h"

namespace certplan {
namespace {

using Json = nlohmann::json;

const std::string kApiKey = "e2eprefix.e2esecret-0123456789";

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
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        ::close(output_fd_);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    ::close(output_fd_);
  }

  // Reads output until a line contains `marker`. Returns false when the
  // process closes its output first or `timeout` passes.
  bool wait_for_output(const std::string& marker, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[1024];
    while (output_.find(marker) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd entry{output_fd_, POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t count = ::read(output_fd_, buffer, sizeof(buffer));
      if (count <= 0) return false;
      output_.append(buffer, static_cast<std::size_t>(count));
    }
    return true;
  }

  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::string output_;
};

std::string random_loopback_address(std::mt19937& random) {
  std::uniform_int_distribution<int> octet(1, 254);
  return "127." + std::to_string(octet(random)) + "." + std::to_string(octet(random)) + "." +
         std::to_string(octet(random));
}

// fake_ionos.py on a random loopback address and port, with its test hooks.
class FakeIonos {
 public:
  explicit FakeIonos(const std::vector<std::string>& zones,
                     const std::vector<std::string>& extra_args = {}) {
    std::mt19937 random(std::random_device{}());
    std::uniform_int_distribution<int> port(20000, 60000);
    for (int attempt = 0; attempt < 5 && !process_; ++attempt) {
      const std::string listen = random_loopback_address(random) + ":" + std::to_string(port(random));
      std::vector<std::string> argv{"python3", CERTPLAN_SOURCE_DIR "/examples/sandbox/fake_ionos.py",
                                    "--listen", listen, "--api-key", kApiKey};
      for (const std::string& zone : zones) {
        argv.push_back("--zone");
        argv.push_back(zone);
      }
      argv.insert(argv.end(), extra_args.begin(), extra_args.end());

      auto process = std::make_unique<ServerProcess>(argv);
      if (process->wait_for_output("ready\n", std::chrono::seconds(10))) {
        process_ = std::move(process);
        url_ = "http://" + listen;
      }
    }
    BOOST_REQUIRE_MESSAGE(process_, "fake_ionos.py did not start");
  }

  const std::string& url() const { return url_; }

  IonosProvider provider(const std::string& api_key = kApiKey, IonosOptions options = {}) const {
    return IonosProvider(url_, SecretString(api_key), options);
  }

  Json get(const std::string& path) {
    auto response = client_.send(http::HttpRequest{"GET", url_ + path, {}, ""});
    BOOST_REQUIRE(response.has_value());
    BOOST_REQUIRE_EQUAL(response.value().status, 200);
    return Json::parse(response.value().body);
  }

  Json records() { return get("/_test/records"); }
  Json requests() { return get("/_test/requests"); }

  // Id of the zone called `name`, as the API lists it.
  std::string zone_id(const std::string& name) {
    auto response = client_.send(
        http::HttpRequest{"GET", url_ + "/v1/zones", {{"X-API-Key", kApiKey}}, ""});
    BOOST_REQUIRE(response.has_value());
    for (const Json& zone : Json::parse(response.value().body)) {
      if (zone["name"] == name) return zone["id"].get<std::string>();
    }
    BOOST_FAIL("zone " + name + " not listed");
    return {};
  }

  http::HttpClient& client() { return client_; }

 private:
  std::unique_ptr<ServerProcess> process_;
  std::string url_;
  http::HttpClient client_{http::HttpOptions{}};
};

std::vector<std::string> txt_contents_at(const Json& records, const std::string& name) {
  std::vector<std::string> contents;
  for (const Json& record : records) {
    if (record["name"] == name && record["type"] == "TXT") {
      contents.push_back(record["content"].get<std::string>());
    }
  }
  std::sort(contents.begin(), contents.end());
  return contents;
}

int kind_of(const Error& error) { return static_cast<int>(error.kind); }

BOOST_AUTO_TEST_CASE(apex_and_wildcard_values_coexist) {
  FakeIonos fake({"example.com"});
  IonosProvider provider = fake.provider();

  auto apex = provider.present("_acme-challenge.example.com", "apex-token");
  BOOST_REQUIRE(apex.has_value());
  auto wildcard = provider.present("_acme-challenge.example.com", "wildcard-token");
  BOOST_REQUIRE(wildcard.has_value());

  BOOST_TEST(apex.value().fqdn == "_acme-challenge.example.com");
  BOOST_TEST(apex.value().value == "apex-token");
  BOOST_TEST(apex.value().zone == "example.com");
  BOOST_TEST(!apex.value().id.empty());
  BOOST_TEST(apex.value().id != wildcard.value().id);
  BOOST_TEST(txt_contents_at(fake.records(), "_acme-challenge.example.com") ==
                 (std::vector<std::string>{"\"apex-token\"", "\"wildcard-token\""}),
             boost::test_tools::per_element());

  BOOST_REQUIRE(provider.cleanup(apex.value()).has_value());
  BOOST_TEST(txt_contents_at(fake.records(), "_acme-challenge.example.com") ==
                 std::vector<std::string>{"\"wildcard-token\""},
             boost::test_tools::per_element());

  BOOST_REQUIRE(provider.cleanup(wildcard.value()).has_value());
  BOOST_TEST(fake.records().empty());
}

BOOST_AUTO_TEST_CASE(record_lands_in_nested_zone) {
  FakeIonos fake({"example.com", "dev.example.com"});
  IonosProvider provider = fake.provider();

  auto nested = provider.present("_acme-challenge.a.dev.example.com", "nested-token");
  BOOST_REQUIRE(nested.has_value());
  auto outer = provider.present("_acme-challenge.www.example.com", "outer-token");
  BOOST_REQUIRE(outer.has_value());

  BOOST_TEST(nested.value().zone == "dev.example.com");
  BOOST_TEST(outer.value().zone == "example.com");
  const Json records = fake.records();
  BOOST_REQUIRE_EQUAL(records.size(), 2U);
  for (const Json& record : records) {
    if (record["name"] == "_acme-challenge.a.dev.example.com") {
      BOOST_TEST(record["rootName"] == "dev.example.com");
    } else {
      BOOST_TEST(record["name"] == "_acme-challenge.www.example.com");
      BOOST_TEST(record["rootName"] == "example.com");
    }
  }
}

BOOST_AUTO_TEST_CASE(name_with_case_and_trailing_dot) {
  FakeIonos fake({"example.com"});
  IonosProvider provider = fake.provider();

  auto record = provider.present("_ACME-challenge.WWW.Example.com.", "token");
  BOOST_REQUIRE(record.has_value());
  BOOST_TEST(record.value().fqdn == "_acme-challenge.www.example.com");
  BOOST_TEST(txt_contents_at(fake.records(), "_acme-challenge.www.example.com") ==
                 std::vector<std::string>{"\"token\""},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(name_outside_every_zone) {
  FakeIonos fake({"example.com", "dev.example.com"});
  IonosProvider provider = fake.provider();

  auto record = provider.present("_acme-challenge.sample.com", "token");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(kind_of(record.error()) == static_cast<int>(ErrorKind::not_found));
  BOOST_TEST(record.error().message ==
             "no IONOS zone contains _acme-challenge.sample.com; the account has the zones "
             "example.com, dev.example.com; add the zone in IONOS or fix the name in "
             "domains.yaml");
}

BOOST_AUTO_TEST_CASE(wrong_key_rejected_without_key) {
  FakeIonos fake({"example.com"});
  const std::string wrong_key = "wrongprefix.wrong-secret-value";
  IonosProvider provider = fake.provider(wrong_key);

  auto record = provider.present("_acme-challenge.example.com", "token");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(kind_of(record.error()) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(record.error().message ==
             "IONOS API rejected GET /v1/zones: 401 UNAUTHORIZED: the API key is missing or not "
             "valid; check IONOS_API_KEY (PREFIX.SECRET)");
  BOOST_TEST(record.error().message.find("wrong-secret-value") == std::string::npos);
  BOOST_TEST(record.error().message.find("wrongprefix") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(cleanup_of_gone_record_is_not_found) {
  FakeIonos fake({"example.com"});
  IonosProvider provider = fake.provider();

  auto record = provider.present("_acme-challenge.example.com", "token");
  BOOST_REQUIRE(record.has_value());
  BOOST_REQUIRE(provider.cleanup(record.value()).has_value());

  auto again = provider.cleanup(record.value());
  BOOST_REQUIRE(!again.has_value());
  BOOST_TEST(kind_of(again.error()) == static_cast<int>(ErrorKind::not_found));
  BOOST_TEST(again.error().message ==
             "TXT record \"token\" at _acme-challenge.example.com in IONOS zone example.com was "
             "already gone");
}

BOOST_AUTO_TEST_CASE(cleanup_without_id_looks_record_up) {
  FakeIonos fake({"example.com"});
  IonosProvider provider = fake.provider();

  auto first = provider.present("_acme-challenge.example.com", "first");
  BOOST_REQUIRE(first.has_value());
  auto second = provider.present("_acme-challenge.example.com", "second");
  BOOST_REQUIRE(second.has_value());

  PublishedRecord without_id = first.value();
  without_id.id.clear();
  BOOST_REQUIRE(provider.cleanup(without_id).has_value());
  PublishedRecord stale_id = second.value();
  stale_id.id = "00000000-0000-0000-0000-000000000000";
  BOOST_REQUIRE(provider.cleanup(stale_id).has_value());
  BOOST_TEST(fake.records().empty());

  // A fresh provider (as in a later run) finds records by name and content.
  auto third = provider.present("_acme-challenge.example.com", "third");
  BOOST_REQUIRE(third.has_value());
  IonosProvider later_run = fake.provider();
  BOOST_REQUIRE(later_run.cleanup(PublishedRecord{"_acme-challenge.example.com", "third",
                                                  "example.com", ""})
                    .has_value());
  BOOST_TEST(fake.records().empty());
}

BOOST_AUTO_TEST_CASE(cleanup_matches_unquoted_content) {
  FakeIonos fake({"example.com"}, {"--no-quote-txt"});
  IonosProvider provider = fake.provider();

  auto record = provider.present("_acme-challenge.example.com", "plain");
  BOOST_REQUIRE(record.has_value());
  BOOST_TEST(txt_contents_at(fake.records(), "_acme-challenge.example.com") ==
                 std::vector<std::string>{"plain"},
             boost::test_tools::per_element());

  PublishedRecord without_id = record.value();
  without_id.id.clear();
  BOOST_REQUIRE(provider.cleanup(without_id).has_value());
  BOOST_TEST(fake.records().empty());
}

BOOST_AUTO_TEST_CASE(rejected_record_shows_code_and_status) {
  FakeIonos fake({"example.com"});
  IonosOptions options;
  options.ttl_seconds = 30;
  IonosProvider provider = fake.provider(kApiKey, options);

  auto record = provider.present("_acme-challenge.example.com", "token");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(kind_of(record.error()) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(record.error().message == "IONOS API rejected POST /v1/zones/" +
                                           fake.zone_id("example.com") +
                                           "/records: 400 INVALID_RECORD: ttl must be at least "
                                           "60 seconds");
}

BOOST_AUTO_TEST_CASE(requests_follow_api_rules) {
  FakeIonos fake({"example.com", "dev.example.com"});
  IonosProvider provider = fake.provider();

  auto apex = provider.present("_acme-challenge.example.com", "one");
  BOOST_REQUIRE(apex.has_value());
  auto nested = provider.present("_acme-challenge.x.dev.example.com", "two");
  BOOST_REQUIRE(nested.has_value());
  PublishedRecord without_id = apex.value();
  without_id.id.clear();
  BOOST_REQUIRE(provider.cleanup(without_id).has_value());
  BOOST_REQUIRE(provider.cleanup(nested.value()).has_value());

  const Json requests = fake.requests();
  const std::string outer_zone = fake.zone_id("example.com");
  const std::string dev_zone = fake.zone_id("dev.example.com");

  std::vector<std::string> lines;
  for (const Json& request : requests) {
    const std::string method = request["method"];
    lines.push_back(method + " " + request["path"].get<std::string>());
    BOOST_TEST(!request["query"].contains("suffix"));
    BOOST_TEST(method != "PATCH");
    const int expected_content_types = method == "POST" ? 1 : 0;
    BOOST_TEST(request["content_type_count"] == expected_content_types);
  }
  const std::vector<std::string> expected{
      "GET /v1/zones",
      "POST /v1/zones/" + outer_zone + "/records",
      "POST /v1/zones/" + dev_zone + "/records",
      "GET /v1/zones/" + outer_zone,
      "DELETE /v1/zones/" + outer_zone + "/records/" + apex.value().id,
      "DELETE /v1/zones/" + dev_zone + "/records/" + nested.value().id,
  };
  BOOST_TEST(lines == expected, boost::test_tools::per_element());

  BOOST_REQUIRE_EQUAL(requests.size(), 6U);
  const Json& lookup_query = requests[3]["query"];
  BOOST_TEST(lookup_query == Json::parse(R"({"recordName": ["_acme-challenge.example.com"],
                                              "recordType": ["TXT"]})"));
}

// IONOS's PATCH on a zone replaces every record with the same name and type,
// which is why IonosProvider adds records with POST only.
BOOST_AUTO_TEST_CASE(patch_would_drop_other_value) {
  FakeIonos fake({"example.com"});
  IonosProvider provider = fake.provider();
  auto apex = provider.present("_acme-challenge.example.com", "apex-token");
  BOOST_REQUIRE(apex.has_value());

  const std::string body =
      R"([{"name": "_acme-challenge.example.com", "type": "TXT", "content": "wildcard-token",
           "ttl": 60, "prio": 0, "disabled": false}])";
  auto response = fake.client().send(http::HttpRequest{
      "PATCH",
      fake.url() + "/v1/zones/" + fake.zone_id("example.com"),
      {{"X-API-Key", kApiKey}, {"Content-Type", "application/json"}},
      body});
  BOOST_REQUIRE(response.has_value());
  BOOST_TEST(response.value().status == 200);

  BOOST_TEST(txt_contents_at(fake.records(), "_acme-challenge.example.com") ==
                 std::vector<std::string>{"\"wildcard-token\""},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unreachable_api_is_reported) {
  FakeIonos fake({"example.com"});
  // Port 1 on the fake's address: nothing listens there.
  const std::string url = fake.url().substr(0, fake.url().rfind(':')) + ":1";
  IonosProvider provider(url, SecretString(kApiKey));

  auto record = provider.present("_acme-challenge.example.com", "token");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(kind_of(record.error()) == static_cast<int>(ErrorKind::unreachable));
  BOOST_TEST(record.error().message.find(kApiKey) == std::string::npos);
  BOOST_TEST(record.error().message.starts_with("GET " + url + "/v1/zones failed: "));
}

}  // namespace
}  // namespace certplan
