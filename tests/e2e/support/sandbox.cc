#include "tests/e2e/support/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>

#include "tests/e2e/support/tls_client.h"

extern char** environ;

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

constexpr int base_busy_exit_code = 3;  // sandbox.sh start: the --base is in use
constexpr int start_attempts = 10;
constexpr std::chrono::seconds sandbox_script_timeout{90};

// A pipe's two ends, closed on destruction.
class Pipe {
 public:
  Pipe() {
    std::array<int, 2> ends{};
    if (::pipe2(ends.data(), O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("could not create a pipe: ") + std::strerror(errno));
    }
    read_end_ = ends[0];
    write_end_ = ends[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_end() const { return read_end_; }
  int write_end() const { return write_end_; }
  void close_read() { close_descriptor(read_end_); }
  void close_write() { close_descriptor(write_end_); }

 private:
  static void close_descriptor(int& descriptor) {
    if (descriptor >= 0) {
      ::close(descriptor);
      descriptor = -1;
    }
  }

  int read_end_ = -1;
  int write_end_ = -1;
};

// The parent's environment without `unset_variables`, as "NAME=value" strings.
std::vector<std::string> child_environment(const std::vector<std::string>& unset_variables) {
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::string name = text.substr(0, text.find('='));
    if (std::find(unset_variables.begin(), unset_variables.end(), name) == unset_variables.end()) {
      entries.push_back(text);
    }
  }
  return entries;
}

std::vector<char*> as_c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) {
    pointers.push_back(text.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void exec_child(char* const* argv, char* const* envp, int out_fd, int err_fd) {
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(out_fd, STDOUT_FILENO) < 0 ||
      ::dup2(err_fd, STDERR_FILENO) < 0) {
    ::_exit(126);
  }
  ::execve(argv[0], argv, envp);
  const char message[] = "run_command: execve failed\n";
  [[maybe_unused]] const ssize_t ignored = ::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(127);
}

// Reads both pipes until they close or the deadline passes. Returns false
// on timeout.
bool drain_pipes(Pipe& out, Pipe& err, CommandOutput& output,
                 std::chrono::steady_clock::time_point deadline) {
  std::array<pollfd, 2> fds{pollfd{out.read_end(), POLLIN, 0}, pollfd{err.read_end(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&output.out, &output.err};
  int open_count = 2;

  while (open_count > 0) {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) {
      return false;
    }
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(remaining.count()));
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(std::string("poll failed: ") + std::strerror(errno));
    }

    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        continue;
      }
      std::array<char, 8192> buffer{};
      const ssize_t count = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (count > 0) {
        sinks[i]->append(buffer.data(), static_cast<std::size_t>(count));
      } else if (count == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  return true;
}

int wait_for_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Parses the KEY=value lines of a shell-sourceable file. Surrounding double
// quotes are removed from values.
std::map<std::string, std::string> read_assignments(const fs::path& path) {
  std::map<std::string, std::string> values;
  std::istringstream lines(Sandbox::read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    const auto equals = line.find('=');
    if (line.empty() || line[0] == '#' || equals == std::string::npos) {
      continue;
    }
    std::string value = line.substr(equals + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    values[line.substr(0, equals)] = value;
  }
  return values;
}

std::string required(const std::map<std::string, std::string>& values, const std::string& key,
                     const fs::path& source) {
  const auto found = values.find(key);
  if (found == values.end()) {
    throw std::runtime_error(source.string() + " is missing " + key);
  }
  return found->second;
}

fs::path sandbox_script() {
  return fs::path(CERTPLAN_SOURCE_DIR) / "examples" / "sandbox" / "sandbox.sh";
}

std::string random_base() {
  std::random_device seed;
  std::mt19937 generator(seed());
  std::uniform_int_distribution<int> second(100, 250);
  std::uniform_int_distribution<int> third(0, 255);
  return "127." + std::to_string(second(generator)) + "." + std::to_string(third(generator));
}

fs::path make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "certplan-e2e-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
  }
  // sshd reads AuthorizedKeysFile inside it as the unprivileged SSH user.
  fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec);
  return pattern;
}

