#include "engine/host_transaction.h"

#include <algorithm>
#include <filesystem>

#include "engine/host_backup.h"
#include "engine/host_steps.h"
#include "engine/plan_time.h"
#include "engine/refresh.h"
#include "engine/remote_lock.h"

namespace certplan {

namespace {

constexpr auto seconds_per_day = std::chrono::hours(24);

// Holds the state of one transaction while its steps run in order.
class HostTransaction {
 public:
  HostTransaction(const HostWork& work, ExecutionContext& context, const ApplyOptions& options)
      : work_(work), server_(*work.server), context_(context), options_(options) {
    report_.server = server_.name;
    report_.skipped_domains = work.skipped_domains;
  }

  HostReport run() {
    if (std::filesystem::exists(context_.journal.path_of(server_.name))) {
      return fail("lock", "an unfinished journal " + context_.journal.path_of(server_.name).string() +
                              " is left from an earlier run and its recovery did not finish; "
                              "see the recovery messages above");
    }

    auto lease = context_.sessions.acquire(server_.name);
    if (!lease) {
      report_.outcome = HostOutcome::unreachable;
      report_.failed_step = "connect";
      report_.message = lease.error().message;
      context_.reporter.step(server_.name, "connect", StepStatus::failed, report_.message);
      return report_;
    }
    session_ = &lease.value().session();

    if (!lock()) return report_;
    if (!work_.deploys.empty() && !back_up()) return report_;
    if (!write() || !check_and_reload() || !verify()) return roll_back_or_fail();
    return finish(HostOutcome::applied);
  }

 private:
  // --- the steps -----------------------------------------------------------

  bool lock() {
    if (!journal(JournalStep::lock)) return false;
    begin("lock");
    const LockOwner owner = current_lock_owner(options_.run_id, context_.clock);
    auto locked = acquire_remote_lock(*session_, server_, owner, context_.clock);
    if (!locked) {
      fail("lock", locked.error().message);
      discard_journal();
      return false;
    }
    end("lock");
    return true;
  }

  bool back_up() {
    std::vector<ReplacedFile> replaced;
    for (const DeployItem& item : work_.deploys) {
      replaced.push_back({item.domain, item.cert_file});
      replaced.push_back({item.domain, item.key_file});
    }
    begin("backup");
    auto named = name_backups(*session_, replaced, context_.clock.now());
    if (!named) return fail_before_change("backup", named.error().message);
    files_ = std::move(named.value().files);
    const DirectoryListings listings = std::move(named.value().listings);

    if (!journal(JournalStep::backup)) {
      abandon();
      return false;
    }
    if (auto made = make_backups(*session_, files_); !made) {
      return fail_before_change("backup", made.error().message);
    }
    for (const JournalFile& file : files_) {
      if (!file.backup) continue;
      auto pruned = prune_backups(*session_, file.target, options_.backups_kept, *file.backup, listings);
      if (!pruned) return fail_before_change("backup", pruned.error().message);
    }
    end("backup");
    return true;
  }

  bool write() {
    if (work_.deploys.empty()) return true;
    if (!journal(JournalStep::write)) return false;
    written_ = true;
    for (const DeployItem& item : work_.deploys) {
      const std::string step = "deploy " + item.domain;
      begin(step);
      auto cert = session_->write_file(item.cert_file, item.files.fullchain_pem, 0644);
      if (!cert) return fail_step(step, "write", "could not write " + item.cert_file + ": " + cert.error().message);
      auto key = session_->write_file(item.key_file, item.files.key_pem.reveal(), 0600);
      if (!key) return fail_step(step, "write", "could not write " + item.key_file + ": " + key.error().message);
      end(step);
    }
    return true;
  }

  bool check_and_reload() {
    if (!journal(JournalStep::test)) return false;
    begin("test");
    if (auto tested = run_host_command(*session_, server_.nginx_test_command, options_.test_timeout); !tested) {
      return fail_step("test", "test", "test failed: " + tested.error().message);
    }
    end("test");

    if (!journal(JournalStep::reload)) return false;
    begin("reload");
    if (auto reloaded = run_host_command(*session_, server_.nginx_reload_command, options_.reload_timeout); !reloaded) {
      return fail_step("reload", "reload", "reload failed: " + reloaded.error().message);
    }
    reloaded_ = true;
    end("reload");
    return true;
  }

