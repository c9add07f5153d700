#include "cli/commands.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>

#include "cli/exit_codes.h"
#include "cli/logging.h"
#include "cli/metrics_file.h"
#include "cli/run.h"
#include "state/config_loader.h"

namespace certplan {
namespace {

DesiredState load(const CommandLine& line) {
  LoadOptions options;
  options.config_dir = line.config_dir;
  options.env_file = line.env_file;
  options.environment = process_environment();
  return load_desired_state(options);
}

// The command line's --log-level and --log-file win over LOG_LEVEL and
// LOG_FILE_PATH. The console shows warnings and errors unless a lower level
// was requested, because the plan and the progress lines already tell a
// person what happens; the log file records everything at the level set.
void set_up_run_logging(const CommandLine& line, const Settings& settings) {
  const std::string level_name = line.log_level.value_or(settings.log_level.value);
  const auto level = parse_log_level(level_name);
  if (!level) {
    throw std::runtime_error("unknown log level \"" + level_name +
                             "\"; use trace, debug, info, warning or error");
  }

  LoggingOptions options;
  options.file_level = *level;
  options.console_level = std::min(*level, spdlog::level::warn);
  if (!line.log_level) options.console_level = spdlog::level::warn;
  if (line.log_file) {
    options.log_file = *line.log_file;
  } else if (!settings.log_file_path.value.empty()) {
    options.log_file = settings.log_file_path.value;
  }
  for (const auto* secret : {&settings.ionos_api_key.value, &settings.acme_eab_hmac_key.value,
                             &settings.rfc2136_tsig_secret.value}) {
    if (!secret->empty()) options.secrets.push_back(secret->reveal());
  }
  set_up_logging(options);
}

// The label of the run in the last-run metrics.
std::string metrics_command(const CommandLine& line) {
  switch (line.command) {
    case CommandKind::validate: return "validate";
    case CommandKind::status: return "status";
    case CommandKind::plan: return "plan";
    case CommandKind::apply: return line.dry_run ? "apply_dry_run" : "apply";
    case CommandKind::show: return "show";
  }
  return "unknown";
}

// Writes the metrics file of a run that ended with `code`. A file that
// cannot be written is reported but does not change the exit code, which
// reports what the run did to the certificates and servers.
void write_metrics(const MetricsFile& metrics, int code) {
  const auto failure = metrics.write(code, std::chrono::system_clock::now());
  if (failure) std::cerr << "certplan: warning: " << *failure << "\n";
}

int run_loaded(const CommandLine& line, MetricsFile& metrics) {
  const DesiredState desired = load(line);
  set_up_run_logging(line, desired.settings);
  const std::size_t servers = desired.servers.size();
  const std::size_t domains = desired.domains.size();
  spdlog::get("config")->info("loaded {} server{} and {} domain{} from {}", servers, servers == 1 ? "" : "s",
                              domains, domains == 1 ? "" : "s", line.config_dir.string());

  Run run{line, desired};
  run.metrics = &metrics;
  switch (line.command) {
    case CommandKind::validate: return run_validate(run);
    case CommandKind::status: return run_status(run);
    case CommandKind::plan: return run_plan(run);
    case CommandKind::apply: return run_apply(run);
    case CommandKind::show: break;
  }
  return exit_code::error;
}

}  // namespace

int run_command(const CommandLine& line) {
  if (line.command == CommandKind::show) return run_show(line, std::cout);

  // The file is written also when the run fails, for example with an invalid
  // configuration. It then contains the last-run metrics of the failure and
  // whatever the run had learnt before it stopped.
  MetricsFile metrics(line.metrics_file, metrics_command(line));
  int code = exit_code::error;
  try {
    code = run_loaded(line, metrics);
  } catch (...) {
    write_metrics(metrics, exit_code::error);
    throw;
  }
  write_metrics(metrics, code);
  return code;
}

}  // namespace certplan
