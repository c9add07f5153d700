#include <boost/test/unit_test.hpp>

#include <optional>
#include <string>

#include "state/utf8.h"

using certplan::describe_invalid_utf8;
using certplan::find_invalid_utf8;

BOOST_AUTO_TEST_CASE(ascii_and_multibyte_text_is_valid) {
  BOOST_TEST(!find_invalid_utf8("example.com").has_value());
  BOOST_TEST(!find_invalid_utf8("b\xC3\xBC" "cher.example").has_value());  // ü
  BOOST_TEST(!find_invalid_utf8("\xE2\x82\xAC").has_value());              // €
  BOOST_TEST(!find_invalid_utf8("\xF0\x9F\x94\x92").has_value());          // lock emoji
  BOOST_TEST(!find_invalid_utf8("").has_value());
}

BOOST_AUTO_TEST_CASE(stray_and_truncated_bytes_are_found) {
  BOOST_TEST(find_invalid_utf8("ab\xFF").value() == 2u);
  BOOST_TEST(find_invalid_utf8("\x80").value() == 0u);
  BOOST_TEST(find_invalid_utf8("x\xC3").value() == 1u);          // sequence cut short
  BOOST_TEST(find_invalid_utf8("\xE2\x82" "a").value() == 0u);   // bad continuation
}

BOOST_AUTO_TEST_CASE(overlong_surrogate_and_out_of_range_forms_are_found) {
  BOOST_TEST(find_invalid_utf8("\xC0\xAF").value() == 0u);          // overlong '/'
  BOOST_TEST(find_invalid_utf8("\xE0\x80\xAF").value() == 0u);      // overlong '/'
  BOOST_TEST(find_invalid_utf8("\xED\xA0\x80").value() == 0u);      // surrogate U+D800
  BOOST_TEST(find_invalid_utf8("\xF4\x90\x80\x80").value() == 0u);  // above U+10FFFF
}

BOOST_AUTO_TEST_CASE(description_names_byte_and_offset) {
  BOOST_TEST(describe_invalid_utf8("ab\xFF", 2) == "byte 0xFF at offset 2");
}
