#pragma once

// Exit codes of the certplan command, the same for cron, systemd and CI.
namespace certplan::exit_code {

constexpr int ok = 0;
constexpr int error = 1;            // invalid input, or apply changed nothing because of an error
constexpr int changes = 2;          // plan --detailed-exitcode: the plan has actions
constexpr int hosts_failed = 3;     // apply: some hosts failed and are back in their previous state
constexpr int rollback_failed = 4;  // apply: a rollback failed; a host needs a person

}  // namespace certplan::exit_code
