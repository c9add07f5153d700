// End to end: every certplan command in the code blocks of README.md and
// docs/*.md is run against the sandbox, or listed below with the reason it
// cannot run here. A command a doc gains that is in neither list fails the
// test, and so does a listed command that no doc has any more.
//
// A command is a line of a code block (fenced, or indented by four spaces)
// that names certplan followed by a command or an option. Lines continued
// with "\" are joined, and so are the indented lines of a usage synopsis
// (starting with "["). "# comments" are cut. Fenced yaml and json blocks
// contain data, not commands, and are skipped.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

const fs::path source_dir = CERTPLAN_SOURCE_DIR;

struct DocumentedCommand {
  std::string text;   // normalized: single spaces, no comment
  std::string where;  // file:line
};

// One run of a documented command: the arguments after the certplan
// executable, with {dir} for the sandbox directory, and the exit codes the
// docs promise for it at that point of the sequence.
struct Invocation {
  std::string arguments;
  std::set<int> exit_codes;
};

struct RunnableCommand {
  std::string documented;
  std::vector<Invocation> runs;
};

struct SkippedCommand {
  std::string documented;
  std::string reason;
};

// In the order they run: the sandbox starts with a plan to issue and
// deploy example.com on web-01 and web-02.
const std::vector<RunnableCommand> runnable = {
    {"certplan validate", {{"validate", {0}}}},
    {"certplan validate [--show-config]", {{"validate --show-config", {0}}}},
    {"certplan status [--json] [--domain D]... [--server S]... [--parallelism N] [--metrics-file FILE]",
     {{"status", {0}},
      {"status --json --domain example.com --server web-01 --parallelism 2 --metrics-file {dir}/status.prom",
       {0}}}},
    {"certplan plan", {{"plan", {0}}}},
    {"certplan plan [-o FILE] [--format text|json|markdown] [--detailed-exitcode] [--domain D]... [--server S]... "
     "[--force-renew D]... [--gitlab-report FILE] [--parallelism N] [--metrics-file FILE]",
     {{"plan --format markdown --domain example.com --server web-01 --force-renew example.com", {0}},
      {"plan --format json --gitlab-report {dir}/gitlab-report.json --parallelism 2", {0}},
      {"plan -o {dir}/plan.json --format text --detailed-exitcode --metrics-file {dir}/plan.prom", {2}}}},
    {"certplan show FILE [--format text|json|markdown]",
     {{"show {dir}/plan.json", {0}}, {"show {dir}/plan.json --format markdown", {0}}}},
    // Standard input is not a terminal here, so apply stops before any
    // change and requests --auto-approve, with exit code 1 (usage.md).
    {"certplan apply", {{"apply", {1}}}},
    {"certplan apply [FILE] [--auto-approve] [--dry-run] [--parallelism N] [--domain D]... [--server S]... "
     "[--force-renew D]... [--metrics-file FILE]",
     {{"apply --dry-run --auto-approve --parallelism 2 --domain example.com --server web-01 --server web-02 "
       "--force-renew example.com",
       {0}},
      {"apply {dir}/plan.json --auto-approve --metrics-file {dir}/apply.prom", {0}}}},
    {"certplan --env-file /etc/certplan/.env apply --auto-approve --metrics-file "
     "/var/lib/node_exporter/textfile/certplan.prom",
     {{"--env-file {dir}/.env apply --auto-approve --metrics-file {dir}/textfile/certplan.prom", {0}}}},
    {"build/certplan plan --config-dir /tmp/sb/config --env-file /tmp/sb/.env",
     {{"plan --config-dir {dir}/config --env-file {dir}/.env", {0}}}},
    {"build/certplan apply --auto-approve --config-dir /tmp/sb/config --env-file /tmp/sb/.env",
     {{"apply --auto-approve --config-dir {dir}/config --env-file {dir}/.env", {0}}}},
};

const std::vector<SkippedCommand> skipped = {
    {"docker run --rm -v \"$PWD/config:/etc/certplan:ro\" -v \"$PWD/ssh:/run/secrets/ssh:ro\" -v "
     "\"$PWD/state:/var/lib/certplan\" -v \"$PWD/log:/var/log/certplan\" --env-file certplan.env certplan validate",
     "needs Docker and the certplan image; e2e_container_test covers the image"},
    {"docker compose run --rm certplan validate", "needs Docker Compose"},
    {"docker compose run --rm certplan plan", "needs Docker Compose"},
    {"docker compose run --rm certplan apply --auto-approve", "needs Docker Compose"},
    {"STORAGE_DRIVER=vfs buildah run --isolation chroot --user 10001 \"$c\" certplan --version",
     "needs buildah and a built image; e2e_container_test runs it"},
};

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::string collapse_spaces(const std::string& text) {
  std::string result;
  for (const char c : text) {
    if (c == ' ' && (result.empty() || result.back() == ' ')) continue;
    result += c;
  }
  return trim(result);
}

// Cuts a "# comment" that follows the command, outside quotes.
std::string without_comment(const std::string& line) {
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (!quoted && line[i] == '#' && (i == 0 || line[i - 1] == ' ')) return line.substr(0, i);
  }
  return line;
}

