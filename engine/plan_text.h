#pragma once

// The plan as `certplan plan` prints it in a terminal: warnings, a legend of
// the symbols in use, the actions grouped by host, then a one-line summary.
// The same plan always gives byte-identical text.

#include <string>
#include <string_view>

#include "engine/plan.h"

namespace certplan {

enum class TextColor { off, ansi };

// "+" for a first issue or deploy, "-/+" for an issue that replaces a stored
// certificate with a new key, "~" for a redeploy, reload or verify.
std::string_view action_symbol(const Action& action);

// "Plan: 1 to issue, 2 to deploy, 2 hosts to reload, 2 to verify." for a
// plan with actions; the "No changes. ..." sentence for an empty one.
std::string plan_summary_line(const Plan& plan);

// The whole plan as text, ending with a newline. With TextColor::ansi the
// symbols, warnings and summary carry ANSI color codes.
std::string render_plan_text(const Plan& plan, TextColor color = TextColor::off);

}  // namespace certplan