bool keep_sandbox() {
  const char* keep = std::getenv("CERTPLAN_KEEP_SANDBOX");
  return keep != nullptr && std::string(keep) == "1";
}

}  // namespace

CommandOutput run_command(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const std::vector<std::string>& unset_variables) {
  if (argv.empty()) {
    throw std::invalid_argument("run_command needs a program");
  }
  std::vector<std::string> arguments = argv;
  std::vector<std::string> environment = child_environment(unset_variables);
  std::vector<char*> argv_pointers = as_c_strings(arguments);
  std::vector<char*> envp_pointers = as_c_strings(environment);

  Pipe out;
  Pipe err;
  const pid_t pid = ::fork();
  if (pid < 0) {
    throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    exec_child(argv_pointers.data(), envp_pointers.data(), out.write_end(), err.write_end());
  }
  out.close_write();
  err.close_write();

  CommandOutput output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!drain_pipes(out, err, output, deadline)) {
    output.timed_out = true;
    ::kill(pid, SIGKILL);
  }
  output.exit_code = wait_for_exit(pid);
  if (output.timed_out) {
    output.exit_code = -1;
  }
  return output;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
      line.pop_back();
    }
    lines.push_back(line);
  }
  return lines;
}

bool has_line(const std::string& text, const std::string& expected) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), expected) != lines.end();
}

bool has_line_starting_with(const std::string& text, const std::string& prefix) {
  const auto lines = lines_of(text);
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& line) { return line.rfind(prefix, 0) == 0; });
}

bool has_line_containing_all(const std::string& text, const std::vector<std::string>& words) {
  const auto lines = lines_of(text);
  return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
    return std::all_of(words.begin(), words.end(), [&](const std::string& word) {
      return line.find(word) != std::string::npos;
    });
  });
}

Sandbox::Sandbox(SandboxOptions options) : dir_(make_temp_dir()) {
  try {
    start(options);
    load_facts();
  } catch (...) {
    try {
      stop();
    } catch (const std::exception& error) {
      std::cerr << error.what() << "\n";
    }
    if (!keep_sandbox()) {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
    }
    throw;
  }
}

