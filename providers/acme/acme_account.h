#pragma once

// The ACME account: its ES256 key and URL, kept under the state directory
// per directory URL and reused by every later run.
//
// Layout: {state_dir}/accounts/{first 16 hex digits of SHA-256(directory
// URL)}/account.key (PKCS#8 PEM, mode 0600) and account.json
// ({"url": account URL, "directory": directory URL}, mode 0600).

#include <filesystem>
#include <string>

#include "providers/acme/acme_client.h"
#include "providers/acme/jws.h"
#include "state/result.h"
#include "state/secret.h"

namespace certplan {

struct AccountOptions {
  std::filesystem::path state_dir;
  std::string email;              // contact "mailto:" address; no contact when empty
  std::string eab_kid;            // External Account Binding key id, or empty
  SecretString eab_hmac_key;      // base64url MAC key of the CA, or empty
};

struct Account {
  AccountKey key;
  std::string url;  // the "kid" of every request after newAccount
};

// The directory that contains the account files of `directory_url`.
[[nodiscard]] std::filesystem::path account_directory(const std::filesystem::path& state_dir,
                                                      const std::string& directory_url);

// Loads the stored account of the client's directory, or registers one.
// With both files present, nothing is sent. With only the key, the CA is
// asked for the account of that key (onlyReturnExisting), and registration
// follows if it has none. With neither, a new key is stored (0600) before
// newAccount, so that a crash never leaves an account without its key.
// `client.fetch_directory()` must have succeeded.
[[nodiscard]] Result<Account> load_or_register_account(AcmeClient& client,
                                                       const AccountOptions& options);

}  // namespace certplan
