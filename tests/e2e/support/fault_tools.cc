#include "tests/e2e/support/fault_tools.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/e2e/support/tls_client.h"

extern char** environ;

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* ssh_user = "certplan-sandbox";
constexpr int ssh_port = 2222;
constexpr std::chrono::seconds service_timeout{15};

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// KEY=value lines of a shell-sourceable file such as DIR/.env.
std::map<std::string, std::string> read_assignments(const fs::path& path) {
  std::map<std::string, std::string> values;
  std::istringstream lines(Sandbox::read_file(path));
  for (std::string line; std::getline(lines, line);) {
    const auto equals = line.find('=');
    if (line.empty() || line[0] == '#' || equals == std::string::npos) continue;
    values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return quoted + "'";
}

std::string yaml_double_quoted(const std::string& text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

std::string yaml_unquoted(const std::string& value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return value;
  std::string plain;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    plain += value[i];
  }
  return plain;
}

// Index of the line "    field: ..." inside the servers.yaml entry of `server`.
std::size_t field_line(const std::vector<std::string>& lines, const std::string& server,
                       const std::string& field, const fs::path& file) {
  bool inside = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("  - ", 0) == 0) inside = lines[i] == "  - name: " + server;
    if (inside && lines[i].rfind("    " + field + ": ", 0) == 0) return i;
  }
  throw std::runtime_error(file.string() + " has no field " + field + " for server " + server);
}

std::vector<std::string> raw_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

// Whether something accepts TCP connections on `address`:`port` (loopback only).
bool accepts_connections(const std::string& address, int port) {
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &target.sin_addr) != 1 ||
      (ntohl(target.sin_addr.s_addr) >> 24) != 127) {
    throw std::invalid_argument(address + " is not a 127.0.0.0/8 address");
  }
  const int descriptor = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (descriptor < 0) throw std::runtime_error(std::string("socket failed: ") + std::strerror(errno));
  const bool connected =
      ::connect(descriptor, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0;
  ::close(descriptor);
  return connected;
}

// The parent pid and the state letter of a process, from /proc/PID/stat.
bool read_process_stat(pid_t pid, pid_t& parent, char& state) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  // The command name in brackets may contain spaces, so fields count from the last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream fields(text.substr(close + 1));
  long parent_id = 0;
  fields >> state >> parent_id;
  parent = static_cast<pid_t>(parent_id);
  return static_cast<bool>(fields);
}

// `root` and its descendants that have not exited (zombies count as exited).
std::set<pid_t> living_tree(pid_t root) {
  std::map<pid_t, pid_t> parents;
  std::set<pid_t> alive;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    pid_t parent = 0;
    char state = 0;
    if (!read_process_stat(pid, parent, state)) continue;
    parents[pid] = parent;
    if (state != 'Z') alive.insert(pid);
  }

  std::set<pid_t> tree{root};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [pid, parent] : parents) {
      if (tree.count(parent) != 0 && tree.insert(pid).second) grew = true;
    }
  }
  std::set<pid_t> living;
  for (pid_t pid : tree) {
    if (alive.count(pid) != 0) living.insert(pid);
  }
  return living;
}

pid_t sshd_pid(const Sandbox& sandbox, int i) {
  const fs::path pid_file = sandbox.dir() / "run" / ("sshd-" + sandbox.host(i).name + ".pid");
  const std::string text = Sandbox::read_file(pid_file);
  return static_cast<pid_t>(std::stol(text));
}

std::vector<char*> as_c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// The current environment without the variables that DIR/.env sets, so
// only the sandbox's values apply to the child.
std::vector<std::string> environment_without_env_file(const Sandbox& sandbox) {
  const auto env_file = read_assignments(sandbox.dir() / ".env");
  std::vector<std::string> entries;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (env_file.count(text.substr(0, text.find('='))) == 0) entries.push_back(text);
  }
  return entries;
}

std::string file_or_empty(const fs::path& path) {
  return fs::exists(path) ? Sandbox::read_file(path) : std::string();
}

}  // namespace

bool poll_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

fs::path domain_dir(const Sandbox& sandbox, int i, const std::string& domain) {
  return sandbox.host(i).cert_dir / domain;
}

HostFiles read_host_files(const Sandbox& sandbox, int i, const std::string& domain) {
  const fs::path directory = domain_dir(sandbox, i, domain);
  return HostFiles{Sandbox::read_file(directory / "fullchain.pem"),
                   Sandbox::read_file(directory / "privkey.pem")};
}

HostFiles store_files(const Sandbox& sandbox, const std::string& domain) {
  const fs::path directory = sandbox.store_dir(domain);
  return HostFiles{Sandbox::read_file(directory / "fullchain.cer"),
                   Sandbox::read_file(directory / (domain + ".key"))};
}

