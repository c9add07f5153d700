#pragma once

// Facts about certificates and keys, read and made with OpenSSL.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/result.h"
#include "state/secret.h"

struct x509_st;  // OpenSSL's X509

namespace certplan {

using TimePoint = std::chrono::system_clock::time_point;

enum class KeyType { ec256, ec384, rsa2048, rsa3072, rsa4096 };

// "ec-256", "ec-384", "rsa-2048", "rsa-3072", "rsa-4096".
std::string_view key_type_name(KeyType type);
std::optional<KeyType> parse_key_type(std::string_view name);

// Facts about the leaf certificate of a PEM chain.
struct CertificateFacts {
  std::string subject;                // one-line subject, e.g. "CN=example.com"
  std::string issuer;                 // one-line issuer
  std::vector<std::string> names;     // DNS names of the SAN extension, lowercase, sorted
  TimePoint not_before;
  TimePoint not_after;
  std::string fingerprint;            // SHA-256 of the leaf DER: lowercase hex pairs joined by ':'
  std::string public_key_fingerprint; // SHA-256 of the leaf's SubjectPublicKeyInfo DER, same form
  std::optional<KeyType> key_type;    // nullopt for a key certplan does not issue (e.g. ed25519)
  int chain_length = 0;               // certificates in the PEM, leaf included
};

// Parses the first certificate of a PEM chain as the leaf and counts the
// rest. Fails (ErrorKind::invalid) on empty input, on PEM that contains no
// certificate, and on a certificate OpenSSL cannot decode.
Result<CertificateFacts> parse_certificate_chain(std::string_view pem);

// Reads the facts of a leaf that OpenSSL has decoded already, such as the
// server's leaf after a TLS handshake, without a second decoding from PEM.
// `chain_length` counts the certificates sent with it, leaf included.
Result<CertificateFacts> facts_of_decoded_leaf(const x509_st* leaf, int chain_length);

// An owned private key (wraps EVP_PKEY).
class PrivateKey {
 public:
  PrivateKey() = default;
  explicit PrivateKey(void* evp_pkey);  // takes ownership of an EVP_PKEY*
  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  void* get() const { return key_; }  // the EVP_PKEY*, still owned here
  explicit operator bool() const { return key_ != nullptr; }

 private:
  void* key_ = nullptr;
};

Result<PrivateKey> generate_private_key(KeyType type);

// PKCS#8 PEM of the key, unencrypted.
SecretString private_key_to_pem(const PrivateKey& key);

// Fails (ErrorKind::invalid) on anything that is not an unencrypted PEM key.
Result<PrivateKey> parse_private_key(const SecretString& pem);

// SHA-256 of the key's SubjectPublicKeyInfo DER, in the form of
// CertificateFacts::public_key_fingerprint, so that a key matches a
// certificate exactly when the two fingerprints are equal.
std::string public_key_fingerprint(const PrivateKey& key);

std::optional<KeyType> key_type_of(const PrivateKey& key);

// DER of a PKCS#10 request signed with `key`: CN = the first name, every name
// in the SAN extension.
Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& names);

// Lowercase hex pairs joined by ':' (the form of every fingerprint here).
std::string colon_hex(std::string_view bytes);
std::string sha256_colon_hex(std::string_view bytes);

}  // namespace certplan
