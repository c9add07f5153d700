#pragma once

// Plan files: `certplan plan -o FILE` writes one, `certplan apply FILE` and
// `certplan show FILE` read it. The content is engine/plan_json.h.

#include <filesystem>

#include "engine/plan.h"
#include "state/result.h"

namespace certplan {

// Writes `plan` to `path` atomically: a temporary file beside `path` is
// written, flushed to disk and renamed over it, so a reader never sees half
// a plan. Fails with the error of write_file_atomic, which names the path.
[[nodiscard]] Result<void> write_plan_file(const std::filesystem::path& path, const Plan& plan);

// Reads a plan file. A missing file fails with ErrorKind::not_found. A file
// that is not JSON or not a plan (see plan_from_json) fails with
// ErrorKind::invalid, and the message names the path and the field.
[[nodiscard]] Result<Plan> read_plan_file(const std::filesystem::path& path);

}  // namespace certplan
