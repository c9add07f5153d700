#include "providers/acme/acme_account.h"

#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <openssl/evp.h>

#include "providers/acme/private_file.h"

namespace certplan {

namespace {

constexpr const char* kKeyFile = "account.key";
constexpr const char* kRecordFile = "account.json";

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed in OpenSSL");
  }

  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[digest[i] >> 4];
    hex += kDigits[digest[i] & 15];
  }
  return hex;
}

// Reads a whole file; nullopt when it does not exist.
Result<std::optional<std::string>> read_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) return std::optional<std::string>();

  std::ifstream stream(path, std::ios::binary);
  std::ostringstream content;
  content << stream.rdbuf();
  if (!stream) {
    return make_error(ErrorKind::failed, "could not read " + path.string() +
                                             "; check the permissions of the state directory");
  }
  return std::optional<std::string>(content.str());
}

Result<std::string> read_account_url(const std::filesystem::path& path,
                                     const std::string& directory_url, const std::string& content) {
  const nlohmann::json record = nlohmann::json::parse(content, nullptr, false);
  if (!record.is_object() || !record.contains("url") || !record["url"].is_string() ||
      record.value("directory", "") != directory_url) {
    return make_error(ErrorKind::invalid,
                      path.string() + " is not an account record of " + directory_url +
                          "; remove it to look the account up again");
  }
  return record["url"].get<std::string>();
}

Result<void> store_account_url(const std::filesystem::path& path, const std::string& directory_url,
                               const std::string& account_url) {
  const nlohmann::json record{{"url", account_url}, {"directory", directory_url}};
  return write_private_file(path, record.dump(2) + "\n");
}

Result<nlohmann::json> registration_payload(const AcmeClient& client, const AccountKey& key,
                                            const AccountOptions& options) {
  nlohmann::json payload{{"termsOfServiceAgreed", true}};
  if (!options.email.empty()) payload["contact"] = {"mailto:" + options.email};

  if (!options.eab_kid.empty() && !options.eab_hmac_key.empty()) {
    auto binding = make_external_account_binding(key, options.eab_kid, options.eab_hmac_key,
                                                 client.directory().new_account);
    if (binding.has_error()) return binding.error();
    payload["externalAccountBinding"] = std::move(binding.value());
  }
  return payload;
}

// Asks the CA for the account of `key` without creating one; nullopt when
// the CA has none.
Result<std::optional<std::string>> find_existing_account(AcmeClient& client, const AccountKey& key) {
  const JwsSigner signer{key, ""};
  auto found = client.post(signer, client.directory().new_account,
                           nlohmann::json{{"onlyReturnExisting", true}}, "newAccount lookup");
  if (found.has_error()) {
    if (found.error().message.find("accountDoesNotExist") != std::string::npos) {
      return std::optional<std::string>();
    }
    return found.error();
  }
  if (found.value().location.empty()) {
    return make_error(ErrorKind::invalid, "newAccount lookup returned no Location header");
  }
  return std::optional<std::string>(found.value().location);
}

// Names the External Account Binding settings that are empty.
std::string missing_binding_settings(const AccountOptions& options) {
  if (options.eab_kid.empty() && options.eab_hmac_key.empty()) {
    return "ACME_EAB_KID and ACME_EAB_HMAC_KEY are not set";
  }
  return std::string(options.eab_kid.empty() ? "ACME_EAB_KID" : "ACME_EAB_HMAC_KEY") +
         " is not set";
}

Result<std::string> register_account(AcmeClient& client, const AccountKey& key,
                                     const AccountOptions& options) {
  if (client.directory().external_account_required &&
      (options.eab_kid.empty() || options.eab_hmac_key.empty())) {
    return make_error(ErrorKind::rejected,
                      "the CA at " + client.directory_url() +
                          " requires External Account Binding, but " +
                          missing_binding_settings(options) +
                          "; set ACME_EAB_KID to the key id and ACME_EAB_HMAC_KEY to the MAC key "
                          "that the CA issued for your account");
  }

  auto payload = registration_payload(client, key, options);
  if (payload.has_error()) return payload.error();

  auto created =
      client.post(JwsSigner{key, ""}, client.directory().new_account, payload.value(), "newAccount");
  if (created.has_error()) {
    // A CA rejects a binding with an unknown key id or a wrong MAC as
    // unauthorized or malformed, and its detail rarely names the settings.
    const ErrorKind kind = created.error().kind;
    if (payload.value().contains("externalAccountBinding") &&
        (kind == ErrorKind::rejected || kind == ErrorKind::invalid)) {
      return Error{kind, created.error().message +
                             "; the CA rejected the External Account Binding: check that "
                             "ACME_EAB_KID and ACME_EAB_HMAC_KEY are the key id and MAC key that "
                             "the CA issued"};
    }
    return created.error();
  }
  if (created.value().location.empty()) {
    return make_error(ErrorKind::invalid, "newAccount returned no Location header");
  }
  return created.value().location;
}

}  // namespace

std::filesystem::path account_directory(const std::filesystem::path& state_dir,
                                        const std::string& directory_url) {
  return state_dir / "accounts" / sha256_hex(directory_url).substr(0, 16);
}

Result<Account> load_or_register_account(AcmeClient& client, const AccountOptions& options) {
  const std::filesystem::path directory = account_directory(options.state_dir, client.directory_url());
  const std::filesystem::path key_path = directory / kKeyFile;
  const std::filesystem::path record_path = directory / kRecordFile;

  auto key_text = read_file(key_path);
  if (key_text.has_error()) return key_text.error();
  auto record_text = read_file(record_path);
  if (record_text.has_error()) return record_text.error();

  // Neither file: a new key goes to disk before the CA learns about it.
  if (!key_text.value()) {
    auto generated = AccountKey::generate();
    if (generated.has_error()) return generated.error();
    auto stored = write_private_file(key_path, generated.value().to_pem().reveal());
    if (stored.has_error()) return stored.error();

    auto url = register_account(client, generated.value(), options);
    if (url.has_error()) return url.error();
    auto recorded = store_account_url(record_path, client.directory_url(), url.value());
    if (recorded.has_error()) return recorded.error();
    return Account{std::move(generated.value()), std::move(url.value())};
  }

  auto key = AccountKey::from_pem(SecretString(std::move(*key_text.value())));
  if (key.has_error()) return key.error().with_context(key_path.string());

  if (record_text.value()) {
    auto url = read_account_url(record_path, client.directory_url(), *record_text.value());
    if (url.has_error()) return url.error();
    return Account{std::move(key.value()), std::move(url.value())};
  }

  // Only the key: an earlier run stopped between storing it and recording
  // the account, so ask the CA before registering again.
  auto existing = find_existing_account(client, key.value());
  if (existing.has_error()) return existing.error();
  std::string url;
  if (existing.value()) {
    url = *existing.value();
  } else {
    auto registered = register_account(client, key.value(), options);
    if (registered.has_error()) return registered.error();
    url = std::move(registered.value());
  }

  auto recorded = store_account_url(record_path, client.directory_url(), url);
  if (recorded.has_error()) return recorded.error();
  return Account{std::move(key.value()), std::move(url)};
}

}  // namespace certplan
