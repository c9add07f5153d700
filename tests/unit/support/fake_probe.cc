#include "tests/unit/support/fake_probe.h"

namespace certplan::testing {

void FakeProbe::fail(const std::string& address, Error error) {
  const std::lock_guard lock(mutex_);
  failures_[address] = std::move(error);
}

void FakeProbe::kill(const std::string& address) {
  const std::lock_guard lock(mutex_);
  kills_.insert(address);
}

void FakeProbe::heal(const std::string& address) {
  const std::lock_guard lock(mutex_);
  failures_.erase(address);
  kills_.erase(address);
}

int FakeProbe::probes() const {
  const std::lock_guard lock(mutex_);
  return probes_;
}

Result<ProbeResult> FakeProbe::probe(const ProbeTarget& target, bool http_request,
                                     std::chrono::milliseconds timeout) {
  {
    const std::lock_guard lock(mutex_);
    ++probes_;
    if (kills_.contains(target.address)) throw SimulatedKill("killed while probing " + target.address);
    if (const auto failure = failures_.find(target.address); failure != failures_.end()) {
      return failure->second;
    }
  }

  const std::string where = target.address + ":" + std::to_string(target.port);
  FakeHost* host = hosts_.find_by_address(target.address, target.port);
  if (host == nullptr) return make_error(ErrorKind::unreachable, "could not connect to " + where + ": connection refused");

  const auto pem = host->served_pem(target.server_name);
  if (!pem) {
    return make_error(ErrorKind::failed, where + " closed the handshake for SNI " + target.server_name +
                                             " (within " + std::to_string(timeout.count()) + " ms)");
  }
  auto leaf = parse_certificate_chain(*pem);
  if (!leaf) return leaf.error();

  ProbeResult result;
  result.leaf = std::move(leaf.value());
  result.http_status = http_request ? host->http_status() : 0;
  result.chain_trusted = host->chain_trusted();
  if (!result.chain_trusted) result.trust_error = "unable to get local issuer certificate";
  return result;
}

}  // namespace certplan::testing
