#include "engine/session_pool.h"

#include <stdexcept>

namespace certplan {

SessionPool::SessionPool(const DesiredState& desired, HostConnector& connector)
    : connector_(connector) {
  for (const ServerConfig& server : desired.servers) entries_[server.name].config = &server;
}

Result<SessionPool::Lease> SessionPool::acquire(const std::string& server) {
  const auto found = entries_.find(server);
  if (found == entries_.end()) {
    throw std::invalid_argument("session requested for server \"" + server +
                                "\", which is not in servers.yaml");
  }
  Entry& entry = found->second;
  std::unique_lock lock(entry.mutex);

  if (entry.connect_error) return *entry.connect_error;
  if (!entry.session) {
    auto connected = connector_.connect(*entry.config);
    if (!connected) {
      entry.connect_error = connected.error();
      return connected.error();
    }
    entry.session = std::move(connected.value());
  }
  return Lease(std::move(lock), *entry.session);
}

}  // namespace certplan
