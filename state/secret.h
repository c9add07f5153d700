#pragma once

// Key material and API keys. A SecretString has no stream operator and no
// implicit conversion, so it cannot end up in a log line or a plan by
// accident. Its memory is wiped when it is destroyed.

#include <string>
#include <utility>

#include <openssl/crypto.h>

namespace certplan {

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString&) = default;
  SecretString& operator=(const SecretString&) = default;
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  SecretString& operator=(SecretString&& other) noexcept {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
    return *this;
  }
  ~SecretString() { wipe(); }

  // The only way to the bytes; grep for reveal() to audit every use.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  void wipe() {
    if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
    value_.clear();
  }

  std::string value_;
};

}  // namespace certplan
