// End to end: builds the container image from the Dockerfile with buildah
// and runs certplan in it as the image's non-root user.
//
// Slow (the build stage compiles certplan inside the image), so it runs only
// when CERTPLAN_CONTAINER_TEST=1 and is skipped otherwise:
//
//   CERTPLAN_CONTAINER_TEST=1 build/e2e_container_test
//
// Needs root, buildah, podman and debootstrap, and the Debian mirror (the
// base image is made with scripts/container-test-setup.sh).

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

const std::string image = "certplan:test";
const fs::path source_dir = CERTPLAN_SOURCE_DIR;

boost::test_tools::assertion_result container_test_requested(boost::unit_test::test_unit_id) {
  const char* flag = std::getenv("CERTPLAN_CONTAINER_TEST");
  boost::test_tools::assertion_result result(flag != nullptr && std::string(flag) == "1");
  result.message() << "set CERTPLAN_CONTAINER_TEST=1 to build the image and run this test";
  return result;
}

// Runs buildah with `args` and the vfs storage driver.
CommandOutput buildah(const std::vector<std::string>& args,
                      std::chrono::seconds timeout = std::chrono::seconds(300)) {
  std::vector<std::string> argv = {"/usr/bin/env", "STORAGE_DRIVER=vfs", "buildah"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout);
}

// Runs `command` in `container` as the image's certplan user.
CommandOutput run_in(const std::string& container, const std::vector<std::string>& command) {
  std::vector<std::string> args = {"run", "--isolation", "chroot", "--user", "10001", container, "--"};
  args.insert(args.end(), command.begin(), command.end());
  return buildah(args);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("could not write " + path.string());
}

// Directory in the container that receives the example configuration. It
// is not one of the image's volumes, because `buildah run` does not show
// files that `buildah copy` put into a volume path.
const std::string config_dir = "/srv/certplan-test";

// The example configuration with its SSH paths moved into config_dir.
std::string example_servers_for_container() {
  const std::string servers = Sandbox::read_file(source_dir / "examples/config/servers.yaml");
  return std::regex_replace(servers, std::regex("/etc/certplan/ssh/"), config_dir + "/ssh/");
}

// Removes the working container when the test ends, however it ends.
class ContainerGuard {
 public:
  explicit ContainerGuard(std::string name) : name_(std::move(name)) {}
  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;
  ~ContainerGuard() { (void)buildah({"rm", name_}); }

 private:
  std::string name_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(image_runs_validate_as_non_root,
                     *boost::unit_test::precondition(container_test_requested)) {
  const CommandOutput setup =
      run_command({"/bin/bash", (source_dir / "scripts/container-test-setup.sh").string()},
                  std::chrono::seconds(900));
  BOOST_TEST_INFO("container-test-setup.sh output:\n" << setup.text());
  BOOST_REQUIRE_EQUAL(setup.exit_code, 0);

  const auto build_start = std::chrono::steady_clock::now();
  const CommandOutput build =
      buildah({"bud", "--pull=never", "--isolation", "chroot", "--build-arg", "JOBS=2", "-t", image,
               source_dir.string()},
              std::chrono::seconds(7200));
  const auto build_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::steady_clock::now() - build_start)
                                 .count();
  BOOST_TEST_MESSAGE("buildah bud took " << build_seconds << " s");
  BOOST_TEST_INFO("buildah bud output:\n" << build.text());
  BOOST_REQUIRE_EQUAL(build.exit_code, 0);

  // The image's configuration: user, working directory, entrypoint, command
  // and volumes.
  const CommandOutput config = buildah(
      {"inspect", "--type", "image", "--format",
       "{{.OCIv1.Config.User}}|{{.OCIv1.Config.WorkingDir}}|{{.OCIv1.Config.Entrypoint}}|"
       "{{.OCIv1.Config.Cmd}}|{{range $k, $v := .OCIv1.Config.Volumes}}{{$k}} {{end}}",
       image});
  BOOST_TEST_INFO("buildah inspect output:\n" << config.text());
  BOOST_REQUIRE_EQUAL(config.exit_code, 0);
  BOOST_TEST(lines_of(config.out).at(0) ==
             "10001:10001|/etc/certplan|[certplan]|[plan]|"
             "/etc/certplan /run/secrets/ssh /var/lib/certplan /var/log/certplan");

