#include "engine/plan_json.h"

#include <charconv>

#include "engine/certificate_summary.h"
#include "engine/plan_time.h"

namespace certplan {

namespace {

using nlohmann::json;

json summary_to_json(const SharedSummary& summary) {
  if (!summary) return nullptr;
  return {
      {"fingerprint", summary->fingerprint},
      {"names", summary->names},
      {"not_after", summary->not_after ? json(format_rfc3339(*summary->not_after)) : json(nullptr)},
      {"key_type", summary->key_type ? json(std::string(key_type_name(*summary->key_type))) : json(nullptr)},
  };
}

json action_to_json(const Action& action) {
  return {
      {"id", action.id},
      {"kind", std::string(action_kind_name(action.kind))},
      {"domain", action.domain},
      {"server", action.server},
      {"depends_on", action.depends_on},
      {"reason", {{"code", std::string(reason_code_name(action.reason.code))}, {"message", action.reason.message}}},
      {"before", summary_to_json(action.before)},
      {"after", summary_to_json(action.after)},
      {"new_key", action.new_key},
  };
}

// Reads fields of one JSON object and names the field in every error, e.g.
// "actions[2].reason.code".
class FieldReader {
 public:
  FieldReader(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) fail(path_.empty() ? "the document" : quoted(path_), "must be a JSON object");
  }

  const json& get(const std::string& key, json::value_t type, std::string_view type_name) const {
    auto found = object_.find(key);
    if (found == object_.end()) fail(quoted(field(key)), "is missing");
    if (found->type() != type && !(type == json::value_t::number_integer && found->is_number_unsigned())) {
      fail(quoted(field(key)), "must be " + std::string(type_name));
    }
    return *found;
  }

  std::string string(const std::string& key) const {
    return get(key, json::value_t::string, "a string").get<std::string>();
  }

  bool boolean(const std::string& key) const { return get(key, json::value_t::boolean, "true or false").get<bool>(); }

  // The field of any type, null included.
  const json& present(const std::string& key) const {
    auto found = object_.find(key);
    if (found == object_.end()) fail(quoted(field(key)), "is missing");
    return *found;
  }

  const json& nullable_object(const std::string& key) const {
    const json& value = present(key);
    if (!value.is_null() && !value.is_object()) fail(quoted(field(key)), "must be an object or null");
    return value;
  }

  std::vector<std::string> strings(const std::string& key) const {
    const json& array = get(key, json::value_t::array, "an array of strings");
    std::vector<std::string> values;
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_string()) fail(quoted(field(key) + "[" + std::to_string(i) + "]"), "must be a string");
      values.push_back(array[i].get<std::string>());
    }
    return values;
  }

  TimePoint time(const std::string& key) const {
    std::string text = string(key);
    auto parsed = parse_rfc3339(text);
    if (!parsed) fail(quoted(field(key)), "must be an RFC 3339 time such as \"2027-01-02T00:00:00Z\", not \"" + text + "\"");
    return *parsed;
  }

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  [[noreturn]] static void fail(const std::string& what, const std::string& problem) {
    throw PlanFormatError("plan file: " + what + " " + problem);
  }

  static std::string quoted(const std::string& text) { return "\"" + text + "\""; }

 private:
  const json& object_;
  std::string path_;
};

std::pair<int, int> read_format_version(const FieldReader& reader) {
  std::string text = reader.string("format_version");
  int major = 0;
  int minor = 0;
  auto dot = text.find('.');
  bool parsed = dot != std::string::npos && dot > 0 && dot + 1 < text.size();
  if (parsed) {
    auto [major_end, major_error] = std::from_chars(text.data(), text.data() + dot, major);
    auto [minor_end, minor_error] = std::from_chars(text.data() + dot + 1, text.data() + text.size(), minor);
    parsed = major_error == std::errc() && minor_error == std::errc() && major_end == text.data() + dot &&
             minor_end == text.data() + text.size();
  }
  if (!parsed) {
    FieldReader::fail("\"format_version\"", "must look like \"1.0\", not \"" + text + "\"");
  }
  if (major > kPlanFormatMajor) {
    throw PlanFormatError("plan file format " + text + " is newer than this certplan understands (" +
                          std::to_string(kPlanFormatMajor) + ".x); upgrade certplan");
  }
  if (major < kPlanFormatMajor) {
    throw PlanFormatError("plan file format " + text + " is older than this certplan understands (" +
                          std::to_string(kPlanFormatMajor) + ".x); run `certplan plan -o FILE` again");
  }
  return {major, minor};
}

