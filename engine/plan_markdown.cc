#include "engine/plan_markdown.h"

#include <sstream>

#include "engine/certificate_summary.h"
#include "engine/plan_text.h"
#include "engine/plan_time.h"

namespace certplan {

namespace {

// Escapes the characters that would end a table cell or start markup.
std::string escape_cell(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '|' || c == '\\' || c == '`' || c == '*' || c == '_') escaped += '\\';
    escaped += c == '\n' ? ' ' : c;
  }
  return escaped;
}

std::string summary_cell(const SharedSummary& summary) {
  if (!summary) return "";
  if (summary->fingerprint.empty()) {
    std::string key = summary->key_type ? " (" + std::string(key_type_name(*summary->key_type)) + ")" : "";
    return "new certificate" + key;
  }
  std::string cell = "`" + short_fingerprint(summary->fingerprint) + "`";
  if (summary->not_after) cell += ", expires " + format_utc_minute(*summary->not_after);
  return cell;
}

void write_table_header(std::ostringstream& out, const std::string& group) {
  out << "### " << group << "\n\n";
  out << "| Action | Domain | Reason | Before | After |\n";
  out << "| --- | --- | --- | --- | --- |\n";
}

void write_row(std::ostringstream& out, const Action& action) {
  out << "| `" << action_symbol(action) << " " << action_kind_name(action.kind) << "` | "
      << escape_cell(action.domain) << " | " << reason_code_name(action.reason.code) << ": "
      << escape_cell(action.reason.message) << " | " << summary_cell(action.before) << " | "
      << summary_cell(action.after) << " |\n";
}

}  // namespace

std::string render_plan_markdown(const Plan& plan) {
  std::ostringstream out;
  out << "## certplan plan\n\n";

  if (!plan.warnings.empty()) {
    out << "**Warnings**\n\n";
    for (const auto& warning : plan.warnings) out << "- " << escape_cell(warning) << "\n";
    out << "\n";
  }

  out << "**" << plan_summary_line(plan) << "**\n";

  std::string current_group;
  for (const auto& action : plan.actions) {
    std::string group = action.kind == ActionKind::issue ? "Local store" : "Host " + action.server;
    if (group != current_group) {
      out << "\n";
      write_table_header(out, group);
      current_group = group;
    }
    write_row(out, action);
  }
  return out.str();
}

}  // namespace certplan
