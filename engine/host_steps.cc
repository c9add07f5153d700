#include "engine/host_steps.h"

#include <algorithm>
#include <thread>

namespace certplan {

Result<void> run_host_command(HostSession& session, const std::string& command,
                              std::chrono::milliseconds timeout) {
  auto result = session.run(command, timeout);
  if (!result) return result.error().with_context("`" + command + "`");
  if (result.value().exit_status != 0) {
    return make_error(ErrorKind::failed, "`" + command + "` exited with status " +
                                             std::to_string(result.value().exit_status) + ": " +
                                             result.value().output);
  }
  return success();
}

Result<void> restore_files(HostSession& session, const std::vector<JournalFile>& files) {
  std::string failures;
  auto note = [&](const std::string& path, const Error& error) {
    if (!failures.empty()) failures += "; ";
    failures += path + ": " + error.message;
  };

  for (const JournalFile& file : files) {
    if (!file.backup) {
      if (auto removed = session.remove_file(file.target); !removed) note(file.target, removed.error());
      continue;
    }
    // Copying beside the target and renaming keeps the target whole at
    // every moment, and leaves the backup in place for a second attempt.
    const std::string staged = file.target + ".certplan-restore";
    auto copied = session.copy_file(*file.backup, staged);
    if (!copied) {
      note(file.target, copied.error());
      continue;
    }
    if (auto renamed = session.rename_file(staged, file.target); !renamed) {
      note(file.target, renamed.error());
    }
  }

  if (!failures.empty()) return make_error(ErrorKind::failed, "could not restore " + failures);
  return success();
}

Result<ProbeResult> wait_until_served(TlsProbe& probe, const ProbeTarget& target,
                                      const std::string& fingerprint, const PollOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.budget;
  std::chrono::milliseconds interval = options.first_interval;
  std::string last_seen = "nothing";

  // A second probe on a new connection confirms a match. It comes after the
  // 100 ms in which nginx's master lets the old workers accept beside the new.
  while (true) {
    auto result = probe.probe(target, options.http_request, options.probe_timeout);
    if (result && result.value().leaf.fingerprint == fingerprint) {
      if (!options.confirm) return result;
      std::this_thread::sleep_for(options.confirm_interval);
      result = probe.probe(target, options.http_request, options.probe_timeout);
      if (result && result.value().leaf.fingerprint == fingerprint) return result;
    }
    last_seen = result ? "certificate " + result.value().leaf.fingerprint
                       : "an error (" + result.error().message + ")";

    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(interval, deadline - now));
    interval = std::min(interval * 2, std::chrono::milliseconds(1000));
  }

  return make_error(ErrorKind::failed,
                    target.address + ":" + std::to_string(target.port) + " (SNI " +
                        target.server_name + ") serves " + last_seen + ", expected certificate " +
                        fingerprint + " (after " + std::to_string(options.budget.count()) + " ms)");
}

}  // namespace certplan
