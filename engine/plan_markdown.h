#pragma once

// The plan as Markdown, for a merge request comment: a title, warnings,
// the summary line, then one table per host.

#include <string>

#include "engine/plan.h"

namespace certplan {

// The whole plan as GitLab/GitHub-flavoured Markdown, ending with a newline.
std::string render_plan_markdown(const Plan& plan);

}  // namespace certplan
