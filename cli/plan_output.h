#pragma once

// Printing and saving plans in the formats of `plan`, `show` and `apply`.

#include <filesystem>
#include <ostream>

#include "cli/command_line.h"
#include "engine/plan.h"

namespace certplan {

void print_plan(const Plan& plan, OutputFormat format, bool color, std::ostream& out);

// Writes the plan file (versioned JSON) atomically. Throws on failure.
void save_plan(const Plan& plan, const std::filesystem::path& path);

// Reads a plan file. Throws with the path and the problem for a missing,
// malformed or too new file.
Plan load_plan(const std::filesystem::path& path);

// Writes {"create": n, "update": n, "delete": n} for GitLab's merge-request
// widget. Throws on failure.
void save_gitlab_report(const Plan& plan, const std::filesystem::path& path);

}  // namespace certplan
