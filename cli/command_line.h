#pragma once

// The command line of certplan, parsed into plain data by CLI11.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace certplan {

enum class OutputFormat { text, json, markdown };
enum class CommandKind { validate, status, plan, apply, show };

struct CommandLine {
  CommandKind command = CommandKind::validate;

  // Global options.
  std::filesystem::path config_dir = "config";
  std::optional<std::filesystem::path> env_file;
  std::optional<std::string> log_level;
  std::optional<std::filesystem::path> log_file;
  bool color = true;

  // validate
  bool show_config = false;

  // status
  bool json = false;

  // plan, apply and show
  OutputFormat format = OutputFormat::text;
  std::optional<std::filesystem::path> plan_out;       // plan -o
  std::optional<std::filesystem::path> gitlab_report;  // plan --gitlab-report
  bool detailed_exitcode = false;
  std::vector<std::string> domains;      // --domain
  std::vector<std::string> servers;      // --server
  std::vector<std::string> force_renew;  // --force-renew

  std::optional<std::filesystem::path> plan_file;  // apply FILE, show FILE
  bool auto_approve = false;
  bool dry_run = false;
  int parallelism = 10;

  // plan, apply and status: Prometheus text file for node_exporter
  std::optional<std::filesystem::path> metrics_file;
};

// Parses argv. Returns nullopt after printing help or the version (exit 0);
// throws CLI::ParseError for a bad command line, which the caller reports.
std::optional<CommandLine> parse_command_line(int argc, char** argv);

// The exit code and message of a CLI::ParseError; defined here so main does
// not include CLI11.
int report_command_line_error(const std::exception& error);

}  // namespace certplan
