#include "providers/dns/propagation.h"

#include <algorithm>
#include <thread>

#include "providers/dns/dns_query.h"
#include "providers/dns/name_servers.h"

namespace certplan {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kMinQueryTimeout{100};

// A server that has not returned the value yet, and why, for the timeout message.
struct PendingServer {
  DnsServer server;
  std::string reason = "not asked yet";
};

std::string describe_missing(const DnsResponse& response) {
  if (response.txt.empty()) return "no TXT record";
  if (response.txt.size() == 1) return "only the TXT value \"" + response.txt.front() + "\"";
  return std::to_string(response.txt.size()) + " other TXT values";
}

// Asks one server; returns true once it returns `value`.
bool server_has_value(PendingServer& pending, const std::string& fqdn, const std::string& value,
                      std::chrono::milliseconds query_timeout) {
  auto response = ask_dns_server(pending.server, fqdn, DnsQuestion::txt, query_timeout);
  if (!response) {
    pending.reason = response.error().message;
    return false;
  }

  const std::vector<std::string>& txt = response.value().txt;
  if (std::find(txt.begin(), txt.end(), value) != txt.end()) return true;
  pending.reason = describe_missing(response.value());
  return false;
}

// Rounds up, so that a deadline less than 1 ms away still counts as ahead.
std::chrono::milliseconds remaining_until(SteadyClock::time_point deadline) {
  const auto left = deadline - SteadyClock::now();
  return std::max(std::chrono::ceil<std::chrono::milliseconds>(left), std::chrono::milliseconds(0));
}

std::string format_duration(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

Error timeout_error(const std::vector<PendingServer>& pending, const std::string& fqdn,
                    const std::string& value, std::chrono::milliseconds timeout) {
  std::string servers;
  for (const PendingServer& entry : pending) {
    if (!servers.empty()) servers += ", ";
    servers += entry.server.to_string() + " (" + entry.reason + ")";
  }
  return make_error(ErrorKind::timed_out,
                    "TXT record \"" + value + "\" at " + fqdn + " did not appear within " +
                        format_duration(timeout) + " on " + servers +
                        "; check that the record exists at the DNS provider, or raise "
                        "DNS_PROPAGATION_TIMEOUT");
}

}  // namespace

DnsPropagationChecker::DnsPropagationChecker(std::vector<DnsServer> resolvers,
                                             PropagationOptions options)
    : resolvers_(std::move(resolvers)), options_(options) {}

Result<void> DnsPropagationChecker::wait_for(const std::string& fqdn, const std::string& zone,
                                             const std::string& value) {
  const SteadyClock::time_point deadline = SteadyClock::now() + options_.timeout;

  auto servers = servers_for(zone.empty() ? fqdn : zone);
  if (!servers) return servers.error();
  std::vector<PendingServer> pending;
  for (const DnsServer& server : servers.value()) pending.push_back(PendingServer{server});

  std::chrono::milliseconds interval = options_.first_interval;
  while (true) {
    const auto query_timeout =
        std::clamp(remaining_until(deadline), kMinQueryTimeout, options_.query_timeout);
    std::erase_if(pending, [&](PendingServer& entry) {
      return server_has_value(entry, fqdn, value, query_timeout);
    });
    if (pending.empty()) return success();

    const std::chrono::milliseconds left = remaining_until(deadline);
    if (left.count() == 0) return timeout_error(pending, fqdn, value, options_.timeout);

    std::this_thread::sleep_for(std::min(interval, left));
    interval = std::min(interval * 2, options_.max_interval);
  }
}

Result<std::vector<DnsServer>> DnsPropagationChecker::servers_for(const std::string& zone) const {
  if (!resolvers_.empty()) return resolvers_;
  return find_authoritative_servers(zone, options_.query_timeout);
}

}  // namespace certplan
