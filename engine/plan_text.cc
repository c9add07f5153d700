#include "engine/plan_text.h"

#include <array>
#include <set>
#include <sstream>

namespace certplan {

namespace {

constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

struct SymbolMeaning {
  std::string_view symbol;
  std::string_view meaning;
  std::string_view color;
};

constexpr std::array<SymbolMeaning, 3> kSymbols{{
    {"+", "create", kGreen},
    {"~", "update in place", kYellow},
    {"-/+", "replace with a new key", kRed},
}};

class Painter {
 public:
  explicit Painter(TextColor color) : color_(color) {}

  std::string paint(std::string_view text, std::string_view code) const {
    if (color_ == TextColor::off) return std::string(text);
    return std::string(code) + std::string(text) + std::string(kReset);
  }

  std::string symbol(std::string_view symbol) const {
    for (const auto& entry : kSymbols) {
      if (entry.symbol == symbol) return paint(symbol, entry.color);
    }
    return std::string(symbol);
  }

 private:
  TextColor color_;
};

// Right-aligns the symbol in three columns, so ids line up under "-/+".
std::string padded_symbol(const Painter& painter, std::string_view symbol) {
  return std::string(3 - symbol.size(), ' ') + painter.symbol(symbol);
}

void write_warnings(std::ostringstream& out, const Plan& plan, const Painter& painter) {
  if (plan.warnings.empty()) return;
  out << painter.paint("Warnings:", kYellow) << "\n";
  for (const auto& warning : plan.warnings) out << "  " << painter.paint("!", kYellow) << " " << warning << "\n";
  out << "\n";
}

void write_legend(std::ostringstream& out, const Plan& plan, const Painter& painter) {
  std::set<std::string_view> used;
  for (const auto& action : plan.actions) used.insert(action_symbol(action));

  out << "Symbols:\n";
  for (const auto& entry : kSymbols) {
    if (!used.contains(entry.symbol)) continue;
    out << "  " << padded_symbol(painter, entry.symbol) << " " << entry.meaning << "\n";
  }
  out << "\n";
}

void write_action(std::ostringstream& out, const Action& action, const Painter& painter) {
  out << "  " << padded_symbol(painter, action_symbol(action)) << " " << action.id << "\n";
  out << "        " << reason_code_name(action.reason.code) << ": " << action.reason.message << "\n";
}

void write_groups(std::ostringstream& out, const Plan& plan, const Painter& painter) {
  std::string current_group;
  for (const auto& action : plan.actions) {
    std::string group = action.kind == ActionKind::issue ? "Local store:" : "Host " + action.server + ":";
    if (group != current_group) {
      if (!current_group.empty()) out << "\n";
      out << group << "\n";
      current_group = group;
    }
    write_action(out, action, painter);
  }
  out << "\n";
}

std::string count_phrase(std::size_t count, std::string_view phrase) {
  return std::to_string(count) + " " + std::string(phrase);
}

}  // namespace

std::string_view action_symbol(const Action& action) {
  switch (action.kind) {
    case ActionKind::issue:
      return action.new_key ? "-/+" : "+";
    case ActionKind::deploy:
      return action.before ? "~" : "+";
    case ActionKind::reload:
    case ActionKind::verify:
      return "~";
  }
  return "~";
}

std::string plan_summary_line(const Plan& plan) {
  if (plan.empty()) {
    if (!plan.warnings.empty()) return "No changes in what could be checked; read the warnings above.";
    return "No changes. Every certificate is valid and deployed where it belongs.";
  }

  std::array<std::size_t, 4> counts{};  // indexed by ActionKind
  for (const auto& action : plan.actions) ++counts[static_cast<std::size_t>(action.kind)];
  std::size_t reloads = counts[static_cast<std::size_t>(ActionKind::reload)];

  return "Plan: " + count_phrase(counts[static_cast<std::size_t>(ActionKind::issue)], "to issue") + ", " +
         count_phrase(counts[static_cast<std::size_t>(ActionKind::deploy)], "to deploy") + ", " +
         count_phrase(reloads, reloads == 1 ? "host to reload" : "hosts to reload") + ", " +
         count_phrase(counts[static_cast<std::size_t>(ActionKind::verify)], "to verify") + ".";
}

std::string render_plan_text(const Plan& plan, TextColor color) {
  Painter painter(color);
  std::ostringstream out;

  write_warnings(out, plan, painter);
  if (!plan.empty()) {
    write_legend(out, plan, painter);
    write_groups(out, plan, painter);
  }
  out << painter.paint(plan_summary_line(plan), kBold) << "\n";
  return out.str();
}

}  // namespace certplan
