#pragma once

// The observed state: what really is in the local store, in each server's
// files and on each server's HTTPS port. Filled by engine/refresh.h, read by
// the planner. Holds facts and fingerprints, never key material.

#include <map>
#include <optional>
#include <string>

#include "state/certificate_interner.h"

namespace certplan {

// A certificate with the state of its private key. `certificate` is never
// null, and servers with the same certificate share its facts.
struct CertificateWithKey {
  SharedFacts certificate;
  bool key_present = false;
  bool key_matches = false;           // the key's public key equals the certificate's
  std::optional<KeyType> key_type;    // of the private key, when present
};

// One domain in the local store. `error` is set when the files exist but
// could not be read or parsed; both empty means "no certificate stored".
struct StoreObservation {
  std::optional<CertificateWithKey> current;
  std::string error;
  // Set when an interrupted save left a mixed pair and the previous,
  // matching pair is used instead; `current` then describes that pair.
  std::string note;
};

// One domain's files on one server.
struct FilesObservation {
  std::optional<CertificateWithKey> deployed;
  std::string error;
};

// The certificate one server presents on its HTTPS port for one domain (SNI).
struct ServedObservation {
  SharedFacts leaf;   // null when nothing was served
  std::string error;  // handshake or connection failure
};

struct ServerObservation {
  bool reachable = false;
  std::string error;                                 // why the server could not be observed
  std::map<std::string, FilesObservation> files;     // by domain
  std::map<std::string, ServedObservation> served;   // by domain
};

struct ObservedState {
  std::map<std::string, StoreObservation> store;     // by domain
  std::map<std::string, ServerObservation> servers;  // by server name
};

}  // namespace certplan
