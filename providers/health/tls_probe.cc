#include "providers/health/tls_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "state/certificate.h"

namespace certplan {

namespace {

using Clock = std::chrono::steady_clock;

struct SslContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* connection) const { SSL_free(connection); }
};
struct AddressInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

// An owned socket descriptor.
class Socket {
 public:
  explicit Socket(int descriptor) : descriptor_(descriptor) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (descriptor_ >= 0) ::close(descriptor_);
  }
  int get() const { return descriptor_; }
  int release() { return std::exchange(descriptor_, -1); }

 private:
  int descriptor_;
};

// "127.0.0.5:8443 (SNI example.com)": how every message names the target.
std::string describe(const ProbeTarget& target) {
  return target.address + ":" + std::to_string(target.port) + " (SNI " + target.server_name + ")";
}

std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) text += "; ";
    text += buffer.data();
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

Error timed_out(const ProbeTarget& target, const std::string& step, std::chrono::milliseconds timeout) {
  return make_error(ErrorKind::timed_out, step + " " + describe(target) + " timed out after " +
                                              std::to_string(timeout.count()) + " ms");
}

// Connects within the deadline, then leaves the socket blocking with send
// and receive timeouts that end at the deadline.
Result<int> connect_socket(const ProbeTarget& target, Clock::time_point deadline,
                           std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw_info = nullptr;
  const std::string port = std::to_string(target.port);
  if (const int failed = ::getaddrinfo(target.address.c_str(), port.c_str(), &hints, &raw_info)) {
    return make_error(ErrorKind::unreachable, "could not resolve the server address " +
                                                  target.address + ": " + gai_strerror(failed) +
                                                  "; check host in servers.yaml");
  }
  const std::unique_ptr<addrinfo, AddressInfoDeleter> info(raw_info);

  const int descriptor = ::socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (descriptor < 0) throw std::system_error(errno, std::generic_category(), "socket");
  Socket socket(descriptor);

  if (::connect(descriptor, info->ai_addr, info->ai_addrlen) != 0 && errno != EINPROGRESS) {
    const int error = errno;
    return make_error(ErrorKind::unreachable, "could not connect to " + describe(target) + ": " +
                                                  std::strerror(error) +
                                                  "; check that nginx runs and https_port in servers.yaml");
  }
  pollfd waiting{descriptor, POLLOUT, 0};
  if (::poll(&waiting, 1, remaining_ms(deadline)) == 0) return timed_out(target, "connecting to", timeout);

  int error = 0;
  socklen_t length = sizeof error;
  ::getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length);
  if (error != 0) {
    return make_error(ErrorKind::unreachable, "could not connect to " + describe(target) + ": " +
                                                  std::strerror(error) +
                                                  "; check that nginx runs and https_port in servers.yaml");
  }

  const int nodelay = 1;
  ::setsockopt(descriptor, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
  ::fcntl(descriptor, F_SETFL, ::fcntl(descriptor, F_GETFL) & ~O_NONBLOCK);
  const int left = std::max(remaining_ms(deadline), 1);
  timeval limit{left / 1000, (left % 1000) * 1000};
  ::setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);

  return socket.release();
}

Result<std::unique_ptr<SSL_CTX, SslContextDeleter>> make_context(const std::filesystem::path& ca_bundle) {
  std::unique_ptr<SSL_CTX, SslContextDeleter> context(SSL_CTX_new(TLS_client_method()));
  if (!context) throw std::runtime_error("OpenSSL could not create a TLS context: " + openssl_errors());

  const bool loaded = ca_bundle.empty()
                          ? SSL_CTX_set_default_verify_paths(context.get()) == 1
                          : SSL_CTX_load_verify_locations(context.get(), ca_bundle.c_str(), nullptr) == 1;
  if (!loaded) {
    return make_error(ErrorKind::invalid, "could not load the CA bundle " +
                                              (ca_bundle.empty() ? std::string("(system store)")
                                                                 : ca_bundle.string()) +
                                              ": " + openssl_errors() +
                                              "; check HEALTHCHECK_CA_BUNDLE");
  }
  // The handshake continues whatever the chain is, because the
  // verification result is read afterwards and reported as chain_trusted.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  return context;
}

