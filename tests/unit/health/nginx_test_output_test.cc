// The outputs below were printed by nginx 1.22 (Debian 12, nginx-light) for
// `nginx -p PREFIX -c conf/nginx.conf -t` on small test configurations.

#include <boost/test/unit_test.hpp>

#include "providers/nginx/nginx_test_output.h"

namespace certplan {

BOOST_AUTO_TEST_CASE(successful_test) {
  const auto result = parse_nginx_test_output(
      0,
      "nginx: the configuration file /tmp/p/conf/nginx.conf syntax is ok\n"
      "nginx: configuration file /tmp/p/conf/nginx.conf test is successful\n");

  BOOST_TEST(result.ok);
  BOOST_TEST(result.messages.empty());
  BOOST_TEST(result.summary == "nginx configuration test is successful");
}

BOOST_AUTO_TEST_CASE(unknown_directive_with_location) {
  const auto result = parse_nginx_test_output(
      1,
      "2026/12/04 21:38:20 [emerg] 9328#9328: unknown directive \"bogus_directive\" in "
      "/tmp/p/conf/nginx.conf:11\n"
      "nginx: configuration file /tmp/p/conf/nginx.conf test failed\n");

  BOOST_TEST(!result.ok);
  BOOST_TEST_REQUIRE(result.messages.size() == 1U);
  BOOST_TEST(result.messages[0].level == "emerg");
  BOOST_TEST(result.messages[0].text == "unknown directive \"bogus_directive\"");
  BOOST_TEST(result.messages[0].file == "/tmp/p/conf/nginx.conf");
  BOOST_TEST(result.messages[0].line == 11);
  BOOST_TEST(result.summary ==
             "nginx configuration test failed: unknown directive \"bogus_directive\" in "
             "/tmp/p/conf/nginx.conf:11");
}

BOOST_AUTO_TEST_CASE(missing_certificate_without_location) {
  const auto result = parse_nginx_test_output(
      1,
      "2026/12/04 21:38:20 [emerg] 9330#9330: cannot load certificate \"/nonexistent/x.pem\": "
      "BIO_new_file() failed (SSL: error:80000002:system library::No such file or "
      "directory:calling fopen(/nonexistent/x.pem, r) error:10000080:BIO routines::no such "
      "file)\n"
      "nginx: configuration file /tmp/p/conf/nginx.conf test failed\n");

  BOOST_TEST(!result.ok);
  BOOST_TEST_REQUIRE(result.messages.size() == 1U);
  BOOST_TEST(result.messages[0].file == "");
  BOOST_TEST(result.messages[0].line == 0);
  BOOST_TEST(result.summary ==
             "nginx configuration test failed: cannot load certificate \"/nonexistent/x.pem\": "
             "BIO_new_file() failed (SSL: error:80000002:system library::No such file or "
             "directory:calling fopen(/nonexistent/x.pem, r) error:10000080:BIO routines::no "
             "such file)");
}

BOOST_AUTO_TEST_CASE(warning_does_not_fail) {
  const auto result = parse_nginx_test_output(
      0,
      "2026/12/04 21:38:20 [warn] 9334#9334: conflicting server name \"a\" on 127.0.0.1:1, "
      "ignored\n"
      "nginx: the configuration file /tmp/p/conf/nginx.conf syntax is ok\n"
      "nginx: configuration file /tmp/p/conf/nginx.conf test is successful\n");

  BOOST_TEST(result.ok);
  BOOST_TEST_REQUIRE(result.messages.size() == 1U);
  BOOST_TEST(result.messages[0].level == "warn");
  BOOST_TEST(result.messages[0].text == "conflicting server name \"a\" on 127.0.0.1:1, ignored");
  BOOST_TEST(result.summary ==
             "nginx configuration test is successful, with 1 warning: conflicting server name "
             "\"a\" on 127.0.0.1:1, ignored");
}

BOOST_AUTO_TEST_CASE(stderr_form_before_error_log) {
  const auto result = parse_nginx_test_output(
      1,
      "nginx: [alert] could not open error log file: open() \"/var/log/nginx/error.log\" failed "
      "(13: Permission denied)\n"
      "2026/12/04 21:38:23 [emerg] 9396#9396: open() \"/tmp/p/conf/nginx.conf\" failed (13: "
      "Permission denied)\n"
      "nginx: configuration file /tmp/p/conf/nginx.conf test failed\n");

  BOOST_TEST(!result.ok);
  BOOST_TEST_REQUIRE(result.messages.size() == 2U);
  BOOST_TEST(result.messages[0].level == "alert");
  BOOST_TEST(result.messages[0].text ==
             "could not open error log file: open() \"/var/log/nginx/error.log\" failed (13: "
             "Permission denied)");
  BOOST_TEST(result.messages[1].level == "emerg");
  BOOST_TEST(result.summary ==
             "nginx configuration test failed: could not open error log file: open() "
             "\"/var/log/nginx/error.log\" failed (13: Permission denied)");
}

BOOST_AUTO_TEST_CASE(exit_zero_without_success_line) {
  const auto result = parse_nginx_test_output(0, "something else\n");

  BOOST_TEST(!result.ok);
  BOOST_TEST(result.summary ==
             "nginx configuration test exited with status 0 but did not report \"test is "
             "successful\": something else");
}

BOOST_AUTO_TEST_CASE(failure_without_messages) {
  const auto result = parse_nginx_test_output(1, "sudo: a password is required\n");

  BOOST_TEST(!result.ok);
  BOOST_TEST(result.messages.empty());
  BOOST_TEST(result.summary ==
             "nginx configuration test failed with exit status 1: sudo: a password is required");
}

BOOST_AUTO_TEST_CASE(success_line_with_nonzero_exit) {
  const auto result = parse_nginx_test_output(
      2, "nginx: configuration file /tmp/p/conf/nginx.conf test is successful\n");

  BOOST_TEST(!result.ok);
  BOOST_TEST(result.summary ==
             "nginx configuration test failed with exit status 2: nginx: configuration file "
             "/tmp/p/conf/nginx.conf test is successful");
}

}  // namespace certplan
