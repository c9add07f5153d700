#pragma once

// JSON Web Signatures for ACME requests (RFC 7515 flattened JSON
// serialization, RFC 8555 section 6.2): ES256 with a P-256 account key, and
// HS256 for External Account Binding.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "state/result.h"
#include "state/secret.h"

namespace certplan {

// A P-256 account key (wraps EVP_PKEY). Signing with one key from several
// threads at once is safe because each signature uses its own context.
class AccountKey {
 public:
  AccountKey(AccountKey&&) noexcept;
  AccountKey& operator=(AccountKey&&) noexcept;
  AccountKey(const AccountKey&) = delete;
  AccountKey& operator=(const AccountKey&) = delete;
  ~AccountKey();

  // Generates a new P-256 key.
  [[nodiscard]] static Result<AccountKey> generate();

  // Reads an unencrypted PEM P-256 private key; ErrorKind::invalid otherwise.
  [[nodiscard]] static Result<AccountKey> from_pem(const SecretString& pem);

  // PKCS#8 PEM of the private key.
  [[nodiscard]] SecretString to_pem() const;

  // Public JWK: {"crv":"P-256","kty":"EC","x":...,"y":...}.
  [[nodiscard]] nlohmann::json jwk() const;

  // RFC 7638 thumbprint of jwk(), base64url.
  [[nodiscard]] std::string thumbprint() const;

  // ES256 signature of `data`: the raw 64 bytes r || s, not DER.
  [[nodiscard]] std::string sign(std::string_view data) const;

  // The EVP_PKEY*, still owned here.
  [[nodiscard]] void* native() const { return key_; }

 private:
  explicit AccountKey(void* evp_pkey) : key_(evp_pkey) {}
  void* key_ = nullptr;
};

// The signer of a request. newAccount embeds the public key, and every later
// request names the account URL.
struct JwsSigner {
  const AccountKey& key;
  std::string kid;  // account URL; empty means "embed jwk"
};

// Signs `payload` (a JSON text, or "" for POST-as-GET) for `url` with
// `nonce` and returns the flattened JWS as JSON text.
[[nodiscard]] std::string sign_jws(const JwsSigner& signer, const std::string& url,
                                   const std::string& nonce, std::string_view payload);

// RFC 7638 thumbprint of an EC or RSA public JWK: SHA-256 over the required
// members in lexicographic order without whitespace, base64url.
[[nodiscard]] std::string jwk_thumbprint(const nlohmann::json& jwk);

// The externalAccountBinding object of newAccount (RFC 8555 section 7.3.4):
// an HS256 JWS over the account's public JWK, keyed with the CA's MAC key.
// Fails with ErrorKind::invalid when `hmac_key_base64url` does not decode.
[[nodiscard]] Result<nlohmann::json> make_external_account_binding(
    const AccountKey& key, const std::string& eab_kid, const SecretString& hmac_key_base64url,
    const std::string& new_account_url);

// Converts a DER ECDSA-Sig-Value to r || s, each left-padded to `half`
// bytes; nullopt when the DER is malformed or a number is too long.
[[nodiscard]] std::optional<std::string> ecdsa_der_to_raw(std::string_view der, std::size_t half);

}  // namespace certplan
