#pragma once

// One apply at a time per state directory. The journal of a running apply
// looks exactly like one a killed run left behind, so a second apply on the
// same machine must not start recovery (or anything else) while the first
// still runs. An flock(2) lock is released by the kernel when its holder
// dies, even by SIGKILL, so a killed run never leaves it held.

#include <filesystem>
#include <string>

namespace certplan {

class RunLock {
 public:
  // Takes the lock on `{state_dir}/apply.lock` without waiting. Throws
  // std::runtime_error naming the holder (pid and start time) when another
  // run has it, or the path when the file cannot be opened.
  explicit RunLock(const std::filesystem::path& state_dir);
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  ~RunLock();

 private:
  int fd_ = -1;
};

}  // namespace certplan
