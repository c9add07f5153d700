#pragma once

// Backups of the files a host transaction replaces:
// "{file}.certplan-backup-<UTC YYYYMMDDTHHMMSSZ>" beside each file, the
// newest few kept.

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "engine/host_session.h"
#include "engine/journal.h"
#include "state/result.h"

namespace certplan {

// A file the transaction will write, with the domain it belongs to.
struct ReplacedFile {
  std::string domain;
  std::string target;
};

std::string backup_path(const std::string& file, std::chrono::system_clock::time_point time);

// Directory listings by directory, taken before any backup was made.
using DirectoryListings = std::map<std::string, std::vector<std::string>>;

struct NamedBackups {
  std::vector<JournalFile> files;
  DirectoryListings listings;
};

// Looks up which targets exist and names a backup for each of them. A
// target that does not exist gets no backup, so a rollback removes it.
// Lists each directory once, however many targets it contains, because
// every listing is a remote command.
[[nodiscard]] Result<NamedBackups> name_backups(HostSession& session, const std::vector<ReplacedFile>& files,
                                                std::chrono::system_clock::time_point time);

// Copies each existing target to its backup.
[[nodiscard]] Result<void> make_backups(HostSession& session, const std::vector<JournalFile>& files);

// Removes all but the newest `keep` backups of `target`, never `just_made`.
// Takes the directory's entries from `listings`, as name_backups returned
// them, plus `just_made`, so the directory is not listed again.
[[nodiscard]] Result<void> prune_backups(HostSession& session, const std::string& target, std::size_t keep,
                                         const std::string& just_made, const DirectoryListings& listings);

}  // namespace certplan
