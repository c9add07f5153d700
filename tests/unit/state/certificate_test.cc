#include "state/certificate.h"

#include <boost/test/unit_test.hpp>

#include <openssl/pem.h>

#include <cstdio>

#include "state/openssl_handles.h"
#include "tests/unit/support/test_certificates.h"

namespace certplan {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::sys_days;

const TimePoint jan_2_2026 = sys_days{std::chrono::year{2026} / 1 / 2} + hours(3) + seconds(4);
const TimePoint apr_2_2026 = sys_days{std::chrono::year{2026} / 4 / 2} + hours(3) + seconds(4);

PrivateKey new_key(KeyType type) {
  auto key = generate_private_key(type);
  BOOST_TEST_REQUIRE(key.has_value());
  return std::move(key.value());
}

// Colon hex written out with snprintf, so that the expected fingerprints do
// not depend on certplan's own colon_hex.
std::string independent_hex(const unsigned char* bytes, unsigned int length) {
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[4];
    std::snprintf(pair, sizeof pair, i == 0 ? "%02x" : ":%02x", bytes[i]);
    text += pair;
  }
  return text;
}

X509Handle first_certificate(const std::string& pem) {
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Handle certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  BOOST_TEST_REQUIRE(certificate != nullptr);
  return certificate;
}

// What `openssl x509 -fingerprint -sha256` prints, in lowercase.
std::string openssl_fingerprint(const std::string& pem) {
  X509Handle certificate = first_certificate(pem);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  BOOST_TEST_REQUIRE(X509_digest(certificate.get(), EVP_sha256(), digest, &length) == 1);
  return independent_hex(digest, length);
}

std::string openssl_spki_fingerprint(const std::string& pem) {
  X509Handle certificate = first_certificate(pem);
  unsigned char* der = nullptr;
  const int der_length = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(certificate.get()), &der);
  BOOST_TEST_REQUIRE(der_length > 0);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  BOOST_TEST_REQUIRE(EVP_Digest(der, static_cast<std::size_t>(der_length), digest, &length,
                                EVP_sha256(), nullptr) == 1);
  OPENSSL_free(der);
  return independent_hex(digest, length);
}

std::vector<std::string> request_dns_names(X509_REQ* request) {
  std::vector<std::string> names;
  STACK_OF(X509_EXTENSION)* extensions = X509_REQ_get_extensions(request);
  const int index = X509v3_get_ext_by_NID(extensions, NID_subject_alt_name, -1);
  if (index >= 0) {
    GeneralNamesHandle general_names(
        static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(X509v3_get_ext(extensions, index))));
    for (int i = 0; i < sk_GENERAL_NAME_num(general_names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(general_names.get(), i);
      BOOST_TEST_REQUIRE(name->type == GEN_DNS);
      names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(name->d.dNSName)),
                         static_cast<std::size_t>(ASN1_STRING_length(name->d.dNSName)));
    }
  }
  sk_X509_EXTENSION_pop_free(extensions, X509_EXTENSION_free);
  return names;
}

std::string request_common_name(X509_REQ* request) {
  const X509_NAME* subject = X509_REQ_get_subject_name(request);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<std::size_t>(ASN1_STRING_length(value)));
}

X509ReqHandle decode_request(const std::string& der) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  X509ReqHandle request(d2i_X509_REQ(nullptr, &bytes, static_cast<long>(der.size())));
  BOOST_TEST_REQUIRE(request != nullptr);
  return request;
}

std::string encrypted_pkcs8_pem(const PrivateKey& key) {
  BioHandle bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "test passphrase";
  BOOST_TEST_REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio.get(), static_cast<EVP_PKEY*>(key.get()),
                                                   EVP_aes_256_cbc(), passphrase,
                                                   sizeof passphrase - 1, nullptr, nullptr) == 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace

