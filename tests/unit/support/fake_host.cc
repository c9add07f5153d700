#include "tests/unit/support/fake_host.h"

#include <algorithm>

namespace certplan::testing {

namespace {

// Forwards to a FakeHost that the connector owns, so that tests can look at
// the host after the session pool has dropped its session.
class FakeSession final : public HostSession {
 public:
  explicit FakeSession(FakeHost& host) : host_(host) {}

  Result<std::map<std::string, std::optional<std::string>>> read_files(
      const std::vector<std::string>& paths) override {
    return host_.read_files(paths);
  }
  Result<void> write_file(const std::string& path, const std::string& content, unsigned mode) override {
    return host_.write_file(path, content, mode);
  }
  Result<void> copy_file(const std::string& from, const std::string& to) override {
    return host_.copy_file(from, to);
  }
  Result<void> rename_file(const std::string& from, const std::string& to) override {
    return host_.rename_file(from, to);
  }
  Result<void> remove_file(const std::string& path) override { return host_.remove_file(path); }
  Result<std::vector<std::string>> list_directory(const std::string& directory,
                                                  const std::string& prefix) override {
    return host_.list_directory(directory, prefix);
  }
  Result<bool> create_exclusive(const std::string& path, const std::string& content) override {
    return host_.create_exclusive(path, content);
  }
  Result<CommandResult> run(const std::string& command, std::chrono::milliseconds timeout) override {
    return host_.run(command, timeout);
  }

