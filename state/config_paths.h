#pragma once

// Paths in the configuration: remote paths on the servers, and the local
// SSH key and known_hosts files, which are checked on disk.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "state/desired.h"
#include "state/diagnostics.h"

namespace certplan {

// Switch for the checks of the SSH key and known_hosts files on disk.
enum class FileChecks { enabled, disabled };

// The reason a remote path is not acceptable ("must be an absolute path
// ..."), or nullopt when it is absolute and has no `..` component.
[[nodiscard]] std::optional<std::string> remote_path_problem(std::string_view path);

// `path` with a leading "~/" replaced by `home`.
[[nodiscard]] std::filesystem::path expand_home(const std::string& path,
                                                const std::filesystem::path& home);

// Reports an SSH private key that is missing, not a regular file, not
// readable by this user, or readable or writable by group or others.
void check_ssh_key_file(const ServerConfig& server, const SourceLocation& location,
                        Diagnostics& diagnostics);

// Reports a known_hosts file that does not exist, with the command that
// creates it.
void check_known_hosts_file(const ServerConfig& server, const SourceLocation& location,
                            Diagnostics& diagnostics);

}  // namespace certplan
