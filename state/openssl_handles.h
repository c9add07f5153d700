#pragma once

// Owning handles for the OpenSSL objects certplan uses, and the error queue
// turned into text. Each handle frees its object with the library's own
// free function.

#include <memory>
#include <optional>
#include <string>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "state/certificate.h"

namespace certplan {

// Calls `free_function` on a non-null pointer, for std::unique_ptr.
template <auto free_function>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* object) const {
    free_function(object);
  }
};

using BioHandle = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using X509Handle = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using X509ReqHandle = std::unique_ptr<X509_REQ, OpenSslDeleter<X509_REQ_free>>;
using X509ExtensionHandle = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;
using EvpPkeyHandle = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using GeneralNamesHandle = std::unique_ptr<GENERAL_NAMES, OpenSslDeleter<GENERAL_NAMES_free>>;
using GeneralNameHandle = std::unique_ptr<GENERAL_NAME, OpenSslDeleter<GENERAL_NAME_free>>;
using Asn1Ia5StringHandle = std::unique_ptr<ASN1_IA5STRING, OpenSslDeleter<ASN1_IA5STRING_free>>;

// Drains OpenSSL's error queue of this thread into one line, entries joined
// by "; ". Returns "no details from OpenSSL" when the queue is empty.
std::string take_openssl_errors();

// Returns the KeyType of a public or private key, or nullopt for other
// algorithms and sizes.
std::optional<KeyType> key_type_of_pkey(const EVP_PKEY* key);

// Hashes the key's SubjectPublicKeyInfo DER with SHA-256, as colon hex.
std::string spki_fingerprint_of_pkey(const EVP_PKEY* key);

}  // namespace certplan