 private:
  FakeHost& host_;
};

}  // namespace

CommandOutcome CommandOutcome::exits(int status, std::string output) {
  return CommandOutcome{Kind::exit, status, std::move(output)};
}
CommandOutcome CommandOutcome::reloads() { return CommandOutcome{Kind::reload, 0, ""}; }
CommandOutcome CommandOutcome::times_out() { return CommandOutcome{Kind::timeout, 0, ""}; }
CommandOutcome CommandOutcome::kills() { return CommandOutcome{Kind::kill, 0, ""}; }

FakeHost::FakeHost(ServerConfig server) : server_(std::move(server)) {
  commands_[server_.nginx_test_command] = {CommandOutcome::exits(0, "syntax is ok")};
  commands_[server_.nginx_reload_command] = {CommandOutcome::reloads()};
}

void FakeHost::put_file(const std::string& path, const std::string& content, unsigned mode) {
  const std::lock_guard lock(mutex_);
  files_[path] = FakeFile{content, mode};
}

std::optional<FakeFile> FakeHost::file(const std::string& path) const {
  const std::lock_guard lock(mutex_);
  const auto found = files_.find(path);
  if (found == files_.end()) return std::nullopt;
  return found->second;
}

std::map<std::string, FakeFile> FakeHost::files() const {
  const std::lock_guard lock(mutex_);
  return files_;
}

void FakeHost::add_site(const std::string& server_name, const std::string& cert_file) {
  const std::lock_guard lock(mutex_);
  sites_[server_name] = cert_file;
}

void FakeHost::start_nginx() {
  const std::lock_guard lock(mutex_);
  serve_files_locked();
}

std::optional<std::string> FakeHost::served_pem(const std::string& server_name) const {
  const std::lock_guard lock(mutex_);
  const auto found = served_.find(server_name);
  if (found == served_.end()) return std::nullopt;
  return found->second;
}

void FakeHost::set_http_status(int status) {
  const std::lock_guard lock(mutex_);
  http_status_ = status;
}

int FakeHost::http_status() const {
  const std::lock_guard lock(mutex_);
  return http_status_;
}

void FakeHost::set_chain_trusted(bool trusted) {
  const std::lock_guard lock(mutex_);
  chain_trusted_ = trusted;
}

bool FakeHost::chain_trusted() const {
  const std::lock_guard lock(mutex_);
  return chain_trusted_;
}

void FakeHost::script_command(const std::string& command, std::vector<CommandOutcome> outcomes) {
  const std::lock_guard lock(mutex_);
  commands_[command] = std::move(outcomes);
  command_runs_[command] = 0;
}

void FakeHost::add_fault(FileFault fault) {
  const std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

void FakeHost::on_operation(std::function<void(const std::string&)> observer) {
  const std::lock_guard lock(mutex_);
  observer_ = std::move(observer);
}

std::vector<std::string> FakeHost::operations() const {
  const std::lock_guard lock(mutex_);
  return operations_;
}

Result<void> FakeHost::enter(FileOperation operation, const std::string& path, const std::string& record) {
  std::function<void(const std::string&)> observer;
  {
    const std::lock_guard lock(mutex_);
    operations_.push_back(record);
    observer = observer_;
  }
  if (observer) observer(record);

  const std::lock_guard lock(mutex_);
  for (FileFault& fault : faults_) {
    if (fault.operation != operation || fault.path != path || fault.remaining == 0) continue;
    if (fault.remaining > 0) --fault.remaining;
    if (!fault.error) throw SimulatedKill("killed at " + record);
    return *fault.error;
  }
  return success();
}

void FakeHost::serve_files_locked() {
  served_.clear();
  for (const auto& [server_name, cert_file] : sites_) {
    const auto found = files_.find(cert_file);
    if (found != files_.end()) served_[server_name] = found->second.content;
  }
}

Result<std::map<std::string, std::optional<std::string>>> FakeHost::read_files(
    const std::vector<std::string>& paths) {
  std::map<std::string, std::optional<std::string>> contents;
  for (const std::string& path : paths) {
    if (auto entered = enter(FileOperation::read, path, "read " + path); !entered) return entered.error();
    const std::lock_guard lock(mutex_);
    const auto found = files_.find(path);
    contents[path] = found == files_.end() ? std::nullopt : std::optional(found->second.content);
  }
  return contents;
}

Result<void> FakeHost::write_file(const std::string& path, const std::string& content, unsigned mode) {
  if (auto entered = enter(FileOperation::write, path, "write " + path); !entered) return entered.error();
  const std::lock_guard lock(mutex_);
  files_[path] = FakeFile{content, mode};
  return success();
}

Result<void> FakeHost::copy_file(const std::string& from, const std::string& to) {
  if (auto entered = enter(FileOperation::copy, to, "copy " + from + " " + to); !entered) return entered.error();
  const std::lock_guard lock(mutex_);
  const auto found = files_.find(from);
  if (found == files_.end()) return make_error(ErrorKind::not_found, from + ": no such file");
  files_[to] = found->second;
  return success();
}

Result<void> FakeHost::rename_file(const std::string& from, const std::string& to) {
  if (auto entered = enter(FileOperation::rename, to, "rename " + from + " " + to); !entered) {
    return entered.error();
  }
  const std::lock_guard lock(mutex_);
  const auto found = files_.find(from);
  if (found == files_.end()) return make_error(ErrorKind::not_found, from + ": no such file");
  files_[to] = found->second;
  files_.erase(from);
  return success();
}

Result<void> FakeHost::remove_file(const std::string& path) {
  if (auto entered = enter(FileOperation::remove, path, "remove " + path); !entered) return entered.error();
  const std::lock_guard lock(mutex_);
  files_.erase(path);
  return success();
}

Result<std::vector<std::string>> FakeHost::list_directory(const std::string& directory,
                                                          const std::string& prefix) {
  if (auto entered = enter(FileOperation::list, directory, "list " + directory + " " + prefix); !entered) {
    return entered.error();
  }
  const std::lock_guard lock(mutex_);
  const std::string parent = directory.ends_with('/') ? directory : directory + "/";
  std::vector<std::string> names;
  for (const auto& [path, file] : files_) {
    if (!path.starts_with(parent)) continue;
    const std::string name = path.substr(parent.size());
    if (name.find('/') == std::string::npos && name.starts_with(prefix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<bool> FakeHost::create_exclusive(const std::string& path, const std::string& content) {
  if (auto entered = enter(FileOperation::create_exclusive, path, "create " + path); !entered) {
    return entered.error();
  }
  const std::lock_guard lock(mutex_);
  if (files_.contains(path)) return false;
  files_[path] = FakeFile{content, 0644};
  return true;
}

Result<CommandResult> FakeHost::run(const std::string& command, std::chrono::milliseconds timeout) {
  std::function<void(const std::string&)> observer;
  CommandOutcome outcome;
  {
    const std::lock_guard lock(mutex_);
    operations_.push_back("run " + command);
    observer = observer_;
    const auto found = commands_.find(command);
    if (found == commands_.end() || found->second.empty()) {
      return CommandResult{127, "sh: 1: " + command + ": not found"};
    }
    std::size_t& runs = command_runs_[command];
    outcome = found->second[std::min(runs, found->second.size() - 1)];
    ++runs;
  }
  if (observer) observer("run " + command);

  switch (outcome.kind) {
    case CommandOutcome::Kind::exit:
      return CommandResult{outcome.exit_status, outcome.output};
    case CommandOutcome::Kind::reload: {
      const std::lock_guard lock(mutex_);
      serve_files_locked();
      return CommandResult{0, ""};
    }
    case CommandOutcome::Kind::timeout:
      return make_error(ErrorKind::timed_out, "still running after " + std::to_string(timeout.count()) + " ms");
    case CommandOutcome::Kind::kill:
      throw SimulatedKill("killed at run " + command);
  }
  return CommandResult{};
}

FakeHost& FakeConnector::add_host(const ServerConfig& server) {
  const std::lock_guard lock(mutex_);
  auto& host = hosts_[server.name];
  host = std::make_unique<FakeHost>(server);
  return *host;
}

FakeHost& FakeConnector::host(const std::string& name) {
  const std::lock_guard lock(mutex_);
  return *hosts_.at(name);
}

FakeHost* FakeConnector::find_by_address(const std::string& address, int https_port) {
  const std::lock_guard lock(mutex_);
  for (auto& [name, host] : hosts_) {
    if (host->config().host == address && host->config().https_port == https_port) return host.get();
  }
  return nullptr;
}

void FakeConnector::refuse(const std::string& name, Error error) {
  const std::lock_guard lock(mutex_);
  refusals_[name] = std::move(error);
}

int FakeConnector::connections(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto found = connections_.find(name);
  return found == connections_.end() ? 0 : found->second;
}

Result<std::unique_ptr<HostSession>> FakeConnector::connect(const ServerConfig& server) {
  const std::lock_guard lock(mutex_);
  ++connections_[server.name];
  if (const auto refused = refusals_.find(server.name); refused != refusals_.end()) return refused->second;
  const auto found = hosts_.find(server.name);
  if (found == hosts_.end()) {
    return make_error(ErrorKind::unreachable, "could not connect to " + server.host + ":" +
                                                  std::to_string(server.port) + ": connection refused");
  }
  return std::unique_ptr<HostSession>(std::make_unique<FakeSession>(*found->second));
}

}  // namespace certplan::testing
