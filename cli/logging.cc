#include "cli/logging.h"

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace certplan {
namespace {

constexpr const char* kComponents[] = {"config", "store", "acme",  "dns",    "ssh",
                                       "deploy", "nginx", "health", "notify", "engine"};

// Python's logging layout, which operators' log tooling often expects:
// "2026-12-04 03:00:01,234 - acme - INFO - message", in UTC.
constexpr const char* kPattern = "%Y-%m-%d %H:%M:%S,%e - %n - %^%L%$ - %v";

// Forwards each message to the inner sinks with every secret masked. Masking
// happens here, once, so no code path can forget it.
class RedactingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  RedactingSink(std::vector<spdlog::sink_ptr> inner, std::vector<std::string> secrets)
      : inner_(std::move(inner)), secrets_(std::move(secrets)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    std::string text(message.payload.data(), message.payload.size());
    for (const auto& secret : secrets_) mask(text, secret);

    spdlog::details::log_msg masked(message.time, message.source, message.logger_name,
                                    message.level, text);
    for (auto& inner : inner_) {
      if (inner->should_log(masked.level)) inner->log(masked);
    }
  }

  void flush_() override {
    for (auto& inner : inner_) inner->flush();
  }

 private:
  static void mask(std::string& text, const std::string& secret) {
    if (secret.size() < 4) return;  // too short to mask without hiding ordinary words
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4)) {
      text.replace(at, secret.size(), "****");
    }
  }

  std::vector<spdlog::sink_ptr> inner_;
  std::vector<std::string> secrets_;
};

// Loggers that write to the log file only, by component. set_up_logging()
// replaces them together with the registered ones.
std::mutex file_only_mutex;
std::map<std::string, std::shared_ptr<spdlog::logger>> file_only_loggers;

std::unique_ptr<spdlog::formatter> utc_formatter() {
  return std::make_unique<spdlog::pattern_formatter>(kPattern, spdlog::pattern_time_type::utc);
}

}  // namespace

std::optional<spdlog::level::level_enum> parse_log_level(const std::string& name) {
  if (name == "trace") return spdlog::level::trace;
  if (name == "debug") return spdlog::level::debug;
  if (name == "info") return spdlog::level::info;
  if (name == "warning" || name == "warn") return spdlog::level::warn;
  if (name == "error") return spdlog::level::err;
  if (name == "critical") return spdlog::level::critical;
  if (name == "off") return spdlog::level::off;
  return std::nullopt;
}

void set_up_logging(const LoggingOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;

  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(options.console_level);
  console->set_formatter(utc_formatter());
  sinks.push_back(console);

  auto lowest = options.console_level;
  std::vector<spdlog::sink_ptr> file_sinks;
  if (options.log_file) {
    std::error_code ignored;
    std::filesystem::create_directories(options.log_file->parent_path(), ignored);
    try {
      auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.log_file->string(), options.max_file_bytes, options.max_files);
      file->set_level(options.file_level);
      file->set_formatter(utc_formatter());
      sinks.push_back(file);
      file_sinks.push_back(file);
      lowest = std::min(lowest, options.file_level);
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open the log file " + options.log_file->string() + ": " +
                               e.what() + "; check LOG_FILE_PATH and the directory's permissions");
    }
  }

  auto redacting = std::make_shared<RedactingSink>(sinks, options.secrets);
  spdlog::drop_all();
  for (const char* component : kComponents) {
    auto logger = std::make_shared<spdlog::logger>(component, redacting);
    logger->set_level(lowest);
    logger->flush_on(spdlog::level::info);
    spdlog::register_logger(logger);
  }
  auto fallback = std::make_shared<spdlog::logger>("certplan", redacting);
  fallback->set_level(lowest);
  spdlog::set_default_logger(fallback);

  auto file_only = std::make_shared<RedactingSink>(file_sinks, options.secrets);
  const std::lock_guard lock(file_only_mutex);
  file_only_loggers.clear();
  for (const char* component : kComponents) {
    auto logger = std::make_shared<spdlog::logger>(component, file_only);
    logger->set_level(options.log_file ? options.file_level : spdlog::level::off);
    logger->flush_on(spdlog::level::info);
    file_only_loggers.emplace(component, std::move(logger));
  }
}

std::shared_ptr<spdlog::logger> file_only_logger(const std::string& component) {
  const std::lock_guard lock(file_only_mutex);
  auto& logger = file_only_loggers[component];
  if (!logger) logger = std::make_shared<spdlog::logger>(component);  // no sink: drops everything
  return logger;
}

}  // namespace certplan
