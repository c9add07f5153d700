#include "engine/status_report.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "engine/certificate_summary.h"
#include "engine/plan_time.h"
#include "engine/renewal_policy.h"

namespace certplan {

namespace {

std::string store_state(const DomainConfig& domain, const StoreObservation& stored, int default_days,
                        TimePoint now) {
  if (!stored.error.empty()) return "error";
  if (!stored.current) return "missing";
  const CertificateFacts& certificate = *stored.current->certificate;
  RenewalInputs inputs{certificate.not_before, certificate.not_after,
                       renewal_threshold_days(domain, default_days), now};
  switch (decide_renewal(inputs).verdict) {
    case RenewalVerdict::expired:
      return "expired";
    case RenewalVerdict::renewal_due:
      return "renewal due";
    case RenewalVerdict::valid:
      break;
  }
  return "ok";
}

// Compares a server's files and served certificate with the store.
void judge(ServerStatus& status, const FilesObservation& files, const ServedObservation* served,
           const std::string& store_fingerprint) {
  if (!files.error.empty()) {
    status.agreement = Agreement::drift;
    status.detail = "files could not be read: " + files.error;
    return;
  }
  if (!files.deployed) {
    status.agreement = Agreement::missing;
    status.detail = "no certificate files";
    return;
  }
  if (status.deployed_fingerprint != store_fingerprint) {
    status.agreement = Agreement::drift;
    status.detail = "files hold " + short_fingerprint(status.deployed_fingerprint) + " but the store has " +
                    short_fingerprint(store_fingerprint);
    return;
  }
  if (!files.deployed->key_present || !files.deployed->key_matches) {
    status.agreement = Agreement::drift;
    status.detail = files.deployed->key_present ? "the key file does not match the certificate" : "no key file";
    return;
  }
  if (served != nullptr && !served->error.empty()) {
    status.agreement = Agreement::drift;
    status.detail = "HTTPS check failed: " + served->error;
    return;
  }
  if (served != nullptr && served->leaf && status.served_fingerprint != status.deployed_fingerprint) {
    status.agreement = Agreement::drift;
    status.detail = "serves " + short_fingerprint(status.served_fingerprint) + " but the files hold " +
                    short_fingerprint(status.deployed_fingerprint);
  }
}

ServerStatus server_status(const std::string& server, const std::string& domain, const ObservedState& observed,
                           const std::string& store_fingerprint, TimePoint now) {
  ServerStatus status;
  status.server = server;

  auto found = observed.servers.find(server);
  if (found == observed.servers.end() || !found->second.reachable) {
    status.agreement = Agreement::unreachable;
    status.detail = found == observed.servers.end() ? "not observed" : found->second.error;
    return status;
  }
  const ServerObservation& observation = found->second;

  FilesObservation files;
  if (auto entry = observation.files.find(domain); entry != observation.files.end()) files = entry->second;
  const ServedObservation* served = nullptr;
  if (auto entry = observation.served.find(domain); entry != observation.served.end()) served = &entry->second;

  if (files.deployed) {
    status.deployed_fingerprint = files.deployed->certificate->fingerprint;
    status.not_after = files.deployed->certificate->not_after;
    status.days_left = days_until(*status.not_after, now);
  }
  if (served != nullptr && served->leaf) status.served_fingerprint = served->leaf->fingerprint;

  judge(status, files, served, store_fingerprint);
  return status;
}

DomainStatus domain_status(const DomainConfig& domain, const DesiredState& desired, const ObservedState& observed,
                           TimePoint now) {
  DomainStatus status;
  status.domain = domain.domain;

  StoreObservation stored;
  if (auto found = observed.store.find(domain.domain); found != observed.store.end()) stored = found->second;
  status.store_state = store_state(domain, stored, desired.settings.renewal_threshold_days.value, now);
  status.store_detail = stored.error;
  if (stored.current) {
    status.store_fingerprint = stored.current->certificate->fingerprint;
    status.not_after = stored.current->certificate->not_after;
    status.days_left = days_until(*status.not_after, now);
  }

  for (const auto& target : domain.targets) {
    status.servers.push_back(server_status(target.server, domain.domain, observed, status.store_fingerprint, now));
  }
  std::sort(status.servers.begin(), status.servers.end(),
            [](const ServerStatus& a, const ServerStatus& b) { return a.server < b.server; });
  return status;
}

using Row = std::array<std::string, 7>;

std::string fingerprint_cell(const std::string& fingerprint) {
  return fingerprint.empty() ? "-" : short_fingerprint(fingerprint);
}

std::string time_cell(const std::optional<TimePoint>& time) { return time ? format_utc_minute(*time) : "-"; }

std::string days_cell(const std::optional<int>& days) { return days ? std::to_string(*days) : "-"; }

std::vector<Row> table_rows(const std::vector<DomainStatus>& status) {
  std::vector<Row> rows{{"DOMAIN", "WHERE", "FILES", "SERVED", "EXPIRES", "DAYS LEFT", "STATE"}};
  for (const auto& domain : status) {
    rows.push_back({domain.domain, "store", fingerprint_cell(domain.store_fingerprint), "-",
                    time_cell(domain.not_after), days_cell(domain.days_left), domain.store_state});
    for (const auto& server : domain.servers) {
      rows.push_back({domain.domain, server.server, fingerprint_cell(server.deployed_fingerprint),
                      fingerprint_cell(server.served_fingerprint), time_cell(server.not_after),
                      days_cell(server.days_left), std::string(agreement_name(server.agreement))});
    }
  }
  return rows;
}

// Display width: the ellipsis in short fingerprints is one column but three bytes.
std::size_t display_width(const std::string& text) {
  std::size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xc0) != 0x80) ++width;
  }
  return width;
}