  const CommandOutput from = buildah({"from", "--pull=never", image});
  BOOST_TEST_INFO("buildah from output:\n" << from.text());
  BOOST_REQUIRE_EQUAL(from.exit_code, 0);
  const std::string container = lines_of(from.out).back();
  ContainerGuard guard(container);

  // Same sources, same version line as the binary built on the host.
  const CommandOutput host_version = run_command({CERTPLAN_EXECUTABLE, "--version"}, std::chrono::seconds(30));
  BOOST_REQUIRE_EQUAL(host_version.exit_code, 0);
  const CommandOutput version = run_in(container, {"certplan", "--version"});
  BOOST_TEST_INFO("certplan --version in the container:\n" << version.text());
  BOOST_REQUIRE_EQUAL(version.exit_code, 0);
  BOOST_TEST(version.out == host_version.out);

  const CommandOutput whoami = run_in(container, {"id", "-u"});
  BOOST_REQUIRE_EQUAL(whoami.exit_code, 0);
  BOOST_TEST(whoami.out == "10001\n");

  // The example configuration, with a dummy .env, a dummy SSH key of mode
  // 600 and a known_hosts file so the file checks pass.
  const fs::path staging = fs::temp_directory_path() / ("certplan-container-" + std::to_string(::getpid()));
  fs::remove_all(staging);
  fs::create_directories(staging / "ssh");
  fs::copy_file(source_dir / "examples/config/domains.yaml", staging / "domains.yaml");
  write_text(staging / "servers.yaml", example_servers_for_container());
  write_text(staging / ".env", "ACME_EMAIL=ops@example.com\nIONOS_API_KEY=dummyprefix.dummysecret\n");
  write_text(staging / "ssh/known_hosts",
             "192.0.2.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummyHostKeyForTheContainerTest0000\n");
  const CommandOutput keygen =
      run_command({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "container-test", "-f",
                   (staging / "ssh/automation_key").string()},
                  std::chrono::seconds(30));
  BOOST_TEST_INFO("ssh-keygen output:\n" << keygen.text());
  BOOST_REQUIRE_EQUAL(keygen.exit_code, 0);
  fs::remove(staging / "ssh/automation_key.pub");
  fs::permissions(staging / ".env", fs::perms::owner_read | fs::perms::owner_write);
  fs::permissions(staging / "ssh/automation_key", fs::perms::owner_read | fs::perms::owner_write);

  const CommandOutput copy = buildah({"copy", "--chown", "10001:10001", container, staging.string(), config_dir});
  fs::remove_all(staging);
  BOOST_TEST_INFO("buildah copy output:\n" << copy.text());
  BOOST_REQUIRE_EQUAL(copy.exit_code, 0);

  const std::string key = config_dir + "/ssh/automation_key";
  const CommandOutput key_mode = run_in(container, {"stat", "-c", "%a %u", key});
  BOOST_REQUIRE_EQUAL(key_mode.exit_code, 0);
  BOOST_TEST(key_mode.out == "600 10001\n");

  const std::vector<std::string> validate_command = {"certplan", "--config-dir", config_dir, "--env-file",
                                                     config_dir + "/.env", "validate"};
  const CommandOutput validate = run_in(container, validate_command);
  BOOST_TEST_INFO("certplan validate in the container:\n" << validate.text());
  BOOST_TEST(validate.exit_code == 0);
  BOOST_TEST(has_line(validate.out, "The configuration is valid: 2 servers, 2 domains."));

  // The same check fails, naming the file, when the key is readable by others.
  const CommandOutput loosen = run_in(container, {"chmod", "644", key});
  BOOST_REQUIRE_EQUAL(loosen.exit_code, 0);
  const CommandOutput rejected = run_in(container, validate_command);
  BOOST_TEST_INFO("certplan validate with a key of mode 644:\n" << rejected.text());
  BOOST_TEST(rejected.exit_code == 1);
  BOOST_TEST(has_line(rejected.err, config_dir + "/servers.yaml:7:19: error: ssh_key_path `" + key +
                                        "` of server `webserver-01` has mode 0644, so other users can read or "
                                        "change the private key; run `chmod 600 " + key + "`"));
}

}  // namespace certplan::e2e
