#pragma once

// The change of one host as one transaction: lock, backup, write, test,
// reload, verify, and on any failure after the first write a rollback to
// the files and the certificate served before.

#include <optional>
#include <string>
#include <vector>

#include "engine/apply_options.h"
#include "engine/apply_report.h"
#include "state/certificate_store.h"
#include "state/desired.h"

namespace certplan {

// One domain's certificate and key to write on the host.
struct DeployItem {
  std::string domain;
  std::string cert_file;
  std::string key_file;
  CertificateFiles files;
};

// One domain to check over HTTPS after the reload.
struct VerifyItem {
  std::string domain;
  std::string expected_fingerprint;                  // the store's leaf
  std::optional<std::string> previous_fingerprint;   // the leaf a rollback restores
  std::optional<std::string> served_before;          // the leaf served when the plan observed the host
};

// Everything one host transaction does.
struct HostWork {
  const ServerConfig* server = nullptr;
  std::vector<DeployItem> deploys;   // empty for a host that only needs a reload
  std::vector<VerifyItem> verifies;  // every deployed domain, and every domain to re-check
  std::vector<std::string> skipped_domains;  // deploys dropped because their issue failed
};

// Runs the transaction and reports its outcome. Every step is journalled
// before it starts. A failure before the first write leaves nothing to undo;
// a failure after it rolls the host back. A failed rollback leaves the lock
// and the journal in place, so that the next apply retries the restore.
HostReport run_host_transaction(const HostWork& work, ExecutionContext& context,
                                const ApplyOptions& options);

}  // namespace certplan
