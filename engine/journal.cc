#include "engine/journal.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace certplan {

namespace {

constexpr std::string_view journal_suffix = ".jsonl";

constexpr std::pair<JournalStep, std::string_view> step_names[] = {
    {JournalStep::lock, "lock"},       {JournalStep::backup, "backup"},
    {JournalStep::write, "write"},     {JournalStep::test, "test"},
    {JournalStep::reload, "reload"},   {JournalStep::verify, "verify"},
    {JournalStep::rollback, "rollback"}, {JournalStep::release, "release"},
};

void check_server_name(const std::string& server) {
  if (server.empty() || server.starts_with('.') || server.find('/') != std::string::npos) {
    throw std::invalid_argument("server name \"" + server + "\" cannot be used as a journal file name");
  }
}

std::string errno_text(int error) { return std::strerror(error); }

// Closes a POSIX file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<void> write_all(int fd, const std::string& text, const std::filesystem::path& path) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t count = ::write(fd, text.data() + written, text.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      return make_error(ErrorKind::failed, "could not write journal " + path.string() + ": " +
                                               errno_text(errno));
    }
    written += static_cast<std::size_t>(count);
  }
  return success();
}

Result<void> sync_path(const std::filesystem::path& path, int flags) {
  const FileDescriptor fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0) {
    return make_error(ErrorKind::failed, "could not fsync " + path.string() + ": " + errno_text(errno));
  }
  return success();
}

nlohmann::json entry_to_json(const JournalEntry& entry) {
  nlohmann::json files = nlohmann::json::array();
  for (const JournalFile& file : entry.files) {
    nlohmann::json item{{"domain", file.domain}, {"target", file.target}};
    item["backup"] = file.backup ? nlohmann::json(*file.backup) : nlohmann::json(nullptr);
    files.push_back(std::move(item));
  }
  return nlohmann::json{{"run_id", entry.run_id},
                        {"step", journal_step_name(entry.step)},
                        {"time", entry.time},
                        {"files", std::move(files)},
                        {"old_fingerprints", entry.old_fingerprints},
                        {"new_fingerprints", entry.new_fingerprints}};
}

JournalEntry entry_from_json(const nlohmann::json& json) {
  JournalEntry entry;
  entry.run_id = json.at("run_id").get<std::string>();
  const auto step = parse_journal_step(json.at("step").get<std::string>());
  if (!step) throw std::invalid_argument("unknown step \"" + json.at("step").get<std::string>() + "\"");
  entry.step = *step;
  entry.time = json.at("time").get<std::string>();
  for (const nlohmann::json& item : json.at("files")) {
    JournalFile file;
    file.domain = item.at("domain").get<std::string>();
    file.target = item.at("target").get<std::string>();
    if (!item.at("backup").is_null()) file.backup = item.at("backup").get<std::string>();
    entry.files.push_back(std::move(file));
  }
  entry.old_fingerprints = json.at("old_fingerprints").get<std::map<std::string, std::string>>();
  entry.new_fingerprints = json.at("new_fingerprints").get<std::map<std::string, std::string>>();
  return entry;
}

}  // namespace

std::string_view journal_step_name(JournalStep step) {
  for (const auto& [value, name] : step_names) {
    if (value == step) return name;
  }
  return "unknown";
}

std::optional<JournalStep> parse_journal_step(std::string_view name) {
  for (const auto& [value, step_name] : step_names) {
    if (step_name == name) return value;
  }
  return std::nullopt;
}

bool JournalRecord::reached(JournalStep step) const {
  for (const JournalEntry& entry : entries) {
    if (entry.step == step) return true;
  }
  return false;
}

std::vector<JournalFile> JournalRecord::files() const {
  for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
    if (!entry->files.empty()) return entry->files;
  }
  return {};
}

std::map<std::string, std::string> JournalRecord::old_fingerprints() const {
  std::map<std::string, std::string> merged;
  for (const JournalEntry& entry : entries) {
    for (const auto& [domain, fingerprint] : entry.old_fingerprints) merged[domain] = fingerprint;
  }
  return merged;
}

Journal::Journal(std::filesystem::path state_dir) : directory_(std::move(state_dir) / "journal") {}

std::filesystem::path Journal::path_of(const std::string& server) const {
  check_server_name(server);
  return directory_ / (server + std::string(journal_suffix));
}

