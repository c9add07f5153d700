#pragma once

// ACME Renewal Information (RFC 9773): the certificate identifier, the
// renewalInfo response, and the RenewalInfoSource that requests windows
// from the CA.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engine/renewal_info.h"
#include "state/result.h"

namespace certplan {

// The identifier of the leaf of `fullchain_pem`: base64url of the Authority
// Key Identifier's keyIdentifier, ".", base64url of the serial number's DER
// content octets, both without padding. Fails (ErrorKind::invalid) when the
// PEM contains no certificate or the certificate has no keyIdentifier.
[[nodiscard]] Result<std::string> renewal_certificate_id(std::string_view fullchain_pem);

// Reads a renewalInfo response body. Fails (ErrorKind::invalid) when it is
// not a JSON object with suggestedWindow.start and .end as RFC 3339 times,
// or when the end is not after the start.
[[nodiscard]] Result<RenewalWindow> parse_renewal_info(std::string_view body);

struct AcmeRenewalInfoOptions {
  std::string directory_url;
  std::filesystem::path ca_bundle;  // CA of the ACME server's TLS certificate; system store when empty
  // Windows are cached under {state_dir}/renewal-info while the CA's
  // Retry-After lasts; nothing is cached when empty.
  std::filesystem::path state_dir;
  // Per request. A plan without a window falls back to the days left, so a
  // CA that does not respond delays a plan by this much at most, once.
  std::chrono::seconds timeout{10};
};

// Asks the ACME CA of `options.directory_url` for renewal windows. A window
// still cached is returned without a request. The directory is fetched
// once, when the first window is not cached. When that fails, every later
// fetch() returns the same error without asking again.
class AcmeRenewalInfo final : public RenewalInfoSource {
 public:
  explicit AcmeRenewalInfo(AcmeRenewalInfoOptions options);

  [[nodiscard]] Result<std::optional<RenewalWindow>> fetch(const std::string& fullchain_pem) override;

 private:
  [[nodiscard]] Result<std::string> renewal_info_url();

  AcmeRenewalInfoOptions options_;
  std::optional<std::string> renewal_info_url_;  // set after the directory was read; empty when none
  std::optional<Error> directory_error_;
};

// The longest a window is cached, whatever Retry-After the CA sends, so
// that a window the CA moves (for a revocation) is seen within a day.
inline constexpr std::chrono::hours kMaxRenewalInfoCache{24};

}  // namespace certplan
