#pragma once

// The write-ahead journal of host transactions: one JSON Lines file per
// server under {state_dir}/journal/, appended and fsynced before each step,
// so that a run killed halfway leaves enough behind to undo what it did
// (see engine/recovery.h). Removed when the host's transaction finishes.

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "state/result.h"

namespace certplan {

// Version of the journal format, written in the first line of each journal.
inline constexpr int journal_version = 1;

// The steps of a host transaction, in order. `release` is logged once the
// host is in a verified state again (after verify, or after a successful
// rollback): a journal that reaches it needs only its lock removed.
enum class JournalStep { lock, backup, write, test, reload, verify, rollback, release };

std::string_view journal_step_name(JournalStep step);  // "lock", ...
std::optional<JournalStep> parse_journal_step(std::string_view name);

// One file the transaction replaces.
struct JournalFile {
  std::string domain;
  std::string target;                 // absolute remote path
  std::optional<std::string> backup;  // the backup copy; nullopt when the file did not exist before
};

struct JournalEntry {
  std::string run_id;
  JournalStep step = JournalStep::lock;
  std::string time;                                    // RFC 3339 UTC
  std::vector<JournalFile> files;
  std::map<std::string, std::string> old_fingerprints;  // domain -> leaf served before
  std::map<std::string, std::string> new_fingerprints;  // domain -> leaf being deployed
};

// Everything one server's journal contains.
struct JournalRecord {
  std::string server;
  std::string run_id;                 // from the header
  std::vector<JournalEntry> entries;  // in the order they were appended

  // Whether a step was started (an entry for it was appended).
  bool reached(JournalStep step) const;
  // The files of the last entry that lists any.
  std::vector<JournalFile> files() const;
  // Fingerprints merged over all entries.
  std::map<std::string, std::string> old_fingerprints() const;
};

class Journal {
 public:
  // Journals live in `{state_dir}/journal`, created with mode 0700 on first use.
  explicit Journal(std::filesystem::path state_dir);
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  std::filesystem::path path_of(const std::string& server) const;

  // Appends `entry` to the server's journal and fsyncs it before returning.
  // A new journal starts with the version header line, and its directory is
  // fsynced too, so that the file survives a crash.
  [[nodiscard]] Result<void> append(const std::string& server, const JournalEntry& entry);

  // Removes the server's journal: its transaction finished.
  [[nodiscard]] Result<void> remove(const std::string& server);

  // Servers with a journal left behind, sorted.
  std::vector<std::string> unfinished_servers() const;

  // Reads a journal. Fails with ErrorKind::invalid, naming the file, for a
  // header of another version or a line that is not a journal entry.
  [[nodiscard]] Result<JournalRecord> read(const std::string& server) const;

 private:
  [[nodiscard]] Result<void> ensure_directory();

  std::filesystem::path directory_;
  std::mutex directory_mutex_;
  bool directory_ready_ = false;
};

}  // namespace certplan
