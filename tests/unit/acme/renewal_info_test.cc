#include "providers/acme/renewal_info.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "engine/plan_time.h"
#include "providers/acme/acme_order.h"
#include "tests/unit/support/temporary_directory.h"

namespace certplan {
namespace {

// A self-signed PEM certificate with serial `serial_hex` and, unless
// `key_id_hex` is empty, an Authority Key Identifier with that keyIdentifier.
std::string certificate_pem(const std::string& serial_hex, const std::string& key_id_hex) {
  auto key = generate_private_key(KeyType::ec256);
  BOOST_REQUIRE(key.has_value());
  auto* pkey = static_cast<EVP_PKEY*>(key.value().get());

  X509* certificate = X509_new();
  X509_set_version(certificate, 2);
  BIGNUM* serial = nullptr;
  BN_hex2bn(&serial, serial_hex.c_str());
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(certificate));
  BN_free(serial);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("test"), -1,
                             -1, 0);
  X509_set_issuer_name(certificate, name);
  X509_gmtime_adj(X509_getm_notBefore(certificate), 0);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
  X509_set_pubkey(certificate, pkey);

  if (!key_id_hex.empty()) {
    AUTHORITY_KEYID* authority = AUTHORITY_KEYID_new();
    long length = 0;
    unsigned char* bytes = OPENSSL_hexstr2buf(key_id_hex.c_str(), &length);
    authority->keyid = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(authority->keyid, bytes, static_cast<int>(length));
    OPENSSL_free(bytes);
    X509_add1_ext_i2d(certificate, NID_authority_key_identifier, authority, 0, X509V3_ADD_DEFAULT);
    AUTHORITY_KEYID_free(authority);
  }
  X509_sign(certificate, pkey, EVP_sha256());

  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, certificate);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<std::size_t>(size));
  BIO_free(bio);
  X509_free(certificate);
  return pem;
}

TimePoint at(const std::string& text) { return parse_rfc3339(text).value(); }

// A CA that accepts connections on a loopback port and never sends a byte,
// as a CA behind a stalled proxy would. Counts the connections it accepted.
class SilentServer {
 public:
  SilentServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(listener_ >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    BOOST_REQUIRE(::listen(listener_, 8) == 0);
    socklen_t length = sizeof address;
    BOOST_REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { accept_until_stopped(); });
  }

  ~SilentServer() {
    stop_ = true;
    thread_.join();
    for (int connection : connections_) ::close(connection);
    ::close(listener_);
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_) + "/dir"; }
  int accepted() const { return accepted_; }

 private:
  void accept_until_stopped() {
    while (!stop_) {
      pollfd readable{listener_, POLLIN, 0};
      if (::poll(&readable, 1, 50) <= 0) continue;
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) continue;
      connections_.push_back(connection);
      ++accepted_;
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::vector<int> connections_;
  std::thread thread_;
};

// Writes a cached window in the documented cache format.
void write_cached_window(const std::filesystem::path& state_dir, const std::string& certificate_id,
                         const std::string& fetch_after) {
  std::filesystem::create_directories(state_dir / "renewal-info");
  std::ofstream file(state_dir / "renewal-info" / (certificate_id + ".json"));
  file << R"({"fetch_after": ")" << fetch_after << R"(", "response": )"
       << R"("{\"suggestedWindow\": {\"start\": \"2027-01-02T04:00:00Z\", \"end\": \"2027-01-03T04:00:00Z\"}}"})";
}

