#include "state/certificate.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <stdexcept>

#include "state/openssl_handles.h"

namespace certplan {

namespace {

constexpr std::string_view begin_certificate_line = "-----BEGIN CERTIFICATE-----";

struct KeyTypeName {
  KeyType type;
  std::string_view name;
};

constexpr std::array<KeyTypeName, 5> key_type_names{{
    {KeyType::ec256, "ec-256"},
    {KeyType::ec384, "ec-384"},
    {KeyType::rsa2048, "rsa-2048"},
    {KeyType::rsa3072, "rsa-3072"},
    {KeyType::rsa4096, "rsa-4096"},
}};

int count_occurrences(std::string_view text, std::string_view needle) {
  int count = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// One line in the RFC 2253 form ("CN=example.com,O=Example"), most specific
// attribute first.
std::string one_line_name(const X509_NAME* name) {
  BioHandle bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();

  const unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
  if (X509_NAME_print_ex(bio.get(), name, 0, flags) < 0) {
    throw std::runtime_error("could not print a certificate name: " + take_openssl_errors());
  }

  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::vector<std::string> san_dns_names(const X509* certificate) {
  std::vector<std::string> names;
  GeneralNamesHandle general_names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)));
  if (!general_names) return names;

  for (int i = 0; i < sk_GENERAL_NAME_num(general_names.get()); ++i) {
    const GENERAL_NAME* general_name = sk_GENERAL_NAME_value(general_names.get(), i);
    if (general_name->type != GEN_DNS) continue;

    const ASN1_STRING* value = general_name->d.dNSName;
    std::string name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<std::size_t>(ASN1_STRING_length(value)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    names.push_back(std::move(name));
  }

  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

Result<TimePoint> to_time_point(const ASN1_TIME* time, std::string_view field_name) {
  std::tm broken_down{};
  if (ASN1_TIME_to_tm(time, &broken_down) != 1) {
    return make_error(ErrorKind::invalid, "invalid certificate: its " + std::string(field_name) +
                                              " date cannot be decoded (" + take_openssl_errors() +
                                              ")");
  }
  return std::chrono::system_clock::from_time_t(timegm(&broken_down));
}

std::string der_of(const X509* certificate) {
  unsigned char* der = nullptr;
  const int length = i2d_X509(certificate, &der);
  if (length < 0) {
    throw std::runtime_error("could not encode a certificate as DER: " + take_openssl_errors());
  }
  std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return bytes;
}

Result<CertificateFacts> facts_of_leaf(const X509* leaf) {
  CertificateFacts facts;
  facts.subject = one_line_name(X509_get_subject_name(leaf));
  facts.issuer = one_line_name(X509_get_issuer_name(leaf));
  facts.names = san_dns_names(leaf);

  auto not_before = to_time_point(X509_get0_notBefore(leaf), "notBefore");
  if (!not_before) return not_before.error();
  facts.not_before = not_before.value();

  auto not_after = to_time_point(X509_get0_notAfter(leaf), "notAfter");
  if (!not_after) return not_after.error();
  facts.not_after = not_after.value();

  facts.fingerprint = sha256_colon_hex(der_of(leaf));

  const EVP_PKEY* public_key = X509_get0_pubkey(leaf);
  if (public_key == nullptr) {
    return make_error(ErrorKind::invalid, "invalid certificate: its public key cannot be decoded (" +
                                              take_openssl_errors() + ")");
  }
  facts.public_key_fingerprint = spki_fingerprint_of_pkey(public_key);
  facts.key_type = key_type_of_pkey(public_key);
  return facts;
}

std::optional<KeyType> ec_key_type(const EVP_PKEY* key) {
  std::array<char, 64> group{};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                     &length) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }

  const std::string_view name(group.data(), length);
  if (name == "prime256v1" || name == "P-256") return KeyType::ec256;
  if (name == "secp384r1" || name == "P-384") return KeyType::ec384;
  return std::nullopt;
}

}  // namespace

std::string take_openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> line{};
    ERR_error_string_n(code, line.data(), line.size());
    if (!text.empty()) text += "; ";
    text += line.data();
  }
  return text.empty() ? "no details from OpenSSL" : text;
}

std::optional<KeyType> key_type_of_pkey(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC")) return ec_key_type(key);
  if (!EVP_PKEY_is_a(key, "RSA")) return std::nullopt;

  switch (EVP_PKEY_get_bits(key)) {
    case 2048: return KeyType::rsa2048;
    case 3072: return KeyType::rsa3072;
    case 4096: return KeyType::rsa4096;
    default: return std::nullopt;
  }
}

std::string spki_fingerprint_of_pkey(const EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int length = i2d_PUBKEY(key, &der);
  if (length < 0) {
    throw std::runtime_error("could not encode a public key as DER: " + take_openssl_errors());
  }
  const std::string bytes(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return sha256_colon_hex(bytes);
}

std::string_view key_type_name(KeyType type) {
  for (const auto& entry : key_type_names) {
    if (entry.type == type) return entry.name;
  }
  throw std::invalid_argument("unknown KeyType value " + std::to_string(static_cast<int>(type)));
}

std::optional<KeyType> parse_key_type(std::string_view name) {
  for (const auto& entry : key_type_names) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

Result<CertificateFacts> parse_certificate_chain(std::string_view pem) {
  if (pem.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return make_error(ErrorKind::invalid,
                      "not a PEM certificate: the input is empty; expected a PEM chain that starts "
                      "with \"-----BEGIN CERTIFICATE-----\"");
  }
  const int expected = count_occurrences(pem, begin_certificate_line);
  if (expected == 0) {
    return make_error(ErrorKind::invalid,
                      "not a PEM certificate: no \"-----BEGIN CERTIFICATE-----\" line found");
  }

  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::bad_alloc();

  std::vector<X509Handle> chain;
  ERR_clear_error();
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    chain.emplace_back(certificate);
  }
  if (static_cast<int>(chain.size()) < expected) {
    return make_error(ErrorKind::invalid,
                      "invalid PEM certificate: certificate " + std::to_string(chain.size() + 1) +
                          " of " + std::to_string(expected) + " in the chain cannot be decoded (" +
                          take_openssl_errors() + ")");
  }
  ERR_clear_error();

  return facts_of_decoded_leaf(chain.front().get(), static_cast<int>(chain.size()));
}

Result<CertificateFacts> facts_of_decoded_leaf(const X509* leaf, int chain_length) {
  auto facts = facts_of_leaf(leaf);
  if (!facts) return facts.error();
  facts.value().chain_length = chain_length;
  return facts;
}

std::string colon_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 3);
  for (const char byte : bytes) {
    const auto value = static_cast<unsigned char>(byte);
    if (!text.empty()) text += ':';
    text += digits[value >> 4];
    text += digits[value & 0x0f];
  }
  return text;
}

std::string sha256_colon_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 digest failed: " + take_openssl_errors());
  }
  return colon_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

}  // namespace certplan
