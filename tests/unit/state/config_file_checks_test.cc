// The SSH key and known_hosts files of each server, checked on disk.

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "tests/unit/state/config_fixture.h"

using certplan::FileChecks;
using certplan::testing::ConfigDir;
using certplan::testing::load_errors;

namespace {

// servers.yaml for one server whose key and known_hosts live in `config`.
std::string servers_yaml(const ConfigDir& config, const std::string& key,
                         const std::string& known_hosts) {
  return "servers:\n"
         "  - name: web-01\n"
         "    host: 127.0.0.1\n"
         "    port: 2222\n"
         "    user: deploy\n"
         "    ssh_key_path: " + config.path(key) + "\n"
         "    known_hosts_path: " + config.path(known_hosts) + "\n"
         "    nginx_reload_command: reload\n"
         "    cert_path: /etc/nginx/ssl\n";
}

certplan::LoadOptions checking(const ConfigDir& config) {
  auto options = config.options();
  options.file_checks = FileChecks::enabled;
  return options;
}

void write_with_mode(const ConfigDir& config, const std::string& name, mode_t mode) {
  config.write(name, "content\n");
  BOOST_TEST_REQUIRE(::chmod(config.path(name).c_str(), mode) == 0);
}

std::string joined_errors(const certplan::LoadOptions& options) {
  std::string text;
  for (const auto& line : load_errors(options)) text += line + "\n";
  return text;
}

// The diagnostics of loading `options` as a user other than root, because
// root reads every file whatever its mode. As root, the load runs in a child
// process that switches to the user `nobody` (uid 65534) and sends the
// diagnostics back through a pipe.
std::string errors_as_unprivileged_user(const ConfigDir& config,
                                        const certplan::LoadOptions& options) {
  if (::geteuid() != 0) return joined_errors(options);

  constexpr uid_t nobody = 65534;
  BOOST_TEST_REQUIRE(::chmod(config.dir().c_str(), 0755) == 0);
  int pipe_ends[2];
  BOOST_TEST_REQUIRE(::pipe(pipe_ends) == 0);

  pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    ::close(pipe_ends[0]);
    std::string text = "could not switch to uid 65534\n";
    if (::setgid(nobody) == 0 && ::setuid(nobody) == 0) {
      try {
        (void)certplan::load_desired_state(options);
        text = "loaded without errors\n";
      } catch (const certplan::ConfigError& error) {
        text.clear();
        for (const auto& diagnostic : error.diagnostics()) text += diagnostic.to_string() + "\n";
      }
    }
    ssize_t written = ::write(pipe_ends[1], text.data(), text.size());
    ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 1);
  }

  ::close(pipe_ends[1]);
  std::string output;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_ends[0], buffer, sizeof buffer)) > 0;) output.append(buffer, n);
  ::close(pipe_ends[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  BOOST_TEST(WIFEXITED(status));
  return output;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_files_pass) {
  ConfigDir config;
  write_with_mode(config, "id_ed25519", 0600);
  write_with_mode(config, "known_hosts", 0644);
  config.write("servers.yaml", servers_yaml(config, "id_ed25519", "known_hosts"));
  config.write("domains.yaml", "domains: []\n");

  auto state = certplan::load_desired_state(checking(config));
  BOOST_TEST(state.servers.at(0).ssh_key_path.string() == config.path("id_ed25519"));
}

BOOST_AUTO_TEST_CASE(missing_key_and_known_hosts) {
  ConfigDir config;
  config.write("servers.yaml", servers_yaml(config, "absent_key", "absent_hosts"));
  config.write("domains.yaml", "domains: []\n");

  const std::string key = config.path("absent_key");
  const std::string hosts = config.path("absent_hosts");
  std::vector<std::string> expected = {
      config.path("servers.yaml") + ":6:19: error: ssh_key_path `" + key +
          "` of server `web-01` does not exist; fix the path, or create a key with "
          "`ssh-keygen -t ed25519 -f " + key +
          "` and add its .pub file to the server user's authorized_keys",
      config.path("servers.yaml") + ":7:23: error: known_hosts_path `" + hosts +
          "` of server `web-01` does not exist; run `ssh-keyscan -p 2222 127.0.0.1 >> " + hosts +
          "`, then compare the fingerprint it added with the server's own (ssh-keygen -lf) "
          "before the first run",
  };
  BOOST_TEST(load_errors(checking(config)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(loose_key_mode_suggests_chmod) {
  ConfigDir config;
  write_with_mode(config, "id_ed25519", 0644);
  write_with_mode(config, "known_hosts", 0644);
  config.write("servers.yaml", servers_yaml(config, "id_ed25519", "known_hosts"));
  config.write("domains.yaml", "domains: []\n");

  const std::string key = config.path("id_ed25519");
  std::vector<std::string> expected = {
      config.path("servers.yaml") + ":6:19: error: ssh_key_path `" + key +
      "` of server `web-01` has mode 0644, so other users can read or change the private key; "
      "run `chmod 600 " + key + "`"};
  BOOST_TEST(load_errors(checking(config)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(group_writable_key_rejected) {
  ConfigDir config;
  write_with_mode(config, "id_ed25519", 0620);
  write_with_mode(config, "known_hosts", 0644);
  config.write("servers.yaml", servers_yaml(config, "id_ed25519", "known_hosts"));
  config.write("domains.yaml", "domains: []\n");

  const std::string key = config.path("id_ed25519");
  std::vector<std::string> expected = {
      config.path("servers.yaml") + ":6:19: error: ssh_key_path `" + key +
      "` of server `web-01` has mode 0620, so other users can read or change the private key; "
      "run `chmod 600 " + key + "`"};
  BOOST_TEST(load_errors(checking(config)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(key_path_is_directory) {
  ConfigDir config;
  std::filesystem::create_directory(config.dir() / "keys");
  write_with_mode(config, "known_hosts", 0644);
  config.write("servers.yaml", servers_yaml(config, "keys", "known_hosts"));
  config.write("domains.yaml", "domains: []\n");

  std::vector<std::string> expected = {
      config.path("servers.yaml") + ":6:19: error: ssh_key_path `" + config.path("keys") +
      "` of server `web-01` is not a regular file; point it at the private key file"};
  BOOST_TEST(load_errors(checking(config)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unreadable_key_reported) {
  ConfigDir config;
  write_with_mode(config, "id_ed25519", 0000);
  write_with_mode(config, "known_hosts", 0644);
  config.write("servers.yaml", servers_yaml(config, "id_ed25519", "known_hosts"));
  config.write("domains.yaml", "domains: []\n");

  std::string errors = errors_as_unprivileged_user(config, checking(config));

  std::string expected = config.path("servers.yaml") + ":6:19: error: ssh_key_path `" +
                         config.path("id_ed25519") +
                         "` of server `web-01` cannot be read by this user; make it readable "
                         "by the user that runs certplan, with mode 600\n";
  BOOST_TEST(errors == expected);
}

BOOST_AUTO_TEST_CASE(default_known_hosts_in_home) {
  ConfigDir config;
  write_with_mode(config, "id_ed25519", 0600);
  config.write("servers.yaml",
               "servers:\n"
               "  - name: web-01\n"
               "    host: 127.0.0.1\n"
               "    user: deploy\n"
               "    ssh_key_path: " + config.path("id_ed25519") + "\n"
               "    nginx_reload_command: reload\n"
               "    cert_path: /etc/nginx/ssl\n");
  config.write("domains.yaml", "domains: []\n");

  const std::string hosts = config.path(".ssh/known_hosts");
  std::vector<std::string> expected = {
      config.path("servers.yaml") + ":2:5: error: known_hosts_path `" + hosts +
      "` of server `web-01` does not exist; run `ssh-keyscan -p 22 127.0.0.1 >> " + hosts +
      "`, then compare the fingerprint it added with the server's own (ssh-keygen -lf) before "
      "the first run"};
  BOOST_TEST(load_errors(checking(config)) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(checks_disabled_skip_files) {
  ConfigDir config;
  config.write("servers.yaml", servers_yaml(config, "absent_key", "absent_hosts"));
  config.write("domains.yaml", "domains: []\n");

  auto state = certplan::load_desired_state(config.options());
  BOOST_TEST(state.servers.size() == 1u);
}
