#pragma once

// Steps a host transaction and the recovery of a killed run both take:
// running nginx's commands, putting backups back and waiting for a
// certificate to be served.

#include <chrono>
#include <string>
#include <vector>

#include "engine/host_session.h"
#include "engine/journal.h"
#include "engine/tls_probe.h"
#include "state/result.h"

namespace certplan {

// Runs `command`; a non-zero exit status fails with ErrorKind::failed and a
// message "`<command>` exited with status 1: <output>".
[[nodiscard]] Result<void> run_host_command(HostSession& session, const std::string& command,
                                            std::chrono::milliseconds timeout);

// Puts every file back as it was before the transaction: a backed-up file
// is copied beside its target and renamed over it, a file that did not exist
// is removed. Tries every file and reports all failures in one error.
[[nodiscard]] Result<void> restore_files(HostSession& session, const std::vector<JournalFile>& files);

struct PollOptions {
  std::chrono::milliseconds budget{10000};
  std::chrono::milliseconds first_interval{100};  // doubles after each attempt, up to 1 s
  std::chrono::milliseconds probe_timeout{10000};
  bool http_request = false;
  // Whether a match needs a second probe `confirm_interval` later, because
  // nginx's master lets old workers accept for 100 ms after new ones start.
  bool confirm = true;
  std::chrono::milliseconds confirm_interval{150};
};

// Probes `target` until it serves `fingerprint`, or until the budget is
// spent. With `confirm`, two probes in a row, `confirm_interval` apart, must
// see it. Returns the matching probe result; fails (ErrorKind::failed)
// naming the expected and the last served fingerprint, or the last probe
// error.
[[nodiscard]] Result<ProbeResult> wait_until_served(TlsProbe& probe, const ProbeTarget& target,
                                                    const std::string& fingerprint,
                                                    const PollOptions& options);

}  // namespace certplan
