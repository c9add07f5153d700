#include "cli/command_line.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>

namespace certplan {
namespace {

const std::map<std::string, OutputFormat> kFormats = {
    {"text", OutputFormat::text}, {"json", OutputFormat::json}, {"markdown", OutputFormat::markdown}};

void add_scope_options(CLI::App& command, CommandLine& line) {
  command.add_option("--domain", line.domains, "Limit to this domain (repeatable)");
  command.add_option("--server", line.servers, "Limit to this server (repeatable)");
}

void add_parallelism_option(CLI::App& command, CommandLine& line) {
  command.add_option("--parallelism", line.parallelism, "Servers worked on at once (default 10)")
      ->check(CLI::Range(1, 1000));
}

void add_format_option(CLI::App& command, CommandLine& line) {
  command.add_option("--format", line.format, "Output format: text, json or markdown")
      ->transform(CLI::CheckedTransformer(kFormats, CLI::ignore_case));
}

void add_metrics_file_option(CLI::App& command, CommandLine& line) {
  command.add_option("--metrics-file", line.metrics_file,
                     "Write metrics in the Prometheus text format to FILE (replaced atomically, mode 0644), "
                     "for node_exporter's textfile collector");
}

}  // namespace

std::optional<CommandLine> parse_command_line(int argc, char** argv) {
  CommandLine line;
  CLI::App app{"certplan: plans and applies Let's Encrypt certificates on nginx servers"};
  app.set_version_flag("--version", std::string("certplan ") + CERTPLAN_VERSION);
  app.require_subcommand(1);

  app.add_option("--config-dir", line.config_dir,
                 "Directory holding servers.yaml and domains.yaml (default ./config)");
  app.add_option("--env-file", line.env_file,
                 "File of KEY=VALUE settings read where the environment does not set them "
                 "(default ./.env when present)");
  app.add_option("--log-level", line.log_level,
                 "trace, debug, info, warning or error (overrides LOG_LEVEL)");
  app.add_option("--log-file", line.log_file, "Log file (overrides LOG_FILE_PATH)");
  bool no_color = false;
  app.add_flag("--no-color", no_color,
               "Plain output without ANSI colours (also when NO_COLOR is set or not at a terminal)");

  auto* validate = app.add_subcommand("validate", "Check the configuration and environment");
  validate->add_flag("--show-config", line.show_config,
                     "Print every effective setting and where it came from (secrets hidden)");

  auto* status = app.add_subcommand(
      "status", "Show every certificate: store, each server's files, what each server serves");
  status->add_flag("--json", line.json, "Machine-readable output");
  add_scope_options(*status, line);
  add_parallelism_option(*status, line);
  add_metrics_file_option(*status, line);

  auto* plan = app.add_subcommand("plan", "Show what apply would do, and why");
  plan->add_option("-o,--out", line.plan_out, "Save the plan to FILE for `certplan apply FILE`");
  add_format_option(*plan, line);
  plan->add_flag("--detailed-exitcode", line.detailed_exitcode,
                 "Exit 0 when there are no changes, 1 on error, 2 when there are changes");
  plan->add_option("--gitlab-report", line.gitlab_report,
                   "Write the {\"create\",\"update\",\"delete\"} counts for GitLab's merge-request widget");
  plan->add_option("--force-renew", line.force_renew, "Re-issue this domain (repeatable)");
  add_scope_options(*plan, line);
  add_parallelism_option(*plan, line);
  add_metrics_file_option(*plan, line);

  auto* apply = app.add_subcommand("apply", "Carry out a plan, host by host");
  apply->add_option("plan_file", line.plan_file, "A plan saved by `certplan plan -o FILE`");
  apply->add_flag("--auto-approve", line.auto_approve, "Do not ask for confirmation");
  apply->add_flag("--dry-run", line.dry_run,
                  "Check everything the real run needs and change nothing");
  add_parallelism_option(*apply, line);
  apply->add_option("--force-renew", line.force_renew, "Re-issue this domain (repeatable)");
  add_scope_options(*apply, line);
  add_metrics_file_option(*apply, line);

  auto* show = app.add_subcommand("show", "Print a saved plan");
  show->add_option("plan_file", line.plan_file, "A plan saved by `certplan plan -o FILE`")
      ->required();
  add_format_option(*show, line);

  // Global options may also follow the command, as operators often type them.
  for (auto* command : {validate, status, plan, apply, show}) command->fallthrough();

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& done) {
    app.exit(done);
    return std::nullopt;
  }

  // Colour only for a person at a terminal: logs and CI see plain text.
  line.color = !no_color && isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  if (validate->parsed()) line.command = CommandKind::validate;
  if (status->parsed()) line.command = CommandKind::status;
  if (plan->parsed()) line.command = CommandKind::plan;
  if (apply->parsed()) line.command = CommandKind::apply;
  if (show->parsed()) line.command = CommandKind::show;
  return line;
}

int report_command_line_error(const std::exception& error) {
  const auto* parse_error = dynamic_cast<const CLI::ParseError*>(&error);
  if (parse_error == nullptr) return -1;
  std::cerr << "certplan: error: " << parse_error->what()
            << "\nRun `certplan --help` for the commands and options.\n";
  return 1;
}

}  // namespace certplan
