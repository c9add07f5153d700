#pragma once

// Parses the stdout of FileCommands::read_files. For each path, in order,
// the command prints either
//   certplan-missing-NONCE\n
// or
//   certplan-begin-NONCE\n CONTENT \ncertplan-end-NONCE STATUS\n
// where STATUS is the exit status of `cat`. The newline before the end
// marker is always added, so CONTENT keeps its last byte exactly. A random
// nonce per call keeps file contents from faking a marker.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "state/result.h"

namespace certplan {

// One file from the output: nullopt content for a missing file, and the
// exit status of `cat` (non-zero when the file exists but could not be read).
struct ReadFileEntry {
  std::optional<std::string> content;
  int cat_status = 0;
};

// Fails (ErrorKind::invalid) when the output does not hold one well-formed
// entry for each of `paths`, in order.
Result<std::map<std::string, ReadFileEntry>> parse_read_files_output(
    const std::vector<std::string>& paths, const std::string& nonce, const std::string& output);

}  // namespace certplan
