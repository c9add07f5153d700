#include <boost/test/unit_test.hpp>

#include "state/certificate_interner.h"

using namespace certplan;

namespace {

CertificateFacts facts(const std::string& fingerprint, int chain_length) {
  CertificateFacts result;
  result.subject = "CN=example.com";
  result.names = {"example.com"};
  result.fingerprint = fingerprint;
  result.chain_length = chain_length;
  return result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_certificate_is_kept_once) {
  CertificateInterner interner;

  const SharedFacts first = interner.intern(facts("3f:2a", 2));
  const SharedFacts second = interner.intern(facts("3f:2a", 2));

  BOOST_TEST(first.get() == second.get());
  BOOST_TEST(first->subject == "CN=example.com");
  BOOST_TEST(interner.size() == 1u);
}

BOOST_AUTO_TEST_CASE(other_certificates_get_their_own_copy) {
  CertificateInterner interner;

  const SharedFacts first = interner.intern(facts("3f:2a", 2));
  const SharedFacts other = interner.intern(facts("9c:11", 2));

  BOOST_TEST(first.get() != other.get());
  BOOST_TEST(other->fingerprint == "9c:11");
  BOOST_TEST(interner.size() == 2u);
}

BOOST_AUTO_TEST_CASE(the_same_leaf_with_another_chain_is_kept_apart) {
  // A file with the leaf alone and one with the leaf and its intermediate
  // have different facts: their chain_length differs.
  CertificateInterner interner;

  const SharedFacts full = interner.intern(facts("3f:2a", 2));
  const SharedFacts leaf_only = interner.intern(facts("3f:2a", 1));

  BOOST_TEST(full.get() != leaf_only.get());
  BOOST_TEST(full->chain_length == 2);
  BOOST_TEST(leaf_only->chain_length == 1);
}

BOOST_AUTO_TEST_CASE(shared_facts_outlive_the_interner) {
  SharedFacts shared;
  {
    CertificateInterner interner;
    shared = interner.intern(facts("3f:2a", 2));
  }
  BOOST_TEST(shared->fingerprint == "3f:2a");
}
