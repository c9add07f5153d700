#pragma once

// The files of one domain directory in acme.sh's layout, and the reading of
// a certificate and key pair from them. Used by AcmeShStore.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "state/acme_sh_store.h"

namespace certplan {

// One domain directory and the stem of its file names ("example.com",
// "_wildcard.example.com" or, in acme.sh's own layout, "*.example.com").
struct DomainDirectory {
  std::filesystem::path directory;
  std::string stem;

  std::filesystem::path fullchain(StorePair pair) const;
  std::filesystem::path key(StorePair pair) const;
  std::filesystem::path leaf(StorePair pair) const;
  std::filesystem::path chain(StorePair pair) const;
};

// certplan's own directory of `domain` under `base`. Throws
// std::invalid_argument on a name that would leave `base` ("..", "/").
DomainDirectory own_directory(const std::filesystem::path& base, const std::string& domain);

// Lists the directories with a fullchain.cer (or its ".previous") of
// `domain`, the one that wins first: certplan's own, then acme.sh's "_ecc"
// one, then acme.sh's literal wildcard one.
std::vector<DomainDirectory> candidate_directories(const std::filesystem::path& base,
                                                   const std::string& domain);

// A certificate and key pair as read from disk.
struct PairReading {
  bool certificate_present = false;  // the fullchain file exists
  std::optional<CertificateFacts> certificate;
  std::string fullchain_pem;
  bool key_present = false;
  std::optional<SecretString> key_pem;
  std::optional<KeyType> key_type;
  bool key_matches = false;
  std::string error;  // the first file that could not be read or parsed

  // A certificate and a key that belongs to it: ready to deploy.
  bool usable() const { return certificate && key_pem && key_matches; }
};

// Whether a file, directory or link named `path` exists (links are not
// followed).
bool entry_exists(const std::filesystem::path& path);

// Reads one pair of `directory`, reporting unreadable or invalid files in
// `error` of the result instead of failing.
PairReading read_pair(const DomainDirectory& directory, StorePair pair);

}  // namespace certplan
