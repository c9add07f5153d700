#include "providers/acme/jws.h"

#include <memory>
#include <string>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <boost/test/unit_test.hpp>

#include "providers/acme/base64url.h"
#include "providers/acme/dns01.h"

namespace certplan {
namespace {

// A P-256 key made with `openssl genpkey` for these tests only. Its JWK
// coordinates and RFC 7638 thumbprint below were computed separately with
// Python's hashlib and base64 modules from `openssl pkey -pubout`.
const char* const kTestKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgnt1JE7Th6unqrl1R\n"
    "9s6PkBkbRuNECxqG8v2Zzhqgfk2hRANCAATCxLZlP4OiVZcPAx4N7sbvAWb75V3D\n"
    "AXqxy1hF5pif/UEWrGHTEDnHkLd8oJbT4hN2CXv/PL16axbR0ocZ+UBw\n"
    "-----END PRIVATE KEY-----\n";
const char* const kTestKeyX = "wsS2ZT-DolWXDwMeDe7G7wFm--VdwwF6sctYReaYn_0";
const char* const kTestKeyY = "QRasYdMQOceQt3ygltPiE3YJe_88vXprFtHShxn5QHA";
const char* const kTestKeyThumbprint = "KOeygI8Q8V9BABKroZtfetmIWj8jNmUCIdc2u36CZZ8";

AccountKey test_key() {
  auto key = AccountKey::from_pem(SecretString(kTestKeyPem));
  BOOST_REQUIRE(key.has_value());
  return std::move(key.value());
}

nlohmann::json decode_json(const std::string& encoded) {
  const auto text = base64url_decode(encoded);
  BOOST_REQUIRE(text.has_value());
  return nlohmann::json::parse(*text);
}

// Verifies an ES256 JWS signature the way a CA does: r || s back to DER,
// then EVP_DigestVerify with the public key.
bool verify_es256(const AccountKey& key, const std::string& signing_input, const std::string& raw) {
  BOOST_REQUIRE_EQUAL(raw.size(), 64u);
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + 32, 32, nullptr);
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> signature(ECDSA_SIG_new(), ECDSA_SIG_free);
  BOOST_REQUIRE(ECDSA_SIG_set0(signature.get(), r, s) == 1);

  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(signature.get(), &der);
  BOOST_REQUIRE(der_length > 0);
  std::unique_ptr<unsigned char, void (*)(unsigned char*)> der_owner(
      der, [](unsigned char* pointer) { OPENSSL_free(pointer); });

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  BOOST_REQUIRE(EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr,
                                     static_cast<EVP_PKEY*>(key.native())) == 1);
  return EVP_DigestVerify(context.get(), der, static_cast<std::size_t>(der_length),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

BOOST_AUTO_TEST_CASE(base64url_encodes_without_padding) {
  BOOST_TEST(base64url_encode("") == "");
  BOOST_TEST(base64url_encode("a") == "YQ");
  BOOST_TEST(base64url_encode("ab") == "YWI");
  BOOST_TEST(base64url_encode("abc") == "YWJj");
  BOOST_TEST(base64url_encode(std::string("\xff\xfe\x00hello?", 9)) == "__4AaGVsbG8_");
}

BOOST_AUTO_TEST_CASE(base64url_decodes_round_trip) {
  BOOST_TEST(base64url_decode("__4AaGVsbG8_").value_or("") == std::string("\xff\xfe\x00hello?", 9));
  BOOST_TEST(base64url_decode("YWI=").value_or("") == "ab");
  BOOST_TEST(base64url_decode("").value_or("x") == "");
}

BOOST_AUTO_TEST_CASE(base64url_rejects_bad_input) {
  BOOST_TEST(!base64url_decode("YW+").has_value());
  BOOST_TEST(!base64url_decode("YWJjZ").has_value());
  BOOST_TEST(!base64url_decode("Y W").has_value());
}

BOOST_AUTO_TEST_CASE(jwk_of_known_key) {
  const nlohmann::json jwk = test_key().jwk();
  BOOST_TEST(jwk.dump() == std::string("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"") + kTestKeyX +
                               "\",\"y\":\"" + kTestKeyY + "\"}");
}

BOOST_AUTO_TEST_CASE(thumbprint_of_known_ec_key) {
  BOOST_TEST(test_key().thumbprint() == kTestKeyThumbprint);
}

BOOST_AUTO_TEST_CASE(thumbprint_ignores_extra_members) {
  const nlohmann::json jwk{{"kty", "EC"}, {"crv", "P-256"}, {"x", kTestKeyX},
                           {"y", kTestKeyY}, {"kid", "ignored"}, {"use", "sig"}};
  BOOST_TEST(jwk_thumbprint(jwk) == kTestKeyThumbprint);
}

BOOST_AUTO_TEST_CASE(thumbprint_of_rsa_jwk) {
  // Expected value from Python: SHA-256 of {"e":"AQAB","kty":"RSA","n":"3q2-7w"}.
  const nlohmann::json jwk{{"n", "3q2-7w"}, {"e", "AQAB"}, {"kty", "RSA"}, {"alg", "RS256"}};
  BOOST_TEST(jwk_thumbprint(jwk) == "BE_ZvrkcpEF1G-FlaGGcNhCeptRwJFFIycX-blBXiw8");
}

BOOST_AUTO_TEST_CASE(thumbprint_rejects_unknown_type) {
  BOOST_CHECK_THROW(static_cast<void>(jwk_thumbprint(nlohmann::json{{"kty", "oct"}, {"k", "AA"}})),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(pem_round_trip_keeps_key) {
  const AccountKey generated = AccountKey::generate().value();
  auto reloaded = AccountKey::from_pem(generated.to_pem());
  BOOST_REQUIRE(reloaded.has_value());
  BOOST_TEST(reloaded.value().jwk() == generated.jwk());
}

BOOST_AUTO_TEST_CASE(from_pem_rejects_garbage) {
  auto key = AccountKey::from_pem(SecretString("not a key"));
  BOOST_REQUIRE(key.has_error());
  BOOST_TEST(key.error().message == "the account key is not an unencrypted PEM private key");
}

BOOST_AUTO_TEST_CASE(jws_with_jwk_verifies) {
  const AccountKey key = AccountKey::generate().value();
  const std::string text =
      sign_jws(JwsSigner{key, ""}, "https://127.0.0.1:14000/new-acct", "nonce-1", "{\"a\":1}");
  const nlohmann::json jws = nlohmann::json::parse(text);

  const nlohmann::json header = decode_json(jws.at("protected"));
  BOOST_TEST(header.at("alg") == "ES256");
  BOOST_TEST(header.at("nonce") == "nonce-1");
  BOOST_TEST(header.at("url") == "https://127.0.0.1:14000/new-acct");
  BOOST_TEST(header.at("jwk") == key.jwk());
  BOOST_TEST(!header.contains("kid"));
  BOOST_TEST(base64url_decode(jws.at("payload").get<std::string>()).value_or("") == "{\"a\":1}");

  const std::string signing_input =
      jws.at("protected").get<std::string>() + "." + jws.at("payload").get<std::string>();
  const std::string signature = base64url_decode(jws.at("signature").get<std::string>()).value_or("");
  BOOST_TEST(verify_es256(key, signing_input, signature));
  BOOST_TEST(!verify_es256(key, signing_input + "x", signature));
}

BOOST_AUTO_TEST_CASE(jws_with_kid_and_empty_payload) {
  const AccountKey key = test_key();
  const nlohmann::json jws = nlohmann::json::parse(
      sign_jws(JwsSigner{key, "https://127.0.0.1:14000/acct/7"}, "https://127.0.0.1:14000/order/1",
               "nonce-2", ""));

  const nlohmann::json header = decode_json(jws.at("protected"));
  BOOST_TEST(header.at("kid") == "https://127.0.0.1:14000/acct/7");
  BOOST_TEST(!header.contains("jwk"));
  BOOST_TEST(jws.at("payload") == "");

  const std::string signing_input = jws.at("protected").get<std::string>() + ".";
  const std::string signature = base64url_decode(jws.at("signature").get<std::string>()).value_or("");
  BOOST_TEST(verify_es256(key, signing_input, signature));
}

BOOST_AUTO_TEST_CASE(der_to_raw_pads_short_numbers) {
  // SEQUENCE { INTEGER 1, INTEGER 0x0102 }
  const std::string der("\x30\x07\x02\x01\x01\x02\x02\x01\x02", 9);
  const auto raw = ecdsa_der_to_raw(der, 4);
  BOOST_REQUIRE(raw.has_value());
  BOOST_TEST(*raw == std::string("\x00\x00\x00\x01\x00\x00\x01\x02", 8));
}

BOOST_AUTO_TEST_CASE(der_to_raw_rejects_malformed) {
  BOOST_TEST(!ecdsa_der_to_raw("\x30\x01", 32).has_value());
}

BOOST_AUTO_TEST_CASE(external_account_binding_signs_jwk) {
  const AccountKey key = test_key();
  // "c2VjcmV0LWtleQ" is base64url of "secret-key".
  auto binding = make_external_account_binding(key, "kid-1", SecretString("c2VjcmV0LWtleQ"),
                                               "https://127.0.0.1:14000/new-acct");
  BOOST_REQUIRE(binding.has_value());

  const nlohmann::json header = decode_json(binding.value().at("protected"));
  BOOST_TEST(header == (nlohmann::json{{"alg", "HS256"}, {"kid", "kid-1"},
                                       {"url", "https://127.0.0.1:14000/new-acct"}}));
  BOOST_TEST(decode_json(binding.value().at("payload")) == key.jwk());

  const std::string signing_input = binding.value().at("protected").get<std::string>() + "." +
                                    binding.value().at("payload").get<std::string>();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), "secret-key", 10, reinterpret_cast<const unsigned char*>(signing_input.data()),
       signing_input.size(), mac, &length);
  BOOST_TEST(binding.value().at("signature") ==
             base64url_encode(std::string(reinterpret_cast<const char*>(mac), length)));
}

BOOST_AUTO_TEST_CASE(external_account_binding_bad_key) {
  auto binding = make_external_account_binding(test_key(), "kid-1", SecretString("not+base64"),
                                               "https://127.0.0.1:14000/new-acct");
  BOOST_REQUIRE(binding.has_error());
  BOOST_TEST(binding.error().message ==
             "ACME_EAB_HMAC_KEY is not valid base64url; copy the MAC key exactly as the CA issued it");
}

BOOST_AUTO_TEST_CASE(dns01_record_name_strips_wildcard) {
  BOOST_TEST(dns01_record_name("example.com") == "_acme-challenge.example.com");
  BOOST_TEST(dns01_record_name("*.example.com") == "_acme-challenge.example.com");
  BOOST_TEST(dns01_record_name("www.example.com") == "_acme-challenge.www.example.com");
}

BOOST_AUTO_TEST_CASE(dns01_record_value_digest) {
  // Expected value from Python: base64url(SHA-256("tok123.thumb")).
  BOOST_TEST(dns01_record_value("tok123", "thumb") == "S4F3VOeoz3cSLEDmez6MxG7bXFtdyduWlKwvhgPTMhY");
}

}  // namespace
}  // namespace certplan
