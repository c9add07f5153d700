#include "tests/e2e/support/tls_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <utility>

namespace certplan::e2e {
namespace {

constexpr int io_timeout_seconds = 10;

struct SslCtxFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslFree {
  void operator()(SSL* connection) const { SSL_free(connection); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// A connected TCP socket, closed on destruction.
class Socket {
 public:
  explicit Socket(int descriptor) : descriptor_(descriptor) {}
  ~Socket() {
    if (descriptor_ >= 0) {
      ::close(descriptor_);
    }
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept : descriptor_(std::exchange(other.descriptor_, -1)) {}
  Socket& operator=(Socket&&) = delete;

  int get() const { return descriptor_; }

 private:
  int descriptor_;
};

// The OpenSSL error queue as one line, emptied so the next call starts clean.
std::string openssl_errors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    std::array<char, 256> buffer{};
    ERR_error_string_n(code, buffer.data(), buffer.size());
    if (!text.empty()) {
      text += "; ";
    }
    text += buffer.data();
  }
  return text.empty() ? "no OpenSSL error recorded" : text;
}

// The tests send traffic only to loopback, so any other address is a bug in
// the test and is rejected before a packet leaves.
in_addr parse_loopback_address(const std::string& address) {
  in_addr parsed{};
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1) {
    throw std::runtime_error("invalid IPv4 address '" + address + "'");
  }
  if ((ntohl(parsed.s_addr) >> 24) != 127) {
    throw std::runtime_error("address " + address + " is outside 127.0.0.0/8; the e2e tests connect only to loopback");
  }
  return parsed;
}

Socket connect_tcp(const std::string& address, int port) {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<std::uint16_t>(port));
  target.sin_addr = parse_loopback_address(address);

  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.get() < 0) {
    throw std::runtime_error(std::string("could not create a socket: ") + std::strerror(errno));
  }

  timeval timeout{io_timeout_seconds, 0};
  ::setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);

  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&target), sizeof target) != 0) {
    throw std::runtime_error("could not connect to " + address + ":" + std::to_string(port) + ": " +
                             std::strerror(errno));
  }
  return socket;
}

std::string format_fingerprint(const unsigned char* digest, unsigned int length) {
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    std::array<char, 4> byte{};
    std::snprintf(byte.data(), byte.size(), "%02x", digest[i]);
    if (!text.empty()) {
      text += ':';
    }
    text += byte.data();
  }
  return text;
}

std::string certificate_fingerprint(X509* certificate) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest.data(), &length) != 1) {
    throw std::runtime_error("could not hash a certificate: " + openssl_errors());
  }
  return format_fingerprint(digest.data(), length);
}

// SSL_set_tlsext_host_name is a macro with a C cast, which -Wold-style-cast
// rejects, so this calls the SSL_ctrl it expands to.
long set_server_name(SSL* connection, const std::string& server_name) {
  return SSL_ctrl(connection, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(server_name.c_str()));
}

}  // namespace

std::string fetch_leaf_fingerprint(const std::string& address, int port,
                                   const std::string& server_name) {
  const std::string endpoint = address + ":" + std::to_string(port);
  Socket socket = connect_tcp(address, port);

  SslCtxPtr context(SSL_CTX_new(TLS_client_method()));
  if (!context) {
    throw std::runtime_error("could not create a TLS context: " + openssl_errors());
  }
  // The test compares fingerprints itself, so the chain is not verified.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);

  SslPtr connection(SSL_new(context.get()));
  if (!connection || SSL_set_fd(connection.get(), socket.get()) != 1 ||
      set_server_name(connection.get(), server_name) != 1) {
    throw std::runtime_error("could not set up TLS to " + endpoint + ": " + openssl_errors());
  }
  if (SSL_connect(connection.get()) != 1) {
    throw std::runtime_error("TLS handshake with " + endpoint + " (SNI " + server_name +
                             ") failed: " + openssl_errors());
  }

  X509Ptr leaf(SSL_get1_peer_certificate(connection.get()));
  if (!leaf) {
    throw std::runtime_error(endpoint + " (SNI " + server_name + ") presented no certificate");
  }
  std::string fingerprint = certificate_fingerprint(leaf.get());

  SSL_shutdown(connection.get());
  return fingerprint;
}

std::string pem_leaf_fingerprint(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    throw std::runtime_error("could not read PEM text: " + openssl_errors());
  }
  X509Ptr leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    throw std::runtime_error("the PEM text contains no certificate: " + openssl_errors());
  }
  return certificate_fingerprint(leaf.get());
}

}  // namespace certplan::e2e
