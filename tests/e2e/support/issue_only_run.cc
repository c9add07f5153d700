#include "tests/e2e/support/issue_only_run.h"

#include <fcntl.h>
#include <unistd.h>

#include <stdexcept>

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

// Every variable that state/environment.cc reads.
const std::vector<std::string> kCertplanVariables = {
    "IONOS_API_KEY",          "ACME_EMAIL",           "RENEWAL_THRESHOLD_DAYS",
    "CERT_BASE_PATH",         "LOG_FILE_PATH",        "LOG_LEVEL",
    "ACME_DIRECTORY_URL",     "ACME_STAGING_DIRECTORY_URL", "ACME_CA_BUNDLE",
    "IONOS_API_URL",          "DNS_RESOLVERS",        "DNS_PROPAGATION_TIMEOUT",
    "HEALTHCHECK_CA_BUNDLE",  "NOTIFY_WEBHOOK_URL",   "CERTPLAN_STATE_DIR",
    "ACME_EAB_KID",           "ACME_EAB_HMAC_KEY",    "RFC2136_NAMESERVER",
    "RFC2136_TSIG_KEY",       "RFC2136_TSIG_SECRET",  "RFC2136_TSIG_ALGORITHM",
    "DNS_EXEC_PATH"};

// Creates `path` with mode 0600 before any byte of `content` is written.
void write_private_file(const fs::path& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("could not create " + path.string());
  const bool written =
      ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!written) throw std::runtime_error("could not write " + path.string());
}

}  // namespace

IssueOnlyRun::IssueOnlyRun(fs::path dir, const EnvSettings& settings,
                           const std::string& domains_yaml)
    : dir_(std::move(dir)) {
  fs::create_directories(dir_ / "config");
  Sandbox::write_file(dir_ / "config" / "servers.yaml", "servers: []\n");
  Sandbox::write_file(dir_ / "config" / "domains.yaml", domains_yaml);

  std::string env;
  for (const auto& [name, value] : settings) env += name + "=" + value + "\n";
  env += "CERT_BASE_PATH=" + (dir_ / "store").string() + "\n";
  env += "LOG_FILE_PATH=" + (dir_ / "certplan.log").string() + "\n";
  write_private_file(dir_ / ".env", env);
}

CommandOutput IssueOnlyRun::run(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {CERTPLAN_EXECUTABLE, "--config-dir", (dir_ / "config").string(),
                                   "--env-file", (dir_ / ".env").string(), "--no-color"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, std::chrono::seconds(180), kCertplanVariables);
}

fs::path IssueOnlyRun::store_dir(const std::string& domain) const {
  return dir_ / "store" / domain;
}

std::string IssueOnlyRun::log_text() const {
  const fs::path log_file = dir_ / "certplan.log";
  return fs::exists(log_file) ? Sandbox::read_file(log_file) : std::string();
}

}  // namespace certplan::e2e
