#include "state/domain_name.h"

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

#include <idn2.h>

namespace certplan {

namespace {

constexpr std::size_t max_name_length = 253;
constexpr std::size_t max_label_length = 63;
constexpr std::string_view wildcard_prefix = "*.";

Error invalid(std::string reason) {
  return make_error(ErrorKind::invalid, std::move(reason));
}

bool could_escape_directory(std::string_view name) {
  return name.find("..") != std::string_view::npos || name.find('/') != std::string_view::npos ||
         name.find('\\') != std::string_view::npos || name.find('\0') != std::string_view::npos;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string lowercase_ascii(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

// The caller splits off a wildcard label first, because `*` is not a valid
// IDNA character.
Result<std::string> to_punycode(const std::string& name) {
  char* output = nullptr;
  int status = idn2_to_ascii_8z(name.c_str(), &output, IDN2_NONTRANSITIONAL);
  std::unique_ptr<char, decltype(&idn2_free)> owned(output, &idn2_free);
  if (status != IDN2_OK) {
    return invalid(std::string("is not a valid internationalised domain name (") +
                   idn2_strerror(status) + ")");
  }
  return std::string(owned.get());
}

std::vector<std::string_view> split_labels(std::string_view name) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return labels;
    start = dot + 1;
  }
}

bool is_label_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

Result<void> check_label(std::string_view label) {
  if (label.empty()) {
    return invalid("has an empty label (a dot at the start or two dots in a row)");
  }
  if (label.size() > max_label_length) {
    return invalid("has a label of " + std::to_string(label.size()) +
                   " characters; a label has at most 63");
  }
  if (label.find('*') != std::string_view::npos) {
    return invalid("contains `*` where it is not allowed; a wildcard must be the whole first "
                   "label, as in *.example.com");
  }
  auto bad = std::find_if_not(label.begin(), label.end(), is_label_character);
  if (bad != label.end()) {
    return invalid("contains `" + std::string(1, *bad) +
                   "`; only letters, digits and hyphens are allowed");
  }
  if (label.front() == '-') return invalid("has a label that starts with a hyphen: `" + std::string(label) + "`");
  if (label.back() == '-') return invalid("has a label that ends with a hyphen: `" + std::string(label) + "`");
  return success();
}

Result<void> check_labels(std::string_view name) {
  if (name.size() > max_name_length) {
    return invalid("is " + std::to_string(name.size()) +
                   " characters long; a domain name has at most 253");
  }
  for (std::string_view label : split_labels(name)) {
    auto checked = check_label(label);
    if (!checked) return checked.error();
  }
  return success();
}

}  // namespace

Result<std::string> normalize_domain_name(std::string_view name) {
  if (name.empty()) return invalid("is empty");
  if (could_escape_directory(name)) {
    return invalid("contains `..`, `/`, `\\` or a NUL byte, which could escape the certificate "
                   "directory");
  }

  std::string normalized = lowercase_ascii(name);
  if (normalized.size() > 1 && normalized.back() == '.') normalized.pop_back();

  if (normalized == "*" || normalized == wildcard_prefix) {
    return invalid("is a wildcard without a parent domain; write *.example.com");
  }

  bool wildcard = normalized.starts_with(wildcard_prefix);
  std::string base = wildcard ? normalized.substr(wildcard_prefix.size()) : normalized;

  if (!is_ascii(base)) {
    auto converted = to_punycode(base);
    if (!converted) return converted.error();
    base = converted.value();
  }

  auto checked = check_labels(base);
  if (!checked) return checked.error();

  std::string result = wildcard ? std::string(wildcard_prefix) + base : base;
  if (result.size() > max_name_length) {
    return invalid("is " + std::to_string(result.size()) +
                   " characters long; a domain name has at most 253");
  }
  return result;
}

}  // namespace certplan
