#include "engine/gitlab_report.h"

namespace certplan {

nlohmann::json gitlab_report(const Plan& plan) {
  int create = 0;
  int update = 0;
  for (const auto& action : plan.actions) {
    if (action.kind == ActionKind::issue) {
      ++(action.new_key ? update : create);
    } else if (action.kind == ActionKind::deploy) {
      ++(action.before ? update : create);
    }
  }
  return {{"create", create}, {"update", update}, {"delete", 0}};
}

}  // namespace certplan
