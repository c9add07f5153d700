#include "state/config_yaml.h"
#include "state/utf8.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace certplan {

namespace {

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of two neighbouring characters each cost one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;

  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string text;
  for (const auto& item : items) {
    if (!text.empty()) text += separator;
    text += item;
  }
  return text;
}

// YAML keys a user might try for a certplan secret, and the variable that
// provides each secret.
const std::map<std::string, std::string, std::less<>> known_secret_keys = {
    {"ionos_api_key", "IONOS_API_KEY"},
    {"api_key", "IONOS_API_KEY"},
    {"acme_eab_hmac_key", "ACME_EAB_HMAC_KEY"},
    {"eab_hmac_key", "ACME_EAB_HMAC_KEY"},
    {"rfc2136_tsig_secret", "RFC2136_TSIG_SECRET"},
    {"tsig_secret", "RFC2136_TSIG_SECRET"},
};

constexpr std::array<std::string_view, 5> secret_words = {"secret", "password", "passphrase",
                                                          "token", "api_key"};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream text;
  text << stream.rdbuf();
  return text.str();
}

}  // namespace

SourceLocation location_of(const std::string& file, const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  if (mark.is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

std::optional<std::string> nearest_name(std::string_view name,
                                        const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const auto& candidate : candidates) {
    std::size_t distance = edit_distance(name, candidate);
    std::size_t limit = std::max<std::size_t>(1, std::max(name.size(), candidate.size()) / 3);
    if (distance > limit) continue;
    if (!best || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string describe_node(const YAML::Node& node) {
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  if (node.IsNull()) return "an empty value";
  return "`" + node.Scalar() + "`";
}

bool report_secret_key(const std::string& key, const SourceLocation& location,
                       Diagnostics& diagnostics) {
  if (auto it = known_secret_keys.find(key); it != known_secret_keys.end()) {
    diagnostics.add(location, "`" + key + "` is a secret and secrets are not read from YAML; "
                              "remove it and set " + it->second +
                              " in the environment or in .env");
    return true;
  }

  bool looks_secret = std::any_of(secret_words.begin(), secret_words.end(), [&](auto word) {
    return key.find(word) != std::string::npos;
  });
  if (!looks_secret) return false;
  diagnostics.add(location, "`" + key + "` looks like a secret and secrets are not read from "
                            "YAML; remove it and pass the value in an environment variable "
                            "(see docs/configuration.md)");
  return true;
}

std::optional<YAML::Node> read_config_list(const std::filesystem::path& path,
                                           const FileShape& shape, Diagnostics& diagnostics) {
  const std::string file = path.string();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    diagnostics.add(SourceLocation{file, 0, 0},
                    "file not found; it should contain " + shape.description);
    return std::nullopt;
  }

  YAML::Node root;
  try {
    root = YAML::Load(read_file(path));
  } catch (const YAML::ParserException& exception) {
    diagnostics.add(SourceLocation{file, exception.mark.line + 1, exception.mark.column + 1},
                    "invalid YAML: " + exception.msg);
    return std::nullopt;
  }

  if (root.IsNull()) {
    diagnostics.add(SourceLocation{file, 0, 0},
                    "the file is empty; it should contain " + shape.description);
    return std::nullopt;
  }
  if (!root.IsMap()) {
    diagnostics.add(location_of(file, root),
                    "the top level must be a mapping with the key `" + shape.top_key +
                        ":`, not " + describe_node(root) + "; it should contain " +
                        shape.description);
    return std::nullopt;
  }

  for (const auto& entry : root) {
    std::string key = entry.first.Scalar();
    if (key == shape.top_key) continue;
    if (report_secret_key(key, location_of(file, entry.first), diagnostics)) continue;
    diagnostics.add(location_of(file, entry.first),
                    "unknown top-level key `" + key + "`; the file has only `" + shape.top_key +
                        ":`");
  }

  YAML::Node list = std::as_const(root)[shape.top_key];
  if (!list) {
    diagnostics.add(location_of(file, root), "the top-level key `" + shape.top_key +
                                                 ":` is missing; the file should contain " +
                                                 shape.description);
    return std::nullopt;
  }
  if (list.IsNull()) return YAML::Node(YAML::NodeType::Sequence);
  if (!list.IsSequence()) {
    diagnostics.add(location_of(file, list),
                    "`" + shape.top_key + "` must be a list with one `- ` entry per item, not " +
                        describe_node(list));
    return std::nullopt;
  }
  return list;
}

MappingReader::MappingReader(std::string file, YAML::Node mapping, std::string subject,
                             std::vector<std::string> known_keys, Diagnostics& diagnostics)
    : file_(std::move(file)),
      mapping_(std::move(mapping)),
      subject_(std::move(subject)),
      diagnostics_(diagnostics) {
  check_keys(known_keys);
}

void MappingReader::check_keys(const std::vector<std::string>& known_keys) {
  std::set<std::string> seen;
  for (const auto& entry : mapping_) {
    std::string key = entry.first.Scalar();
    SourceLocation where = location_of(file_, entry.first);

    if (!seen.insert(key).second) {
      diagnostics_.add(where, "key `" + key + "` appears twice in " + subject_ +
                                  "; keep only one of them");
      continue;
    }
    if (std::find(known_keys.begin(), known_keys.end(), key) != known_keys.end()) continue;
    if (report_secret_key(key, where, diagnostics_)) continue;

    if (auto suggestion = nearest_name(key, known_keys)) {
      diagnostics_.add(where, "unknown key `" + key + "` in " + subject_ + "; did you mean `" +
                                  *suggestion + "`?");
    } else {
      diagnostics_.add(where, "unknown key `" + key + "` in " + subject_ +
                                  "; the valid keys are: " + join(known_keys, ", "));
    }
  }
}

bool MappingReader::has(const std::string& key) const {
  return static_cast<bool>(mapping_[key]);
}

// yaml-cpp places an empty value at the token after it, often on the next
// line, so an empty value is located at its key instead.
SourceLocation MappingReader::location(const std::string& key) const {
  for (const auto& entry : mapping_) {
    if (entry.first.Scalar() != key) continue;
    return location_of(file_, entry.second.IsNull() ? entry.first : entry.second);
  }
  return location();
}

std::optional<YAML::Node> MappingReader::value(const std::string& key, Presence presence,
                                               std::string_view description) {
  YAML::Node node = std::as_const(mapping_)[key];
  if (node) return node;
  if (presence == Presence::required) {
    diagnostics_.add(location(), subject_ + " is missing the required key `" + key + "` (" +
                                     std::string(description) + ")");
  }
  return std::nullopt;
}

std::optional<std::string> MappingReader::scalar(const std::string& key, const YAML::Node& node) {
  if (node.IsScalar() && !node.Scalar().empty()) {
    if (auto bad = find_invalid_utf8(node.Scalar())) {
      diagnostics_.add(location(key), "`" + key + "` of " + subject_ + " is not valid UTF-8 (" +
                                          describe_invalid_utf8(node.Scalar(), *bad) +
                                          "); save the file as UTF-8");
      return std::nullopt;
    }
    return node.Scalar();
  }
  if (node.IsScalar() || node.IsNull()) {
    diagnostics_.add(location(key), "`" + key + "` of " + subject_ +
                                                   " is empty; give it a value or remove the key");
    return std::nullopt;
  }
  diagnostics_.add(location(key), "`" + key + "` of " + subject_ +
                                                 " must be a single value, not " +
                                                 describe_node(node));
  return std::nullopt;
}

std::optional<std::string> MappingReader::string(const std::string& key, Presence presence,
                                                  std::string_view description) {
  auto node = value(key, presence, description);
  if (!node) return std::nullopt;
  return scalar(key, *node);
}

std::optional<int> MappingReader::integer(const std::string& key, int min, int max) {
  return bounded_integer(key, min, max,
                         "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
}

std::optional<int> MappingReader::positive_integer(const std::string& key, std::string_view unit) {
  return bounded_integer(key, 1, std::numeric_limits<int>::max(),
                         "a positive whole number of " + std::string(unit));
}

std::optional<int> MappingReader::bounded_integer(const std::string& key, int min, int max,
                                                  const std::string& expected) {
  auto node = value(key, Presence::optional, "");
  if (!node) return std::nullopt;

  std::string text = node->IsScalar() ? node->Scalar() : std::string();
  int number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  bool valid = node->IsScalar() && !text.empty() && error == std::errc() &&
               end == text.data() + text.size() && number >= min && number <= max;
  if (valid) return number;

  diagnostics_.add(location(key), "`" + key + "` of " + subject_ + " must be " +
                                                  expected + ", not " + describe_node(*node));
  return std::nullopt;
}

std::optional<bool> MappingReader::boolean(const std::string& key) {
  auto node = value(key, Presence::optional, "");
  if (!node) return std::nullopt;

  std::string text = node->IsScalar() ? node->Scalar() : std::string();
  if (text == "true") return true;
  if (text == "false") return false;
  diagnostics_.add(location(key), "`" + key + "` of " + subject_ +
                                                  " must be true or false, not " +
                                                  describe_node(*node));
  return std::nullopt;
}

std::optional<std::vector<YAML::Node>> MappingReader::list(const std::string& key,
                                                           Presence presence,
                                                           std::string_view example,
                                                           std::string_view description) {
  auto node = value(key, presence, description);
  if (!node) return std::nullopt;
  if (!node->IsSequence()) {
    diagnostics_.add(location(key), "`" + key + "` of " + subject_ +
                                                    " must be a list, such as `" + key + ": " +
                                                    std::string(example) + "`, not " +
                                                    describe_node(*node));
    return std::nullopt;
  }
  return std::vector<YAML::Node>(node->begin(), node->end());
}

}  // namespace certplan
