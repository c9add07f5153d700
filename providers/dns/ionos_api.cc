#include "providers/dns/ionos_api.h"

#include <nlohmann/json.hpp>

namespace certplan {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxQuotedBody = 200;

Result<Json> parse_json(std::string_view body, std::string_view what) {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return make_error(ErrorKind::invalid,
                      "IONOS returned a body that is not JSON for " + std::string(what));
  }
  return parsed;
}

std::string string_field(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

Result<IonosRecord> parse_record(const Json& entry, std::string_view what) {
  if (!entry.is_object()) {
    return make_error(ErrorKind::invalid, "IONOS returned a record that is not a JSON object in " +
                                              std::string(what));
  }

  IonosRecord record;
  record.id = string_field(entry, "id");
  record.name = string_field(entry, "name");
  record.type = string_field(entry, "type");
  record.content = string_field(entry, "content");
  const auto ttl = entry.find("ttl");
  if (ttl != entry.end() && ttl->is_number_integer()) record.ttl = ttl->get<int>();

  if (record.id.empty() || record.name.empty()) {
    return make_error(ErrorKind::invalid,
                      "IONOS returned a record without \"id\" or \"name\" in " + std::string(what));
  }
  return record;
}

Result<std::vector<IonosRecord>> parse_record_array(const Json& array, std::string_view what) {
  if (!array.is_array()) {
    return make_error(ErrorKind::invalid,
                      "IONOS returned no JSON array of records in " + std::string(what));
  }

  std::vector<IonosRecord> records;
  for (const Json& entry : array) {
    auto record = parse_record(entry, what);
    if (!record) return record.error();
    records.push_back(std::move(record.value()));
  }
  return records;
}

std::string describe_error_entry(const Json& entry) {
  const std::string code = string_field(entry, "code");
  const std::string message = string_field(entry, "message");
  if (code.empty()) return message;
  if (message.empty()) return code;
  return code + ": " + message;
}

std::string quote_body(std::string_view body) {
  if (body.empty()) return "(empty body)";
  std::string quoted = "\"" + std::string(body.substr(0, kMaxQuotedBody));
  if (body.size() > kMaxQuotedBody) quoted += "...";
  return quoted + "\"";
}

}  // namespace

Result<std::vector<IonosZone>> parse_ionos_zones(std::string_view body) {
  constexpr std::string_view what = "the zone list";
  auto parsed = parse_json(body, what);
  if (!parsed) return parsed.error();
  if (!parsed.value().is_array()) {
    return make_error(ErrorKind::invalid, "IONOS returned no JSON array for the zone list");
  }

  std::vector<IonosZone> zones;
  for (const Json& entry : parsed.value()) {
    IonosZone zone;
    if (entry.is_object()) {
      zone.id = string_field(entry, "id");
      zone.name = string_field(entry, "name");
    }
    if (zone.id.empty() || zone.name.empty()) {
      return make_error(ErrorKind::invalid,
                        "IONOS returned a zone without \"id\" or \"name\" in the zone list");
    }
    zones.push_back(std::move(zone));
  }
  return zones;
}

Result<std::vector<IonosRecord>> parse_ionos_zone_records(std::string_view body) {
  constexpr std::string_view what = "the zone records";
  auto parsed = parse_json(body, what);
  if (!parsed) return parsed.error();

  const Json& zone = parsed.value();
  if (!zone.is_object()) {
    return make_error(ErrorKind::invalid, "IONOS returned no JSON object for the zone records");
  }
  const auto records = zone.find("records");
  if (records == zone.end()) return std::vector<IonosRecord>{};
  return parse_record_array(*records, what);
}

Result<std::vector<IonosRecord>> parse_ionos_created_records(std::string_view body) {
  constexpr std::string_view what = "the created records";
  auto parsed = parse_json(body, what);
  if (!parsed) return parsed.error();
  return parse_record_array(parsed.value(), what);
}

std::string describe_ionos_error(int status, std::string_view body) {
  const std::string prefix = std::to_string(status) + " ";
  const Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);

  std::string details;
  if (parsed.is_array()) {
    for (const Json& entry : parsed) {
      if (!entry.is_object()) continue;
      const std::string text = describe_error_entry(entry);
      if (text.empty()) continue;
      if (!details.empty()) details += "; ";
      details += text;
    }
  } else if (parsed.is_object()) {
    details = describe_error_entry(parsed);
  }

  if (details.empty()) return prefix + quote_body(body);
  return prefix + details;
}

std::string build_ionos_txt_body(const std::string& fqdn, const std::string& value,
                                 int ttl_seconds) {
  const Json record = {
      {"name", fqdn}, {"type", "TXT"}, {"content", value},
      {"ttl", ttl_seconds}, {"prio", 0}, {"disabled", false},
  };
  return Json::array({record}).dump();
}

std::string unquote_txt_content(std::string_view content) {
  if (content.size() < 2 || content.front() != '"' || content.back() != '"') {
    return std::string(content);
  }

  // Reads "..." strings separated by spaces; a backslash escapes the next byte.
  std::string joined;
  std::size_t i = 0;
  while (i < content.size()) {
    if (content[i] == ' ') {
      ++i;
      continue;
    }
    if (content[i] != '"') return std::string(content);

    ++i;
    while (i < content.size() && content[i] != '"') {
      if (content[i] == '\\' && i + 1 < content.size()) ++i;
      joined += content[i];
      ++i;
    }
    if (i == content.size()) return std::string(content);
    ++i;
  }
  return joined;
}

bool txt_content_matches(std::string_view content, std::string_view value) {
  return content == value || unquote_txt_content(content) == value;
}

}  // namespace certplan
