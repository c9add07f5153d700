// The propagation check without DNS_RESOLVERS, which is what an operator
// gets by default: certplan queries the system resolver (/etc/resolv.conf)
// for the zone's name servers and then queries each of them directly. The test
// process moves into a network and mount namespace of its own before any
// test runs, brings up its loopback interface, and mounts a resolv.conf
// over /etc/resolv.conf that names a BIND on 127.0.0.1:53 inside the
// namespace. Nothing outside the namespace sees the server or the file.

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "providers/dns/name_servers.h"
#include "providers/dns/propagation.h"
#include "providers/dns/rfc2136_provider.h"
#include "tests/e2e/support/bind_fixture.h"

namespace certplan::bind_e2e {
namespace {

[[noreturn]] void fail_setup(const std::string& step) {
  throw std::runtime_error("namespace set-up failed at " + step + ": " + std::strerror(errno) +
                           "; this test needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
}

void bring_loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail_setup("socket");
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  const bool up = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0 &&
                  (request.ifr_flags |= IFF_UP, ::ioctl(fd, SIOCSIFFLAGS, &request) == 0);
  ::close(fd);
  if (!up) fail_setup("bringing lo up");
}

// Runs once, while the process has a single thread, because unshare() of
// the mount namespace is refused to a process whose threads share it.
struct PrivateNetwork {
  PrivateNetwork() {
    if (::unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) fail_setup("unshare");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      fail_setup("making / private");
    }
    bring_loopback_up();

    const std::filesystem::path resolv_conf =
        std::filesystem::temp_directory_path() / ("certplan-resolv-" + std::to_string(::getpid()));
    std::ofstream(resolv_conf) << "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n";
    if (::mount(resolv_conf.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
      fail_setup("mounting " + resolv_conf.string() + " on /etc/resolv.conf");
    }
    std::filesystem::remove(resolv_conf);  // the mount keeps the file's content
  }
};

BOOST_TEST_GLOBAL_FIXTURE(PrivateNetwork);

constexpr std::uint16_t kDnsPort = 53;
constexpr const char* kChallenge = "_acme-challenge.www.example.com";

template <class T>
std::string error_text(const Result<T>& result) {
  return result.has_value() ? std::string() : result.error().message;
}

Rfc2136Provider provider_for(const BindFixture& bind) {
  Rfc2136Options options;
  options.nameserver = bind.server();
  options.tsig_key = BindFixture::key_name;
  options.tsig_secret = bind.key_secret();
  return Rfc2136Provider(options);
}

PropagationOptions short_timeout() {
  PropagationOptions options;
  options.timeout = std::chrono::seconds(2);
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(finds_zone_servers_from_record_name) {
  BindFixture bind(kDnsPort);

  auto servers = find_authoritative_servers(kChallenge, std::chrono::seconds(2));
  BOOST_REQUIRE_MESSAGE(servers.has_value(), error_text(servers));
  BOOST_REQUIRE(servers.value().size() == 1U);
  BOOST_TEST(servers.value().front().to_string() == "127.0.0.1:53");
}

BOOST_AUTO_TEST_CASE(waits_on_zone_servers_without_resolvers) {
  BindFixture bind(kDnsPort);
  Rfc2136Provider provider = provider_for(bind);
  auto published = provider.present(kChallenge, "system-resolver-value");
  BOOST_REQUIRE_MESSAGE(published.has_value(), error_text(published));

  DnsPropagationChecker checker({}, short_timeout());
  auto by_name = checker.wait_for(kChallenge, "", "system-resolver-value");
  BOOST_TEST(by_name.has_value(), error_text(by_name));
  auto by_zone = checker.wait_for(kChallenge, "example.com", "system-resolver-value");
  BOOST_TEST(by_zone.has_value(), error_text(by_zone));

  auto removed = provider.cleanup(published.value());
  BOOST_TEST(removed.has_value(), error_text(removed));
}

BOOST_AUTO_TEST_CASE(timeout_names_the_zone_server) {
  BindFixture bind(kDnsPort);

  DnsPropagationChecker checker({}, short_timeout());
  auto missing = checker.wait_for(kChallenge, "", "never-published");
  BOOST_REQUIRE(!missing.has_value());
  BOOST_TEST((missing.error().kind == ErrorKind::timed_out));
  BOOST_TEST_INFO("error: " << missing.error().message);
  BOOST_TEST(missing.error().message.find("127.0.0.1:53") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_zone_says_to_set_resolvers) {
  BindFixture bind(kDnsPort);

  auto servers = find_authoritative_servers("_acme-challenge.example.org", std::chrono::seconds(1));
  BOOST_REQUIRE(!servers.has_value());
  BOOST_TEST_INFO("error: " << servers.error().message);
  BOOST_TEST(servers.error().message.find("DNS_RESOLVERS") != std::string::npos);
}

}  // namespace certplan::bind_e2e
