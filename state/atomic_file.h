#pragma once

// Files replaced atomically: the new content goes to a temporary file beside
// the target, created with its final mode, and is renamed over the target
// only once it is complete and on disk. Readers see the old file or the new
// one, never a mix, and a crash leaves the old file in place.

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "state/result.h"

namespace certplan {

// A new version of one file, visible only after commit(). Destroying an
// uncommitted AtomicFile removes its temporary file and leaves the target
// untouched.
class AtomicFile {
 public:
  // Creates the temporary file beside `target` with exactly `mode` (the
  // umask does not apply). Missing parent directories are created with 0700.
  [[nodiscard]] static Result<AtomicFile> create(const std::filesystem::path& target, mode_t mode);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();

  // Appends `content` to the temporary file.
  [[nodiscard]] Result<void> write(std::string_view content);

  // Flushes the temporary file to disk and closes it, so that commit() has
  // only the rename left. Called by commit() when not called before.
  [[nodiscard]] Result<void> flush();

  // Renames the temporary file over the target and flushes the directory.
  [[nodiscard]] Result<void> commit();

  const std::filesystem::path& target() const { return target_; }
  const std::filesystem::path& temporary_path() const { return temporary_; }

 private:
  AtomicFile(std::filesystem::path target, std::filesystem::path temporary, int descriptor);
  void abandon() noexcept;

  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int descriptor_ = -1;  // open until flush()
  bool committed_ = false;
};

// Replaces `path` with `content` through an AtomicFile: a file of exactly
// `mode` at the moment it appears. On failure the old file is untouched and
// no temporary file is left.
[[nodiscard]] Result<void> write_file_atomic(const std::filesystem::path& path,
                                             std::string_view content, mode_t mode);

// Creates `directory` and its missing parents, each new one with mode 0700.
// Existing directories keep their mode.
[[nodiscard]] Result<void> create_private_directories(const std::filesystem::path& directory);

// Flushes a directory's entries (renames, links) to disk.
[[nodiscard]] Result<void> sync_directory(const std::filesystem::path& directory);

}  // namespace certplan
