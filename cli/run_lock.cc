#include "cli/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace certplan {
namespace {

std::string read_holder(int fd) {
  char buffer[256] = {};
  const ssize_t size = pread(fd, buffer, sizeof buffer - 1, 0);
  if (size <= 0) return "another process";
  std::string holder(buffer, static_cast<std::size_t>(size));
  while (!holder.empty() && holder.back() == '\n') holder.pop_back();
  return holder;
}

}  // namespace

RunLock::RunLock(const std::filesystem::path& state_dir) {
  std::error_code ignored;
  std::filesystem::create_directories(state_dir, ignored);
  const auto path = state_dir / "apply.lock";

  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    throw std::runtime_error("cannot open the run lock " + path.string() + ": " +
                             std::strerror(errno) + "; check CERTPLAN_STATE_DIR and its permissions");
  }

  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = read_holder(fd_);
    close(fd_);
    fd_ = -1;
    throw std::runtime_error("another certplan apply is running with the state directory " +
                             state_dir.string() + " (" + holder +
                             "); nothing was changed. Wait for it to finish and run again");
  }

  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const std::string holder = fmt::format("pid {} since {:%Y-%m-%d %H:%M:%S} UTC\n", getpid(), now);
  if (ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t written = pwrite(fd_, holder.data(), holder.size(), 0);
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) close(fd_);  // closing releases the flock
}

}  // namespace certplan
