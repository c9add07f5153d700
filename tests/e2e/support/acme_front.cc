#include "tests/e2e/support/acme_front.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace certplan::e2e {

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream stream(path);
  std::ostringstream content;
  content << stream.rdbuf();
  return content.str();
}

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "certplan-front-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for the ACME front");
  return pattern;
}

fs::path front_script() { return fs::path(CERTPLAN_SOURCE_DIR) / "tests/e2e/support/acme_front.py"; }

}  // namespace

AcmeFront::AcmeFront(AcmeFrontOptions options) : options_(std::move(options)), dir_(make_temp_dir()) {
  const std::vector<std::string> arguments{"python3",
                                           front_script().string(),
                                           "--listen",
                                           options_.listen_address,
                                           "--upstream",
                                           options_.upstream_directory_url,
                                           "--upstream-ca",
                                           options_.upstream_ca.string(),
                                           "--cert",
                                           options_.certificate.string(),
                                           "--key",
                                           options_.key.string(),
                                           "--state-dir",
                                           dir_.string()};
  const fs::path log = dir_ / "front.log";
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed for the ACME front");
  if (pid_ == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (const std::string& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }

  // The front writes its port file only once it listens.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string port = read_text(dir_ / "port");
    if (!port.empty()) {
      port_ = std::stoi(port);
      return;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string output = read_text(log);
  stop();
  throw std::runtime_error("the ACME front did not start; its log:\n" + output);
}

AcmeFront::~AcmeFront() { stop(); }

void AcmeFront::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  std::error_code ignored;
  if (!dir_.empty() && std::getenv("CERTPLAN_KEEP_SANDBOX") == nullptr) fs::remove_all(dir_, ignored);
  dir_.clear();
}

std::string AcmeFront::directory_url() const {
  return "https://" + options_.listen_address + ":" + std::to_string(port_) + "/dir";
}

void AcmeFront::configure(const nlohmann::json& config) const {
  const fs::path temporary = dir_ / "config.json.tmp";
  std::ofstream(temporary) << config.dump(2) << "\n";
  fs::rename(temporary, dir_ / "config.json");
}

std::vector<nlohmann::json> AcmeFront::orders() const { return read_lines("orders.jsonl"); }

std::vector<nlohmann::json> AcmeFront::requests() const { return read_lines("requests.jsonl"); }

std::string AcmeFront::log() const { return read_text(dir_ / "front.log"); }

std::vector<nlohmann::json> AcmeFront::read_lines(const std::string& name) const {
  std::vector<nlohmann::json> records;
  std::istringstream lines(read_text(dir_ / name));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) records.push_back(nlohmann::json::parse(line));
  }
  return records;
}

}  // namespace certplan::e2e
