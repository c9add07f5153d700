#pragma once

// A TLS client for the end-to-end tests, written directly against OpenSSL
// and independent of certplan's own health check, so the tests observe what
// nginx serves without trusting the code under test.

#include <string>

namespace certplan::e2e {

// Connects to `address` (an IPv4 loopback address, 127.0.0.0/8) on `port`,
// sends `server_name` as SNI, and returns the SHA-256 fingerprint of the
// leaf certificate the server presents, as lowercase colon-separated hex.
// The chain is not verified. Throws std::runtime_error on any failure.
std::string fetch_leaf_fingerprint(const std::string& address, int port,
                                   const std::string& server_name);

// Computes the SHA-256 fingerprint, in the same form, of the first
// certificate in `pem` (a leaf followed by its chain, for example).
// Throws std::runtime_error when `pem` contains no certificate.
std::string pem_leaf_fingerprint(const std::string& pem);

}  // namespace certplan::e2e