  bool verify() {
    if (!journal(JournalStep::verify)) return false;

    // nginx's old workers are gone once one confirmation has waited them
    // out, so the domains after it need only one match.
    bool settled = false;
    for (const VerifyItem& item : work_.verifies) {
      const std::string step = "verify " + item.domain;
      begin(step);
      // The old workers serve what nginx served before the reload, so when
      // that is already the expected certificate, any match is proof.
      const bool confirm = !settled && item.served_before != item.expected_fingerprint;
      auto checked = verify_domain(item, confirm);
      if (!checked) return fail_step(step, "verify", "verify failed: " + checked.error().message);
      settled = settled || confirm;
      end(step);
    }
    return true;
  }

  Result<void> verify_domain(const VerifyItem& item, bool confirm) {
    const ProbeTarget target{server_.host, server_.https_port, probe_server_name(item.domain)};
    auto served = wait_until_served(context_.probe, target, item.expected_fingerprint,
                                    poll_options(true, confirm));
    if (!served) return served.error();
    const ProbeResult& result = served.value();

    if (result.http_status < 200 || result.http_status > 399) {
      return make_error(ErrorKind::failed, "https://" + target.server_name + "/ on " + target.address +
                                               ":" + std::to_string(target.port) + " returned HTTP status " +
                                               std::to_string(result.http_status) + ", expected 2xx or 3xx");
    }
    const auto& names = result.leaf.names;
    if (std::find(names.begin(), names.end(), item.domain) == names.end()) {
      return make_error(ErrorKind::failed, "the served certificate " + result.leaf.fingerprint +
                                               " does not name " + item.domain);
    }
    const auto days_left = (result.leaf.not_after - context_.clock.now()) / seconds_per_day;
    if (days_left <= options_.renewal_threshold_days) {
      return make_error(ErrorKind::failed, "the served certificate " + result.leaf.fingerprint + " has " +
                                               std::to_string(days_left) + " days left, not more than the threshold " +
                                               std::to_string(options_.renewal_threshold_days));
    }
    if (!result.chain_trusted) {
      return make_error(ErrorKind::failed, "the served chain is not trusted: " + result.trust_error);
    }
    return success();
  }

  // --- endings -------------------------------------------------------------

  HostReport roll_back_or_fail() {
    if (!written_) {
      // Nothing was written, so the host still runs what it ran before.
      if (journal_failed_) {
        abandon();
      } else {
        finish_cleanly();
      }
      return report_;
    }

    // The restore runs even when its journal entry could not be written:
    // the entries before it already name every backup.
    static_cast<void>(journal(JournalStep::rollback));
    begin("rollback");
    auto restored = roll_back();
    if (!restored) {
      report_.outcome = HostOutcome::rollback_failed;
      report_.message += "; rollback failed: " + restored.error().message;
      report_.manual_steps = manual_steps();
      context_.reporter.step(server_.name, "rollback", StepStatus::failed, restored.error().message);
      notify(NotificationKind::rollback_failed);
      return report_;
    }
    end("rollback");
    report_.outcome = HostOutcome::rolled_back;
    notify(NotificationKind::rolled_back);
    finish_cleanly();
    return report_;
  }

  // Puts the backups back and proves it by the served certificate. Until a
  // reload succeeded, nginx still serves the files it loaded before this
  // transaction, so the test and reload after the restore are only tried.
  // A configuration broken apart from certplan's files then cannot turn a
  // clean restore into a failed rollback. After a successful reload, nginx
  // serves the new files, and only a passing test and reload bring the old
  // ones back.
  Result<void> roll_back() {
    if (auto restored = restore_files(*session_, files_); !restored) return restored.error();

    auto tested = run_host_command(*session_, server_.nginx_test_command, options_.test_timeout);
    if (!tested && reloaded_) return tested.error().with_context("test after restore");
    if (tested) {
      auto reloaded = run_host_command(*session_, server_.nginx_reload_command, options_.reload_timeout);
      if (!reloaded && reloaded_) return reloaded.error().with_context("reload after restore");
    }

    // Without a reload of the new files, the old workers already serve the
    // previous certificates. After one, the first confirmed match outlasts them.
    bool confirm = reloaded_;
    for (const VerifyItem& item : work_.verifies) {
      if (!item.previous_fingerprint) continue;
      const ProbeTarget target{server_.host, server_.https_port, probe_server_name(item.domain)};
      auto served =
          wait_until_served(context_.probe, target, *item.previous_fingerprint, poll_options(false, confirm));
      if (!served) return served.error().with_context("previous certificate not served again");
      confirm = false;
    }
    return success();
  }

  HostReport finish(HostOutcome outcome) {
    report_.outcome = outcome;
    finish_cleanly();
    return report_;
  }

