#include "engine/plan_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/plan_json.h"

namespace certplan {

namespace {

// Closes a file descriptor when it goes out of scope.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }

  int get() const { return fd_; }

  // Closes now and reports whether the kernel accepted the close.
  bool close() {
    int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

Error system_error(const std::string& what, const std::filesystem::path& path) {
  return make_error(ErrorKind::failed, "could not " + what + " " + path.string() + ": " + std::strerror(errno));
}

bool write_all(int fd, const std::string& content) {
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t count = ::write(fd, content.data() + written, content.size() - written);
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return false;
    written += static_cast<std::size_t>(count);
  }
  return true;
}

// Makes the rename durable; a failure here is ignored because the plan file
// itself is complete either way.
void sync_directory(const std::filesystem::path& directory) {
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

Result<void> write_atomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  std::string temporary = (directory / ("." + path.filename().string() + ".tmp-XXXXXX")).string();

  FileDescriptor fd(::mkstemp(temporary.data()));
  if (fd.get() < 0) return system_error("create a temporary file beside", path);
  ::fchmod(fd.get(), 0644);

  bool complete = write_all(fd.get(), content) && ::fsync(fd.get()) == 0 && fd.close();
  if (!complete) {
    Error error = system_error("write", temporary);
    ::unlink(temporary.c_str());
    return error;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = system_error("rename " + temporary + " to", path);
    ::unlink(temporary.c_str());
    return error;
  }

  sync_directory(directory);
  return success();
}

}  // namespace

Result<void> write_plan_file(const std::filesystem::path& path, const Plan& plan) {
  return write_atomically(path, plan_to_json(plan).dump(2) + "\n");
}

Result<Plan> read_plan_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::error_code ignored;
    if (!std::filesystem::exists(path, ignored)) {
      return make_error(ErrorKind::not_found,
                        "plan file " + path.string() + " does not exist; create it with `certplan plan -o FILE`");
    }
    return system_error("open", path);
  }
  std::stringstream content;
  content << file.rdbuf();

  nlohmann::json document = nlohmann::json::parse(content.str(), nullptr, false);
  if (document.is_discarded()) {
    return make_error(ErrorKind::invalid, path.string() + " is not a plan file: it is not valid JSON");
  }
  try {
    return plan_from_json(document);
  } catch (const PlanFormatError& error) {
    return make_error(ErrorKind::invalid, path.string() + ": " + error.what());
  }
}

}  // namespace certplan
