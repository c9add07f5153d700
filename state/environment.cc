#include "state/environment.h"
#include "state/utf8.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>

namespace certplan {

namespace {

const SourceLocation environment_source{"environment", 0, 0};

constexpr std::array<std::string_view, 5> log_levels = {"trace", "debug", "info", "warning",
                                                        "error"};

std::string_view trim(std::string_view text) {
  constexpr std::string_view blanks = " \t\r";
  auto first = text.find_first_not_of(blanks);
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(blanks);
  return text.substr(first, last - first + 1);
}

bool is_variable_name(std::string_view key) {
  if (key.empty() || (key.front() >= '0' && key.front() <= '9')) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The value after `=`. A quoted value ends at the matching quote, and an
// unquoted one at a `#` that follows a blank.
std::optional<std::string> parse_env_value(std::string_view raw, std::string& problem) {
  raw = trim(raw);
  if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
    char quote = raw.front();
    auto end = raw.find(quote, 1);
    if (end == std::string_view::npos) {
      problem = std::string("the value has no closing ") + (quote == '"' ? "double" : "single") +
                " quote; add it at the end of the value";
      return std::nullopt;
    }
    auto rest = trim(raw.substr(end + 1));
    if (!rest.empty() && rest.front() != '#') {
      problem = "unexpected text after the closing quote: `" + std::string(rest) +
                "`; put the whole value inside the quotes";
      return std::nullopt;
    }
    return std::string(raw.substr(1, end - 1));
  }

  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '#' && (i == 0 || raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      return std::string(trim(raw.substr(0, i)));
    }
  }
  return std::string(raw);
}

// A variable's value and where it came from.
struct RawValue {
  std::string value;
  SourceLocation source;
};

class VariableSource {
 public:
  VariableSource(const std::map<std::string, std::string>& environment, const EnvFile* env_file)
      : environment_(environment), env_file_(env_file) {}

  // Empty values count as not set, so that `KEY=` in the environment does
  // not hide the .env file.
  std::optional<RawValue> find(const std::string& name) const {
    if (auto it = environment_.find(name); it != environment_.end() && !it->second.empty()) {
      return RawValue{it->second, environment_source};
    }
    if (env_file_ == nullptr) return std::nullopt;

    // Later lines win, as when a shell sources the file.
    for (auto it = env_file_->entries.rbegin(); it != env_file_->entries.rend(); ++it) {
      if (it->key == name && !it->value.empty()) {
        return RawValue{it->value, SourceLocation{env_file_->path.string(), it->line, 0}};
      }
    }
    return std::nullopt;
  }

