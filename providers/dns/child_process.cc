#include "providers/dns/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace certplan {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;
constexpr int kExecFailed = 127;

using SteadyClock = std::chrono::steady_clock;

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

[[noreturn]] void exec_child(const std::vector<std::string>& argv, int output_fd) {
  ::setpgid(0, 0);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(output_fd, STDOUT_FILENO);
  ::dup2(output_fd, STDERR_FILENO);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());

  // Only async-signal-safe calls from here on, because the parent may have threads.
  const char* reason = std::strerror(errno);
  const char prefix[] = "could not start the program: ";
  [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  written = ::write(STDERR_FILENO, reason, std::strlen(reason));
  ::_exit(kExecFailed);
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Reads the pipe until the child closes it or the deadline passes. Returns
// false on timeout.
bool read_until_closed(int fd, SteadyClock::time_point deadline, std::string& output) {
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - SteadyClock::now());
    if (left.count() <= 0) return false;

    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) return false;

    const ssize_t count = ::read(fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return true;
    const std::size_t room = kMaxOutput - std::min(kMaxOutput, output.size());
    output.append(buffer, std::min(room, static_cast<std::size_t>(count)));
  }
}

}  // namespace

Result<ProcessResult> run_process(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) {
  if (argv.empty()) throw std::invalid_argument("run_process: argv is empty");
  const SteadyClock::time_point deadline = SteadyClock::now() + timeout;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  FileDescriptor read_end(fds[0]);
  FileDescriptor write_end(fds[1]);

  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) exec_child(argv, write_end.get());
  // The child calls setpgid too. Calling it here as well closes the race in
  // which a timeout's kill(-pid) would come before the child's own call.
  ::setpgid(pid, pid);
  write_end.reset();

  ProcessResult result;
  const bool finished = read_until_closed(read_end.get(), deadline, result.output);
  if (!finished) ::kill(-pid, SIGKILL);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return make_error(ErrorKind::timed_out,
                      argv[0] + " did not finish within " +
                          std::to_string(timeout.count()) + " ms and was killed; output: " +
                          (result.output.empty() ? "(none)" : result.output));
  }
  result.exit_code = decode_status(status);
  return result;
}

}  // namespace certplan