// The code lines of a Markdown file with their line numbers, skipping
// fenced blocks of data formats.
std::vector<std::pair<int, std::string>> code_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::pair<int, std::string>> lines;
  std::string line;
  int number = 0;
  bool fenced = false;
  bool data_block = false;
  while (std::getline(in, line)) {
    ++number;
    const std::string stripped = trim(line);
    if (stripped.rfind("```", 0) == 0) {
      if (!fenced) {
        const std::string info = stripped.substr(3);
        data_block = info == "yaml" || info == "json";
      }
      fenced = !fenced;
      continue;
    }
    if (fenced && !data_block) lines.emplace_back(number, line);
    if (!fenced && line.rfind("    ", 0) == 0) lines.emplace_back(number, line);
  }
  return lines;
}

const std::regex command_pattern(R"((^|[\s/])certplan\s+(validate|status|plan|apply|show|--[a-z]))");

std::vector<DocumentedCommand> documented_commands() {
  std::vector<fs::path> files = {source_dir / "README.md"};
  for (const auto& entry : fs::directory_iterator(source_dir / "docs")) {
    if (entry.path().extension() == ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());

  std::vector<DocumentedCommand> commands;
  for (const fs::path& file : files) {
    const auto lines = code_lines(file);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const int first_line = lines[i].first;
      std::string text = trim(lines[i].second);
      // "\" continues a shell line; a synopsis continues on lines starting with "[".
      while (!text.empty() && text.back() == '\\' && i + 1 < lines.size() && lines[i + 1].first == lines[i].first + 1) {
        text.pop_back();
        text += " " + trim(lines[++i].second);
      }
      while (i + 1 < lines.size() && lines[i + 1].first == lines[i].first + 1 &&
             trim(lines[i + 1].second).rfind("[", 0) == 0) {
        text += " " + trim(lines[++i].second);
      }
      text = collapse_spaces(without_comment(text));
      if (text.rfind("$ ", 0) == 0) text = text.substr(2);
      if (!std::regex_search(text, command_pattern)) continue;
      commands.push_back({text, fs::relative(file, source_dir).string() + ":" + std::to_string(first_line)});
    }
  }
  return commands;
}

std::vector<std::string> split_arguments(const std::string& arguments, const fs::path& dir) {
  std::vector<std::string> words;
  std::istringstream in(std::regex_replace(arguments, std::regex(R"(\{dir\})"), dir.string()));
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

bool has_word(const std::vector<std::string>& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// The options a synopsis shows: every "-x" or "--name" word in it.
std::set<std::string> options_of(const std::string& documented) {
  std::set<std::string> options;
  const std::regex option(R"((^|[\s\[])(--?[a-z][a-z-]*))");
  for (auto it = std::sregex_iterator(documented.begin(), documented.end(), option); it != std::sregex_iterator();
       ++it) {
    options.insert((*it)[2].str());
  }
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_documented_command_is_listed) {
  std::set<std::string> listed;
  for (const auto& command : runnable) listed.insert(command.documented);
  for (const auto& command : skipped) listed.insert(command.documented);

  std::set<std::string> found;
  for (const DocumentedCommand& command : documented_commands()) {
    found.insert(command.text);
    BOOST_TEST_INFO(command.where << ": `" << command.text
                                  << "` is neither run nor skipped; add it to `runnable` or `skipped` in "
                                     "tests/e2e/docs_commands_test.cc");
    BOOST_TEST(listed.contains(command.text));
  }
  for (const std::string& command : listed) {
    BOOST_TEST_INFO("`" << command << "` is listed in tests/e2e/docs_commands_test.cc but no doc has it any more");
    BOOST_TEST(found.contains(command));
  }
}

BOOST_AUTO_TEST_CASE(runs_cover_every_documented_option) {
  for (const RunnableCommand& command : runnable) {
    std::set<std::string> used;
    for (const Invocation& run : command.runs) {
      for (const std::string& word : split_arguments(run.arguments, "/sandbox")) used.insert(word);
    }
    for (const std::string& option : options_of(command.documented)) {
      BOOST_TEST_INFO("`" << command.documented << "`: no run uses " << option);
      BOOST_TEST(used.contains(option));
    }
  }
}

BOOST_AUTO_TEST_CASE(documented_commands_run_against_sandbox) {
  Sandbox sandbox;
  fs::create_directories(sandbox.dir() / "textfile");

  for (const RunnableCommand& command : runnable) {
    for (const Invocation& run : command.runs) {
      const std::vector<std::string> arguments = split_arguments(run.arguments, sandbox.dir());
      std::vector<std::string> argv = {CERTPLAN_EXECUTABLE, "--no-color"};
      if (!has_word(arguments, "--config-dir")) argv.insert(argv.end(), {"--config-dir", (sandbox.dir() / "config").string()});
      if (!has_word(arguments, "--env-file")) argv.insert(argv.end(), {"--env-file", (sandbox.dir() / ".env").string()});
      argv.insert(argv.end(), arguments.begin(), arguments.end());

      const CommandOutput output = run_command(argv, std::chrono::seconds(180));
      BOOST_TEST_INFO("`" << command.documented << "` run as `certplan " << run.arguments << "`:\n" << output.text());
      BOOST_TEST(run.exit_codes.contains(output.exit_code));
    }
  }
}

}  // namespace certplan::e2e
