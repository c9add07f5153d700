#pragma once

// Expected failures of the outside world (a refused connection, a timeout, a
// CA that rejects an order) travel as values of Result<T>. Broken input and
// programming errors throw instead, and main() maps them to exit codes.

#include <string>
#include <string_view>
#include <utility>

#include <boost/outcome/result.hpp>

namespace certplan {

enum class ErrorKind {
  failed,       // an operation ran and did not succeed
  invalid,      // data from outside could not be parsed or is inconsistent
  not_found,    // a file, record, zone or resource does not exist
  unreachable,  // a host or service could not be connected to
  rejected,     // the peer refused: authentication, host key, permission
  timed_out,    // no answer within the time limit
  locked,       // another run holds the lock
};

struct Error {
  ErrorKind kind = ErrorKind::failed;
  std::string message;

  // Prefixes `context` ("webserver-01: ") so that the final message names
  // where the failure happened, outermost layer first.
  [[nodiscard]] Error with_context(std::string_view context) const {
    return Error{kind, std::string(context) + ": " + message};
  }
};

template <class T>
using Result = boost::outcome_v2::checked<T, Error>;

inline auto success() { return boost::outcome_v2::success(); }

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

}  // namespace certplan
