#pragma once

// Shell command lines for the file steps of a host session. Every path is
// single-quoted, and file contents travel only on stdin, so no secret shows
// up in `ps` on the server or in the audit log.

#include <string>
#include <string_view>
#include <vector>

namespace certplan {

// The account that runs file steps on the server: the SSH user, or root
// through `sudo -n` with one plain command per sudo call (no `sudo sh -c`),
// so that sudoers can allow exactly those commands.
enum class FilePrivilege { ssh_user, sudo };

// Exit status of the create_exclusive command when the path already exists.
inline constexpr int exists_exit_status = 3;

// Quotes `value` as one word for a POSIX shell: 'it'\''s'. Throws
// std::invalid_argument on a NUL byte, which no shell word can contain.
std::string shell_quote(std::string_view value);

// The directory part of an absolute path ("/" for "/a"). Throws
// std::invalid_argument when `path` is not absolute or ends with '/'.
std::string parent_directory(const std::string& path);

// The temporary file beside `path` that write_file fills before the rename:
// "/d/.NAME.certplan-tmp". A fixed name lets sudoers list it exactly, and
// two runs never write one file at once, because each holds the host lock.
std::string temporary_path(const std::string& path);

// The temporary file of a lock that create_exclusive publishes through sudo,
// as one shell word with the remote shell's pid in it:
// '/d/.NAME.'$$.certplan-tmp. Two runs may take the lock at the same moment, so
// each needs its own file, and the fixed ending still matches the sudoers
// pattern /d/*.certplan-tmp.
std::string lock_temporary_word(const std::string& path);

// Builds the command of each file step. Every path must be absolute (a
// relative one throws std::invalid_argument), so that no path can be read
// as an option.
class FileCommands {
 public:
  explicit FileCommands(FilePrivilege privilege) : privilege_(privilege) {}

  // Writes stdin to the temporary file with `mode`, then renames it over
  // `path`. Without sudo, `umask 077` makes the temporary file 0600 until
  // chmod sets `mode`. With sudo, `install -m MODE /dev/null` creates it
  // empty with its final mode before `tee` fills it. Missing parent
  // directories are created with mode 0755.
  [[nodiscard]] std::string write_file(const std::string& path, unsigned mode) const;

  // `cp -p FROM TO`, which keeps mode and times.
  [[nodiscard]] std::string copy_file(const std::string& from, const std::string& to) const;

  // `mv -f FROM TO`.
  [[nodiscard]] std::string rename_file(const std::string& from, const std::string& to) const;

  // `rm -f PATH`, which succeeds when the file does not exist.
  [[nodiscard]] std::string remove_file(const std::string& path) const;

  // `ls -1A DIRECTORY` when the directory exists; no output otherwise.
  [[nodiscard]] std::string list_directory(const std::string& directory) const;

  // Creates `path` from stdin only if it does not exist; exits with
  // exists_exit_status when it does. The content is written to a temporary
  // file and hard-linked to `path` with `ln -T`, which fails when `path`
  // exists, so the file appears complete. Without sudo the temporary file is
  // named after the remote shell's pid; with sudo it has a fixed name.
  [[nodiscard]] std::string create_exclusive(const std::string& path) const;

  // One command that prints every file between markers that contain
  // `nonce` (see read_files_output.h), so that observing a host takes one
  // round trip. A file that does not exist prints a "missing" marker.
  [[nodiscard]] std::string read_files(const std::vector<std::string>& paths,
                                       const std::string& nonce) const;

 private:
  // "sudo -n " with sudo, empty otherwise.
  [[nodiscard]] std::string privileged() const;

  FilePrivilege privilege_;
};

}  // namespace certplan
