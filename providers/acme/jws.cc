#include "providers/acme/jws.h"

#include <stdexcept>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "providers/acme/base64url.h"

namespace certplan {

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct BnDeleter {
  void operator()(BIGNUM* number) const { BN_free(number); }
};
struct SigDeleter {
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using BnPtr = std::unique_ptr<BIGNUM, BnDeleter>;
using SigPtr = std::unique_ptr<ECDSA_SIG, SigDeleter>;

constexpr std::size_t kP256Bytes = 32;

EVP_PKEY* as_pkey(void* key) { return static_cast<EVP_PKEY*>(key); }

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string coordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    throw std::runtime_error("could not read the public key of the account key");
  }
  const BnPtr number(raw);
  std::string bytes(kP256Bytes, '\0');
  BN_bn2binpad(number.get(), reinterpret_cast<unsigned char*>(bytes.data()), kP256Bytes);
  return bytes;
}

bool is_p256(EVP_PKEY* key) {
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &length) != 1) {
    return false;
  }
  return std::string_view(group, length) == "prime256v1";
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &length) ==
      nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

}  // namespace

AccountKey::AccountKey(AccountKey&& other) noexcept : key_(other.key_) { other.key_ = nullptr; }

AccountKey& AccountKey::operator=(AccountKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(as_pkey(key_));
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}

AccountKey::~AccountKey() { EVP_PKEY_free(as_pkey(key_)); }

Result<AccountKey> AccountKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return make_error(ErrorKind::failed, "could not generate a P-256 account key");
  return AccountKey(key);
}

Result<AccountKey> AccountKey::from_pem(const SecretString& pem) {
  const BioPtr bio(BIO_new_mem_buf(pem.reveal().data(), static_cast<int>(pem.reveal().size())));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return make_error(ErrorKind::invalid, "the account key is not an unencrypted PEM private key");
  }
  if (!is_p256(key.get())) {
    return make_error(ErrorKind::invalid, "the account key is not a P-256 (ES256) key");
  }
  return AccountKey(key.release());
}

SecretString AccountKey::to_pem() const {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), as_pkey(key_), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    throw std::runtime_error("could not encode the account key as PEM");
  }

  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  SecretString pem(std::string(data, static_cast<std::size_t>(length)));
  OPENSSL_cleanse(data, static_cast<std::size_t>(length));
  return pem;
}

nlohmann::json AccountKey::jwk() const {
  return nlohmann::json{{"crv", "P-256"},
                        {"kty", "EC"},
                        {"x", base64url_encode(coordinate(as_pkey(key_), OSSL_PKEY_PARAM_EC_PUB_X))},
                        {"y", base64url_encode(coordinate(as_pkey(key_), OSSL_PKEY_PARAM_EC_PUB_Y))}};
}

std::string AccountKey::thumbprint() const { return jwk_thumbprint(jwk()); }

std::string AccountKey::sign(std::string_view data) const {
  const MdCtxPtr context(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, as_pkey(key_)) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw std::runtime_error("ES256 signing failed in OpenSSL");
  }

  std::string der(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(der.data()), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw std::runtime_error("ES256 signing failed in OpenSSL");
  }
  der.resize(length);

  // JWS wants the two numbers side by side (RFC 7518 section 3.4), OpenSSL
  // returns them DER-encoded.
  auto raw = ecdsa_der_to_raw(der, kP256Bytes);
  if (!raw) throw std::runtime_error("OpenSSL returned a malformed ECDSA signature");
  return *raw;
}

std::string sign_jws(const JwsSigner& signer, const std::string& url, const std::string& nonce,
                     std::string_view payload) {
  nlohmann::json protected_header{{"alg", "ES256"}, {"nonce", nonce}, {"url", url}};
  if (signer.kid.empty()) {
    protected_header["jwk"] = signer.key.jwk();
  } else {
    protected_header["kid"] = signer.kid;
  }

  const std::string encoded_header = base64url_encode(protected_header.dump());
  const std::string encoded_payload = base64url_encode(payload);
  const std::string signature = signer.key.sign(encoded_header + "." + encoded_payload);

  const nlohmann::json jws{{"protected", encoded_header},
                           {"payload", encoded_payload},
                           {"signature", base64url_encode(signature)}};
  return jws.dump();
}

std::string jwk_thumbprint(const nlohmann::json& jwk) {
  const std::string type = jwk.at("kty").get<std::string>();
  nlohmann::json required;
  if (type == "EC") {
    required = {{"crv", jwk.at("crv")}, {"kty", type}, {"x", jwk.at("x")}, {"y", jwk.at("y")}};
  } else if (type == "RSA") {
    required = {{"e", jwk.at("e")}, {"kty", type}, {"n", jwk.at("n")}};
  } else {
    throw std::invalid_argument("no RFC 7638 thumbprint for JWK key type " + type);
  }

  // nlohmann::json keeps object members sorted by name and dump() without an
  // indent writes no whitespace, which is the form RFC 7638 hashes.
  return base64url_encode(sha256(required.dump()));
}

Result<nlohmann::json> make_external_account_binding(const AccountKey& key,
                                                     const std::string& eab_kid,
                                                     const SecretString& hmac_key_base64url,
                                                     const std::string& new_account_url) {
  const auto hmac_key = base64url_decode(hmac_key_base64url.reveal());
  if (!hmac_key || hmac_key->empty()) {
    return make_error(ErrorKind::invalid,
                      "ACME_EAB_HMAC_KEY is not valid base64url; copy the MAC key exactly as the CA "
                      "issued it");
  }
  const SecretString mac_key(*hmac_key);

  const nlohmann::json protected_header{{"alg", "HS256"}, {"kid", eab_kid}, {"url", new_account_url}};
  const std::string encoded_header = base64url_encode(protected_header.dump());
  const std::string encoded_payload = base64url_encode(key.jwk().dump());
  const std::string mac = hmac_sha256(mac_key.reveal(), encoded_header + "." + encoded_payload);

  return nlohmann::json{{"protected", encoded_header},
                        {"payload", encoded_payload},
                        {"signature", base64url_encode(mac)}};
}

std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t half) {
  const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
  const SigPtr signature(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!signature) return std::nullopt;

  const BIGNUM* r = ECDSA_SIG_get0_r(signature.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(signature.get());
  std::string raw(2 * half, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, static_cast<int>(half)) < 0 ||
      BN_bn2binpad(s, out + half, static_cast<int>(half)) < 0) {
    return std::nullopt;
  }
  return raw;
}

}  // namespace certplan
