#pragma once

// Log set-up for one run: the component loggers (config, store, acme, dns,
// ssh, deploy, nginx, health, notify, engine) share a console sink on stderr
// and, with LOG_FILE_PATH, a size-rotated file. Known secret values are
// replaced by "****" before any sink receives a message.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace certplan {

struct LoggingOptions {
  spdlog::level::level_enum file_level = spdlog::level::info;
  spdlog::level::level_enum console_level = spdlog::level::warn;
  std::optional<std::filesystem::path> log_file;
  std::size_t max_file_bytes = 10 * 1024 * 1024;
  std::size_t max_files = 5;
  std::vector<std::string> secrets;  // values to mask wherever they appear
};

// Parses "trace", "debug", "info", "warning" (or "warn"), "error",
// "critical", "off"; nullopt for anything else.
std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name);

// Registers every component logger. Throws std::runtime_error when the log
// file cannot be opened, naming the path.
void set_up_logging(const LoggingOptions& options);

// The logger of `component` that writes to the log file only, masked like
// the others, for events that the console already shows in another form
// (apply's progress lines on stdout). Without a log file, or before
// set_up_logging(), its messages go nowhere.
std::shared_ptr<spdlog::logger> file_only_logger(const std::string& component);

}  // namespace certplan
