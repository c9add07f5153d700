#pragma once

// Reading the YAML configuration files: every value is checked for its
// type and every problem is reported with file, line and column, so that
// the loader can go on and find the next one.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "state/desired.h"
#include "state/diagnostics.h"

namespace certplan {

// The 1-based position of `node` in `file`; line and column 0 when yaml-cpp
// has no position for it.
[[nodiscard]] SourceLocation location_of(const std::string& file, const YAML::Node& node);

// Finds the candidate closest to `name` by edit distance, where a swap of two
// neighbouring characters counts as one edit. Returns nullopt unless the
// closest one differs in at most a third of the longer name's characters.
[[nodiscard]] std::optional<std::string> nearest_name(std::string_view name,
                                                      const std::vector<std::string>& candidates);

// Expected content of a configuration file, for the messages about it.
struct FileShape {
  std::string top_key;      // "servers"
  std::string description;  // "a `servers:` list with one entry per nginx server"
};

// Reads `path` and returns the list under the file's top-level key (an empty
// list for `servers:` with no entries). Reports a missing file, YAML syntax
// errors, a top level that is not a mapping, unknown top-level keys and a
// top-level value that is not a list. Returns nullopt unless the list can be
// read.
[[nodiscard]] std::optional<YAML::Node> read_config_list(const std::filesystem::path& path,
                                                         const FileShape& shape,
                                                         Diagnostics& diagnostics);

// Whether a key must be present.
enum class Presence { required, optional };

// One mapping of a configuration file (a server, a domain, a deployment
// target), read key by key. The constructor reports keys that are not in
// `known_keys` (with the nearest valid key), keys that look like secrets and
// keys given twice. Each getter reports a missing required key or a value of
// the wrong type and returns nullopt.
class MappingReader {
 public:
  MappingReader(std::string file, YAML::Node mapping, std::string subject,
                std::vector<std::string> known_keys, Diagnostics& diagnostics);

  // The subject as messages name it, e.g. "server `webserver-01`".
  void set_subject(std::string subject) { subject_ = std::move(subject); }
  const std::string& subject() const { return subject_; }

  bool has(const std::string& key) const;
  SourceLocation location() const { return location_of(file_, mapping_); }

  // Position of the key's value, or of the mapping when the key is absent.
  SourceLocation location(const std::string& key) const;

  // `description` is the key's meaning, for the missing-key message.
  std::optional<std::string> string(const std::string& key, Presence presence,
                                    std::string_view description);
  std::optional<int> integer(const std::string& key, int min, int max);
  // A whole number of `unit` ("days") from 1 up.
  std::optional<int> positive_integer(const std::string& key, std::string_view unit);
  std::optional<bool> boolean(const std::string& key);

  // A sequence; `example` shows the right form in the message, e.g.
  // "[webserver-01, webserver-02]".
  std::optional<std::vector<YAML::Node>> list(const std::string& key, Presence presence,
                                              std::string_view example,
                                              std::string_view description);

 private:
  void check_keys(const std::vector<std::string>& known_keys);
  std::optional<YAML::Node> value(const std::string& key, Presence presence,
                                  std::string_view description);
  std::optional<std::string> scalar(const std::string& key, const YAML::Node& node);
  std::optional<int> bounded_integer(const std::string& key, int min, int max,
                                     const std::string& expected);

  std::string file_;
  YAML::Node mapping_;
  std::string subject_;
  Diagnostics& diagnostics_;
};

// Reports `key` when it looks like a secret (API keys, passwords, TSIG and
// EAB secrets), which are only read from the environment. Returns true when
// it reported.
bool report_secret_key(const std::string& key, const SourceLocation& location,
                       Diagnostics& diagnostics);

// The text of a scalar node as written, for messages; "a list" or "a mapping"
// for the other kinds.
[[nodiscard]] std::string describe_node(const YAML::Node& node);

}  // namespace certplan
