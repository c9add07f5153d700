// PrivateKey and the functions of state/certificate.h that make, read and
// use private keys.

#include <openssl/buffer.h>
#include <openssl/pem.h>

#include <stdexcept>

#include "state/certificate.h"
#include "state/openssl_handles.h"

namespace certplan {

namespace {

EVP_PKEY* evp_of(const PrivateKey& key) {
  if (!key) throw std::invalid_argument("empty PrivateKey");
  return static_cast<EVP_PKEY*>(key.get());
}

EVP_PKEY* generate_ec(const char* curve) {
  return EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve);
}

EVP_PKEY* generate_rsa(std::size_t bits) {
  return EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits);
}

EVP_PKEY* generate_evp(KeyType type) {
  switch (type) {
    case KeyType::ec256: return generate_ec("P-256");
    case KeyType::ec384: return generate_ec("P-384");
    case KeyType::rsa2048: return generate_rsa(2048);
    case KeyType::rsa3072: return generate_rsa(3072);
    case KeyType::rsa4096: return generate_rsa(4096);
  }
  throw std::invalid_argument("unknown KeyType value " + std::to_string(static_cast<int>(type)));
}

// Returns 0 so that OpenSSL fails on an encrypted key instead of prompting
// for a passphrase on the terminal.
int refuse_passphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) {
  return 0;
}

bool is_encrypted_pem(std::string_view pem) {
  return pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos;
}

bool has_private_key_block(std::string_view pem) {
  const auto begin = pem.find("-----BEGIN ");
  return begin != std::string_view::npos &&
         pem.find("PRIVATE KEY-----", begin) != std::string_view::npos;
}

GeneralNamesHandle dns_general_names(const std::vector<std::string>& names) {
  GeneralNamesHandle general_names(sk_GENERAL_NAME_new_null());
  if (!general_names) throw std::bad_alloc();

  for (const auto& name : names) {
    Asn1Ia5StringHandle value(ASN1_IA5STRING_new());
    if (!value || ASN1_STRING_set(value.get(), name.data(), static_cast<int>(name.size())) != 1) {
      throw std::bad_alloc();
    }
    GeneralNameHandle general_name(GENERAL_NAME_new());
    if (!general_name) throw std::bad_alloc();
    GENERAL_NAME_set0_value(general_name.get(), GEN_DNS, value.release());

    if (sk_GENERAL_NAME_push(general_names.get(), general_name.get()) == 0) throw std::bad_alloc();
    general_name.release();
  }
  return general_names;
}

Result<void> add_request_names(X509_REQ* request, const std::vector<std::string>& names) {
  // RFC 5280 limits commonName to 64 characters; a longer first name is
  // carried by the SAN extension alone.
  const std::string& first = names.front();
  if (first.size() <= 64) {
    X509_NAME* subject = X509_REQ_get_subject_name(request);
    if (X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(first.c_str()), -1, -1,
                                   0) != 1) {
      return make_error(ErrorKind::invalid, "invalid name \"" + first +
                                                "\" for the certificate request: " +
                                                take_openssl_errors());
    }
  }

  GeneralNamesHandle general_names = dns_general_names(names);
  STACK_OF(X509_EXTENSION)* extensions = nullptr;
  const int added = X509V3_add1_i2d(&extensions, NID_subject_alt_name, general_names.get(), 0,
                                    X509V3_ADD_DEFAULT);
  const int attached = added == 1 ? X509_REQ_add_extensions(request, extensions) : 0;
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  if (attached != 1) {
    throw std::runtime_error("could not add the SAN extension to a certificate request: " +
                             take_openssl_errors());
  }
  return success();
}

}  // namespace

PrivateKey::PrivateKey(void* evp_pkey) : key_(evp_pkey) {}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept : key_(other.key_) { other.key_ = nullptr; }

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}

PrivateKey::~PrivateKey() { EVP_PKEY_free(static_cast<EVP_PKEY*>(key_)); }

Result<PrivateKey> generate_private_key(KeyType type) {
  EVP_PKEY* key = generate_evp(type);
  if (key == nullptr) {
    return make_error(ErrorKind::failed, "could not generate a " +
                                             std::string(key_type_name(type)) +
                                             " private key: " + take_openssl_errors());
  }
  return PrivateKey(key);
}

SecretString private_key_to_pem(const PrivateKey& key) {
  // A secure-memory BIO frees (and wipes) its buffers with
  // OPENSSL_secure_clear_free, also when it grows them.
  BioHandle bio(BIO_new(BIO_s_secmem()));
  if (!bio) throw std::bad_alloc();

  if (PEM_write_bio_PrivateKey(bio.get(), evp_of(key), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw std::runtime_error("could not encode a private key as PEM: " + take_openssl_errors());
  }

  BUF_MEM* buffer = nullptr;
  BIO_get_mem_ptr(bio.get(), &buffer);
  SecretString pem(std::string(buffer->data, buffer->length));
  OPENSSL_cleanse(buffer->data, buffer->length);
  return pem;
}

Result<PrivateKey> parse_private_key(const SecretString& pem) {
  const std::string& text = pem.reveal();
  if (is_encrypted_pem(text)) {
    return make_error(ErrorKind::invalid,
                      "the private key is encrypted; certplan needs an unencrypted key (decrypt it "
                      "with `openssl pkey -in KEY -out KEY.plain` and keep the result 0600)");
  }
  if (!has_private_key_block(text)) {
    return make_error(ErrorKind::invalid,
                      "not a PEM private key: no \"-----BEGIN PRIVATE KEY-----\" line found");
  }

  BioHandle bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) throw std::bad_alloc();

  ERR_clear_error();
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_passphrase, nullptr);
  if (key == nullptr) {
    return make_error(ErrorKind::invalid,
                      "invalid PEM private key: OpenSSL cannot decode it (" + take_openssl_errors() +
                          ")");
  }
  // OpenSSL's decoders may leave errors of the formats they tried first.
  ERR_clear_error();
  return PrivateKey(key);
}

std::string public_key_fingerprint(const PrivateKey& key) {
  return spki_fingerprint_of_pkey(evp_of(key));
}

std::optional<KeyType> key_type_of(const PrivateKey& key) { return key_type_of_pkey(evp_of(key)); }

Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& names) {
  if (names.empty()) {
    return make_error(ErrorKind::invalid, "a certificate request needs at least one name");
  }

  X509ReqHandle request(X509_REQ_new());
  if (!request) throw std::bad_alloc();
  if (X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_pubkey(request.get(), evp_of(key)) != 1) {
    throw std::runtime_error("could not set up a certificate request: " + take_openssl_errors());
  }

  auto named = add_request_names(request.get(), names);
  if (!named) return named.error();

  if (X509_REQ_sign(request.get(), evp_of(key), EVP_sha256()) <= 0) {
    return make_error(ErrorKind::failed,
                      "could not sign the certificate request: " + take_openssl_errors());
  }

  unsigned char* der = nullptr;
  const int length = i2d_X509_REQ(request.get(), &der);
  if (length < 0) {
    throw std::runtime_error("could not encode a certificate request: " + take_openssl_errors());
  }
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(length));
  OPENSSL_free(der);
  return bytes;
}

}  // namespace certplan