BOOST_AUTO_TEST_CASE(chain_leaf_facts_exact) {
  const testing::TestCa ca = testing::make_test_ca();
  const PrivateKey key = new_key(KeyType::ec256);
  const std::string pem = testing::issue_test_certificate(
      ca, {"WWW.Example.com", "example.com", "api.example.com"}, jan_2_2026, apr_2_2026, key);

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(facts.has_value());

  BOOST_TEST(facts.value().subject == "CN=WWW.Example.com");
  BOOST_TEST(facts.value().issuer == "CN=certplan test CA");
  const std::vector<std::string> names{"api.example.com", "example.com", "www.example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
  BOOST_TEST((facts.value().not_before == jan_2_2026));
  BOOST_TEST((facts.value().not_after == apr_2_2026));
  BOOST_TEST(facts.value().fingerprint == openssl_fingerprint(pem));
  BOOST_TEST(facts.value().fingerprint.size() == 32u * 3 - 1);
  BOOST_TEST(facts.value().public_key_fingerprint == openssl_spki_fingerprint(pem));
  BOOST_TEST(facts.value().public_key_fingerprint == public_key_fingerprint(key));
  BOOST_TEST((facts.value().key_type == KeyType::ec256));
  BOOST_TEST(facts.value().chain_length == 2);
}

BOOST_AUTO_TEST_CASE(self_signed_chain_has_one_certificate) {
  const PrivateKey key = new_key(KeyType::ec384);
  const std::string pem =
      testing::self_signed_certificate({"example.org"}, jan_2_2026, apr_2_2026, key);

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(facts.has_value());
  BOOST_TEST(facts.value().chain_length == 1);
  BOOST_TEST(facts.value().subject == "CN=example.org");
  BOOST_TEST(facts.value().issuer == "CN=example.org");
  BOOST_TEST((facts.value().key_type == KeyType::ec384));
}

BOOST_AUTO_TEST_CASE(expired_certificate_parses_with_its_dates) {
  const testing::TestCa ca = testing::make_test_ca();
  const PrivateKey key = new_key(KeyType::ec256);
  const TimePoint not_before = sys_days{std::chrono::year{2020} / 1 / 1};
  const TimePoint not_after = sys_days{std::chrono::year{2020} / 3 / 31};
  const std::string pem =
      testing::issue_test_certificate(ca, {"old.example.com"}, not_before, not_after, key);

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(facts.has_value());
  BOOST_TEST((facts.value().not_before == not_before));
  BOOST_TEST((facts.value().not_after == not_after));
  BOOST_TEST((facts.value().not_after < std::chrono::system_clock::now()));
}

BOOST_AUTO_TEST_CASE(wildcard_name_kept_lowercase) {
  const PrivateKey key = new_key(KeyType::ec256);
  const std::string pem = testing::self_signed_certificate({"*.Example.COM", "example.com"},
                                                           jan_2_2026, apr_2_2026, key);

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(facts.has_value());
  const std::vector<std::string> names{"*.example.com", "example.com"};
  BOOST_TEST(facts.value().names == names, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(empty_input_error_text) {
  auto facts = parse_certificate_chain(" \n");
  BOOST_TEST_REQUIRE(!facts.has_value());
  BOOST_TEST((facts.error().kind == ErrorKind::invalid));
  BOOST_TEST(facts.error().message ==
             "not a PEM certificate: the input is empty; expected a PEM chain that starts with "
             "\"-----BEGIN CERTIFICATE-----\"");
}

BOOST_AUTO_TEST_CASE(garbage_input_error_text) {
  auto facts = parse_certificate_chain("hello, this is no certificate\n");
  BOOST_TEST_REQUIRE(!facts.has_value());
  BOOST_TEST((facts.error().kind == ErrorKind::invalid));
  BOOST_TEST(facts.error().message ==
             "not a PEM certificate: no \"-----BEGIN CERTIFICATE-----\" line found");
}

BOOST_AUTO_TEST_CASE(corrupt_certificate_error_text) {
  auto facts = parse_certificate_chain(
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
  BOOST_TEST_REQUIRE(!facts.has_value());
  BOOST_TEST((facts.error().kind == ErrorKind::invalid));
  const std::string prefix =
      "invalid PEM certificate: certificate 1 of 1 in the chain cannot be decoded (error:";
  BOOST_TEST(facts.error().message.substr(0, prefix.size()) == prefix);
  BOOST_TEST(ERR_peek_error() == 0u);
}

BOOST_AUTO_TEST_CASE(corrupt_second_certificate_error_text) {
  const PrivateKey key = new_key(KeyType::ec256);
  const std::string pem =
      testing::self_signed_certificate({"example.org"}, jan_2_2026, apr_2_2026, key) +
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(!facts.has_value());
  const std::string prefix =
      "invalid PEM certificate: certificate 2 of 2 in the chain cannot be decoded (";
  BOOST_TEST(facts.error().message.substr(0, prefix.size()) == prefix);
}

BOOST_AUTO_TEST_CASE(key_mismatch_detected_by_fingerprint) {
  const PrivateKey certificate_key = new_key(KeyType::ec256);
  const PrivateKey other_key = new_key(KeyType::ec256);
  const std::string pem =
      testing::self_signed_certificate({"example.org"}, jan_2_2026, apr_2_2026, certificate_key);

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(facts.has_value());
  BOOST_TEST(facts.value().public_key_fingerprint == public_key_fingerprint(certificate_key));
  BOOST_TEST(facts.value().public_key_fingerprint != public_key_fingerprint(other_key));
}

BOOST_AUTO_TEST_CASE(each_key_type_generated_and_detected) {
  for (const KeyType type :
       {KeyType::ec256, KeyType::ec384, KeyType::rsa2048, KeyType::rsa3072, KeyType::rsa4096}) {
    BOOST_TEST_CONTEXT("key type " << key_type_name(type)) {
      const PrivateKey key = new_key(type);
      BOOST_TEST((key_type_of(key) == type));

      const std::string pem =
          testing::self_signed_certificate({"example.org"}, jan_2_2026, apr_2_2026, key);
      auto facts = parse_certificate_chain(pem);
      BOOST_TEST_REQUIRE(facts.has_value());
      BOOST_TEST((facts.value().key_type == type));
    }
  }
}

BOOST_AUTO_TEST_CASE(other_algorithm_has_no_key_type) {
  PrivateKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  BOOST_TEST_REQUIRE(static_cast<bool>(key));
  BOOST_TEST(!key_type_of(key).has_value());
}

BOOST_AUTO_TEST_CASE(key_type_names_round_trip) {
  for (const KeyType type :
       {KeyType::ec256, KeyType::ec384, KeyType::rsa2048, KeyType::rsa3072, KeyType::rsa4096}) {
    BOOST_TEST((parse_key_type(key_type_name(type)) == type));
  }
  BOOST_TEST(key_type_name(KeyType::ec256) == "ec-256");
  BOOST_TEST(key_type_name(KeyType::rsa4096) == "rsa-4096");
  BOOST_TEST(!parse_key_type("ec256").has_value());
  BOOST_TEST(!parse_key_type("").has_value());
}

BOOST_AUTO_TEST_CASE(private_key_pem_round_trip) {
  for (const KeyType type : {KeyType::ec256, KeyType::rsa2048}) {
    BOOST_TEST_CONTEXT("key type " << key_type_name(type)) {
      const PrivateKey key = new_key(type);
      const SecretString pem = private_key_to_pem(key);
      BOOST_TEST(pem.reveal().rfind("-----BEGIN PRIVATE KEY-----\n", 0) == 0u);
      BOOST_TEST(pem.reveal().find("-----END PRIVATE KEY-----\n") != std::string::npos);

      auto parsed = parse_private_key(pem);
      BOOST_TEST_REQUIRE(parsed.has_value());
      BOOST_TEST(public_key_fingerprint(parsed.value()) == public_key_fingerprint(key));
      BOOST_TEST((key_type_of(parsed.value()) == type));
    }
  }
}

BOOST_AUTO_TEST_CASE(traditional_key_format_parsed) {
  // acme.sh writes "BEGIN EC PRIVATE KEY" and "BEGIN RSA PRIVATE KEY" files.
  for (const KeyType type : {KeyType::ec256, KeyType::rsa2048}) {
    BOOST_TEST_CONTEXT("key type " << key_type_name(type)) {
      const PrivateKey key = new_key(type);
      BioHandle bio(BIO_new(BIO_s_mem()));
      BOOST_TEST_REQUIRE(PEM_write_bio_PrivateKey_traditional(
                             bio.get(), static_cast<EVP_PKEY*>(key.get()), nullptr, nullptr, 0,
                             nullptr, nullptr) == 1);
      char* data = nullptr;
      const long length = BIO_get_mem_data(bio.get(), &data);
      const std::string pem(data, static_cast<std::size_t>(length));
      const std::string header = type == KeyType::ec256 ? "-----BEGIN EC PRIVATE KEY-----\n"
                                                        : "-----BEGIN RSA PRIVATE KEY-----\n";
      BOOST_TEST(pem.rfind(header, 0) == 0u);

      auto parsed = parse_private_key(SecretString(pem));
      BOOST_TEST_REQUIRE(parsed.has_value());
      BOOST_TEST(public_key_fingerprint(parsed.value()) == public_key_fingerprint(key));
      BOOST_TEST((key_type_of(parsed.value()) == type));
      BOOST_TEST(ERR_peek_error() == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(encrypted_private_key_rejected) {
  const PrivateKey key = new_key(KeyType::ec256);
  auto parsed = parse_private_key(SecretString(encrypted_pkcs8_pem(key)));
  BOOST_TEST_REQUIRE(!parsed.has_value());
  BOOST_TEST((parsed.error().kind == ErrorKind::invalid));
  BOOST_TEST(parsed.error().message ==
             "the private key is encrypted; certplan needs an unencrypted key (decrypt it with "
             "`openssl pkey -in KEY -out KEY.plain` and keep the result 0600)");
}

BOOST_AUTO_TEST_CASE(certificate_is_not_a_private_key) {
  const PrivateKey key = new_key(KeyType::ec256);
  const std::string pem =
      testing::self_signed_certificate({"example.org"}, jan_2_2026, apr_2_2026, key);

  auto parsed = parse_private_key(SecretString(pem));
  BOOST_TEST_REQUIRE(!parsed.has_value());
  BOOST_TEST(parsed.error().message ==
             "not a PEM private key: no \"-----BEGIN PRIVATE KEY-----\" line found");
}

BOOST_AUTO_TEST_CASE(corrupt_private_key_error_text) {
  auto parsed = parse_private_key(
      SecretString("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  BOOST_TEST_REQUIRE(!parsed.has_value());
  BOOST_TEST((parsed.error().kind == ErrorKind::invalid));
  const std::string prefix = "invalid PEM private key: OpenSSL cannot decode it (";
  BOOST_TEST(parsed.error().message.substr(0, prefix.size()) == prefix);
  BOOST_TEST(ERR_peek_error() == 0u);
}

BOOST_AUTO_TEST_CASE(csr_verifies_and_carries_names) {
  const PrivateKey key = new_key(KeyType::ec256);
  auto der = make_csr_der(key, {"example.com", "*.example.com", "www.example.com"});
  BOOST_TEST_REQUIRE(der.has_value());

  X509ReqHandle request = decode_request(der.value());
  EVP_PKEY* request_key = X509_REQ_get0_pubkey(request.get());
  BOOST_TEST_REQUIRE(request_key != nullptr);
  BOOST_TEST(X509_REQ_verify(request.get(), request_key) == 1);
  BOOST_TEST(EVP_PKEY_eq(request_key, static_cast<EVP_PKEY*>(key.get())) == 1);
  BOOST_TEST(request_common_name(request.get()) == "example.com");
  const std::vector<std::string> names{"example.com", "*.example.com", "www.example.com"};
  BOOST_TEST(request_dns_names(request.get()) == names, boost::test_tools::per_element());
  BOOST_TEST(X509_REQ_get_signature_nid(request.get()) == NID_ecdsa_with_SHA256);
}

BOOST_AUTO_TEST_CASE(csr_long_first_name_has_no_cn) {
  const PrivateKey key = new_key(KeyType::rsa2048);
  const std::string long_name = std::string(60, 'a') + ".example.com";  // 72 characters
  auto der = make_csr_der(key, {long_name, "example.com"});
  BOOST_TEST_REQUIRE(der.has_value());

  X509ReqHandle request = decode_request(der.value());
  BOOST_TEST(X509_REQ_verify(request.get(), X509_REQ_get0_pubkey(request.get())) == 1);
  BOOST_TEST(request_common_name(request.get()) == "");
  const std::vector<std::string> names{long_name, "example.com"};
  BOOST_TEST(request_dns_names(request.get()) == names, boost::test_tools::per_element());
  BOOST_TEST(X509_REQ_get_signature_nid(request.get()) == NID_sha256WithRSAEncryption);
}

BOOST_AUTO_TEST_CASE(csr_without_names_rejected) {
  const PrivateKey key = new_key(KeyType::ec256);
  auto der = make_csr_der(key, {});
  BOOST_TEST_REQUIRE(!der.has_value());
  BOOST_TEST((der.error().kind == ErrorKind::invalid));
  BOOST_TEST(der.error().message == "a certificate request needs at least one name");
}

BOOST_AUTO_TEST_CASE(colon_hex_formats_bytes) {
  BOOST_TEST(colon_hex(std::string_view("\x00\xab\xff", 3)) == "00:ab:ff");
  BOOST_TEST(colon_hex("") == "");
  BOOST_TEST(sha256_colon_hex("abc") ==
             "ba:78:16:bf:8f:01:cf:ea:41:41:40:de:5d:ae:22:23:"
             "b0:03:61:a3:96:17:7a:9c:b4:10:ff:61:f2:00:15:ad");
}

}  // namespace certplan