Sandbox::~Sandbox() {
  try {
    stop();
  } catch (const std::exception& error) {
    std::cerr << "stopping the sandbox in " << dir_.string() << " failed: " << error.what() << "\n";
  }

  if (keep_sandbox()) {
    std::cerr << "CERTPLAN_KEEP_SANDBOX=1: kept the stopped sandbox in " << dir_.string() << "\n";
    return;
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void Sandbox::start(const SandboxOptions& options) {
  std::string last_output;
  for (int attempt = 0; attempt < start_attempts; ++attempt) {
    std::vector<std::string> argv = {sandbox_script().string(), "start", dir_.string(),
                                     "--base", random_base(),
                                     "--hosts", std::to_string(options.hosts)};
    for (const std::string& domain : options.domains) {
      argv.push_back("--domain");
      argv.push_back(domain);
    }

    const CommandOutput output = run_command(argv, sandbox_script_timeout);
    if (output.exit_code == 0) {
      return;
    }
    last_output = output.text();
    if (output.exit_code != base_busy_exit_code) {
      throw std::runtime_error("sandbox.sh start " + dir_.string() + " failed (exit " +
                               std::to_string(output.exit_code) + "):\n" + last_output);
    }
  }
  throw std::runtime_error("sandbox.sh found no free base in " + std::to_string(start_attempts) +
                           " attempts:\n" + last_output);
}

void Sandbox::load_facts() {
  const fs::path facts_file = dir_ / "sandbox.env";
  const auto facts = read_assignments(facts_file);
  base_ = required(facts, "BASE", facts_file);
  https_port_ = required(facts, "HTTPS_PORT", facts_file);

  const int count = std::stoi(required(facts, "HOST_COUNT", facts_file));
  for (int i = 1; i <= count; ++i) {
    const std::string prefix = "HOST_" + std::to_string(i) + "_";
    hosts_.push_back(HostFacts{required(facts, prefix + "NAME", facts_file),
                               required(facts, prefix + "ADDRESS", facts_file),
                               required(facts, prefix + "CERT_DIR", facts_file),
                               required(facts, prefix + "NGINX_PREFIX", facts_file)});
  }

  for (const auto& [name, value] : read_assignments(dir_ / ".env")) {
    env_variables_.push_back(name);
  }
}

void Sandbox::stop() const {
  const CommandOutput output =
      run_command({sandbox_script().string(), "stop", dir_.string()}, sandbox_script_timeout);
  if (output.exit_code != 0) {
    throw std::runtime_error("sandbox.sh stop exited " + std::to_string(output.exit_code) + ":\n" +
                             output.text());
  }
}

CommandOutput Sandbox::run_certplan(std::vector<std::string> args,
                                    std::chrono::seconds timeout) const {
  std::vector<std::string> argv = {CERTPLAN_EXECUTABLE,
                                   "--config-dir", (dir_ / "config").string(),
                                   "--env-file", (dir_ / ".env").string(),
                                   "--no-color"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, timeout, env_variables_);
}

const HostFacts& Sandbox::host(int i) const {
  if (i < 1 || i > host_count()) {
    throw std::out_of_range("the sandbox has hosts 1 to " + std::to_string(host_count()) +
                            ", not " + std::to_string(i));
  }
  return hosts_[static_cast<std::size_t>(i - 1)];
}

std::string Sandbox::served_fingerprint(int i, const std::string& domain) const {
  return fetch_leaf_fingerprint(host(i).address, std::stoi(https_port_), domain);
}

void Sandbox::break_nginx_config(int i) const {
  const fs::path config = host(i).nginx_prefix / "conf" / "nginx.conf";
  write_file(config, read_file(config) + "certplan_sandbox_broken_directive on;\n");
}

void Sandbox::make_nginx_reject_p256(int i) const {
  const fs::path config = host(i).nginx_prefix / "conf" / "nginx.conf";
  std::string text = read_file(config);
  const std::string http_block = "\nhttp {\n";
  const auto position = text.find(http_block);
  if (position == std::string::npos) {
    throw std::runtime_error(config.string() + " has no line \"http {\"");
  }
  text.insert(position + http_block.size(), "  ssl_ciphers \"DEFAULT:@SECLEVEL=4\";\n");
  write_file(config, text);
}

std::string Sandbox::ionos_api_key() const {
  const fs::path env_file = dir_ / ".env";
  return required(read_assignments(env_file), "IONOS_API_KEY", env_file);
}

fs::path Sandbox::store_dir(const std::string& domain) const {
  return dir_ / "store" / domain;
}

std::string Sandbox::log_text() const {
  const fs::path log_file = dir_ / "log" / "certplan.log";
  return fs::exists(log_file) ? read_file(log_file) : std::string();
}

unsigned Sandbox::mode_of(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw std::runtime_error("could not stat " + path.string() + ": " + std::strerror(errno));
  }
  return info.st_mode & 07777U;
}

std::string Sandbox::read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw std::runtime_error("could not open " + path.string() + " for reading");
  }
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

void Sandbox::write_file(const fs::path& path, const std::string& content) {
  // Truncating in place keeps the inode, so owner and mode stay as they were.
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) {
    throw std::runtime_error("could not open " + path.string() + " for writing");
  }
  file << content;
  if (!file.flush()) {
    throw std::runtime_error("could not write " + path.string());
  }
}

}  // namespace certplan::e2e