void write_table(std::ostringstream& out, const std::vector<Row>& rows) {
  Row::size_type columns = rows.front().size();
  std::vector<std::size_t> widths(columns, 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < columns; ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < columns; ++i) {
      line += row[i];
      if (i + 1 < columns) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out << line << "\n";
  }
}

void write_details(std::ostringstream& out, const std::vector<DomainStatus>& status) {
  std::vector<std::string> details;
  for (const auto& domain : status) {
    if (!domain.store_detail.empty()) details.push_back(domain.domain + " in the store: " + domain.store_detail);
    for (const auto& server : domain.servers) {
      if (!server.detail.empty()) details.push_back(domain.domain + " on " + server.server + ": " + server.detail);
    }
  }
  if (details.empty()) return;
  out << "\n";
  for (const auto& detail : details) out << detail << "\n";
}

nlohmann::json nullable_time(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(format_rfc3339(*time)) : nlohmann::json(nullptr);
}

nlohmann::json nullable_days(const std::optional<int>& days) {
  return days ? nlohmann::json(*days) : nlohmann::json(nullptr);
}

}  // namespace

std::string_view agreement_name(Agreement agreement) {
  switch (agreement) {
    case Agreement::ok:
      return "ok";
    case Agreement::drift:
      return "drift";
    case Agreement::missing:
      return "missing";
    case Agreement::unreachable:
      return "unreachable";
  }
  return "unknown";
}

std::vector<DomainStatus> collect_status(const DesiredState& desired, const ObservedState& observed,
                                         TimePoint now) {
  std::vector<DomainStatus> status;
  for (const auto& domain : desired.domains) status.push_back(domain_status(domain, desired, observed, now));
  std::sort(status.begin(), status.end(),
            [](const DomainStatus& a, const DomainStatus& b) { return a.domain < b.domain; });
  return status;
}

std::string render_status_text(const std::vector<DomainStatus>& status) {
  std::ostringstream out;
  write_table(out, table_rows(status));
  write_details(out, status);
  return out.str();
}

nlohmann::json status_to_json(const std::vector<DomainStatus>& status) {
  nlohmann::json domains = nlohmann::json::array();
  for (const auto& domain : status) {
    nlohmann::json servers = nlohmann::json::array();
    for (const auto& server : domain.servers) {
      servers.push_back({
          {"server", server.server},
          {"deployed_fingerprint", server.deployed_fingerprint},
          {"served_fingerprint", server.served_fingerprint},
          {"not_after", nullable_time(server.not_after)},
          {"days_left", nullable_days(server.days_left)},
          {"agreement", std::string(agreement_name(server.agreement))},
          {"detail", server.detail},
      });
    }
    domains.push_back({
        {"domain", domain.domain},
        {"store",
         {{"fingerprint", domain.store_fingerprint},
          {"not_after", nullable_time(domain.not_after)},
          {"days_left", nullable_days(domain.days_left)},
          {"state", domain.store_state},
          {"detail", domain.store_detail}}},
        {"servers", servers},
    });
  }
  return {{"domains", domains}};
}

}  // namespace certplan
