#include "providers/dns/dns_name.h"

#include <cstdlib>
#include <memory>

#include <idn2.h>

namespace certplan {

namespace {

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::string to_lower_ascii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

struct IdnFree {
  void operator()(char* text) const { idn2_free(text); }
};

Result<std::string> to_punycode(const std::string& name) {
  char* converted = nullptr;
  const int rc = idn2_to_ascii_8z(name.c_str(), &converted, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  std::unique_ptr<char, IdnFree> owner(converted);
  if (rc != IDN2_OK) {
    return make_error(ErrorKind::invalid, "invalid DNS name \"" + name + "\": " +
                                              idn2_strerror(rc) + "; check the spelling");
  }
  return std::string(owner.get());
}

}  // namespace

Result<std::string> normalize_dns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) {
    return make_error(ErrorKind::invalid, "invalid DNS name: the name is empty");
  }

  if (is_ascii(name)) return to_lower_ascii(name);

  auto ascii = to_punycode(std::string(name));
  if (!ascii) return ascii.error();
  return to_lower_ascii(ascii.value());
}

std::optional<std::string> find_zone(std::string_view name, const std::vector<std::string>& zones) {
  std::optional<std::string> best;
  for (const std::string& zone : zones) {
    if (zone.empty()) continue;

    const bool equal = name == zone;
    const bool below = name.size() > zone.size() && name.ends_with(zone) &&
                       name[name.size() - zone.size() - 1] == '.';
    if (!equal && !below) continue;

    if (!best || zone.size() > best->size()) best = zone;
  }
  return best;
}

}  // namespace certplan
