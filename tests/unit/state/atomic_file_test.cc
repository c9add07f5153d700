#include "state/atomic_file.h"
#include "tests/unit/support/temporary_directory.h"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace certplan {
namespace {

namespace fs = std::filesystem;

// Sets the process umask for one scope.
struct UmaskScope {
  explicit UmaskScope(mode_t mask) : previous(::umask(mask)) {}
  ~UmaskScope() { ::umask(previous); }

  mode_t previous;
};

std::string read_text(const fs::path& path) {
  std::ifstream input(path, std::ios::binary);
  std::ostringstream content;
  content << input.rdbuf();
  return content.str();
}

mode_t mode_of(const fs::path& path) {
  struct stat status {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 07777;
}

ino_t inode_of(const fs::path& path) {
  struct stat status {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_ino;
}

std::vector<std::string> entries_of(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

BOOST_AUTO_TEST_CASE(write_creates_file_with_content) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "fullchain.cer";

  auto written = write_file_atomic(target, "certificate\n", 0644);
  BOOST_TEST_REQUIRE(written.has_value());
  BOOST_TEST(read_text(target) == "certificate\n");
  BOOST_TEST(entries_of(directory.path()) == std::vector<std::string>{"fullchain.cer"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(write_mode_ignores_umask) {
  testing::TemporaryDirectory directory;

  {
    UmaskScope umask(0077);
    BOOST_TEST_REQUIRE(write_file_atomic(directory.path() / "public", "a", 0644).has_value());
  }
  {
    UmaskScope umask(0);
    BOOST_TEST_REQUIRE(write_file_atomic(directory.path() / "private", "b", 0600).has_value());
  }

  BOOST_TEST(mode_of(directory.path() / "public") == 0644u);
  BOOST_TEST(mode_of(directory.path() / "private") == 0600u);
}

BOOST_AUTO_TEST_CASE(write_replaces_by_rename) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "example.com.key";
  BOOST_TEST_REQUIRE(write_file_atomic(target, "old", 0600).has_value());
  const ino_t old_inode = inode_of(target);

  BOOST_TEST_REQUIRE(write_file_atomic(target, "new", 0600).has_value());
  BOOST_TEST(read_text(target) == "new");
  BOOST_TEST(inode_of(target) != old_inode);
  BOOST_TEST(entries_of(directory.path()) == std::vector<std::string>{"example.com.key"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(write_creates_parents_0700) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "a" / "b" / "file";
  UmaskScope umask(0022);

  BOOST_TEST_REQUIRE(write_file_atomic(target, "x", 0644).has_value());
  BOOST_TEST(read_text(target) == "x");
  BOOST_TEST(mode_of(directory.path() / "a") == 0700u);
  BOOST_TEST(mode_of(directory.path() / "a" / "b") == 0700u);
}

BOOST_AUTO_TEST_CASE(existing_parent_keeps_mode) {
  testing::TemporaryDirectory directory;
  const fs::path parent = directory.path() / "shared";
  BOOST_TEST_REQUIRE(::mkdir(parent.c_str(), 0755) == 0);
  BOOST_TEST_REQUIRE(::chmod(parent.c_str(), 0755) == 0);

  BOOST_TEST_REQUIRE(write_file_atomic(parent / "file", "x", 0644).has_value());
  BOOST_TEST(mode_of(parent) == 0755u);
}

BOOST_AUTO_TEST_CASE(parent_is_regular_file_error) {
  testing::TemporaryDirectory directory;
  const fs::path blocker = directory.path() / "blocker";
  BOOST_TEST_REQUIRE(write_file_atomic(blocker, "I am a file", 0644).has_value());
  const fs::path target = blocker / "sub" / "fullchain.cer";

  auto written = write_file_atomic(target, "certificate", 0644);
  BOOST_TEST_REQUIRE(!written.has_value());
  BOOST_TEST((written.error().kind == ErrorKind::failed));
  BOOST_TEST(written.error().message == "could not write " + target.string() +
                                            ": could not create directory " + blocker.string() +
                                            ": a file that is not a directory has that name");
  BOOST_TEST(read_text(blocker) == "I am a file");
  BOOST_TEST(entries_of(directory.path()) == std::vector<std::string>{"blocker"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failed_rename_leaves_target_untouched) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "busy";
  BOOST_TEST_REQUIRE(::mkdir(target.c_str(), 0700) == 0);
  BOOST_TEST_REQUIRE(write_file_atomic(target / "inside", "kept", 0600).has_value());

  // rename() cannot replace a non-empty directory with a file.
  auto written = write_file_atomic(target, "new content", 0644);
  BOOST_TEST_REQUIRE(!written.has_value());
  BOOST_TEST(written.error().message == "could not write " + target.string() +
                                            ": could not rename the temporary file over " +
                                            target.string() + ": Is a directory");
  BOOST_TEST(fs::is_directory(target));
  BOOST_TEST(read_text(target / "inside") == "kept");
  BOOST_TEST(entries_of(directory.path()) == std::vector<std::string>{"busy"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(abandoned_file_leaves_target_untouched) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "fullchain.cer";
  BOOST_TEST_REQUIRE(write_file_atomic(target, "old", 0644).has_value());

  {
    auto file = AtomicFile::create(target, 0644);
    BOOST_TEST_REQUIRE(file.has_value());
    BOOST_TEST(file.value().temporary_path().parent_path() == directory.path());
    BOOST_TEST_REQUIRE(file.value().write("half of the new").has_value());
    BOOST_TEST(fs::exists(file.value().temporary_path()));
  }

  BOOST_TEST(read_text(target) == "old");
  BOOST_TEST(entries_of(directory.path()) == std::vector<std::string>{"fullchain.cer"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(atomic_file_commit_after_writes) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "journal";

  auto file = AtomicFile::create(target, 0600);
  BOOST_TEST_REQUIRE(file.has_value());
  BOOST_TEST_REQUIRE(file.value().write("one\n").has_value());
  BOOST_TEST_REQUIRE(file.value().write("two\n").has_value());
  BOOST_TEST(!fs::exists(target));
  BOOST_TEST(mode_of(file.value().temporary_path()) == 0600u);

  BOOST_TEST_REQUIRE(file.value().commit().has_value());
  BOOST_TEST(read_text(target) == "one\ntwo\n");
  BOOST_TEST(mode_of(target) == 0600u);
  BOOST_TEST(entries_of(directory.path()) == std::vector<std::string>{"journal"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(moved_atomic_file_commits_once) {
  testing::TemporaryDirectory directory;
  const fs::path target = directory.path() / "moved";

  auto created = AtomicFile::create(target, 0644);
  BOOST_TEST_REQUIRE(created.has_value());
  AtomicFile file = std::move(created.value());
  BOOST_TEST_REQUIRE(file.write("moved").has_value());
  BOOST_TEST_REQUIRE(file.commit().has_value());

  BOOST_TEST(read_text(target) == "moved");
}

}  // namespace certplan