bool key_matches_certificate(const std::string& chain_pem, const std::string& key_pem) {
  std::unique_ptr<BIO, BioFree> chain_bio(BIO_new_mem_buf(chain_pem.data(), static_cast<int>(chain_pem.size())));
  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  if (!chain_bio || !key_bio) throw std::runtime_error("BIO_new_mem_buf failed");

  std::unique_ptr<X509, X509Free> certificate(PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!certificate || !key) return false;
  return X509_check_private_key(certificate.get(), key.get()) == 1;
}

namespace {

// Probes a few times in a row, so that an nginx whose old worker still
// accepts beside the new one shows as two fingerprints joined by " and ".
std::string steady_served_fingerprint(const Sandbox& sandbox, int i, const std::string& domain) {
  std::set<std::string> seen;
  for (int probe = 0; probe < 8; ++probe) seen.insert(sandbox.served_fingerprint(i, domain));

  std::string served;
  for (const std::string& fingerprint : seen) served += (served.empty() ? "" : " and ") + fingerprint;
  return served;
}

}  // namespace

HostSnapshot snapshot_host(const Sandbox& sandbox, int i, const std::string& domain) {
  return HostSnapshot{steady_served_fingerprint(sandbox, i, domain), read_host_files(sandbox, i, domain),
                      fs::exists(lock_file(sandbox, i)), fs::exists(journal_file(sandbox, i))};
}

fs::path lock_file(const Sandbox& sandbox, int i) {
  return sandbox.host(i).cert_dir / ".certplan.lock";
}

fs::path journal_file(const Sandbox& sandbox, int i) {
  return sandbox.dir() / "store" / ".certplan" / "journal" / (sandbox.host(i).name + ".jsonl");
}

std::string server_field(const Sandbox& sandbox, int i, const std::string& field) {
  const fs::path file = sandbox.dir() / "config" / "servers.yaml";
  const auto lines = raw_lines(Sandbox::read_file(file));
  const std::string& line = lines[field_line(lines, sandbox.host(i).name, field, file)];
  return yaml_unquoted(line.substr(("    " + field + ": ").size()));
}

void set_server_field(const Sandbox& sandbox, int i, const std::string& field,
                      const std::string& value) {
  const fs::path file = sandbox.dir() / "config" / "servers.yaml";
  auto lines = raw_lines(Sandbox::read_file(file));
  lines[field_line(lines, sandbox.host(i).name, field, file)] =
      "    " + field + ": " + yaml_double_quoted(value);

  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  Sandbox::write_file(file, text);
}

fs::path marker_dir(const Sandbox& sandbox) {
  const fs::path directory = sandbox.dir() / "faults";
  fs::create_directories(directory);
  const passwd* user = ::getpwnam(ssh_user);
  if (user == nullptr || ::chown(directory.c_str(), user->pw_uid, user->pw_gid) != 0) {
    throw std::runtime_error("could not change the owner of " + directory.string() + " to " + ssh_user);
  }
  fs::permissions(directory, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                 fs::perms::others_read | fs::perms::others_exec);
  return directory;
}

std::string held_command(const fs::path& started, const fs::path& release, std::chrono::seconds limit,
                         const std::string& command) {
  const std::string tenths = std::to_string(limit.count() * 10);
  return "touch " + shell_quote(started.string()) + "; n=0; while [ ! -e " +
         shell_quote(release.string()) + " ] && [ $n -lt " + tenths +
         " ]; do sleep 0.1; n=$((n+1)); done; " + command;
}

void touch_file(const fs::path& path) {
  std::ofstream file(path, std::ios::app);
  if (!file) throw std::runtime_error("could not create " + path.string());
}

void reload_nginx(const Sandbox& sandbox, int i) {
  const std::string prefix = sandbox.host(i).nginx_prefix.string();
  const CommandOutput reload = run_command(
      {"/usr/sbin/nginx", "-p", prefix, "-c", "conf/nginx.conf", "-s", "reload"}, std::chrono::seconds(30));
  if (reload.exit_code != 0) {
    throw std::runtime_error("nginx -s reload of " + sandbox.host(i).name + " failed:\n" + reload.text());
  }
}

void put_back_files(const Sandbox& sandbox, int i, const std::string& domain, const HostFiles& files) {
  const fs::path directory = domain_dir(sandbox, i, domain);
  Sandbox::write_file(directory / "fullchain.pem", files.chain);
  Sandbox::write_file(directory / "privkey.pem", files.key);

  reload_nginx(sandbox, i);

  const std::string expected = pem_leaf_fingerprint(files.chain);
  const bool served = poll_until(
      [&] {
        try {
          return sandbox.served_fingerprint(i, domain) == expected;
        } catch (const std::runtime_error&) {
          return false;
        }
      },
      service_timeout);
  if (!served) throw std::runtime_error(sandbox.host(i).name + " did not serve the put-back certificate");
}

