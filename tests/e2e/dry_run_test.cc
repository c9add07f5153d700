// End to end: `certplan apply --dry-run` issues every planned certificate
// from the staging CA (the sandbox's pebble) and keeps nothing. Every file
// on every host, the local store and the state directory stay byte for byte
// the same, with mode, owner and modification time, while pebble shows the
// extra order. A host whose sudo does not work is named with the reason.

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

const std::string domain = "example.com";

// What one directory entry is: type, mode, owner, modification time (ns)
// and, for a regular file or a symlink, its content or target.
std::string describe_entry(const fs::path& path, bool with_directory_mtime) {
  struct stat info {};
  if (lstat(path.c_str(), &info) != 0) throw std::runtime_error("cannot stat " + path.string());

  std::ostringstream text;
  text << std::oct << info.st_mode << std::dec << " " << info.st_uid << ":" << info.st_gid;
  const bool directory = S_ISDIR(info.st_mode);
  if (!directory || with_directory_mtime) {
    text << " mtime " << info.st_mtim.tv_sec << "." << info.st_mtim.tv_nsec;
  }
  if (S_ISREG(info.st_mode)) text << " content " << Sandbox::read_file(path);
  if (S_ISLNK(info.st_mode)) text << " target " << fs::read_symlink(path).string();
  return text.str();
}

// Every entry below `root` (and `root` itself), by path. The directories of
// the hosts' cert_path get a dry-run probe file created and removed, which
// changes their modification time, so `with_directory_mtime` leaves that out there.
std::map<std::string, std::string> snapshot_tree(const fs::path& root, bool with_directory_mtime) {
  std::map<std::string, std::string> entries;
  if (!fs::exists(fs::symlink_status(root))) return entries;
  entries[root.string()] = describe_entry(root, with_directory_mtime);
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    entries[entry.path().string()] = describe_entry(entry.path(), with_directory_mtime);
  }
  return entries;
}

// The store (with the state directory inside it), and every host's
// cert_path and nginx configuration.
std::map<std::string, std::string> snapshot_sandbox(const Sandbox& sandbox) {
  auto entries = snapshot_tree(sandbox.dir() / "store", true);
  for (int i = 1; i <= sandbox.host_count(); ++i) {
    entries.merge(snapshot_tree(sandbox.host(i).cert_dir, false));
    entries.merge(snapshot_tree(sandbox.host(i).nginx_prefix / "conf", true));
  }
  return entries;
}

// Certificates pebble issued, from its log. Pebble rejects some nonces on
// purpose, so a request line can appear twice for one order, but each
// order logs "Issued certificate serial" once.
int issued_certificates(const Sandbox& sandbox) {
  const std::string log = Sandbox::read_file(sandbox.dir() / "pebble/pebble.log");
  int count = 0;
  for (const std::string& line : lines_of(log)) {
    if (line.find("Issued certificate serial ") != std::string::npos) ++count;
  }
  return count;
}

// Sets TMPDIR for the certplan runs of one test, so the test can check that
// the dry run's temporary directory is gone afterwards.
class TemporaryDirectoryVariable {
 public:
  explicit TemporaryDirectoryVariable(const fs::path& directory) : directory_(directory) {
    fs::create_directories(directory_);
    setenv("TMPDIR", directory_.c_str(), 1);
  }
  ~TemporaryDirectoryVariable() { unsetenv("TMPDIR"); }
  TemporaryDirectoryVariable(const TemporaryDirectoryVariable&) = delete;
  TemporaryDirectoryVariable& operator=(const TemporaryDirectoryVariable&) = delete;

  bool empty() const { return fs::is_empty(directory_); }

