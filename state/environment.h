#pragma once

// Settings from the process environment and the .env file. A variable set
// (non-empty) in the environment wins over the .env file, which wins over
// the default. Each Setting records where its value came from.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/desired.h"
#include "state/diagnostics.h"

namespace certplan {

// One KEY=VALUE line of a .env file.
struct EnvFileEntry {
  std::string key;
  std::string value;  // quotes removed
  int line = 0;       // 1-based
};

struct EnvFile {
  std::filesystem::path path;
  std::vector<EnvFileEntry> entries;  // in file order
};

// Parses the text of a .env file: KEY=VALUE lines, `#` comments, blank
// lines, an optional `export ` prefix and optional single or double quotes
// around the value. In an unquoted value, `#` after a space starts a
// comment. Lines that do not parse are reported as "{path}:{line}".
[[nodiscard]] EnvFile parse_env_file(const std::filesystem::path& path, std::string_view text,
                                     Diagnostics& diagnostics);

// Reads and parses the file at `path`. Returns nullopt after reporting a
// missing or unreadable file.
[[nodiscard]] std::optional<EnvFile> read_env_file(const std::filesystem::path& path,
                                                   Diagnostics& diagnostics);

// Resolves every certplan variable from `environment`, then `env_file`
// (may be null), then the default, and reports values of the wrong form
// (RENEWAL_THRESHOLD_DAYS, DNS_PROPAGATION_TIMEOUT, DNS_RESOLVERS,
// LOG_LEVEL, RFC2136_NAMESERVER) at the place the value came from.
[[nodiscard]] Settings resolve_settings(const std::map<std::string, std::string>& environment,
                                        const EnvFile* env_file, Diagnostics& diagnostics);

// Reports the variables that the configured domains need but that are not
// set: ACME_EMAIL for any domain, IONOS_API_KEY for ionos,
// RFC2136_NAMESERVER, RFC2136_TSIG_KEY and RFC2136_TSIG_SECRET for rfc2136,
// and DNS_EXEC_PATH for exec.
void check_required_settings(const Settings& settings, const std::vector<DomainConfig>& domains,
                             Diagnostics& diagnostics);

// True for "ip:port" with an IPv4 address or an IPv6 address in brackets
// ("[::1]:53") and a port from 1 to 65535.
[[nodiscard]] bool is_ip_and_port(std::string_view text);

}  // namespace certplan
