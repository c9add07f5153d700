#pragma once

// dns_provider "exec": a program of the operator's choice publishes and
// removes the TXT records, called as `PROGRAM present FQDN VALUE` and
// `PROGRAM cleanup FQDN VALUE` (DNS_EXEC_PATH).

#include <chrono>
#include <filesystem>

#include "providers/dns/dns_provider.h"

namespace certplan {

class ExecProvider final : public DnsProvider {
 public:
  // `program` is run directly, without a shell; each call may take up to `timeout`.
  explicit ExecProvider(std::filesystem::path program,
                        std::chrono::milliseconds timeout = std::chrono::seconds(60));

  // Runs `PROGRAM present FQDN VALUE`; exit code 0 means the record exists.
  Result<PublishedRecord> present(const std::string& fqdn, const std::string& value) override;

  // Runs `PROGRAM cleanup FQDN VALUE`; exit code 0 means the record is gone.
  Result<void> cleanup(const PublishedRecord& record) override;

 private:
  [[nodiscard]] Result<void> run(const char* action, const std::string& fqdn,
                                 const std::string& value) const;

  std::filesystem::path program_;
  std::chrono::milliseconds timeout_;
};

}  // namespace certplan
