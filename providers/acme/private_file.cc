#include "providers/acme/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>
#include <system_error>

namespace certplan {

namespace {

// Closes a file descriptor when it leaves scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  [[nodiscard]] int get() const { return fd_; }

  // Closes now, so that a failing close() is seen; returns its errno or 0.
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

Error io_error(const std::string& action, const std::filesystem::path& path, int error_number) {
  return make_error(ErrorKind::failed, "could not " + action + " " + path.string() + ": " +
                                           std::strerror(error_number) +
                                           "; check the permissions of the state directory");
}

Result<void> write_all(int fd, std::string_view content, const std::filesystem::path& path) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return io_error("write", path, errno);
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return success();
}

std::filesystem::path temporary_path_for(const std::filesystem::path& path) {
  std::random_device random;
  return path.parent_path() / ("." + path.filename().string() + ".tmp" + std::to_string(random()));
}

Result<void> create_parent_directories(const std::filesystem::path& directory) {
  if (directory.empty() || std::filesystem::is_directory(directory)) return success();

  auto parent = create_parent_directories(directory.parent_path());
  if (parent.has_error()) return parent;

  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return io_error("create directory", directory, errno);
  }
  return success();
}

Result<void> write_temporary(const std::filesystem::path& temporary, std::string_view content) {
  FileDescriptor file(::open(temporary.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
  if (file.get() < 0) return io_error("create", temporary, errno);

  // open() applies the umask, which can only clear bits. fchmod sets exactly
  // 0600 whatever the umask was.
  if (::fchmod(file.get(), 0600) != 0) return io_error("set the mode of", temporary, errno);

  auto written = write_all(file.get(), content, temporary);
  if (written.has_error()) return written;
  if (::fsync(file.get()) != 0) return io_error("flush", temporary, errno);

  const int close_error = file.close();
  if (close_error != 0) return io_error("close", temporary, close_error);
  return success();
}

void sync_directory(const std::filesystem::path& directory) {
  const FileDescriptor handle(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  // A directory fsync only makes the rename durable sooner; its failure
  // does not make the new file wrong, so it is not reported.
  if (handle.get() >= 0) static_cast<void>(::fsync(handle.get()));
}

}  // namespace

Result<void> write_private_file(const std::filesystem::path& path, std::string_view content) {
  auto created = create_parent_directories(path.parent_path());
  if (created.has_error()) return created;

  const std::filesystem::path temporary = temporary_path_for(path);
  auto written = write_temporary(temporary, content);
  if (written.has_error()) {
    ::unlink(temporary.c_str());
    return written;
  }

  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    return io_error("rename a temporary file to", path, error_number);
  }

  sync_directory(path.parent_path());
  return success();
}

}  // namespace certplan