 private:
  fs::path directory_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(dry_run_issues_on_staging_and_keeps_nothing) {
  Sandbox sandbox;
  const TemporaryDirectoryVariable temporary(sandbox.dir() / "tmp");

  // A real apply first, so the store, the state directory (ACME account,
  // run lock) and the hosts hold certplan's files before the dry run.
  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_REQUIRE_EQUAL(apply.exit_code, 0);
  BOOST_REQUIRE(fs::exists(sandbox.dir() / "store/.certplan/accounts"));

  const auto before = snapshot_sandbox(sandbox);
  const std::string served_before = sandbox.served_fingerprint(1, domain);
  const int issued_before = issued_certificates(sandbox);

  const CommandOutput dry_run =
      sandbox.run_certplan({"apply", "--dry-run", "--auto-approve", "--force-renew", domain});
  BOOST_TEST_INFO("dry run output:\n" << dry_run.text());
  BOOST_TEST(dry_run.exit_code == 0);
  BOOST_TEST(has_line(dry_run.out, "Plan: 1 to issue, 2 to deploy, 2 hosts to reload, 2 to verify."));
  // The sandbox's .env points the staging directory at its own pebble.
  BOOST_TEST(has_line_starting_with(dry_run.out, "Dry run: certificates are issued from the staging CA https://" +
                                                     sandbox.base() + ".1:"));
  BOOST_TEST(has_line(dry_run.out, "Dry run complete: 2 ready, 1 issued from staging."));
  BOOST_TEST(has_line_starting_with(dry_run.out, "  web-01  ready: " + sandbox.host(1).cert_dir.string() +
                                                     "/example.com writable, `sudo -n "));
  BOOST_TEST(has_line_starting_with(dry_run.out, "  web-02  ready: "));
  BOOST_TEST(has_line(dry_run.out, "  issue example.com  issued from the staging CA and discarded"));

  // The staging issue reached pebble, and nothing of it was kept.
  BOOST_TEST(issued_certificates(sandbox) == issued_before + 1);
  const auto after = snapshot_sandbox(sandbox);
  BOOST_TEST(after.size() == before.size());
  for (const auto& [path, description] : before) {
    BOOST_TEST_INFO("path " << path);
    BOOST_TEST((after.contains(path) && after.at(path) == description));
  }
  BOOST_TEST(sandbox.served_fingerprint(1, domain) == served_before);
  BOOST_TEST(sandbox.served_fingerprint(2, domain) == served_before);
  BOOST_TEST(temporary.empty());

  // The real plan still wants nothing: the dry run left no trace.
  const CommandOutput plan = sandbox.run_certplan({"plan"});
  BOOST_TEST_INFO("plan output:\n" << plan.text());
  BOOST_TEST(plan.exit_code == 0);
  BOOST_TEST(has_line_starting_with(plan.out, "No changes."));
}

BOOST_AUTO_TEST_CASE(dry_run_names_host_without_sudo) {
  Sandbox sandbox;
  const TemporaryDirectoryVariable temporary(sandbox.dir() / "tmp");

  // The sandbox's sudoers rule allows only the nginx commands, so with
  // use_sudo web-02's user cannot run `sudo -n true` or any file step.
  const fs::path servers = sandbox.dir() / "config/servers.yaml";
  const std::string with_sudo = std::regex_replace(Sandbox::read_file(servers), std::regex("(  - name: web-02\n)"),
                                                   "$1    use_sudo: true\n");
  BOOST_REQUIRE(with_sudo.find("use_sudo: true") != std::string::npos);
  Sandbox::write_file(servers, with_sudo);
  const auto before = snapshot_sandbox(sandbox);

  const CommandOutput dry_run = sandbox.run_certplan({"apply", "--dry-run", "--auto-approve"});
  BOOST_TEST_INFO("dry run output:\n" << dry_run.text());
  BOOST_TEST(dry_run.exit_code == 1);
  BOOST_TEST(has_line(dry_run.out, "Dry run complete: 1 ready, 1 failed, 1 issued from staging."));
  BOOST_TEST(has_line_starting_with(dry_run.out, "  web-01  ready: "));
  BOOST_TEST(has_line_starting_with(dry_run.out,
                                    "  web-02  failed: sudo failed: sudo without a password does not work for "
                                    "certplan-sandbox; allow the commands certplan runs in sudoers: "));

  const auto after = snapshot_sandbox(sandbox);
  BOOST_TEST((after == before));
  BOOST_TEST(!fs::exists(sandbox.store_dir(domain)));
  BOOST_TEST(temporary.empty());
}

}  // namespace certplan::e2e