// Reads the facts of the server's leaf from the certificates the handshake
// has decoded already.
Result<CertificateFacts> served_leaf(SSL* connection) {
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(connection);
  if (chain == nullptr || sk_X509_num(chain) == 0) {
    return make_error(ErrorKind::invalid, "the server sent no certificate");
  }
  return facts_of_decoded_leaf(sk_X509_value(chain, 0), sk_X509_num(chain));
}

bool last_call_timed_out() { return errno == EAGAIN || errno == EWOULDBLOCK; }

// Sends GET / and returns the status code of the response's status line.
Result<int> request_status(SSL* connection, const ProbeTarget& target,
                           std::chrono::milliseconds timeout) {
  const std::string request = "GET / HTTP/1.1\r\nHost: " + target.server_name +
                              "\r\nUser-Agent: certplan/" CERTPLAN_VERSION
                              "\r\nAccept: */*\r\nConnection: close\r\n\r\n";
  if (SSL_write(connection, request.data(), static_cast<int>(request.size())) <= 0) {
    if (last_call_timed_out()) return timed_out(target, "sending GET / to", timeout);
    return make_error(ErrorKind::failed, "could not send GET / to " + describe(target) + ": " +
                                             openssl_errors());
  }

  std::string response;
  std::array<char, 1024> buffer{};
  while (response.find("\r\n") == std::string::npos && response.size() < 8192) {
    const int count = SSL_read(connection, buffer.data(), static_cast<int>(buffer.size()));
    if (count <= 0) {
      if (last_call_timed_out()) return timed_out(target, "waiting for the response of", timeout);
      break;
    }
    response.append(buffer.data(), static_cast<std::size_t>(count));
  }

  // "HTTP/1.1 200 OK"
  const std::string line = response.substr(0, response.find("\r\n"));
  const std::size_t space = line.find(' ');
  if (!line.starts_with("HTTP/") || space == std::string::npos || line.size() < space + 4) {
    return make_error(ErrorKind::invalid, "the response of " + describe(target) +
                                              " to GET / has no HTTP status line: \"" +
                                              line.substr(0, 80) + "\"");
  }
  const std::string code = line.substr(space + 1, 3);
  if (code.find_first_not_of("0123456789") != std::string::npos) {
    return make_error(ErrorKind::invalid, "the response of " + describe(target) +
                                              " to GET / has the invalid status line \"" + line + "\"");
  }
  return std::stoi(code);
}

}  // namespace

Result<ProbeResult> HttpsProbe::probe(const ProbeTarget& target, bool http_request,
                                      std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  ERR_clear_error();

  auto context = this->context();
  if (!context) return context.error();
  auto connected = connect_socket(target, deadline, timeout);
  if (!connected) return connected.error();
  Socket socket(connected.value());

  std::unique_ptr<SSL, SslDeleter> connection(SSL_new(context.value().get()));
  if (!connection) throw std::runtime_error("OpenSSL could not create a connection: " + openssl_errors());
  SSL_set_fd(connection.get(), socket.get());
  // SSL_set_tlsext_host_name is a macro with a C-style cast, which
  // -Wold-style-cast rejects, so its expansion is written out here.
  SSL_ctrl(connection.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
           const_cast<char*>(target.server_name.c_str()));
  SSL_set1_host(connection.get(), target.server_name.c_str());

  if (SSL_connect(connection.get()) != 1) {
    if (last_call_timed_out()) return timed_out(target, "TLS handshake with", timeout);
    return make_error(ErrorKind::failed, "TLS handshake with " + describe(target) + " failed: " +
                                             openssl_errors());
  }

  auto leaf = served_leaf(connection.get());
  if (!leaf) return leaf.error().with_context("certificate served by " + describe(target));

  ProbeResult result;
  result.leaf = std::move(leaf.value());
  const long verified = SSL_get_verify_result(connection.get());
  result.chain_trusted = verified == X509_V_OK;
  if (!result.chain_trusted) result.trust_error = X509_verify_cert_error_string(verified);

  if (http_request) {
    auto status = request_status(connection.get(), target, timeout);
    if (!status) return status.error();
    result.http_status = status.value();
  }

  SSL_shutdown(connection.get());
  return result;
}

Result<std::shared_ptr<ssl_ctx_st>> HttpsProbe::context() {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (context_) return context_;

  auto created = make_context(ca_bundle_);
  if (!created) return created.error();
  context_ = std::shared_ptr<ssl_ctx_st>(created.value().release(), SSL_CTX_free);
  return context_;
}

}  // namespace certplan
