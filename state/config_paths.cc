#include "state/config_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace certplan {

namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

}  // namespace

std::optional<std::string> remote_path_problem(std::string_view path) {
  if (!path.starts_with('/')) return "must be an absolute path, such as /etc/nginx/ssl";
  for (const auto& part : std::filesystem::path(path)) {
    if (part == "..") return "must not contain `..`; write the path without it";
  }
  return std::nullopt;
}

std::filesystem::path expand_home(const std::string& path, const std::filesystem::path& home) {
  if (path == "~") return home;
  if (path.starts_with("~/")) return home / path.substr(2);
  return path;
}

void check_ssh_key_file(const ServerConfig& server, const SourceLocation& location,
                        Diagnostics& diagnostics) {
  const std::string path = server.ssh_key_path.string();
  const std::string subject = "ssh_key_path `" + path + "` of server `" + server.name + "`";

  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 && errno != ENOENT) {
    diagnostics.add(location, subject + " cannot be read by this user (" +
                                  std::strerror(errno) + "); make it and its directories "
                                  "readable by the user that runs certplan");
    return;
  }
  if (::stat(path.c_str(), &info) != 0) {
    diagnostics.add(location, subject + " does not exist; fix the path, or create a key with "
                                        "`ssh-keygen -t ed25519 -f " + path +
                                        "` and add its .pub file to the server user's "
                                        "authorized_keys");
    return;
  }
  if (!S_ISREG(info.st_mode)) {
    diagnostics.add(location, subject + " is not a regular file; point it at the private key file");
    return;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    diagnostics.add(location, subject + " cannot be read by this user; make it readable by the "
                                        "user that runs certplan, with mode 600");
    return;
  }
  if ((info.st_mode & 077) != 0) {
    diagnostics.add(location, subject + " has mode " + octal_mode(info.st_mode) +
                                  ", so other users can read or change the private key; run "
                                  "`chmod 600 " + path + "`");
  }
}

void check_known_hosts_file(const ServerConfig& server, const SourceLocation& location,
                            Diagnostics& diagnostics) {
  const std::string path = server.known_hosts_path.string();
  std::error_code error;
  if (std::filesystem::exists(server.known_hosts_path, error)) return;

  diagnostics.add(location, "known_hosts_path `" + path + "` of server `" + server.name +
                                "` does not exist; run `ssh-keyscan -p " +
                                std::to_string(server.port) + " " + server.host + " >> " + path +
                                "`, then compare the fingerprint it added with the server's "
                                "own (ssh-keygen -lf) before the first run");
}

}  // namespace certplan
