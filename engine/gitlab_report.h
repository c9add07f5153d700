#pragma once

// The plan summary GitLab shows on a merge request
// (artifacts:reports:terraform): {"create": n, "update": n, "delete": n}.
// docs/plan-format.md defines which actions count as what.

#include <nlohmann/json.hpp>

#include "engine/plan.h"

namespace certplan {

// create: first issues and deploys to a server without the domain's files.
// update: issues that replace a stored certificate and deploys that replace
// files. Reloads and verifies change no certificate and are not counted, and
// certplan never deletes, so delete is always 0.
nlohmann::json gitlab_report(const Plan& plan);

}  // namespace certplan