  // Logs the verified state, removes the lock and then the journal. A lock
  // that cannot be removed keeps the journal, so the next run removes it.
  void finish_cleanly() {
    if (!journal(JournalStep::release)) return;
    auto released = release_remote_lock(*session_, server_);
    if (!released) {
      report_.message += (report_.message.empty() ? "" : "; ") + released.error().message;
      if (report_.outcome == HostOutcome::applied) report_.outcome = HostOutcome::failed;
      if (report_.failed_step.empty()) report_.failed_step = "release";
      return;
    }
    discard_journal();
  }

  // Removes the lock and the journal without logging a release, for a
  // transaction stopped before its first write because the journal failed.
  void abandon() {
    auto released = release_remote_lock(*session_, server_);
    if (!released) {
      report_.message += "; " + released.error().message;
      return;
    }
    discard_journal();
  }

  bool fail_before_change(const std::string& step, const std::string& message) {
    fail(step, message);
    finish_cleanly();
    return false;
  }

  bool fail_step(const std::string& reported_step, const std::string& step, const std::string& message) {
    report_.outcome = HostOutcome::failed;
    report_.failed_step = step;
    report_.message = message;
    context_.reporter.step(server_.name, reported_step, StepStatus::failed, message);
    return false;
  }

  HostReport fail(const std::string& step, const std::string& message) {
    fail_step(step, step, message);
    return report_;
  }

  // --- helpers -------------------------------------------------------------

  bool journal(JournalStep step) {
    JournalEntry entry;
    entry.run_id = options_.run_id;
    entry.step = step;
    entry.time = format_rfc3339(context_.clock.now());
    entry.files = files_;
    for (const VerifyItem& item : work_.verifies) {
      entry.new_fingerprints[item.domain] = item.expected_fingerprint;
      if (item.previous_fingerprint) entry.old_fingerprints[item.domain] = *item.previous_fingerprint;
    }
    auto appended = context_.journal.append(server_.name, entry);
    if (appended) return true;

    journal_failed_ = true;
    const std::string name(journal_step_name(step));
    if (report_.failed_step.empty()) {
      fail_step(name, name, "could not journal the step, so it was not started: " + appended.error().message);
    } else {
      report_.message += "; could not journal the " + name + " step: " + appended.error().message;
    }
    return false;
  }

  void discard_journal() {
    auto removed = context_.journal.remove(server_.name);
    if (!removed) report_.message += (report_.message.empty() ? "" : "; ") + removed.error().message;
  }

  void notify(NotificationKind kind) {
    if (context_.notifier == nullptr) return;
    const Notification notification{kind, server_.name, report_.failed_step, report_.message, options_.run_id};
    auto sent = context_.notifier->notify(notification);
    if (!sent) report_.message += "; notification failed: " + sent.error().message;
  }

  std::string manual_steps() const {
    std::string steps = "on " + server_.name + ", restore the previous files:";
    for (const JournalFile& file : files_) {
      steps += file.backup ? " cp -p " + *file.backup + " " + file.target + ";" : " rm -f " + file.target + ";";
    }
    steps += " then run `" + server_.nginx_test_command + "` and `" + server_.nginx_reload_command +
             "`, check the served certificate, and remove " + lock_path(server_) + " and the journal " +
             context_.journal.path_of(server_.name).string() +
             ". The next certplan apply retries this restore from the journal by itself.";
    return steps;
  }

  PollOptions poll_options(bool http_request, bool confirm) const {
    PollOptions poll;
    poll.budget = options_.verify_budget;
    poll.first_interval = options_.verify_poll_interval;
    poll.confirm_interval = options_.verify_confirm_interval;
    poll.probe_timeout = options_.probe_timeout;
    poll.http_request = http_request;
    poll.confirm = confirm;
    return poll;
  }

  void begin(const std::string& step) { context_.reporter.step(server_.name, step, StepStatus::started, ""); }
  void end(const std::string& step) { context_.reporter.step(server_.name, step, StepStatus::succeeded, ""); }

  const HostWork& work_;
  const ServerConfig& server_;
  ExecutionContext& context_;
  const ApplyOptions& options_;
  HostSession* session_ = nullptr;
  std::vector<JournalFile> files_;
  bool written_ = false;
  bool reloaded_ = false;  // the reload command succeeded in this transaction
  bool journal_failed_ = false;
  HostReport report_;
};

}  // namespace

HostReport run_host_transaction(const HostWork& work, ExecutionContext& context,
                                const ApplyOptions& options) {
  return HostTransaction(work, context, options).run();
}

}  // namespace certplan
