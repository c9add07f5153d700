#pragma once

// Recovery of host transactions that a killed run left unfinished, run by
// `certplan apply` before anything else: each host with a journal is
// brought back to the state it was verified in before that run.

#include <chrono>
#include <string>
#include <vector>

#include "engine/journal.h"
#include "engine/reporter.h"
#include "engine/session_pool.h"
#include "engine/tls_probe.h"
#include "state/desired.h"

namespace certplan {

struct RecoveryOptions {
  std::chrono::milliseconds test_timeout{30000};
  std::chrono::milliseconds reload_timeout{30000};
  std::chrono::milliseconds verify_budget{10000};
  std::chrono::milliseconds verify_poll_interval{100};
  std::chrono::milliseconds verify_confirm_interval{150};
  std::chrono::milliseconds probe_timeout{10000};
};

enum class RecoveryOutcome {
  completed,  // the host had verified (or nothing was written): the lock and journal were removed
  restored,   // the backups were put back, reloaded and the old certificates are served
  failed,     // the journal is kept, and the message explains why
};

struct RecoveredHost {
  std::string server;
  std::string run_id;  // of the killed run
  RecoveryOutcome outcome = RecoveryOutcome::failed;
  std::string message;  // what recovery did, or why it failed
};

struct RecoveryReport {
  std::vector<RecoveredHost> hosts;

  bool all_recovered() const;
};

// Recovers every host with a journal left behind, one after another. A
// failed recovery keeps its journal (and the lock on the host), so that the
// host is not changed by this run and the next run tries again.
RecoveryReport recover_unfinished(const DesiredState& desired, Journal& journal,
                                  SessionPool& sessions, TlsProbe& probe, Reporter& reporter,
                                  const RecoveryOptions& options);

}  // namespace certplan
