#include "engine/remote_lock.h"

#include "engine/plan_time.h"

#include <sstream>

#include <unistd.h>

namespace certplan {

namespace {

std::string local_hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string describe_age(std::chrono::system_clock::duration age) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(age).count();
  if (seconds < 0) return "in the future; check the clocks";
  if (seconds < 60) return std::to_string(seconds) + " s ago";
  if (seconds < 2 * 3600) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 2 * 86400) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " days ago";
}

Error held_lock_error(const ServerConfig& server, const std::string& content, const Clock& clock) {
  const std::string path = lock_path(server);
  const auto owner = parse_lock_owner(content);
  std::string holder;
  if (!owner) {
    holder = "an unreadable lock file";
  } else {
    holder = "host=" + owner->host + " pid=" + owner->pid + " run=" + owner->run_id + " since " +
             owner->since;
    if (const auto since = parse_rfc3339(owner->since)) {
      holder += " (" + describe_age(clock.now() - *since) + ")";
    }
  }
  return make_error(ErrorKind::locked, server.name + " is locked by " + holder +
                                           ": another certplan run is applying there; if none is, "
                                           "remove " + path);
}

}  // namespace

std::string lock_path(const ServerConfig& server) {
  std::string directory = server.cert_path;
  while (directory.size() > 1 && directory.ends_with('/')) directory.pop_back();
  return directory + "/.certplan.lock";
}

LockOwner current_lock_owner(const std::string& run_id, const Clock& clock) {
  return LockOwner{local_hostname(), std::to_string(::getpid()), run_id, format_rfc3339(clock.now())};
}

std::string format_lock_owner(const LockOwner& owner) {
  return "host=" + owner.host + " pid=" + owner.pid + " run=" + owner.run_id + " since=" + owner.since;
}

std::optional<LockOwner> parse_lock_owner(const std::string& content) {
  LockOwner owner;
  std::istringstream words(content);
  std::string word;
  int fields = 0;
  while (words >> word) {
    const auto equals = word.find('=');
    if (equals == std::string::npos) return std::nullopt;
    const std::string key = word.substr(0, equals);
    std::string value = word.substr(equals + 1);
    if (key == "host") owner.host = std::move(value);
    else if (key == "pid") owner.pid = std::move(value);
    else if (key == "run") owner.run_id = std::move(value);
    else if (key == "since") owner.since = std::move(value);
    else return std::nullopt;
    ++fields;
  }
  if (fields != 4 || owner.run_id.empty()) return std::nullopt;
  return owner;
}

Result<void> acquire_remote_lock(HostSession& session, const ServerConfig& server,
                                 const LockOwner& owner, const Clock& clock) {
  const std::string path = lock_path(server);
  auto created = session.create_exclusive(path, format_lock_owner(owner) + "\n");
  if (!created) return created.error().with_context("could not create lock " + path);
  if (created.value()) return success();

  auto content = session.read_files({path});
  if (!content) return content.error().with_context("could not read lock " + path);
  const auto& held = content.value()[path];
  return held_lock_error(server, held.value_or(""), clock);
}

Result<void> release_remote_lock(HostSession& session, const ServerConfig& server) {
  const std::string path = lock_path(server);
  auto removed = session.remove_file(path);
  if (!removed) return removed.error().with_context("could not remove lock " + path);
  return success();
}

Result<bool> release_remote_lock_of_run(HostSession& session, const ServerConfig& server,
                                        const std::string& run_id) {
  const std::string path = lock_path(server);
  auto content = session.read_files({path});
  if (!content) return content.error().with_context("could not read lock " + path);
  const auto& held = content.value()[path];
  if (!held) return false;

  const auto owner = parse_lock_owner(*held);
  if (!owner || owner->run_id != run_id) return false;
  auto released = release_remote_lock(session, server);
  if (!released) return released.error();
  return true;
}

}  // namespace certplan