AcmeRenewalInfoOptions options_for(const SilentServer& server, const std::filesystem::path& state_dir) {
  AcmeRenewalInfoOptions options;
  options.directory_url = server.url();
  options.state_dir = state_dir;
  options.timeout = std::chrono::seconds(1);
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(certificate_id_of_high_bit_serial) {
  // The serial 0x87654321 has its top bit set, so its DER content starts
  // with a zero byte: 00 87 65 43 21.
  const std::string pem = certificate_pem("87654321", "69885B6B87464041E1B37B847BA0AE2CDE01C8D4");
  const auto id = renewal_certificate_id(pem);
  BOOST_REQUIRE_MESSAGE(id.has_value(), (id.has_error() ? id.error().message : ""));
  BOOST_TEST(id.value() == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

BOOST_AUTO_TEST_CASE(certificate_id_of_small_serial) {
  const auto id = renewal_certificate_id(certificate_pem("0102", "0A0B"));
  BOOST_REQUIRE(id.has_value());
  BOOST_TEST(id.value() == "Cgs.AQI");
}

BOOST_AUTO_TEST_CASE(certificate_id_needs_key_identifier) {
  const auto id = renewal_certificate_id(certificate_pem("0102", ""));
  BOOST_REQUIRE(id.has_error());
  BOOST_TEST(static_cast<int>(id.error().kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(id.error().message.find("no Authority Key Identifier") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(certificate_id_needs_pem) {
  const auto id = renewal_certificate_id("not a certificate");
  BOOST_REQUIRE(id.has_error());
  BOOST_TEST(id.error().message == "the stored chain contains no PEM certificate");
}

BOOST_AUTO_TEST_CASE(renewal_info_good) {
  const auto window = parse_renewal_info(R"({
    "suggestedWindow": {"start": "2027-01-02T04:00:00Z", "end": "2027-01-03T04:00:00.5Z"},
    "explanationURL": "https://ca.example/incident/1"})");
  BOOST_REQUIRE_MESSAGE(window.has_value(), (window.has_error() ? window.error().message : ""));
  BOOST_TEST((window.value().start == at("2027-01-02T04:00:00Z")));
  // The fraction of a second may be dropped, never rounded up past it.
  BOOST_TEST((window.value().end >= at("2027-01-03T04:00:00Z")));
  BOOST_TEST((window.value().end < at("2027-01-03T04:00:01Z")));
  BOOST_TEST(window.value().explanation_url == "https://ca.example/incident/1");
}

BOOST_AUTO_TEST_CASE(renewal_info_without_explanation) {
  const auto window =
      parse_renewal_info(R"({"suggestedWindow": {"start": "2027-01-02T00:00:00Z", "end": "2027-01-03T00:00:00Z"}})");
  BOOST_REQUIRE(window.has_value());
  BOOST_TEST(window.value().explanation_url.empty());
}

BOOST_AUTO_TEST_CASE(renewal_info_malformed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "renewalInfo is not a JSON object"},
      {"[1, 2]", "renewalInfo is not a JSON object"},
      {"{}", "renewalInfo has no suggestedWindow object"},
      {R"({"suggestedWindow": "soon"})", "renewalInfo has no suggestedWindow object"},
      {R"({"suggestedWindow": {"end": "2027-01-03T00:00:00Z"}})", "renewalInfo has no suggestedWindow.start string"},
      {R"({"suggestedWindow": {"start": "2027-01-02T00:00:00Z", "end": 5}})",
       "renewalInfo has no suggestedWindow.end string"},
      {R"({"suggestedWindow": {"start": "tomorrow", "end": "2027-01-03T00:00:00Z"}})",
       "renewalInfo suggestedWindow.start `tomorrow` is not an RFC 3339 time"},
  };
  for (const auto& [body, message] : cases) {
    const auto window = parse_renewal_info(body);
    BOOST_TEST_INFO("body: " << body);
    BOOST_REQUIRE(window.has_error());
    BOOST_TEST_INFO("body: " << body);
    BOOST_TEST(window.error().message == message);
  }
}

BOOST_AUTO_TEST_CASE(renewal_info_end_before_start) {
  const auto window =
      parse_renewal_info(R"({"suggestedWindow": {"start": "2027-01-03T00:00:00Z", "end": "2027-01-02T00:00:00Z"}})");
  BOOST_REQUIRE(window.has_error());
  BOOST_TEST(window.error().message ==
             "renewalInfo suggestedWindow ends at 2027-01-02T00:00:00Z, not after its start 2027-01-03T00:00:00Z");

  const auto empty =
      parse_renewal_info(R"({"suggestedWindow": {"start": "2027-01-03T00:00:00Z", "end": "2027-01-03T00:00:00Z"}})");
  BOOST_TEST(empty.has_error());
}

BOOST_AUTO_TEST_CASE(new_order_payload_members) {
  const std::vector<std::string> names{"example.com", "*.example.com"};
  const auto plain = new_order_payload(names, {});
  BOOST_TEST(plain.dump() ==
             R"({"identifiers":[{"type":"dns","value":"example.com"},{"type":"dns","value":"*.example.com"}]})");

  const auto full = new_order_payload(names, OrderOptions{"shortlived", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"});
  BOOST_TEST(full.at("profile") == "shortlived");
  BOOST_TEST(full.at("replaces") == "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  BOOST_TEST(full.at("identifiers").size() == 2u);
}

BOOST_AUTO_TEST_CASE(unanswering_ca_is_asked_once) {
  SilentServer server;
  AcmeRenewalInfo source(options_for(server, {}));
  const std::string pem = certificate_pem("0102", "0A0B");

  const auto first = source.fetch(pem);
  const auto second = source.fetch(pem);

  BOOST_REQUIRE(first.has_error());
  BOOST_TEST(static_cast<int>(first.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_REQUIRE(second.has_error());
  BOOST_TEST(second.error().message == first.error().message);
  BOOST_TEST(server.accepted() == 1);
}

BOOST_AUTO_TEST_CASE(cached_window_needs_no_request) {
  SilentServer server;
  testing::TemporaryDirectory state;
  write_cached_window(state.path(), "Cgs.AQI", "2100-01-01T00:00:00Z");
  AcmeRenewalInfo source(options_for(server, state.path()));

  const auto window = source.fetch(certificate_pem("0102", "0A0B"));

  BOOST_REQUIRE_MESSAGE(window.has_value(), (window.has_error() ? window.error().message : ""));
  BOOST_REQUIRE(window.value().has_value());
  BOOST_TEST((window.value()->start == at("2027-01-02T04:00:00Z")));
  BOOST_TEST(server.accepted() == 0);
}

BOOST_AUTO_TEST_CASE(expired_cache_asks_the_ca) {
  SilentServer server;
  testing::TemporaryDirectory state;
  write_cached_window(state.path(), "Cgs.AQI", "2000-01-01T00:00:00Z");
  AcmeRenewalInfo source(options_for(server, state.path()));

  const auto window = source.fetch(certificate_pem("0102", "0A0B"));

  BOOST_TEST(window.has_error());
  BOOST_TEST(server.accepted() == 1);
}

}  // namespace certplan
