// End-to-end tests of SshConnector and SshHostSession against a real sshd
// (tests/e2e/support/sshd_fixture.h). Needs root, sshd and sudo.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "providers/ssh/ssh_connector.h"
#include "tests/e2e/support/sshd_fixture.h"

namespace certplan {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using test::run_local_checked;
using test::SshdFixture;

std::unique_ptr<HostSession> connect_or_fail(const ServerConfig& server) {
  SshConnector connector;
  auto connected = connector.connect(server);
  BOOST_TEST_REQUIRE(connected.has_value(), (connected ? "" : connected.error().message));
  return std::move(connected.value());
}

std::string read_local(const fs::path& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// The names in `directory` that end like the temporary file of a write or a
// lock taken through sudo.
std::vector<std::string> temporary_files(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".certplan-tmp")) names.push_back(name);
  }
  return names;
}

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &info) == 0, path.string());
  return info.st_mode & 07777;
}

unsigned owner_of(const fs::path& path) {
  struct stat info {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &info) == 0, path.string());
  return info.st_uid;
}

std::string endpoint(const SshdFixture& sshd) {
  return sshd.address() + ":" + std::to_string(sshd.port());
}

// The commands of providers/ssh/shell_command.h for files below
// `directory`, without a password.
std::string sudoers_rules(const fs::path& directory) {
  const std::string d = directory.string();
  // '*' in sudoers arguments also matches '/', so this covers subdirectories.
  const std::string temporary = d + "/*.certplan-tmp";
  return std::string(SshdFixture::user) + " ALL=(root) NOPASSWD: " +
         "/usr/bin/install -d -m 0755 " + d + "/*, " +
         "/usr/bin/install -m 0600 /dev/null " + temporary + ", " +
         "/usr/bin/install -m 0644 /dev/null " + temporary + ", " +
         "/usr/bin/tee " + temporary + ", " +
         "/usr/bin/mv -f " + d + "/* " + d + "/*, " +
         "/usr/bin/cp -p " + d + "/* " + d + "/*, " +
         "/usr/bin/rm -f " + d + "/*, " +
         "/usr/bin/ls -1A " + d + ", " +
         "/usr/bin/cat " + d + "/*, " +
         "/usr/bin/ln -T " + temporary + " " + d + "/*\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(connect_and_run_command) {
  SshdFixture sshd;
  auto session = connect_or_fail(sshd.server_config());

  auto hello = session->run("echo hello; id -un", milliseconds(10'000));
  BOOST_TEST_REQUIRE(hello.has_value());
  BOOST_TEST(hello.value().exit_status == 0);
  BOOST_TEST(hello.value().output == "hello\ncertplan-test\n");

  auto failing = session->run("echo broken >&2; exit 7", milliseconds(10'000));
  BOOST_TEST_REQUIRE(failing.has_value());
  BOOST_TEST(failing.value().exit_status == 7);
  BOOST_TEST(failing.value().output == "broken\n");
}

BOOST_AUTO_TEST_CASE(run_writes_audit_line) {
  SshdFixture sshd;
  std::ostringstream lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
  auto logger = std::make_shared<spdlog::logger>("ssh", sink);
  logger->set_pattern("%v");
  spdlog::register_logger(logger);

  auto session = connect_or_fail(sshd.server_config());
  auto ran = session->run("exit 3", milliseconds(10'000));
  spdlog::drop("ssh");

  BOOST_TEST_REQUIRE(ran.has_value());
  const std::string expected_start =
      "host=" + endpoint(sshd) + " user=certplan-test exit=3 ms=";
  BOOST_TEST(lines.str().substr(0, expected_start.size()) == expected_start);
  BOOST_TEST(lines.str().ends_with(" command=exit 3\n"));
}

BOOST_AUTO_TEST_CASE(unknown_host_key_rejected) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.known_hosts_path = sshd.empty_known_hosts();

  SshConnector connector;
  auto connected = connector.connect(server);
  BOOST_TEST_REQUIRE(!connected.has_value());
  BOOST_TEST(static_cast<int>(connected.error().kind) == static_cast<int>(ErrorKind::rejected));
  const std::string known_hosts = sshd.empty_known_hosts().string();
  BOOST_TEST(connected.error().message ==
             "host key of " + endpoint(sshd) + " is not in " + known_hosts +
                 "; check its fingerprint " + sshd.host_key_fingerprint() +
                 " and add it (ssh-keyscan -p " + std::to_string(sshd.port()) + " " +
                 sshd.address() + " >> " + known_hosts + ")");
}

BOOST_AUTO_TEST_CASE(missing_known_hosts_rejected) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.known_hosts_path = sshd.directory() / "no_such_known_hosts";

  SshConnector connector;
  auto connected = connector.connect(server);
  BOOST_TEST_REQUIRE(!connected.has_value());
  BOOST_TEST(static_cast<int>(connected.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(connected.error().message.starts_with("host key of " + endpoint(sshd) +
                                                   " is not in " + server.known_hosts_path.string()));
}

BOOST_AUTO_TEST_CASE(changed_host_key_rejected) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.known_hosts_path = sshd.changed_known_hosts();

  SshConnector connector;
  auto connected = connector.connect(server);
  BOOST_TEST_REQUIRE(!connected.has_value());
  BOOST_TEST(static_cast<int>(connected.error().kind) == static_cast<int>(ErrorKind::rejected));
  const std::string known_hosts = sshd.changed_known_hosts().string();
  BOOST_TEST(connected.error().message ==
             "host key of " + endpoint(sshd) + " has CHANGED since it was recorded in " +
                 known_hosts + " (it is now " + sshd.host_key_fingerprint() +
                 "): possible man-in-the-middle; if the key was replaced on purpose, verify the "
                 "new fingerprint on the server, then remove the old entry (ssh-keygen -R '[" +
                 sshd.address() + "]:" + std::to_string(sshd.port()) + "' -f " + known_hosts +
                 ") and add the new one");
}

BOOST_AUTO_TEST_CASE(refused_connection_unreachable) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.port = sshd.port() + 1;

  SshConnector connector;
  auto connected = connector.connect(server);
  BOOST_TEST_REQUIRE(!connected.has_value());
  BOOST_TEST(static_cast<int>(connected.error().kind) == static_cast<int>(ErrorKind::unreachable));
  const std::string where = sshd.address() + ":" + std::to_string(server.port);
  BOOST_TEST(connected.error().message ==
             "could not connect to " + where + ": Connection refused; check that sshd runs there "
             "and the host and port in servers.yaml");
}

BOOST_AUTO_TEST_CASE(silent_server_unreachable) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.port = sshd.port() + 2;

  // A listening socket that never sends the SSH banner.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(static_cast<uint16_t>(server.port));
  ::inet_pton(AF_INET, server.host.c_str(), &local.sin_addr);
  BOOST_TEST_REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
  BOOST_TEST_REQUIRE(::listen(listener, 4) == 0);

  SshConnector connector(std::chrono::seconds(1));
  auto connected = connector.connect(server);
  ::close(listener);

  BOOST_TEST_REQUIRE(!connected.has_value());
  BOOST_TEST(static_cast<int>(connected.error().kind) == static_cast<int>(ErrorKind::unreachable));
  const std::string where = sshd.address() + ":" + std::to_string(server.port);
  BOOST_TEST(connected.error().message ==
             "could not connect to " + where + ": Timeout connecting to " + sshd.address() +
                 "; check that sshd runs there and the host and port in servers.yaml");
}

BOOST_AUTO_TEST_CASE(unauthorized_key_rejected) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.ssh_key_path = sshd.directory() / "other_ed25519";

  SshConnector connector;
  auto connected = connector.connect(server);
  BOOST_TEST_REQUIRE(!connected.has_value());
  BOOST_TEST(static_cast<int>(connected.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(connected.error().message ==
             endpoint(sshd) + " rejected the key " + server.ssh_key_path.string() +
                 " for user certplan-test; add its public key to that user's authorized_keys");
}

BOOST_AUTO_TEST_CASE(read_files_in_one_call) {
  SshdFixture sshd;
  const fs::path dir = sshd.user_directory();
  run_local_checked("printf 'line one\\nline two\\n' > " + (dir / "a.pem").string());
  run_local_checked("printf 'no newline at the end' > " + (dir / "b.pem").string());
  run_local_checked(": > " + (dir / "empty.pem").string());

  auto session = connect_or_fail(sshd.server_config());
  const std::vector<std::string> paths = {(dir / "a.pem").string(), (dir / "missing.pem").string(),
                                          (dir / "b.pem").string(), (dir / "empty.pem").string()};
  auto files = session->read_files(paths);
  BOOST_TEST_REQUIRE(files.has_value(), (files ? "" : files.error().message));

  BOOST_TEST(files.value().size() == 4U);
  BOOST_TEST(files.value().at(paths[0]).value() == "line one\nline two\n");
  BOOST_TEST(!files.value().at(paths[1]).has_value());
  BOOST_TEST(files.value().at(paths[2]).value() == "no newline at the end");
  BOOST_TEST(files.value().at(paths[3]).value() == "");
}

BOOST_AUTO_TEST_CASE(read_files_unreadable_file_fails) {
  SshdFixture sshd;
  const fs::path secret = sshd.root_directory() / "secret.pem";
  run_local_checked("umask 077; echo secret > " + secret.string());

  auto session = connect_or_fail(sshd.server_config());
  auto files = session->read_files({secret.string()});
  BOOST_TEST_REQUIRE(!files.has_value());
  BOOST_TEST(static_cast<int>(files.error().kind) == static_cast<int>(ErrorKind::failed));
  BOOST_TEST(files.error().message == "could not read " + secret.string() + " on " +
                                          endpoint(sshd) + ": cat: " + secret.string() +
                                          ": Permission denied");
}

BOOST_AUTO_TEST_CASE(write_file_sets_modes) {
  SshdFixture sshd;
  const fs::path dir = sshd.user_directory() / "example.com";
  auto session = connect_or_fail(sshd.server_config());

  auto key = session->write_file((dir / "privkey.pem").string(), "key bytes\n", 0600);
  BOOST_TEST_REQUIRE(key.has_value(), (key ? "" : key.error().message));
  auto chain = session->write_file((dir / "fullchain.pem").string(), "chain bytes\n", 0644);
  BOOST_TEST_REQUIRE(chain.has_value(), (chain ? "" : chain.error().message));

  BOOST_TEST(mode_of(dir) == 0755U);
  BOOST_TEST(mode_of(dir / "privkey.pem") == 0600U);
  BOOST_TEST(mode_of(dir / "fullchain.pem") == 0644U);
  BOOST_TEST(read_local(dir / "privkey.pem") == "key bytes\n");
  BOOST_TEST(read_local(dir / "fullchain.pem") == "chain bytes\n");
  BOOST_TEST(!fs::exists(dir / ".privkey.pem.certplan-tmp"));

  auto listed = session->list_directory(dir.string(), "");
  BOOST_TEST_REQUIRE(listed.has_value());
  BOOST_TEST(listed.value() == (std::vector<std::string>{"fullchain.pem", "privkey.pem"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(write_file_tightens_existing_mode) {
  SshdFixture sshd;
  const fs::path path = sshd.user_directory() / "privkey.pem";
  run_local_checked("echo old > " + path.string() + " && chmod 0644 " + path.string() +
                    " && chown certplan-test " + path.string());

  auto session = connect_or_fail(sshd.server_config());
  auto written = session->write_file(path.string(), "new\n", 0600);
  BOOST_TEST_REQUIRE(written.has_value());

  BOOST_TEST(mode_of(path) == 0600U);
  BOOST_TEST(read_local(path) == "new\n");
}

BOOST_AUTO_TEST_CASE(write_file_temporary_file_is_private) {
  SshdFixture sshd;
  const fs::path path = sshd.user_directory() / "privkey.pem";
  const fs::path temporary = sshd.user_directory() / ".privkey.pem.certplan-tmp";
  auto session = connect_or_fail(sshd.server_config());

  // A large content keeps the temporary file in place long enough to
  // watch its mode from here while the session writes it.
  const std::string content(64 * 1024 * 1024, 'k');
  auto writer = std::async(std::launch::async, [&] {
    return session->write_file(path.string(), content, 0600);
  });

  std::set<unsigned> modes_seen;
  while (writer.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready) {
    struct stat info {};
    if (::stat(temporary.c_str(), &info) == 0) modes_seen.insert(info.st_mode & 07777);
  }

  auto written = writer.get();
  BOOST_TEST_REQUIRE(written.has_value(), (written ? "" : written.error().message));
  BOOST_TEST(modes_seen == (std::set<unsigned>{0600U}), boost::test_tools::per_element());
  BOOST_TEST(mode_of(path) == 0600U);
  BOOST_TEST(fs::file_size(path) == content.size());
}

BOOST_AUTO_TEST_CASE(copy_rename_remove_list) {
  SshdFixture sshd;
  const std::string dir = sshd.user_directory().string();
  auto session = connect_or_fail(sshd.server_config());
  BOOST_TEST_REQUIRE(session->write_file(dir + "/cert.pem", "cert\n", 0640).has_value());

  auto copied = session->copy_file(dir + "/cert.pem", dir + "/cert.pem.bak-1");
  BOOST_TEST_REQUIRE(copied.has_value());
  BOOST_TEST(mode_of(dir + "/cert.pem.bak-1") == 0640U);
  BOOST_TEST(read_local(dir + "/cert.pem.bak-1") == "cert\n");

  auto renamed = session->rename_file(dir + "/cert.pem.bak-1", dir + "/cert.pem.bak-2");
  BOOST_TEST_REQUIRE(renamed.has_value());
  BOOST_TEST(!fs::exists(dir + "/cert.pem.bak-1"));

  auto listed = session->list_directory(dir, "cert.pem.");
  BOOST_TEST_REQUIRE(listed.has_value());
  BOOST_TEST(listed.value() == (std::vector<std::string>{"cert.pem.bak-2"}),
             boost::test_tools::per_element());

  BOOST_TEST_REQUIRE(session->remove_file(dir + "/cert.pem.bak-2").has_value());
  BOOST_TEST(!fs::exists(dir + "/cert.pem.bak-2"));
  BOOST_TEST(session->remove_file(dir + "/cert.pem.bak-2").has_value());

  auto absent = session->list_directory(dir + "/no-such-directory", "");
  BOOST_TEST_REQUIRE(absent.has_value());
  BOOST_TEST(absent.value().empty());

  auto failed = session->rename_file(dir + "/no-such-file", dir + "/other");
  BOOST_TEST_REQUIRE(!failed.has_value());
  BOOST_TEST(static_cast<int>(failed.error().kind) == static_cast<int>(ErrorKind::failed));
  BOOST_TEST(failed.error().message ==
             "rename " + dir + "/no-such-file to " + dir + "/other on " + endpoint(sshd) +
                 " failed with exit status 1: mv: cannot stat '" + dir +
                 "/no-such-file': No such file or directory");
}

BOOST_AUTO_TEST_CASE(create_exclusive_twice) {
  SshdFixture sshd;
  const std::string lock = sshd.user_directory().string() + "/certplan.lock";
  auto session = connect_or_fail(sshd.server_config());

  auto first = session->create_exclusive(lock, "run 1\n");
  BOOST_TEST_REQUIRE(first.has_value(), (first ? "" : first.error().message));
  BOOST_TEST(first.value() == true);

  auto second = session->create_exclusive(lock, "run 2\n");
  BOOST_TEST_REQUIRE(second.has_value(), (second ? "" : second.error().message));
  BOOST_TEST(second.value() == false);
  BOOST_TEST(read_local(lock) == "run 1\n");
}

BOOST_AUTO_TEST_CASE(run_timeout_closes_channel) {
  SshdFixture sshd;
  auto session = connect_or_fail(sshd.server_config());

  const auto started = std::chrono::steady_clock::now();
  auto ran = session->run("sleep 5", milliseconds(300));
  const auto elapsed = std::chrono::steady_clock::now() - started;

  BOOST_TEST_REQUIRE(!ran.has_value());
  BOOST_TEST(static_cast<int>(ran.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_TEST(ran.error().message ==
             "command on " + endpoint(sshd) + " did not finish within 300 ms; its channel was "
             "closed, but the remote process may still be running: sleep 5");
  BOOST_TEST(elapsed < std::chrono::seconds(3));

  auto after = session->run("echo still usable", milliseconds(10'000));
  BOOST_TEST_REQUIRE(after.has_value());
  BOOST_TEST(after.value().output == "still usable\n");
}

BOOST_AUTO_TEST_CASE(sudo_file_steps) {
  SshdFixture sshd;
  const fs::path dir = sshd.root_directory();
  test::SudoersFile sudoers(sudoers_rules(dir));
  ServerConfig server = sshd.server_config();
  server.use_sudo = true;
  server.cert_path = dir.string();
  auto session = connect_or_fail(server);

  const fs::path key = dir / "example.com" / "privkey.pem";
  auto written = session->write_file(key.string(), "root key\n", 0600);
  BOOST_TEST_REQUIRE(written.has_value(), (written ? "" : written.error().message));
  BOOST_TEST(mode_of(key) == 0600U);
  BOOST_TEST(owner_of(key) == 0U);
  BOOST_TEST(mode_of(dir / "example.com") == 0755U);

  auto files = session->read_files({key.string(), (dir / "missing.pem").string()});
  BOOST_TEST_REQUIRE(files.has_value(), (files ? "" : files.error().message));
  BOOST_TEST(files.value().at(key.string()).value() == "root key\n");
  BOOST_TEST(!files.value().at((dir / "missing.pem").string()).has_value());

  const std::string backup = (dir / "example.com" / "privkey.pem.bak").string();
  BOOST_TEST_REQUIRE(session->copy_file(key.string(), backup).has_value());
  BOOST_TEST(mode_of(backup) == 0600U);
  BOOST_TEST_REQUIRE(session->rename_file(backup, backup + "2").has_value());
  BOOST_TEST_REQUIRE(session->remove_file(backup + "2").has_value());
  BOOST_TEST(!fs::exists(backup + "2"));

  auto listed = session->list_directory(dir.string(), "");
  BOOST_TEST_REQUIRE(listed.has_value(), (listed ? "" : listed.error().message));
  BOOST_TEST(listed.value() == (std::vector<std::string>{"example.com"}),
             boost::test_tools::per_element());

  const std::string lock = (dir / "certplan.lock").string();
  auto first = session->create_exclusive(lock, "run 1\n");
  BOOST_TEST_REQUIRE(first.has_value(), (first ? "" : first.error().message));
  BOOST_TEST(first.value() == true);
  auto second = session->create_exclusive(lock, "run 2\n");
  BOOST_TEST_REQUIRE(second.has_value(), (second ? "" : second.error().message));
  BOOST_TEST(second.value() == false);
  BOOST_TEST(read_local(lock) == "run 1\n");
  BOOST_TEST(temporary_files(dir) == std::vector<std::string>{}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(sudo_without_rule_rejected) {
  SshdFixture sshd;
  ServerConfig server = sshd.server_config();
  server.use_sudo = true;
  server.cert_path = sshd.root_directory().string();
  auto session = connect_or_fail(server);

  const std::string path = sshd.root_directory().string() + "/old.pem";
  auto removed = session->remove_file(path);
  BOOST_TEST_REQUIRE(!removed.has_value());
  BOOST_TEST(static_cast<int>(removed.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(removed.error().message ==
             "remove " + path + " on " + endpoint(sshd) +
                 ": `sudo -n` refused user certplan-test because a password is required or the "
                 "command is not allowed (sudo: a password is required); allow the file steps "
                 "without a password in /etc/sudoers.d on the server (docs/servers.md lists the "
                 "rules) or set use_sudo: false when the SSH user owns cert_path; the command "
                 "was: sudo -n rm -f '" + path + "'");

  const std::string secret = sshd.root_directory().string() + "/secret.pem";
  run_local_checked("umask 077; echo secret > " + secret);
  auto files = session->read_files({secret});
  BOOST_TEST_REQUIRE(!files.has_value());
  BOOST_TEST(static_cast<int>(files.error().kind) == static_cast<int>(ErrorKind::rejected));
  BOOST_TEST(files.error().message ==
             "read files on " + endpoint(sshd) + ": `sudo -n` refused `cat " + secret +
                 "` for user certplan-test (sudo: a password is required); allow it without a "
                 "password in /etc/sudoers.d on the server (docs/servers.md lists the rules)");
}

}  // namespace certplan
