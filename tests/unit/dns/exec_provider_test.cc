#include "providers/dns/exec_provider.h"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>

#include "providers/dns/child_process.h"

namespace certplan {
namespace {

// A temporary directory with one shell script, removed at the end of a test.
class ScriptDirectory {
 public:
  ScriptDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "certplan-exec-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScriptDirectory() { std::filesystem::remove_all(path_); }
  ScriptDirectory(const ScriptDirectory&) = delete;
  ScriptDirectory& operator=(const ScriptDirectory&) = delete;

  std::filesystem::path write(const std::string& name, const std::string& body) const {
    const std::filesystem::path script = path_ / name;
    std::ofstream(script) << "#!/bin/sh\n" << body;
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    return script;
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

BOOST_AUTO_TEST_CASE(present_and_cleanup_pass_arguments) {
  ScriptDirectory dir;
  const auto log = dir.path() / "calls.log";
  const auto script = dir.write("hook", "echo \"$1|$2|$3\" >> '" + log.string() + "'\n");
  ExecProvider provider(script);

  auto record = provider.present("_acme-challenge.example.com", "tok en;$(x)");
  BOOST_REQUIRE(record.has_value());
  BOOST_TEST(record.value().fqdn == "_acme-challenge.example.com");
  BOOST_TEST(record.value().value == "tok en;$(x)");
  BOOST_TEST(record.value().zone == "");
  BOOST_TEST(record.value().id == "");

  auto cleaned = provider.cleanup(record.value());
  BOOST_TEST(cleaned.has_value());
  BOOST_TEST(read_file(log) ==
             "present|_acme-challenge.example.com|tok en;$(x)\n"
             "cleanup|_acme-challenge.example.com|tok en;$(x)\n");
}

BOOST_AUTO_TEST_CASE(failure_shows_exit_code_and_output) {
  ScriptDirectory dir;
  const auto script = dir.write("hook", "echo 'zone not found' >&2\nexit 3\n");
  ExecProvider provider(script);

  auto record = provider.present("_acme-challenge.example.com", "v");
  BOOST_REQUIRE(!record.has_value());
  BOOST_TEST(static_cast<int>(record.error().kind) == static_cast<int>(ErrorKind::failed));
  BOOST_TEST(record.error().message == "DNS_EXEC_PATH " + script.string() +
                                           " present _acme-challenge.example.com failed with "
                                           "exit code 3: zone not found");
}

BOOST_AUTO_TEST_CASE(slow_program_is_killed) {
  ScriptDirectory dir;
  const auto script = dir.write("hook", "echo started\nsleep 30\n");
  ExecProvider provider(script, std::chrono::milliseconds(300));

  const auto start = std::chrono::steady_clock::now();
  auto cleaned = provider.cleanup(PublishedRecord{"_acme-challenge.example.com", "v", "", ""});
  const auto elapsed = std::chrono::steady_clock::now() - start;

  BOOST_REQUIRE(!cleaned.has_value());
  BOOST_TEST(static_cast<int>(cleaned.error().kind) == static_cast<int>(ErrorKind::timed_out));
  BOOST_TEST(cleaned.error().message ==
             "DNS_EXEC_PATH " + script.string() + " cleanup _acme-challenge.example.com: " +
                 script.string() + " did not finish within 300 ms and was killed; output: started\n");
  BOOST_TEST(elapsed < std::chrono::seconds(5));
}

BOOST_AUTO_TEST_CASE(missing_program_exits_127) {
  auto result = run_process({"/nonexistent/certplan-hook", "present"}, std::chrono::seconds(5));
  BOOST_REQUIRE(result.has_value());
  BOOST_TEST(result.value().exit_code == 127);
  BOOST_TEST(result.value().output ==
             "could not start the program: No such file or directory");
}

BOOST_AUTO_TEST_CASE(signal_exit_code_is_128_plus_signal) {
  ScriptDirectory dir;
  const auto script = dir.write("hook", "kill -9 $$\n");
  auto result = run_process({script.string()}, std::chrono::seconds(5));
  BOOST_REQUIRE(result.has_value());
  BOOST_TEST(result.value().exit_code == 137);
}

}  // namespace
}  // namespace certplan
