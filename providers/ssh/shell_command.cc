#include "providers/ssh/shell_command.h"

#include <stdexcept>

#include <fmt/format.h>

namespace certplan {

namespace {

void require_absolute(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    throw std::invalid_argument("remote path \"" + path + "\" is not absolute");
  }
}

std::string quoted_path(const std::string& path) {
  require_absolute(path);
  return shell_quote(path);
}

std::string octal_mode(unsigned mode) {
  if (mode > 07777) throw std::invalid_argument(fmt::format("file mode {:o} is not valid", mode));
  return fmt::format("{:04o}", mode);
}

}  // namespace

std::string shell_quote(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) {
    throw std::invalid_argument("a shell word cannot contain a NUL byte");
  }

  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string parent_directory(const std::string& path) {
  require_absolute(path);
  if (path.back() == '/') throw std::invalid_argument("remote path \"" + path + "\" names a directory");

  const auto slash = path.rfind('/');
  return slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::string temporary_path(const std::string& path) {
  const std::string directory = parent_directory(path);
  const std::string name = path.substr(path.rfind('/') + 1);
  const std::string separator = directory == "/" ? "" : "/";
  return directory + separator + "." + name + ".certplan-tmp";
}

std::string lock_temporary_word(const std::string& path) {
  const std::string fixed = temporary_path(path);
  const std::string prefix = fixed.substr(0, fixed.size() - std::string_view("certplan-tmp").size());
  return shell_quote(prefix) + "$$.certplan-tmp";
}

std::string FileCommands::privileged() const {
  return privilege_ == FilePrivilege::sudo ? "sudo -n " : "";
}

std::string FileCommands::write_file(const std::string& path, unsigned mode) const {
  const std::string target = quoted_path(path);
  const std::string directory = shell_quote(parent_directory(path));
  const std::string temporary = shell_quote(temporary_path(path));
  const std::string octal = octal_mode(mode);

  if (privilege_ == FilePrivilege::ssh_user) {
    return fmt::format(
        "[ -d {dir} ] || (umask 022 && mkdir -p {dir}) || exit 1; umask 077; "
        "cat > {tmp} && chmod {mode} {tmp} && mv -f {tmp} {path} || {{ rm -f {tmp}; exit 1; }}",
        fmt::arg("dir", directory), fmt::arg("tmp", temporary), fmt::arg("mode", octal),
        fmt::arg("path", target));
  }
  return fmt::format(
      "[ -d {dir} ] || sudo -n install -d -m 0755 {dir} || exit 1; "
      "sudo -n install -m {mode} /dev/null {tmp} && sudo -n tee {tmp} >/dev/null && "
      "sudo -n mv -f {tmp} {path} || {{ sudo -n rm -f {tmp}; exit 1; }}",
      fmt::arg("dir", directory), fmt::arg("tmp", temporary), fmt::arg("mode", octal),
      fmt::arg("path", target));
}

std::string FileCommands::copy_file(const std::string& from, const std::string& to) const {
  return privileged() + "cp -p " + quoted_path(from) + " " + quoted_path(to);
}

std::string FileCommands::rename_file(const std::string& from, const std::string& to) const {
  return privileged() + "mv -f " + quoted_path(from) + " " + quoted_path(to);
}

std::string FileCommands::remove_file(const std::string& path) const {
  return privileged() + "rm -f " + quoted_path(path);
}

std::string FileCommands::list_directory(const std::string& directory) const {
  const std::string quoted = quoted_path(directory);
  return "if [ -d " + quoted + " ]; then " + privileged() + "ls -1A " + quoted + "; fi";
}

std::string FileCommands::create_exclusive(const std::string& path) const {
  const std::string target = quoted_path(path);
  const int exists = exists_exit_status;

  if (privilege_ == FilePrivilege::ssh_user) {
    // The content goes to a temporary file named after the remote shell's
    // pid, and a hard link publishes it whole, so a concurrent reader never
    // sees an empty lock.
    return fmt::format(
        "tmp={path}.tmp-$$; cat > \"$tmp\" || {{ rm -f \"$tmp\"; exit 1; }}; "
        "if ln -T \"$tmp\" {path} 2>/dev/null; then status=0; elif [ -e {path} ]; then "
        "status={exists}; else status=1; fi; rm -f \"$tmp\"; exit $status",
        fmt::arg("path", target), fmt::arg("exists", exists));
  }
  const std::string temporary = lock_temporary_word(path);
  return fmt::format(
      "sudo -n install -m 0644 /dev/null {tmp} && sudo -n tee {tmp} >/dev/null || "
      "{{ sudo -n rm -f {tmp}; exit 1; }}; "
      "if sudo -n ln -T {tmp} {path}; then status=0; elif [ -e {path} ]; then status={exists}; "
      "else status=1; fi; sudo -n rm -f {tmp}; exit $status",
      fmt::arg("tmp", temporary), fmt::arg("path", target), fmt::arg("exists", exists));
}

std::string FileCommands::read_files(const std::vector<std::string>& paths,
                                     const std::string& nonce) const {
  const bool plain = !nonce.empty() && nonce.find_first_not_of(
      "0123456789abcdefghijklmnopqrstuvwxyz") == std::string::npos;
  if (!plain) throw std::invalid_argument("read_files nonce must be lowercase letters and digits");

  std::string command;
  for (const std::string& path : paths) {
    const std::string quoted = quoted_path(path);
    if (!command.empty()) command += "; ";
    command += fmt::format(
        "if [ -e {path} ]; then printf 'certplan-begin-{nonce}\\n'; {sudo}cat {path}; "
        "printf '\\ncertplan-end-{nonce} %d\\n' $?; else printf 'certplan-missing-{nonce}\\n'; fi",
        fmt::arg("path", quoted), fmt::arg("nonce", nonce), fmt::arg("sudo", privileged()));
  }
  return command;
}

}  // namespace certplan
