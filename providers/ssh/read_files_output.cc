#include "providers/ssh/read_files_output.h"

#include <charconv>

namespace certplan {

namespace {

Error malformed(const std::string& path, const std::string& problem) {
  return make_error(ErrorKind::invalid,
                    "could not parse the output of read_files at \"" + path + "\": " + problem);
}

}  // namespace

Result<std::map<std::string, ReadFileEntry>> parse_read_files_output(
    const std::vector<std::string>& paths, const std::string& nonce, const std::string& output) {
  const std::string missing = "certplan-missing-" + nonce + "\n";
  const std::string begin = "certplan-begin-" + nonce + "\n";
  const std::string end = "\ncertplan-end-" + nonce + " ";

  std::map<std::string, ReadFileEntry> entries;
  std::size_t position = 0;
  for (const std::string& path : paths) {
    if (output.compare(position, missing.size(), missing) == 0) {
      entries[path] = ReadFileEntry{};
      position += missing.size();
      continue;
    }
    if (output.compare(position, begin.size(), begin) != 0) {
      return malformed(path, "no begin marker");
    }
    position += begin.size();

    const std::size_t end_marker = output.find(end, position);
    if (end_marker == std::string::npos) return malformed(path, "no end marker");
    std::string content = output.substr(position, end_marker - position);
    position = end_marker + end.size();

    const std::size_t line_end = output.find('\n', position);
    if (line_end == std::string::npos) return malformed(path, "no exit status");
    int status = 0;
    const auto [last, error] = std::from_chars(output.data() + position, output.data() + line_end, status);
    if (error != std::errc() || last != output.data() + line_end) {
      return malformed(path, "exit status is not a number");
    }
    position = line_end + 1;

    entries[path] = ReadFileEntry{std::move(content), status};
  }

  if (position != output.size()) return malformed(paths.empty() ? "" : paths.back(), "unexpected output after the last file");
  return entries;
}

}  // namespace certplan
