#pragma once

// The configuration as certplan will use it, for
// `certplan validate --show-config`.

#include <string>

#include "state/desired.h"

namespace certplan {

// Renders every setting, server field and domain field with its effective
// value and where it came from (file:line:column, "environment", the .env
// file and line, or "default"). Secrets appear only as "(set, hidden)" or
// "(not set)". The output depends only on `state`, in file order.
[[nodiscard]] std::string render_effective_config(const DesiredState& state);

}  // namespace certplan