 private:
  const std::map<std::string, std::string>& environment_;
  const EnvFile* env_file_;
};

// The variables certplan reads; a value of one of them that is not UTF-8
// would otherwise surface later, far from its source.
constexpr std::string_view kVariables[] = {
    "IONOS_API_KEY", "ACME_EMAIL", "RENEWAL_THRESHOLD_DAYS", "CERT_BASE_PATH", "LOG_FILE_PATH",
    "LOG_LEVEL", "ACME_DIRECTORY_URL", "ACME_STAGING_DIRECTORY_URL", "ACME_CA_BUNDLE",
    "IONOS_API_URL", "DNS_RESOLVERS", "DNS_PROPAGATION_TIMEOUT", "HEALTHCHECK_CA_BUNDLE",
    "NOTIFY_WEBHOOK_URL", "CERTPLAN_STATE_DIR", "ACME_EAB_KID", "ACME_EAB_HMAC_KEY",
    "RFC2136_NAMESERVER", "RFC2136_TSIG_KEY", "RFC2136_TSIG_SECRET", "RFC2136_TSIG_ALGORITHM",
    "DNS_EXEC_PATH"};

void check_environment_utf8(const std::map<std::string, std::string>& environment,
                            Diagnostics& diagnostics) {
  for (auto name : kVariables) {
    auto it = environment.find(std::string(name));
    if (it == environment.end()) continue;
    if (auto bad = find_invalid_utf8(it->second)) {
      diagnostics.add(environment_source, std::string(name) + " is not valid UTF-8 (" +
                                              describe_invalid_utf8(it->second, *bad) +
                                              "); set it to UTF-8 text");
    }
  }
}

std::optional<int> parse_positive_integer(std::string_view text) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

bool parse_port(std::string_view text) {
  int port = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  return error == std::errc() && end == text.data() + text.size() && port >= 1 && port <= 65535;
}

bool is_ip_address(std::string_view text) {
  std::string address(text);
  std::array<unsigned char, 16> buffer{};
  return inet_pton(AF_INET, address.c_str(), buffer.data()) == 1 ||
         inet_pton(AF_INET6, address.c_str(), buffer.data()) == 1;
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return items;
}

void set_string(Setting<std::string>& setting, const VariableSource& source, const char* name) {
  if (auto raw = source.find(name)) setting = {raw->value, raw->source};
}

void set_path(Setting<std::filesystem::path>& setting, const VariableSource& source,
              const char* name) {
  if (auto raw = source.find(name)) setting = {raw->value, raw->source};
}

void set_secret(Setting<SecretString>& setting, const VariableSource& source, const char* name) {
  if (auto raw = source.find(name)) setting = {SecretString(raw->value), raw->source};
}

void set_positive_integer(Setting<int>& setting, const VariableSource& source, const char* name,
                          std::string_view unit, Diagnostics& diagnostics) {
  auto raw = source.find(name);
  if (!raw) return;
  auto value = parse_positive_integer(raw->value);
  if (!value) {
    diagnostics.add(raw->source, std::string(name) + " must be a positive whole number of " +
                                     std::string(unit) + ", not `" + raw->value + "`; set it to " +
                                     "a value such as " + std::to_string(setting.value));
    return;
  }
  setting = {*value, raw->source};
}

void set_log_level(Setting<std::string>& setting, const VariableSource& source,
                   Diagnostics& diagnostics) {
  auto raw = source.find("LOG_LEVEL");
  if (!raw) return;
  std::string level = raw->value;
  std::transform(level.begin(), level.end(), level.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(log_levels.begin(), log_levels.end(), level) == log_levels.end()) {
    diagnostics.add(raw->source, "LOG_LEVEL `" + raw->value +
                                     "` is not a known level; use one of trace, debug, info, "
                                     "warning, error");
    return;
  }
  setting = {level, raw->source};
}

void set_resolvers(Setting<std::vector<std::string>>& setting, const VariableSource& source,
                   Diagnostics& diagnostics) {
  auto raw = source.find("DNS_RESOLVERS");
  if (!raw) return;

  std::vector<std::string> resolvers = split_list(raw->value);
  bool valid = true;
  for (const auto& entry : resolvers) {
    if (is_ip_and_port(entry)) continue;
    diagnostics.add(raw->source, "DNS_RESOLVERS entry `" + entry +
                                     "` is not ip:port; write the resolvers as a comma-separated "
                                     "list such as 127.0.0.1:53,[::1]:53");
    valid = false;
  }
  if (valid) setting = {std::move(resolvers), raw->source};
}

void set_nameserver(Setting<std::string>& setting, const VariableSource& source,
                    Diagnostics& diagnostics) {
  auto raw = source.find("RFC2136_NAMESERVER");
  if (!raw) return;
  if (!is_ip_address(raw->value) && !is_ip_and_port(raw->value)) {
    diagnostics.add(raw->source, "RFC2136_NAMESERVER `" + raw->value +
                                     "` is not an IP address or ip:port; set it to the primary "
                                     "name server, such as 127.0.0.1:53");
  }

  // Kept even when invalid, so that the check for required variables does
  // not also call it "not set".
  setting = {raw->value, raw->source};
}

const DomainConfig* first_domain_using(const std::vector<DomainConfig>& domains,
                                       std::string_view provider) {
  auto it = std::find_if(domains.begin(), domains.end(),
                         [&](const DomainConfig& domain) { return domain.dns_provider == provider; });
  return it == domains.end() ? nullptr : &*it;
}

void require(bool is_set, const char* name, const DomainConfig& domain, std::string_view reason,
             Diagnostics& diagnostics) {
  if (is_set) return;
  diagnostics.add(environment_source, std::string(name) + " is not set, but domain `" +
                                          domain.domain + "` " + std::string(reason) + "; set " +
                                          name + " in the environment or in .env");
}

}  // namespace

bool is_ip_and_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;

  std::string_view address = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (address.starts_with('[') && address.ends_with(']')) {
    address = address.substr(1, address.size() - 2);
    std::array<unsigned char, 16> buffer{};
    if (inet_pton(AF_INET6, std::string(address).c_str(), buffer.data()) != 1) return false;
  } else {
    std::array<unsigned char, 4> buffer{};
    if (inet_pton(AF_INET, std::string(address).c_str(), buffer.data()) != 1) return false;
  }
  return parse_port(port);
}

EnvFile parse_env_file(const std::filesystem::path& path, std::string_view text,
                       Diagnostics& diagnostics) {
  EnvFile file{path, {}};
  std::istringstream lines{std::string(text)};
  std::string line_text;
  int line = 0;

  while (std::getline(lines, line_text)) {
    ++line;
    std::string_view content = trim(line_text);
    if (content.empty() || content.front() == '#') continue;
    if (content.starts_with("export ")) content = trim(content.substr(7));

    SourceLocation location{path.string(), line, 0};
    auto equals = content.find('=');
    if (equals == std::string_view::npos) {
      diagnostics.add(location, "line is not KEY=VALUE: `" + std::string(content) +
                                    "`; write it as NAME=value or start it with # to comment "
                                    "it out");
      continue;
    }

    std::string key(trim(content.substr(0, equals)));
    if (!is_variable_name(key)) {
      diagnostics.add(location, "`" + key + "` is not a valid variable name; use letters, "
                                            "digits and underscores, as in ACME_EMAIL");
      continue;
    }

    std::string problem;
    auto value = parse_env_value(content.substr(equals + 1), problem);
    if (!value) {
      diagnostics.add(location, key + ": " + problem);
      continue;
    }
    if (auto bad = find_invalid_utf8(*value)) {
      diagnostics.add(location, key + " is not valid UTF-8 (" +
                                    describe_invalid_utf8(*value, *bad) +
                                    "); save the file as UTF-8");
      continue;
    }
    file.entries.push_back(EnvFileEntry{std::move(key), std::move(*value), line});
  }
  return file;
}

