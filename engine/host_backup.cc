#include "engine/host_backup.h"

#include <algorithm>
#include <ctime>

namespace certplan {

namespace {

constexpr std::string_view backup_marker = ".certplan-backup-";

std::pair<std::string, std::string> split_path(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string join_path(const std::string& directory, const std::string& name) {
  return directory.ends_with('/') ? directory + name : directory + "/" + name;
}

}  // namespace

std::string backup_path(const std::string& file, std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return file + std::string(backup_marker) + stamp;
}

Result<NamedBackups> name_backups(HostSession& session, const std::vector<ReplacedFile>& files,
                                  std::chrono::system_clock::time_point time) {
  NamedBackups named;
  for (const ReplacedFile& file : files) {
    const auto [directory, name] = split_path(file.target);
    if (!named.listings.contains(directory)) {
      auto entries = session.list_directory(directory, "");
      if (!entries) return entries.error().with_context("could not list " + directory);
      named.listings[directory] = std::move(entries.value());
    }

    JournalFile journal_file{file.domain, file.target, std::nullopt};
    const auto& listed = named.listings[directory];
    if (std::find(listed.begin(), listed.end(), name) != listed.end()) {
      journal_file.backup = backup_path(file.target, time);
    }
    named.files.push_back(std::move(journal_file));
  }
  return named;
}

Result<void> make_backups(HostSession& session, const std::vector<JournalFile>& files) {
  for (const JournalFile& file : files) {
    if (!file.backup) continue;
    auto copied = session.copy_file(file.target, *file.backup);
    if (!copied) {
      return copied.error().with_context("could not back up " + file.target + " to " + *file.backup);
    }
  }
  return success();
}

Result<void> prune_backups(HostSession& session, const std::string& target, std::size_t keep,
                           const std::string& just_made, const DirectoryListings& listings) {
  const auto [directory, name] = split_path(target);
  const std::string prefix = name + std::string(backup_marker);
  std::vector<std::string> backups;
  if (auto listed = listings.find(directory); listed != listings.end()) {
    for (const std::string& entry : listed->second) {
      if (entry.starts_with(prefix)) backups.push_back(entry);
    }
  }
  const std::string just_made_name = split_path(just_made).second;
  if (std::find(backups.begin(), backups.end(), just_made_name) == backups.end()) {
    backups.push_back(just_made_name);
  }

  // The UTC stamp sorts in time order, so the newest come last.
  std::sort(backups.begin(), backups.end());
  if (backups.size() <= keep) return success();

  const std::size_t surplus = backups.size() - keep;
  for (std::size_t i = 0; i < surplus; ++i) {
    const std::string path = join_path(directory, backups[i]);
    if (path == just_made) continue;
    auto removed = session.remove_file(path);
    if (!removed) return removed.error().with_context("could not remove old backup " + path);
  }
  return success();
}

}  // namespace certplan