void kill_process_tree(pid_t root) {
  const bool all_exited = poll_until(
      [&] {
        const auto living = living_tree(root);
        for (pid_t pid : living) ::kill(pid, SIGKILL);
        return living.empty();
      },
      service_timeout);
  if (!all_exited) throw std::runtime_error("process " + std::to_string(root) + " or a child survived SIGKILL");
}

void stop_sshd(const Sandbox& sandbox, int i) {
  kill_process_tree(sshd_pid(sandbox, i));
  const bool closed = poll_until([&] { return !accepts_connections(sandbox.host(i).address, ssh_port); },
                                 service_timeout);
  if (!closed) throw std::runtime_error("the SSH port of " + sandbox.host(i).name + " stayed open");
}

void restart_sshd(const Sandbox& sandbox, int i) {
  const fs::path root = sandbox.dir() / "hosts" / sandbox.host(i).name / "sshd";
  const fs::path pid_file = sandbox.dir() / "run" / ("sshd-" + sandbox.host(i).name + ".pid");
  std::vector<std::string> argv = {"/usr/sbin/sshd", "-D", "-f", (root / "sshd_config").string(),
                                   "-E", (root / "sshd.log").string()};
  std::vector<char*> argv_pointers = as_c_strings(argv);
  const std::string pid_path = pid_file.string();

  // Two forks, so init adopts sshd and the test never has to reap it.
  const pid_t middle = ::fork();
  if (middle < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (middle == 0) {
    ::setsid();
    const pid_t daemon = ::fork();
    if (daemon == 0) {
      const int null_fd = ::open("/dev/null", O_RDWR);
      ::dup2(null_fd, STDIN_FILENO);
      ::dup2(null_fd, STDOUT_FILENO);
      ::dup2(null_fd, STDERR_FILENO);
      ::execv(argv_pointers[0], argv_pointers.data());
      ::_exit(127);
    }
    const int pid_fd = ::open(pid_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (daemon < 0 || pid_fd < 0) ::_exit(1);
    const std::string text = std::to_string(daemon) + "\n";
    const bool written = ::write(pid_fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(pid_fd);
    ::_exit(written ? 0 : 1);
  }
  int status = 0;
  ::waitpid(middle, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("could not start sshd for " + sandbox.host(i).name);
  }

  const bool listening = poll_until([&] { return accepts_connections(sandbox.host(i).address, ssh_port); },
                                    service_timeout);
  if (!listening) {
    throw std::runtime_error("the restarted sshd of " + sandbox.host(i).name + " does not listen; see " +
                             (root / "sshd.log").string());
  }
}

std::string summary_line(const std::string& output, const std::string& server) {
  bool in_summary = false;
  for (const std::string& line : lines_of(output)) {
    if (line.rfind("Apply complete: ", 0) == 0) in_summary = true;
    if (in_summary && line.rfind("  " + server + "  ", 0) == 0) return line.substr(2);
  }
  return "";
}

BackgroundCertplan::BackgroundCertplan(const Sandbox& sandbox, const std::vector<std::string>& args,
                                       const std::string& label)
    : out_file_(sandbox.dir() / (label + ".out")), err_file_(sandbox.dir() / (label + ".err")) {
  std::vector<std::string> argv = {CERTPLAN_EXECUTABLE, "--config-dir", (sandbox.dir() / "config").string(),
                                   "--env-file", (sandbox.dir() / ".env").string(), "--no-color"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> environment = environment_without_env_file(sandbox);
  std::vector<char*> argv_pointers = as_c_strings(argv);
  std::vector<char*> envp_pointers = as_c_strings(environment);
  const std::string out_path = out_file_.string();
  const std::string err_path = err_file_.string();

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid_ == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (null_fd < 0 || out_fd < 0 || err_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0 ||
        ::dup2(out_fd, STDOUT_FILENO) < 0 || ::dup2(err_fd, STDERR_FILENO) < 0) {
      ::_exit(126);
    }
    ::execve(argv_pointers[0], argv_pointers.data(), envp_pointers.data());
    ::_exit(127);
  }
}

BackgroundCertplan::~BackgroundCertplan() {
  if (!reaped_) kill_now();
}

std::string BackgroundCertplan::output_so_far() const {
  return file_or_empty(out_file_) + file_or_empty(err_file_);
}

void BackgroundCertplan::reap(int status) {
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool BackgroundCertplan::finished() {
  if (reaped_) return true;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) reap(status);
  return reaped_;
}

void BackgroundCertplan::kill_now() {
  if (reaped_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reap(status);
}

CommandOutput BackgroundCertplan::wait(std::chrono::seconds timeout) {
  CommandOutput output;
  if (!poll_until([&] { return finished(); }, timeout)) {
    output.timed_out = true;
    kill_now();
  }
  output.exit_code = output.timed_out ? -1 : exit_code_;
  output.out = file_or_empty(out_file_);
  output.err = file_or_empty(err_file_);
  return output;
}

}  // namespace certplan::e2e
