#pragma once

// The wire format of the IONOS hosted DNS API (/v1): parsing its JSON
// responses and building request bodies. No network access here, so every
// response shape can be unit tested.

#include <string>
#include <string_view>
#include <vector>

#include "state/result.h"

namespace certplan {

// One entry of GET /v1/zones.
struct IonosZone {
  std::string id;
  std::string name;  // as IONOS returns it
};

// One record of GET /v1/zones/{id} or of the 201 response of a POST.
struct IonosRecord {
  std::string id;
  std::string name;     // absolute, without trailing dot
  std::string type;     // "TXT", "A", ...
  std::string content;  // TXT content may be wrapped in literal double quotes
  int ttl = 0;
};

// Parses the body of GET /v1/zones (a JSON array). Fails with
// ErrorKind::invalid when it is not an array of objects with "id" and "name".
[[nodiscard]] Result<std::vector<IonosZone>> parse_ionos_zones(std::string_view body);

// Parses the records of GET /v1/zones/{id} (an object with "records").
[[nodiscard]] Result<std::vector<IonosRecord>> parse_ionos_zone_records(std::string_view body);

// Parses the 201 body of POST /v1/zones/{id}/records (a JSON array of records).
[[nodiscard]] Result<std::vector<IonosRecord>> parse_ionos_created_records(std::string_view body);

// Describes an error response as "<status> <CODE>: <message>", one
// "<CODE>: <message>" per entry of IONOS's error array, separated by "; ".
// Bodies that are not IONOS errors are quoted, cut to 200 bytes.
[[nodiscard]] std::string describe_ionos_error(int status, std::string_view body);

// Builds the body of POST /v1/zones/{id}/records for one TXT record.
[[nodiscard]] std::string build_ionos_txt_body(const std::string& fqdn, const std::string& value,
                                               int ttl_seconds);

// Removes the literal quotes IONOS wraps around TXT content. Content made of
// several quoted strings ("abc" "def") is joined, as DNS joins TXT strings.
// Content without quotes is returned as it is.
[[nodiscard]] std::string unquote_txt_content(std::string_view content);

// Tells whether TXT content from IONOS is `value`, with or without quotes.
[[nodiscard]] bool txt_content_matches(std::string_view content, std::string_view value);

}  // namespace certplan
