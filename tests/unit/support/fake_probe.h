#pragma once

// A TlsProbe that reads from the FakeHosts of a FakeConnector what their
// nginx serves (the files as of the last successful reload).

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "engine/tls_probe.h"
#include "tests/unit/support/fake_host.h"

namespace certplan::testing {

class FakeProbe final : public TlsProbe {
 public:
  explicit FakeProbe(FakeConnector& hosts) : hosts_(hosts) {}

  // Probes of `address` fail with `error` from now on.
  void fail(const std::string& address, Error error);
  // Probes of `address` throw SimulatedKill from now on.
  void kill(const std::string& address);
  // Probes of `address` work again.
  void heal(const std::string& address);
  int probes() const;

  Result<ProbeResult> probe(const ProbeTarget& target, bool http_request,
                            std::chrono::milliseconds timeout) override;

 private:
  FakeConnector& hosts_;
  mutable std::mutex mutex_;
  std::map<std::string, Error> failures_;
  std::set<std::string> kills_;
  int probes_ = 0;
};

}  // namespace certplan::testing
