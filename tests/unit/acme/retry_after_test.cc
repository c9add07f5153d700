#include "providers/acme/retry_after.h"

#include <boost/test/unit_test.hpp>

#include "providers/acme/backoff.h"

namespace certplan {
namespace {

// 1994-11-06 08:49:37 UTC, the date of the RFC 9110 example.
const std::chrono::system_clock::time_point kExampleDate =
    std::chrono::system_clock::from_time_t(784111777);

BOOST_AUTO_TEST_CASE(retry_after_seconds) {
  BOOST_TEST(parse_retry_after("120", kExampleDate).value().count() == 120);
  BOOST_TEST(parse_retry_after(" 0 ", kExampleDate).value().count() == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_http_date) {
  const auto later = kExampleDate - std::chrono::seconds(90);
  BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later).value().count() == 90);
}

BOOST_AUTO_TEST_CASE(retry_after_rounds_fraction_up) {
  const auto later = kExampleDate - std::chrono::milliseconds(1500);
  BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", later).value().count() == 2);
}

BOOST_AUTO_TEST_CASE(retry_after_past_date_is_zero) {
  const auto now = kExampleDate + std::chrono::hours(1);
  BOOST_TEST(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now).value().count() == 0);
}

BOOST_AUTO_TEST_CASE(retry_after_rejects_garbage) {
  BOOST_TEST(!parse_retry_after("", kExampleDate).has_value());
  BOOST_TEST(!parse_retry_after("-5", kExampleDate).has_value());
  BOOST_TEST(!parse_retry_after("12s", kExampleDate).has_value());
  BOOST_TEST(!parse_retry_after("tomorrow", kExampleDate).has_value());
  BOOST_TEST(!parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT trailing", kExampleDate).has_value());
}

BOOST_AUTO_TEST_CASE(backoff_grows_to_maximum) {
  Backoff backoff;
  const long expected[] = {50, 75, 112, 168, 252, 378, 567, 850, 1275, 1912, 2000, 2000};
  for (const long milliseconds : expected) {
    BOOST_TEST(backoff.next(std::nullopt).count() == milliseconds);
  }
}

BOOST_AUTO_TEST_CASE(backoff_prefers_retry_after) {
  Backoff backoff;
  BOOST_TEST(backoff.next(std::chrono::seconds(3)).count() == 3000);
  BOOST_TEST(backoff.next(std::nullopt).count() == 50);
}

BOOST_AUTO_TEST_CASE(sleep_past_deadline_times_out) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  auto slept = sleep_before_deadline(std::chrono::seconds(5), deadline, "order https://127.0.0.1/o/1");
  BOOST_REQUIRE(slept.has_error());
  BOOST_TEST(static_cast<int>(slept.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_TEST(slept.error().message ==
             "order https://127.0.0.1/o/1 did not finish before the ACME timeout (the next wait would "
             "be 5000 ms); raise the timeout or retry later");
}

BOOST_AUTO_TEST_CASE(sleep_within_deadline_succeeds) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  BOOST_TEST(!sleep_before_deadline(std::chrono::milliseconds(1), deadline, "x").has_error());
}

}  // namespace
}  // namespace certplan
