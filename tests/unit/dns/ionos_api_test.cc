#include "providers/dns/ionos_api.h"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

namespace certplan {
namespace {

BOOST_AUTO_TEST_CASE(zones_parse_in_any_key_order) {
  auto zones = parse_ionos_zones(
      R"([{"name": "example.com", "id": "11af3414-ebba-11e9-8df5-66fbe8a334b4", "type": "NATIVE"},
          {"type": "NATIVE", "id": "22bf", "name": "dev.example.com"}])");
  BOOST_REQUIRE(zones.has_value());
  BOOST_REQUIRE(zones.value().size() == 2U);
  BOOST_TEST(zones.value()[0].id == "11af3414-ebba-11e9-8df5-66fbe8a334b4");
  BOOST_TEST(zones.value()[0].name == "example.com");
  BOOST_TEST(zones.value()[1].id == "22bf");
  BOOST_TEST(zones.value()[1].name == "dev.example.com");
}

BOOST_AUTO_TEST_CASE(zones_empty_array) {
  auto zones = parse_ionos_zones("[]");
  BOOST_REQUIRE(zones.has_value());
  BOOST_TEST(zones.value().empty());
}

BOOST_AUTO_TEST_CASE(zones_reject_bad_shapes) {
  auto not_json = parse_ionos_zones("<html>bad gateway</html>");
  BOOST_REQUIRE(!not_json.has_value());
  BOOST_TEST(static_cast<int>(not_json.error().kind) == static_cast<int>(ErrorKind::invalid));
  BOOST_TEST(not_json.error().message == "IONOS returned a body that is not JSON for the zone list");

  auto object = parse_ionos_zones(R"({"name": "example.com"})");
  BOOST_REQUIRE(!object.has_value());
  BOOST_TEST(object.error().message == "IONOS returned no JSON array for the zone list");

  auto no_id = parse_ionos_zones(R"([{"name": "example.com"}])");
  BOOST_REQUIRE(!no_id.has_value());
  BOOST_TEST(no_id.error().message ==
             "IONOS returned a zone without \"id\" or \"name\" in the zone list");

  auto number_entry = parse_ionos_zones("[1]");
  BOOST_REQUIRE(!number_entry.has_value());
  BOOST_TEST(number_entry.error().message ==
             "IONOS returned a zone without \"id\" or \"name\" in the zone list");
}

BOOST_AUTO_TEST_CASE(zone_records_parse) {
  auto records = parse_ionos_zone_records(R"({
      "records": [
        {"ttl": 60, "content": "\"tok-1\"", "type": "TXT", "rootName": "example.com",
         "name": "_acme-challenge.example.com", "id": "r1", "changeDate": "2026-01-01T00:00:00Z",
         "prio": 0, "disabled": false},
        {"id": "r2", "name": "example.com", "type": "A", "content": "127.0.0.1", "ttl": 3600}
      ],
      "id": "z1", "name": "example.com", "type": "NATIVE"})");
  BOOST_REQUIRE(records.has_value());
  BOOST_REQUIRE(records.value().size() == 2U);
  BOOST_TEST(records.value()[0].id == "r1");
  BOOST_TEST(records.value()[0].name == "_acme-challenge.example.com");
  BOOST_TEST(records.value()[0].type == "TXT");
  BOOST_TEST(records.value()[0].content == "\"tok-1\"");
  BOOST_TEST(records.value()[0].ttl == 60);
  BOOST_TEST(records.value()[1].id == "r2");
  BOOST_TEST(records.value()[1].type == "A");
  BOOST_TEST(records.value()[1].ttl == 3600);
}

BOOST_AUTO_TEST_CASE(zone_without_records_field) {
  auto records = parse_ionos_zone_records(R"({"id": "z1", "name": "example.com"})");
  BOOST_REQUIRE(records.has_value());
  BOOST_TEST(records.value().empty());
}

BOOST_AUTO_TEST_CASE(zone_records_reject_bad_shapes) {
  auto array = parse_ionos_zone_records("[]");
  BOOST_REQUIRE(!array.has_value());
  BOOST_TEST(array.error().message == "IONOS returned no JSON object for the zone records");

  auto records_object = parse_ionos_zone_records(R"({"records": {}})");
  BOOST_REQUIRE(!records_object.has_value());
  BOOST_TEST(records_object.error().message ==
             "IONOS returned no JSON array of records in the zone records");

  auto no_id = parse_ionos_zone_records(R"({"records": [{"name": "a.example.com"}]})");
  BOOST_REQUIRE(!no_id.has_value());
  BOOST_TEST(no_id.error().message ==
             "IONOS returned a record without \"id\" or \"name\" in the zone records");

  auto string_record = parse_ionos_zone_records(R"({"records": ["r1"]})");
  BOOST_REQUIRE(!string_record.has_value());
  BOOST_TEST(string_record.error().message ==
             "IONOS returned a record that is not a JSON object in the zone records");
}

