#pragma once

// Checks on a sandbox host after a fault test's apply, shared by the fault
// suites. Header-only because they use Boost.Test's macros, which only the
// test executables link.

#include <boost/test/unit_test.hpp>

#include <string>

#include "tests/e2e/support/fault_tools.h"
#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {

// Host `i` serves what it served before, holds byte-identical files for
// `domain`, and has neither a lock nor a journal left.
inline void check_host_unchanged(const Sandbox& sandbox, int i, const std::string& domain,
                                 const HostSnapshot& before) {
  BOOST_TEST_CONTEXT("host " << sandbox.host(i).name) {
    const HostSnapshot after = snapshot_host(sandbox, i, domain);
    BOOST_TEST(after.served == before.served);
    BOOST_TEST(after.files.chain == before.files.chain);
    BOOST_TEST(after.files.key == before.files.key);
    BOOST_TEST(!after.locked);
    BOOST_TEST(!after.journalled);
  }
}

// Host `i` serves the store's certificate for `domain` and holds it and its
// key in its files, with neither a lock nor a journal left.
inline void check_host_applied(const Sandbox& sandbox, int i, const std::string& domain) {
  BOOST_TEST_CONTEXT("host " << sandbox.host(i).name) {
    const HostFiles issued = store_files(sandbox, domain);
    const HostSnapshot after = snapshot_host(sandbox, i, domain);
    BOOST_TEST(after.served == pem_leaf_fingerprint(issued.chain));
    BOOST_TEST(after.files.chain == issued.chain);
    BOOST_TEST(after.files.key == issued.key);
    BOOST_TEST(!after.locked);
    BOOST_TEST(!after.journalled);
  }
}

}  // namespace certplan::e2e
