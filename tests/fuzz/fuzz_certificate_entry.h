#pragma once

// The entry logic of the fuzz_certificate_parser target, shared with the
// corpus unit test: the same bytes go to parse_certificate_chain and to
// parse_private_key, and every successful result is checked against the
// properties that state/certificate.h promises.

#include <algorithm>
#include <string>
#include <string_view>

#include "state/certificate.h"
#include "state/result.h"
#include "state/secret.h"
#include "tests/fuzz/fuzz_invariant.h"

namespace certplan::fuzz {

// Which of the two parsers accepted an input.
struct CertificateOutcome {
  bool chain_parsed = false;
  bool key_parsed = false;
};

// True for a SHA-256 fingerprint in certplan's form: 32 lowercase hex pairs
// joined by ':'.
inline bool is_sha256_colon_hex(std::string_view text) {
  constexpr std::size_t length = 32 * 3 - 1;
  if (text.size() != length) return false;

  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool separator_position = i % 3 == 2;
    const bool hex_digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (separator_position ? c != ':' : !hex_digit) return false;
  }
  return true;
}

inline bool has_ascii_uppercase(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

inline void check_certificate_facts(const CertificateFacts& facts) {
  require_invariant(is_sha256_colon_hex(facts.fingerprint),
                    "certificate fingerprint is not 32 lowercase hex pairs joined by ':': " +
                        facts.fingerprint);
  require_invariant(is_sha256_colon_hex(facts.public_key_fingerprint),
                    "public key fingerprint is not 32 lowercase hex pairs joined by ':': " +
                        facts.public_key_fingerprint);
  require_invariant(facts.chain_length >= 1,
                    "chain_length is " + std::to_string(facts.chain_length) +
                        " for a chain that parsed; expected at least 1");

  for (const auto& name : facts.names) {
    require_invariant(!has_ascii_uppercase(name), "SAN name is not lowercase: " + name);
  }
  require_invariant(std::is_sorted(facts.names.begin(), facts.names.end()),
                    "SAN names are not sorted");
}

// Checks the key's fingerprint form and that its PKCS#8 PEM parses back to
// a key with the same public key. Messages never contain key material.
inline void check_private_key(const PrivateKey& key) {
  const std::string fingerprint = public_key_fingerprint(key);
  require_invariant(is_sha256_colon_hex(fingerprint),
                    "private key's public key fingerprint is not 32 lowercase hex pairs joined "
                    "by ':': " + fingerprint);
  (void)key_type_of(key);

  auto reparsed = parse_private_key(private_key_to_pem(key));
  require_invariant(reparsed.has_value(),
                    "the PKCS#8 PEM written for a parsed key does not parse again: " +
                        (reparsed.has_value() ? std::string() : reparsed.error().message));
  require_invariant(public_key_fingerprint(reparsed.value()) == fingerprint,
                    "the key read back from its own PEM has another public key fingerprint");
}

inline void check_parse_error(const Error& error, std::string_view function) {
  require_invariant(error.kind == ErrorKind::invalid,
                    std::string(function) + " failed with an ErrorKind other than invalid: " +
                        error.message);
  require_invariant(!error.message.empty(),
                    std::string(function) + " failed with an empty message");
}

// Feeds `input` to both parsers and checks what they return. Throws
// InvariantError on a broken property. Any exception of the parsers
// escapes too, because their header documents none.
inline CertificateOutcome run_certificate_input(std::string_view input) {
  CertificateOutcome outcome;

  auto chain = parse_certificate_chain(input);
  if (chain.has_value()) {
    check_certificate_facts(chain.value());
    outcome.chain_parsed = true;
  } else {
    check_parse_error(chain.error(), "parse_certificate_chain");
  }

  auto key = parse_private_key(SecretString(std::string(input)));
  if (key.has_value()) {
    check_private_key(key.value());
    outcome.key_parsed = true;
  } else {
    check_parse_error(key.error(), "parse_private_key");
  }
  return outcome;
}

}  // namespace certplan::fuzz