Result<void> Journal::ensure_directory() {
  const std::lock_guard lock(directory_mutex_);
  if (directory_ready_) return success();

  std::error_code error;
  const bool created = std::filesystem::create_directories(directory_, error);
  if (error) {
    return make_error(ErrorKind::failed, "could not create journal directory " +
                                             directory_.string() + ": " + error.message() +
                                             "; check CERTPLAN_STATE_DIR and its permissions");
  }
  if (created) {
    std::filesystem::permissions(directory_, std::filesystem::perms::owner_all, error);
    auto synced = sync_path(directory_.parent_path(), O_RDONLY | O_DIRECTORY);
    if (!synced) return synced.error();
  }
  directory_ready_ = true;
  return success();
}

Result<void> Journal::append(const std::string& server, const JournalEntry& entry) {
  const std::filesystem::path path = path_of(server);
  auto ready = ensure_directory();
  if (!ready) return ready.error();

  std::string text;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  const bool created = fd >= 0;
  if (!created && errno == EEXIST) fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  const FileDescriptor file(fd);
  if (file.get() < 0) {
    return make_error(ErrorKind::failed, "could not open journal " + path.string() + ": " +
                                             errno_text(errno));
  }

  if (created) {
    const nlohmann::json header{
        {"certplan_journal", journal_version}, {"server", server}, {"run_id", entry.run_id}};
    text += header.dump() + "\n";
  }
  text += entry_to_json(entry).dump() + "\n";

  auto written = write_all(file.get(), text, path);
  if (!written) return written.error();
  if (::fsync(file.get()) != 0) {
    return make_error(ErrorKind::failed, "could not fsync journal " + path.string() + ": " +
                                             errno_text(errno));
  }
  if (created) return sync_path(directory_, O_RDONLY | O_DIRECTORY);
  return success();
}

Result<void> Journal::remove(const std::string& server) {
  const std::filesystem::path path = path_of(server);
  std::error_code error;
  std::filesystem::remove(path, error);
  if (error) {
    return make_error(ErrorKind::failed, "could not remove journal " + path.string() + ": " +
                                             error.message());
  }
  return sync_path(directory_, O_RDONLY | O_DIRECTORY);
}

std::vector<std::string> Journal::unfinished_servers() const {
  std::vector<std::string> servers;
  std::error_code error;
  for (const auto& item : std::filesystem::directory_iterator(directory_, error)) {
    const std::string name = item.path().filename().string();
    if (item.is_regular_file() && name.ends_with(journal_suffix) && !name.starts_with('.')) {
      servers.push_back(name.substr(0, name.size() - journal_suffix.size()));
    }
  }
  std::sort(servers.begin(), servers.end());
  return servers;
}

Result<JournalRecord> Journal::read(const std::string& server) const {
  const std::filesystem::path path = path_of(server);
  std::ifstream in(path);
  if (!in) return make_error(ErrorKind::not_found, "journal " + path.string() + " not found");

  JournalRecord record;
  record.server = server;
  std::string line;
  int line_number = 0;
  try {
    while (std::getline(in, line)) {
      ++line_number;
      if (line.empty()) continue;
      const nlohmann::json json = nlohmann::json::parse(line);
      if (line_number == 1) {
        const int version = json.at("certplan_journal").get<int>();
        if (version != journal_version) {
          return make_error(ErrorKind::invalid,
                            "journal " + path.string() + " has format version " +
                                std::to_string(version) + ", but this certplan reads version " +
                                std::to_string(journal_version) +
                                "; finish it with the certplan that wrote it, or check the host "
                                "by hand and remove the journal");
        }
        record.run_id = json.at("run_id").get<std::string>();
        continue;
      }
      record.entries.push_back(entry_from_json(json));
    }
  } catch (const std::exception& error) {
    // A line cut short by a crash during append ends the usable journal, but
    // only as its last line: anything earlier is damage that needs a person.
    if (in.peek() == std::char_traits<char>::eof() && line_number > 1) return record;
    return make_error(ErrorKind::invalid, "journal " + path.string() + " line " +
                                              std::to_string(line_number) +
                                              " is not a journal entry: " + error.what());
  }
  if (line_number == 0) {
    return make_error(ErrorKind::invalid, "journal " + path.string() + " is empty");
  }
  return record;
}

}  // namespace certplan