SharedSummary summary_from_json(const json& value, const std::string& path) {
  if (value.is_null()) return nullptr;
  FieldReader reader(value, path);

  CertificateSummary summary;
  summary.fingerprint = reader.string("fingerprint");
  summary.names = reader.strings("names");
  if (!reader.present("not_after").is_null()) summary.not_after = reader.time("not_after");

  if (!reader.present("key_type").is_null()) {
    std::string label = reader.string("key_type");
    summary.key_type = parse_key_type(label);
    if (!summary.key_type) {
      FieldReader::fail("\"" + reader.field("key_type") + "\"",
                        "has unknown value \"" + label + "\"; expected ec-256, ec-384, rsa-2048, rsa-3072 or rsa-4096");
    }
  }
  return share_summary(std::move(summary));
}

Action action_from_json(const json& value, const std::string& path) {
  FieldReader reader(value, path);

  Action action;
  action.id = reader.string("id");
  std::string kind = reader.string("kind");
  auto parsed_kind = parse_action_kind(kind);
  if (!parsed_kind) {
    FieldReader::fail("\"" + reader.field("kind") + "\"",
                      "has unknown value \"" + kind + "\"; expected issue, deploy, reload or verify");
  }
  action.kind = *parsed_kind;
  action.domain = reader.string("domain");
  action.server = reader.string("server");
  action.depends_on = reader.strings("depends_on");

  FieldReader reason(reader.get("reason", json::value_t::object, "an object"), reader.field("reason"));
  std::string code = reason.string("code");
  auto parsed_code = parse_reason_code(code);
  if (!parsed_code) FieldReader::fail("\"" + reason.field("code") + "\"", "has unknown value \"" + code + "\"");
  action.reason = Reason{*parsed_code, reason.string("message")};

  action.before = summary_from_json(reader.nullable_object("before"), reader.field("before"));
  action.after = summary_from_json(reader.nullable_object("after"), reader.field("after"));
  action.new_key = reader.boolean("new_key");
  return action;
}

}  // namespace

json plan_to_json(const Plan& plan) {
  json actions = json::array();
  for (const auto& action : plan.actions) actions.push_back(action_to_json(action));

  return {
      {"format_version", std::to_string(kPlanFormatMajor) + "." + std::to_string(kPlanFormatMinor)},
      {"created_at", format_rfc3339(plan.created_at)},
      {"config_digest", plan.config_digest},
      {"store_digest", plan.store_digest},
      {"host_digests", plan.host_digests},
      {"scope", {{"domains", plan.scope_domains}, {"servers", plan.scope_servers}}},
      {"warnings", plan.warnings},
      {"actions", actions},
  };
}

Plan plan_from_json(const json& document) {
  FieldReader reader(document, "");

  Plan plan;
  std::tie(plan.format_major, plan.format_minor) = read_format_version(reader);
  plan.created_at = reader.time("created_at");
  plan.config_digest = reader.string("config_digest");
  plan.store_digest = reader.string("store_digest");

  const json& digests = reader.get("host_digests", json::value_t::object, "an object");
  for (const auto& [server, digest] : digests.items()) {
    if (!digest.is_string()) FieldReader::fail("\"host_digests." + server + "\"", "must be a string");
    plan.host_digests[server] = digest.get<std::string>();
  }

  FieldReader scope(reader.get("scope", json::value_t::object, "an object"), "scope");
  plan.scope_domains = scope.strings("domains");
  plan.scope_servers = scope.strings("servers");
  plan.warnings = reader.strings("warnings");

  const json& actions = reader.get("actions", json::value_t::array, "an array");
  for (std::size_t i = 0; i < actions.size(); ++i) {
    plan.actions.push_back(action_from_json(actions[i], "actions[" + std::to_string(i) + "]"));
  }
  return plan;
}

}  // namespace certplan
