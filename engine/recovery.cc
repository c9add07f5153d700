#include "engine/recovery.h"

#include "engine/host_steps.h"
#include "engine/refresh.h"
#include "engine/remote_lock.h"

namespace certplan {

namespace {

// Puts back what the killed run wrote and checks that the certificates
// served before it are served again.
Result<void> restore_host(const ServerConfig& server, const JournalRecord& record,
                          HostSession& session, TlsProbe& probe, const RecoveryOptions& options) {
  if (auto restored = restore_files(session, record.files()); !restored) return restored.error();
  if (auto tested = run_host_command(session, server.nginx_test_command, options.test_timeout); !tested) {
    return tested.error().with_context("test after restore");
  }
  if (auto reloaded = run_host_command(session, server.nginx_reload_command, options.reload_timeout); !reloaded) {
    return reloaded.error().with_context("reload after restore");
  }

  // The certificate nginx served before this reload is unknown, so the first
  // match is confirmed. That also outlasts the old workers for the others.
  PollOptions poll;
  poll.budget = options.verify_budget;
  poll.first_interval = options.verify_poll_interval;
  poll.confirm_interval = options.verify_confirm_interval;
  poll.probe_timeout = options.probe_timeout;
  for (const auto& [domain, fingerprint] : record.old_fingerprints()) {
    const ProbeTarget target{server.host, server.https_port, probe_server_name(domain)};
    auto served = wait_until_served(probe, target, fingerprint, poll);
    if (!served) return served.error().with_context("previous certificate of " + domain + " not served again");
    poll.confirm = false;
  }
  return success();
}

// Removes the killed run's lock (never another run's) and then the journal.
Result<std::string> close_journal(const ServerConfig& server, const JournalRecord& record,
                                  HostSession& session, Journal& journal) {
  auto released = release_remote_lock_of_run(session, server, record.run_id);
  if (!released) return released.error();
  if (auto removed = journal.remove(server.name); !removed) return removed.error();
  return released.value() ? "removed its lock " + lock_path(server) : std::string("it held no lock");
}

RecoveredHost recover_host(const std::string& name, const DesiredState& desired, Journal& journal,
                           SessionPool& sessions, TlsProbe& probe, const RecoveryOptions& options) {
  RecoveredHost host{name, "", RecoveryOutcome::failed, ""};
  const std::string kept = "; the journal " + journal.path_of(name).string() + " is kept";

  auto record = journal.read(name);
  if (!record) {
    host.message = record.error().message;
    return host;
  }
  host.run_id = record.value().run_id;

  const ServerConfig* server = desired.find_server(name);
  if (server == nullptr) {
    host.message = "server " + name + " is no longer in servers.yaml, so run " + host.run_id +
                   " cannot be recovered there" + kept + "; check the host by hand, then remove it";
    return host;
  }

  auto lease = sessions.acquire(name);
  if (!lease) {
    host.message = lease.error().message + kept + " for the next run";
    return host;
  }
  HostSession& session = lease.value().session();

  std::string done;
  if (record.value().reached(JournalStep::release)) {
    done = "run " + host.run_id + " had finished with the host in a verified state";
    host.outcome = RecoveryOutcome::completed;
  } else if (record.value().reached(JournalStep::write)) {
    auto restored = restore_host(*server, record.value(), session, probe, options);
    if (!restored) {
      host.message = "could not undo run " + host.run_id + ": " + restored.error().message + kept +
                     " for the next run";
      return host;
    }
    done = "restored the files run " + host.run_id + " replaced, reloaded nginx and saw the previous certificates served";
    host.outcome = RecoveryOutcome::restored;
  } else {
    done = "run " + host.run_id + " stopped before writing any file";
    host.outcome = RecoveryOutcome::completed;
  }

  auto closed = close_journal(*server, record.value(), session, journal);
  if (!closed) {
    host.outcome = RecoveryOutcome::failed;
    host.message = done + ", but " + closed.error().message + kept;
    return host;
  }
  host.message = done + "; " + closed.value();
  return host;
}

}  // namespace

bool RecoveryReport::all_recovered() const {
  for (const RecoveredHost& host : hosts) {
    if (host.outcome == RecoveryOutcome::failed) return false;
  }
  return true;
}

RecoveryReport recover_unfinished(const DesiredState& desired, Journal& journal,
                                  SessionPool& sessions, TlsProbe& probe, Reporter& reporter,
                                  const RecoveryOptions& options) {
  RecoveryReport report;
  for (const std::string& server : journal.unfinished_servers()) {
    reporter.step(server, "recover", StepStatus::started, "");
    RecoveredHost host = recover_host(server, desired, journal, sessions, probe, options);
    const StepStatus status = host.outcome == RecoveryOutcome::failed ? StepStatus::failed : StepStatus::succeeded;
    reporter.step(server, "recover", status, host.message);
    report.hosts.push_back(std::move(host));
  }
  return report;
}

}  // namespace certplan
