#include "providers/acme/dns01.h"

#include <stdexcept>
#include <string_view>

#include <openssl/evp.h>

#include "providers/acme/base64url.h"

namespace certplan {

std::string dns01_record_name(const std::string& identifier) {
  std::string_view name = identifier;
  if (name.starts_with("*.")) name.remove_prefix(2);
  return "_acme-challenge." + std::string(name);
}

std::string dns01_record_value(const std::string& token, const std::string& thumbprint) {
  const std::string key_authorization = token + "." + thumbprint;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(key_authorization.data(), key_authorization.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace certplan
