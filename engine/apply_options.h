#pragma once

// What `certplan apply` works with: the services it calls and its limits.

#include <chrono>
#include <cstddef>
#include <string>

#include "engine/clock.h"
#include "engine/issuer.h"
#include "engine/journal.h"
#include "engine/notifier.h"
#include "engine/reporter.h"
#include "engine/session_pool.h"
#include "engine/tls_probe.h"
#include "state/certificate_store.h"

namespace certplan {

// apply changes hosts; dry_run only checks that each host could be changed
// (engine/dry_run.h) and neither issues nor writes certificates.
enum class ApplyMode { apply, dry_run };

struct ApplyOptions {
  ApplyMode mode = ApplyMode::apply;
  std::size_t parallelism = 10;                     // hosts (and issues) worked on at once
  std::chrono::milliseconds test_timeout{30000};    // nginx_test_command
  std::chrono::milliseconds reload_timeout{30000};  // nginx_reload_command
  std::chrono::milliseconds verify_budget{10000};   // per domain, until the new leaf is served
  std::chrono::milliseconds verify_poll_interval{100};  // first wait; doubles up to 1 s
  std::chrono::milliseconds verify_confirm_interval{150};  // see PollOptions::confirm_interval
  std::chrono::milliseconds probe_timeout{10000};   // one handshake and GET
  std::size_t backups_kept = 3;                     // per file, the newest
  std::string run_id;                               // in lock files, journals and notifications
  int renewal_threshold_days = 30;                  // a verified leaf must have more days left
};

// The services of one apply. Every reference must outlive execute_plan;
// `notifier` may be null (no notifications configured).
struct ExecutionContext {
  CertificateStore& store;
  Issuer& issuer;
  SessionPool& sessions;
  TlsProbe& probe;
  const Clock& clock;
  Reporter& reporter;
  Notifier* notifier;
  Journal& journal;
};

}  // namespace certplan
