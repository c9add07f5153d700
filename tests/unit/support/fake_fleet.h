#pragma once

// A small fleet for engine tests: servers web-01 and web-02, each serving
// example.com from files under /etc/nginx/ssl, a store with a newer
// certificate, and a plan that deploys it. It is header-only because it
// uses engine code (session pool, journal) that the tests of other layers
// do not link.

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/apply_options.h"
#include "engine/journal.h"
#include "engine/plan.h"
#include "engine/session_pool.h"
#include "engine/remote_lock.h"
#include "tests/unit/support/fake_clock.h"
#include "tests/unit/support/fake_host.h"
#include "tests/unit/support/fake_issuer.h"
#include "tests/unit/support/fake_notifier.h"
#include "tests/unit/support/fake_probe.h"
#include "tests/unit/support/fake_reporter.h"
#include "tests/unit/support/fake_store.h"
#include "tests/unit/support/temporary_directory.h"

namespace certplan::testing {

// 2026-12-04T12:00:00Z
inline TimePoint fleet_start_time() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1796385600));
}

inline std::string domain_directory(const std::string& domain) { return "/etc/nginx/ssl/" + domain; }
inline std::string cert_file_of(const std::string& domain) { return domain_directory(domain) + "/fullchain.pem"; }
inline std::string key_file_of(const std::string& domain) { return domain_directory(domain) + "/privkey.pem"; }

struct Fleet {
  TemporaryDirectory state_dir;
  FakeClock clock{fleet_start_time()};
  TestCa ca = make_test_ca();
  DesiredState desired;
  FakeConnector connector;
  FakeProbe probe{connector};
  FakeStore store;
  FakeIssuer issuer{ca, clock};
  RecordingNotifier notifier;
  RecordingReporter reporter;
  Journal journal{state_dir.path()};
  std::unique_ptr<SessionPool> sessions;
  ApplyOptions options;

  std::map<std::string, std::string> old_fingerprints;  // domain -> what the hosts serve at first
  std::map<std::string, std::string> new_fingerprints;  // domain -> what the store contains

  // Servers web-01 (127.0.0.11) and web-02 (127.0.0.12). Each of `domains`
  // is deployed on both with an old certificate in the files and served,
  // and the store has a new one.
  explicit Fleet(std::vector<std::string> domains = {"example.com"}) {
    for (int i = 1; i <= 2; ++i) {
      ServerConfig server;
      server.name = "web-0" + std::to_string(i);
      server.host = "127.0.0.1" + std::to_string(i);
      server.user = "deploy";
      server.cert_path = "/etc/nginx/ssl";
      server.nginx_test_command = "sudo nginx -t";
      server.nginx_reload_command = "sudo systemctl reload nginx";
      desired.servers.push_back(server);
      connector.add_host(server);
    }
    for (const std::string& name : domains) add_domain(name);
    for (const ServerConfig& server : desired.servers) connector.host(server.name).start_nginx();

    options.run_id = "run-new";
    options.parallelism = 2;
    options.verify_budget = std::chrono::milliseconds(50);
    options.verify_poll_interval = std::chrono::milliseconds(5);
    options.verify_confirm_interval = std::chrono::milliseconds(1);
    reset_sessions();
  }

  void add_domain(const std::string& name) {
    DomainConfig domain;
    domain.domain = name;
    const std::string sni = name.starts_with("*.") ? "certplan-check." + name.substr(2) : name;
    const std::string directory_name = storage_name(name);
    const CertificateFiles old_files = make_certificate_files(ca, {name}, clock.now() - std::chrono::hours(24) * 80);
    for (const ServerConfig& server : desired.servers) {
      domain.targets.push_back({server.name, cert_file_of(directory_name), key_file_of(directory_name), {}});
      FakeHost& host = connector.host(server.name);
      host.put_file(cert_file_of(directory_name), old_files.fullchain_pem, 0644);
      host.put_file(key_file_of(directory_name), old_files.key_pem.reveal(), 0600);
      host.add_site(sni, cert_file_of(directory_name));
    }
    desired.domains.push_back(domain);

    const CertificateFiles new_files = make_certificate_files(ca, {name}, clock.now());
    store.put(name, new_files);
    old_fingerprints[name] = fingerprint_of(old_files.fullchain_pem);
    new_fingerprints[name] = fingerprint_of(new_files.fullchain_pem);
  }

  // A new session pool, as a new certplan process would have.
  void reset_sessions() { sessions = std::make_unique<SessionPool>(desired, connector); }

  ExecutionContext context() {
    return ExecutionContext{store, issuer, *sessions, probe, clock, reporter, &notifier, journal};
  }

  FakeHost& host(const std::string& name) { return connector.host(name); }

  static std::string fingerprint_of(const std::string& pem) {
    auto facts = parse_certificate_chain(pem);
    if (!facts) throw std::runtime_error("test certificate: " + facts.error().message);
    return facts.value().fingerprint;
  }

  // The fingerprint `server` serves for `domain`, or "" when none.
  std::string served_fingerprint(const std::string& server, const std::string& domain) {
    const std::string sni = domain.starts_with("*.") ? "certplan-check." + domain.substr(2) : domain;
    const auto pem = host(server).served_pem(sni);
    return pem ? fingerprint_of(*pem) : "";
  }

  // The host's files other than backups and the lock: what nginx uses.
  static std::map<std::string, FakeFile> live_files(const FakeHost& fake) {
    std::map<std::string, FakeFile> live;
    for (const auto& [path, file] : fake.files()) {
      if (path.find(".certplan-backup-") != std::string::npos || path.ends_with(".certplan.lock")) continue;
      live[path] = file;
    }
    return live;
  }

  // Actions deploy, reload and verify of `domains` on `server`.
  void add_host_actions(Plan& plan, const std::string& server, const std::vector<std::string>& domains,
                        bool with_issue = false) const {
    for (const std::string& domain : domains) {
      Action deploy;
      deploy.id = "deploy:" + domain + "@" + server;
      deploy.kind = ActionKind::deploy;
      deploy.domain = domain;
      deploy.server = server;
      if (with_issue) deploy.depends_on = {"issue:" + domain};
      deploy.reason = {ReasonCode::renewal_due, "renewal due"};
      deploy.before = share_summary(CertificateSummary{old_fingerprints.at(domain), {domain}, std::nullopt, std::nullopt});
      plan.actions.push_back(deploy);
    }
    Action reload;
    reload.id = "reload:" + server;
    reload.kind = ActionKind::reload;
    reload.server = server;
    plan.actions.push_back(reload);
    for (const std::string& domain : domains) {
      Action verify;
      verify.id = "verify:" + domain + "@" + server;
      verify.kind = ActionKind::verify;
      verify.domain = domain;
      verify.server = server;
      verify.before = share_summary(CertificateSummary{old_fingerprints.at(domain), {domain}, std::nullopt, std::nullopt});
      plan.actions.push_back(verify);
    }
  }

  Plan deploy_plan(const std::vector<std::string>& servers, const std::vector<std::string>& domains) const {
    Plan plan;
    for (const std::string& server : servers) add_host_actions(plan, server, domains);
    return plan;
  }
};

}  // namespace certplan::testing
