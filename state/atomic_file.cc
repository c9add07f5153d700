#include "state/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

namespace certplan {

namespace {

constexpr int max_create_attempts = 16;

ErrorKind kind_of_errno(int error_number) {
  switch (error_number) {
    case EACCES:
    case EPERM:
    case EROFS: return ErrorKind::rejected;
    case ENOENT: return ErrorKind::not_found;
    default: return ErrorKind::failed;
  }
}

// "could not {action} {path}: {strerror}", with the kind that errno implies.
Error errno_error(int error_number, std::string_view action, const std::filesystem::path& path) {
  return make_error(kind_of_errno(error_number), "could not " + std::string(action) + " " +
                                                     path.string() + ": " +
                                                     std::strerror(error_number));
}

std::filesystem::path parent_of(const std::filesystem::path& path) {
  const std::filesystem::path parent = path.parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

// Builds a hidden name beside `target` from its name, the process id and a
// random suffix. open_exclusive() detects the rare collision.
std::filesystem::path temporary_name(const std::filesystem::path& target) {
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  const std::string name = "." + target.filename().string() + ".tmp-" +
                           std::to_string(::getpid()) + "-" + std::to_string(generator() % 1000000);
  return parent_of(target) / name;
}

// Opens a new file with exactly `mode`: open() applies the umask, so the
// mode is set again with fchmod(). Returns the descriptor, or -errno.
int open_exclusive(const std::filesystem::path& path, mode_t mode) {
  const int descriptor = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
  if (descriptor < 0) return -errno;

  if (::fchmod(descriptor, mode) != 0) {
    const int error_number = errno;
    ::close(descriptor);
    ::unlink(path.c_str());
    return -error_number;
  }
  return descriptor;
}

}  // namespace

Result<void> create_private_directories(const std::filesystem::path& directory) {
  struct stat status {};
  if (::stat(directory.c_str(), &status) == 0) {
    if (S_ISDIR(status.st_mode)) return success();
    return make_error(ErrorKind::failed, "could not create directory " + directory.string() +
                                             ": a file that is not a directory has that name");
  }

  const std::filesystem::path parent = directory.parent_path();
  if (!parent.empty() && parent != directory) {
    auto created = create_private_directories(parent);
    if (!created) return created.error();
  }

  if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
    return errno_error(errno, "create directory", directory);
  }
  // mkdir() applies the umask, which may leave out bits of 0700.
  if (::chmod(directory.c_str(), 0700) != 0) return errno_error(errno, "set the mode of", directory);
  return success();
}

Result<void> sync_directory(const std::filesystem::path& directory) {
  const int descriptor = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (descriptor < 0) return errno_error(errno, "open directory", directory);

  const int synced = ::fsync(descriptor);
  const int error_number = errno;
  ::close(descriptor);
  if (synced != 0) return errno_error(error_number, "flush directory", directory);
  return success();
}

Result<AtomicFile> AtomicFile::create(const std::filesystem::path& target, mode_t mode) {
  auto directory = create_private_directories(parent_of(target));
  if (!directory) return directory.error().with_context("could not write " + target.string());

  for (int attempt = 0;; ++attempt) {
    const std::filesystem::path temporary = temporary_name(target);
    const int descriptor = open_exclusive(temporary, mode);
    if (descriptor >= 0) return AtomicFile(target, temporary, descriptor);

    // Another writer picked the same random name: try the next one.
    const int error_number = -descriptor;
    if (error_number != EEXIST || attempt + 1 == max_create_attempts) {
      return errno_error(error_number, "create the temporary file", temporary)
          .with_context("could not write " + target.string());
    }
  }
}

AtomicFile::AtomicFile(std::filesystem::path target, std::filesystem::path temporary,
                       int descriptor)
    : target_(std::move(target)), temporary_(std::move(temporary)), descriptor_(descriptor) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : target_(std::move(other.target_)),
      temporary_(std::move(other.temporary_)),
      descriptor_(other.descriptor_),
      committed_(other.committed_) {
  other.descriptor_ = -1;
  other.committed_ = true;  // the moved-from object owns no temporary file
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    abandon();
    target_ = std::move(other.target_);
    temporary_ = std::move(other.temporary_);
    descriptor_ = other.descriptor_;
    committed_ = other.committed_;
    other.descriptor_ = -1;
    other.committed_ = true;
  }
  return *this;
}

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() noexcept {
  if (descriptor_ >= 0) ::close(descriptor_);
  descriptor_ = -1;
  if (!committed_) ::unlink(temporary_.c_str());
  committed_ = true;
}

Result<void> AtomicFile::write(std::string_view content) {
  if (descriptor_ < 0) throw std::logic_error("AtomicFile::write after flush or commit");

  while (!content.empty()) {
    const ssize_t written = ::write(descriptor_, content.data(), content.size());
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) return errno_error(errno, "write", temporary_);
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return success();
}

Result<void> AtomicFile::flush() {
  if (committed_) throw std::logic_error("AtomicFile::flush after commit");
  if (descriptor_ < 0) return success();

  const int synced = ::fsync(descriptor_);
  const int sync_error = errno;
  const int closed = ::close(descriptor_);
  const int close_error = errno;
  descriptor_ = -1;

  if (synced != 0) return errno_error(sync_error, "flush", temporary_);
  if (closed != 0) return errno_error(close_error, "close", temporary_);
  return success();
}

Result<void> AtomicFile::commit() {
  auto flushed = flush();
  if (!flushed) return flushed;

  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    return errno_error(errno, "rename the temporary file over", target_);
  }
  committed_ = true;

  return sync_directory(parent_of(target_));
}

Result<void> write_file_atomic(const std::filesystem::path& path, std::string_view content,
                               mode_t mode) {
  auto file = AtomicFile::create(path, mode);
  if (!file) return file.error();

  auto written = file.value().write(content);
  if (!written) return written.error().with_context("could not write " + path.string());

  auto committed = file.value().commit();
  if (!committed) return committed.error().with_context("could not write " + path.string());
  return success();
}

}  // namespace certplan
