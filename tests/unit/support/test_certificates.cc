#include "tests/unit/support/test_certificates.h"

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <chrono>
#include <stdexcept>

#include "state/openssl_handles.h"

namespace certplan::testing {

namespace {

void check(int status, const char* step) {
  if (status <= 0) {
    throw std::runtime_error(std::string("test certificate: ") + step + " failed: " +
                             take_openssl_errors());
  }
}

EVP_PKEY* evp_of(const PrivateKey& key) { return static_cast<EVP_PKEY*>(key.get()); }

void set_random_serial(X509* certificate) {
  unsigned char bytes[16];
  check(RAND_bytes(bytes, sizeof bytes), "RAND_bytes");
  bytes[0] &= 0x7f;  // a positive serial number

  BIGNUM* number = BN_bin2bn(bytes, sizeof bytes, nullptr);
  check(number != nullptr, "BN_bin2bn");
  const int converted = BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nullptr;
  BN_free(number);
  check(converted, "BN_to_ASN1_INTEGER");
}

void set_validity(X509* certificate, TimePoint not_before, TimePoint not_after) {
  const auto seconds = [](TimePoint time) { return std::chrono::system_clock::to_time_t(time); };
  check(ASN1_TIME_set(X509_getm_notBefore(certificate), seconds(not_before)) != nullptr,
        "setting notBefore");
  check(ASN1_TIME_set(X509_getm_notAfter(certificate), seconds(not_after)) != nullptr,
        "setting notAfter");
}

void set_common_name(X509* certificate, const std::string& common_name) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                   -1, 0),
        "setting the CN");
}

// Adds an extension given in OpenSSL's configuration syntax, e.g.
// "critical,CA:TRUE", with `issuer` as the signing certificate.
void add_extension(X509* certificate, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509ExtensionHandle extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  check(extension != nullptr, "building an extension");
  check(X509_add_ext(certificate, extension.get(), -1), "adding an extension");
}

std::string san_value(const std::vector<std::string>& names) {
  std::string value;
  for (const auto& name : names) {
    if (!value.empty()) value += ',';
    value += "DNS:" + name;
  }
  return value;
}

// A v3 certificate for `subject_key` with its CN, serial and validity set,
// issued by `issuer` (nullptr: by itself) and not yet signed.
X509Handle new_certificate(const std::string& common_name, TimePoint not_before,
                           TimePoint not_after, const PrivateKey& subject_key, X509* issuer) {
  X509Handle certificate(X509_new());
  check(certificate != nullptr, "X509_new");
  check(X509_set_version(certificate.get(), X509_VERSION_3), "setting the version");
  set_random_serial(certificate.get());
  set_validity(certificate.get(), not_before, not_after);
  set_common_name(certificate.get(), common_name);

  X509* signer = issuer != nullptr ? issuer : certificate.get();
  check(X509_set_issuer_name(certificate.get(), X509_get_subject_name(signer)),
        "setting the issuer");
  check(X509_set_pubkey(certificate.get(), evp_of(subject_key)), "setting the public key");
  return certificate;
}

X509Handle leaf_certificate(const std::vector<std::string>& names, TimePoint not_before,
                            TimePoint not_after, const PrivateKey& key, X509* issuer) {
  if (names.empty()) throw std::invalid_argument("test certificate: no names given");
  X509Handle leaf = new_certificate(names.front(), not_before, not_after, key, issuer);
  X509* signer = issuer != nullptr ? issuer : leaf.get();
  add_extension(leaf.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(leaf.get(), signer, NID_subject_alt_name, san_value(names));
  return leaf;
}

std::string to_pem(const X509* certificate) {
  BioHandle bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "BIO_new");
  check(PEM_write_bio_X509(bio.get(), certificate), "PEM_write_bio_X509");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

X509Handle from_pem(const std::string& pem) {
  BioHandle bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  check(bio != nullptr, "BIO_new_mem_buf");
  X509Handle certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  check(certificate != nullptr, "reading the CA certificate");
  return certificate;
}

}  // namespace

TestCa make_test_ca() {
  auto key = generate_private_key(KeyType::ec256);
  if (!key) throw std::runtime_error("test CA: " + key.error().message);

  const auto now = std::chrono::system_clock::now();
  X509Handle certificate = new_certificate("certplan test CA", now - std::chrono::hours(24),
                                           now + std::chrono::hours(24 * 3650), key.value(),
                                           nullptr);
  add_extension(certificate.get(), certificate.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(certificate.get(), certificate.get(), NID_key_usage,
                "critical,keyCertSign,cRLSign");
  check(X509_sign(certificate.get(), evp_of(key.value()), EVP_sha256()), "signing the CA");

  return TestCa{std::move(key.value()), to_pem(certificate.get())};
}

std::string issue_test_certificate(const TestCa& ca, const std::vector<std::string>& names,
                                   TimePoint not_before, TimePoint not_after,
                                   const PrivateKey& key) {
  X509Handle issuer = from_pem(ca.certificate_pem);
  X509Handle leaf = leaf_certificate(names, not_before, not_after, key, issuer.get());
  check(X509_sign(leaf.get(), evp_of(ca.key), EVP_sha256()), "signing the leaf");
  return to_pem(leaf.get()) + ca.certificate_pem;
}

std::string self_signed_certificate(const std::vector<std::string>& names, TimePoint not_before,
                                    TimePoint not_after, const PrivateKey& key) {
  X509Handle leaf = leaf_certificate(names, not_before, not_after, key, nullptr);
  check(X509_sign(leaf.get(), evp_of(key), EVP_sha256()), "signing the leaf");
  return to_pem(leaf.get());
}

}  // namespace certplan::testing