BOOST_AUTO_TEST_CASE(created_records_parse) {
  auto created = parse_ionos_created_records(
      R"([{"id": "c1", "name": "_acme-challenge.example.com", "rootName": "example.com",
           "type": "TXT", "content": "\"v\"", "ttl": 60, "prio": 0, "disabled": false}])");
  BOOST_REQUIRE(created.has_value());
  BOOST_REQUIRE(created.value().size() == 1U);
  BOOST_TEST(created.value()[0].id == "c1");
  BOOST_TEST(created.value()[0].content == "\"v\"");

  auto object = parse_ionos_created_records(R"({"id": "c1"})");
  BOOST_REQUIRE(!object.has_value());
  BOOST_TEST(object.error().message ==
             "IONOS returned no JSON array of records in the created records");

  auto empty = parse_ionos_created_records("");
  BOOST_REQUIRE(!empty.has_value());
  BOOST_TEST(empty.error().message ==
             "IONOS returned a body that is not JSON for the created records");
}

BOOST_AUTO_TEST_CASE(error_array_with_code_and_message) {
  BOOST_TEST(describe_ionos_error(
                 400, R"([{"code": "INVALID_RECORD", "message": "ttl must be at least 60"}])") ==
             "400 INVALID_RECORD: ttl must be at least 60");
  BOOST_TEST(describe_ionos_error(
                 401, R"([{"message": "key not valid", "code": "UNAUTHORIZED"}])") ==
             "401 UNAUTHORIZED: key not valid");
}

BOOST_AUTO_TEST_CASE(error_array_with_parameters_and_several_entries) {
  const std::string body =
      R"([{"code": "INVALID_RECORD", "message": "name outside zone", "parameters": {"field": "name"}},
          {"code": "INVALID_REQUEST", "message": "ttl too low"}])";
  BOOST_TEST(describe_ionos_error(400, body) ==
             "400 INVALID_RECORD: name outside zone; INVALID_REQUEST: ttl too low");
}

BOOST_AUTO_TEST_CASE(error_single_object_and_partial_entries) {
  BOOST_TEST(describe_ionos_error(404, R"({"code": "RECORD_NOT_FOUND", "message": "gone"})") ==
             "404 RECORD_NOT_FOUND: gone");
  BOOST_TEST(describe_ionos_error(500, R"([{"code": "INTERNAL_SERVER_ERROR"}])") ==
             "500 INTERNAL_SERVER_ERROR");
  BOOST_TEST(describe_ionos_error(400, R"([{"message": "only a message"}])") ==
             "400 only a message");
}

BOOST_AUTO_TEST_CASE(error_body_not_from_ionos) {
  BOOST_TEST(describe_ionos_error(502, "<html>Bad Gateway</html>") ==
             "502 \"<html>Bad Gateway</html>\"");
  BOOST_TEST(describe_ionos_error(503, "") == "503 (empty body)");
  BOOST_TEST(describe_ionos_error(400, "[]") == "400 \"[]\"");
  const std::string long_body(250, 'x');
  BOOST_TEST(describe_ionos_error(500, long_body) == "500 \"" + std::string(200, 'x') + "...\"");
}

BOOST_AUTO_TEST_CASE(txt_body_is_one_record_array) {
  const auto body = nlohmann::json::parse(
      build_ionos_txt_body("_acme-challenge.www.example.com", "tok\"en", 60));
  const auto expected = nlohmann::json::parse(R"([{
      "name": "_acme-challenge.www.example.com", "type": "TXT", "content": "tok\"en",
      "ttl": 60, "prio": 0, "disabled": false}])");
  BOOST_TEST(body == expected);
}

BOOST_AUTO_TEST_CASE(unquote_txt_content_forms) {
  BOOST_TEST(unquote_txt_content("\"token\"") == "token");
  BOOST_TEST(unquote_txt_content("token") == "token");
  BOOST_TEST(unquote_txt_content("\"abc\" \"def\"") == "abcdef");
  BOOST_TEST(unquote_txt_content(R"("a\"b")") == "a\"b");
  BOOST_TEST(unquote_txt_content("\"\"") == "");
  BOOST_TEST(unquote_txt_content("\"abc\" def\"") == "\"abc\" def\"");
  BOOST_TEST(unquote_txt_content("\"") == "\"");
}

BOOST_AUTO_TEST_CASE(txt_content_matches_quoted_and_plain) {
  BOOST_TEST(txt_content_matches("\"tok-1\"", "tok-1"));
  BOOST_TEST(txt_content_matches("tok-1", "tok-1"));
  BOOST_TEST(!txt_content_matches("\"tok-1\"", "tok-2"));
  BOOST_TEST(!txt_content_matches("tok-10", "tok-1"));
  BOOST_TEST(!txt_content_matches("\"tok-1", "tok-1"));
}

}  // namespace
}  // namespace certplan