std::optional<EnvFile> read_env_file(const std::filesystem::path& path, Diagnostics& diagnostics) {
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    std::error_code error;
    bool exists = std::filesystem::exists(path, error);
    diagnostics.add(SourceLocation{path.string(), 0, 0},
                    exists ? "the env file cannot be read; check its permissions"
                           : "the env file does not exist; create it with KEY=VALUE lines or "
                             "leave out --env-file");
    return std::nullopt;
  }
  std::ostringstream text;
  text << stream.rdbuf();
  return parse_env_file(path, text.str(), diagnostics);
}

Settings resolve_settings(const std::map<std::string, std::string>& environment,
                          const EnvFile* env_file, Diagnostics& diagnostics) {
  check_environment_utf8(environment, diagnostics);
  VariableSource source(environment, env_file);
  Settings settings;
  settings.cert_base_path.value = "/var/lib/certplan";

  set_secret(settings.ionos_api_key, source, "IONOS_API_KEY");
  set_string(settings.acme_email, source, "ACME_EMAIL");
  set_positive_integer(settings.renewal_threshold_days, source, "RENEWAL_THRESHOLD_DAYS", "days",
                       diagnostics);
  set_path(settings.cert_base_path, source, "CERT_BASE_PATH");
  set_path(settings.log_file_path, source, "LOG_FILE_PATH");
  set_log_level(settings.log_level, source, diagnostics);
  set_string(settings.acme_directory_url, source, "ACME_DIRECTORY_URL");
  set_string(settings.acme_staging_directory_url, source, "ACME_STAGING_DIRECTORY_URL");
  set_path(settings.acme_ca_bundle, source, "ACME_CA_BUNDLE");
  set_string(settings.ionos_api_url, source, "IONOS_API_URL");
  set_resolvers(settings.dns_resolvers, source, diagnostics);

  Setting<int> timeout{static_cast<int>(settings.dns_propagation_timeout.value.count())};
  set_positive_integer(timeout, source, "DNS_PROPAGATION_TIMEOUT", "seconds", diagnostics);
  settings.dns_propagation_timeout = {std::chrono::seconds(timeout.value), timeout.source};

  set_path(settings.healthcheck_ca_bundle, source, "HEALTHCHECK_CA_BUNDLE");
  set_string(settings.notify_webhook_url, source, "NOTIFY_WEBHOOK_URL");

  settings.state_dir.value = settings.cert_base_path.value / ".certplan";
  set_path(settings.state_dir, source, "CERTPLAN_STATE_DIR");

  set_string(settings.acme_eab_kid, source, "ACME_EAB_KID");
  set_secret(settings.acme_eab_hmac_key, source, "ACME_EAB_HMAC_KEY");
  set_nameserver(settings.rfc2136_nameserver, source, diagnostics);
  set_string(settings.rfc2136_tsig_key, source, "RFC2136_TSIG_KEY");
  set_secret(settings.rfc2136_tsig_secret, source, "RFC2136_TSIG_SECRET");
  set_string(settings.rfc2136_tsig_algorithm, source, "RFC2136_TSIG_ALGORITHM");
  set_path(settings.dns_exec_path, source, "DNS_EXEC_PATH");
  return settings;
}

void check_required_settings(const Settings& settings, const std::vector<DomainConfig>& domains,
                             Diagnostics& diagnostics) {
  if (!domains.empty()) {
    require(!settings.acme_email.value.empty(), "ACME_EMAIL", domains.front(),
            "needs an ACME account", diagnostics);
  }

  if (const auto* domain = first_domain_using(domains, "ionos")) {
    require(!settings.ionos_api_key.value.empty(), "IONOS_API_KEY", *domain,
            "uses dns_provider ionos", diagnostics);
  }

  if (const auto* domain = first_domain_using(domains, "rfc2136")) {
    require(!settings.rfc2136_nameserver.value.empty(), "RFC2136_NAMESERVER", *domain,
            "uses dns_provider rfc2136", diagnostics);
    require(!settings.rfc2136_tsig_key.value.empty(), "RFC2136_TSIG_KEY", *domain,
            "uses dns_provider rfc2136", diagnostics);
    require(!settings.rfc2136_tsig_secret.value.empty(), "RFC2136_TSIG_SECRET", *domain,
            "uses dns_provider rfc2136", diagnostics);
  }

  if (const auto* domain = first_domain_using(domains, "exec")) {
    require(!settings.dns_exec_path.value.empty(), "DNS_EXEC_PATH", *domain,
            "uses dns_provider exec", diagnostics);
  }
}

}  // namespace certplan
