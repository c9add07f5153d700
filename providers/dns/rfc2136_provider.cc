#include "providers/dns/rfc2136_provider.h"

#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <new>
#include <utility>
#include <vector>

// ldns/ldns.h also pulls in ldns/keys.h, which needs OpenSSL types that
// OPENSSL_NO_DEPRECATED removes, so only these headers are included, in an
// order in which each finds the declarations it uses.
#include <ldns/common.h>
#include <ldns/error.h>
#include <ldns/rr.h>
#include <ldns/rdata.h>
#include <ldns/packet.h>
#include <ldns/dname.h>
#include <ldns/resolver.h>
#include <ldns/tsig.h>
#include <ldns/update.h>

// ldns/net.h includes ldns/ldns.h, so its ldns_send (ldns 1.8) is declared
// here. ldns_resolver_send_pkt is no substitute: it drops the response when
// the response's TSIG does not verify, and so hides the server's reason for
// rejecting an update signed with a wrong key.
extern "C" ldns_status ldns_send(ldns_pkt** result, ldns_resolver* resolver,
                                 const ldns_pkt* query);

#include "providers/dns/dns_name.h"
#include "providers/dns/dns_query.h"

namespace certplan {

namespace {

struct ResolverFree {
  void operator()(ldns_resolver* resolver) const { ldns_resolver_deep_free(resolver); }
};
struct RdfFree {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
struct PacketFree {
  void operator()(ldns_pkt* packet) const { ldns_pkt_free(packet); }
};
struct RrListFree {
  void operator()(ldns_rr_list* list) const { ldns_rr_list_deep_free(list); }
};
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using PacketPtr = std::unique_ptr<ldns_pkt, PacketFree>;
using RrListPtr = std::unique_ptr<ldns_rr_list, RrListFree>;

constexpr std::uint32_t kRecordTtl = 60;
constexpr std::uint16_t kTsigFudgeSeconds = 300;

// TSIG error codes of RFC 8945, section 5.3.2.
constexpr std::uint16_t kTsigBadSig = 16;
constexpr std::uint16_t kTsigBadKey = 17;
constexpr std::uint16_t kTsigBadTime = 18;

// The TSIG RDATA fields as ldns stores them are algorithm, time signed, fudge,
// MAC, original id, error, other data.
constexpr std::size_t kTsigErrorField = 5;

enum class UpdateOperation { add, remove };

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return value;
}

Result<ResolverPtr> resolver_for(const DnsServer& server, std::chrono::milliseconds timeout) {
  ResolverPtr resolver(ldns_resolver_new());
  if (!resolver) throw std::bad_alloc();

  const bool ipv6 = server.address.find(':') != std::string::npos;
  RdfPtr address(ldns_rdf_new_frm_str(ipv6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                                      server.address.c_str()));
  if (!address) {
    return make_error(ErrorKind::invalid, "invalid RFC2136_NAMESERVER address " + server.address);
  }
  if (ldns_resolver_push_nameserver(resolver.get(), address.get()) != LDNS_STATUS_OK) {
    throw std::bad_alloc();
  }

  ldns_resolver_set_port(resolver.get(), server.port);
  ldns_resolver_set_timeout(resolver.get(), to_timeval(timeout));
  ldns_resolver_set_retry(resolver.get(), 1);
  ldns_resolver_set_recursive(resolver.get(), false);
  ldns_resolver_set_random(resolver.get(), false);
  ldns_resolver_set_defnames(resolver.get(), false);
  ldns_resolver_set_dnsrch(resolver.get(), false);
  // TCP, so that a lost UDP datagram cannot make a retried add look like a
  // failure, and the response to an update is never truncated.
  ldns_resolver_set_usevc(resolver.get(), true);
  return resolver;
}

std::string rcode_name(ldns_pkt_rcode rcode) {
  switch (rcode) {
    case LDNS_RCODE_NOERROR: return "NOERROR";
    case LDNS_RCODE_FORMERR: return "FORMERR";
    case LDNS_RCODE_SERVFAIL: return "SERVFAIL";
    case LDNS_RCODE_NXDOMAIN: return "NXDOMAIN";
    case LDNS_RCODE_NOTIMPL: return "NOTIMP";
    case LDNS_RCODE_REFUSED: return "REFUSED";
    case LDNS_RCODE_YXDOMAIN: return "YXDOMAIN";
    case LDNS_RCODE_YXRRSET: return "YXRRSET";
    case LDNS_RCODE_NXRRSET: return "NXRRSET";
    case LDNS_RCODE_NOTAUTH: return "NOTAUTH";
    case LDNS_RCODE_NOTZONE: return "NOTZONE";
  }
  return "response code " + std::to_string(static_cast<int>(rcode));
}

// Lowercase text of a wire-format name, without the trailing dot.
std::string dname_text(const ldns_rdf* rdf) {
  const std::uint8_t* data = ldns_rdf_data(rdf);
  const std::size_t size = ldns_rdf_size(rdf);
  std::string name;
  std::size_t i = 0;
  while (i < size && data[i] != 0) {
    const std::size_t length = data[i];
    if (i + 1 + length > size) break;
    if (!name.empty()) name += '.';
    for (std::size_t j = i + 1; j <= i + length; ++j) {
      name += static_cast<char>(std::tolower(data[j]));
    }
    i += 1 + length;
  }
  return name;
}

// Asks for the SOA record of `name` and returns true when the server is
// authoritative for a zone whose apex is exactly `name`.
Result<bool> is_zone_apex(ldns_resolver* resolver, const std::string& where,
                          const std::string& name) {
  RdfPtr owner(ldns_dname_new_frm_str(name.c_str()));
  if (!owner) return make_error(ErrorKind::invalid, "invalid DNS name \"" + name + "\"");

  ldns_pkt* raw = nullptr;
  const ldns_status status = ldns_resolver_query_status(&raw, resolver, owner.get(),
                                                        LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN, 0);
  const PacketPtr packet(raw);
  if (status != LDNS_STATUS_OK || !packet) {
    const ErrorKind kind =
        status == LDNS_STATUS_NETWORK_ERR ? ErrorKind::unreachable : ErrorKind::failed;
    return make_error(kind, "SOA query for " + name + " at " + where + " failed: " +
                                ldns_get_errorstr_by_id(status) +
                                "; check RFC2136_NAMESERVER and that the server runs");
  }

  const ldns_rr_list* answers = ldns_pkt_answer(packet.get());
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && dname_text(ldns_rr_owner(rr)) == name) {
      return true;
    }
  }
  return false;
}

// Walks from `fqdn` up to its top-level label and returns the first name that
// is the apex of a zone on the server. A REFUSED response (a name outside every
// zone of the server) moves on to the parent.
Result<std::string> find_zone_at(const DnsServer& server, std::chrono::milliseconds timeout,
                                 const std::string& fqdn) {
  auto resolver = resolver_for(server, timeout);
  if (!resolver) return resolver.error();

  std::string candidate = fqdn;
  while (!candidate.empty()) {
    auto apex = is_zone_apex(resolver.value().get(), server.to_string(), candidate);
    if (!apex) return apex.error();
    if (apex.value()) return candidate;

    const std::size_t dot = candidate.find('.');
    candidate = dot == std::string::npos ? std::string() : candidate.substr(dot + 1);
  }
  return make_error(ErrorKind::not_found,
                    "the name server " + server.to_string() + " has no zone that contains " +
                        fqdn + "; check RFC2136_NAMESERVER and the zones it serves");
}

// A TXT record of `value`, split into character-strings of at most 255 bytes.
// Deletion uses class NONE and TTL 0 (RFC 2136, section 2.5.4).
ldns_rr* make_txt_record(const std::string& fqdn, const std::string& value,
                         UpdateOperation operation) {
  ldns_rr* rr = ldns_rr_new();
  if (rr == nullptr) throw std::bad_alloc();

  ldns_rr_set_owner(rr, ldns_dname_new_frm_str(fqdn.c_str()));
  ldns_rr_set_type(rr, LDNS_RR_TYPE_TXT);
  const bool add = operation == UpdateOperation::add;
  ldns_rr_set_class(rr, add ? LDNS_RR_CLASS_IN : LDNS_RR_CLASS_NONE);
  ldns_rr_set_ttl(rr, add ? kRecordTtl : 0);

  std::size_t offset = 0;
  do {
    const std::size_t length = std::min<std::size_t>(255, value.size() - offset);
    std::vector<std::uint8_t> text;
    text.push_back(static_cast<std::uint8_t>(length));
    text.insert(text.end(), value.begin() + static_cast<std::ptrdiff_t>(offset),
                value.begin() + static_cast<std::ptrdiff_t>(offset + length));
    ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_STR, text.size(), text.data()));
    offset += length;
  } while (offset < value.size());
  return rr;
}

// The reason behind a rejected update, from the response code and the TSIG
// error field of the server's TSIG record.
std::string rejection_hint(ldns_pkt_rcode rcode, const ldns_pkt* response) {
  std::uint16_t tsig_error = 0;
  const ldns_rr* tsig = ldns_pkt_tsig(response);
  if (tsig != nullptr && ldns_rr_rd_count(tsig) > kTsigErrorField) {
    tsig_error = ldns_rdf2native_int16(ldns_rr_rdf(tsig, kTsigErrorField));
  }

  if (tsig_error == kTsigBadSig) {
    return "TSIG signature invalid: check RFC2136_TSIG_KEY and RFC2136_TSIG_SECRET";
  }
  if (tsig_error == kTsigBadKey) {
    return "TSIG key unknown to the server: check RFC2136_TSIG_KEY and RFC2136_TSIG_ALGORITHM";
  }
  if (tsig_error == kTsigBadTime) {
    return "TSIG time outside the allowed window: check the clocks of both hosts";
  }
  if (rcode == LDNS_RCODE_REFUSED) {
    return "the key may not update this zone: check allow-update or update-policy on the server";
  }
  return "the server is not authoritative for the zone: check RFC2136_NAMESERVER";
}

bool is_rejection(ldns_pkt_rcode rcode) {
  return rcode == LDNS_RCODE_NOTAUTH || rcode == LDNS_RCODE_REFUSED;
}

}  // namespace

Result<std::string> tsig_algorithm_name(const std::string& algorithm) {
  std::string name;
  for (const char c : algorithm) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!name.empty() && name.back() == '.') name.pop_back();

  // ldns 1.8 (tsig.c) matches these names, each with its final dot.
  if (name == "hmac-md5" || name == "hmac-md5.sig-alg.reg.int") return "hmac-md5.sig-alg.reg.int.";
  for (const char* known : {"hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512"}) {
    if (name == known) return name + ".";
  }
  return make_error(ErrorKind::invalid,
                    "RFC2136_TSIG_ALGORITHM \"" + algorithm +
                        "\" is not supported; use hmac-sha256, hmac-sha512, hmac-sha384, "
                        "hmac-sha224, hmac-sha1 or hmac-md5");
}

Rfc2136Provider::Rfc2136Provider(Rfc2136Options options) : options_(std::move(options)) {}

Result<std::unique_ptr<Rfc2136Provider>> Rfc2136Provider::from_settings(const Settings& settings) {
  if (settings.rfc2136_nameserver.value.empty()) {
    return make_error(ErrorKind::invalid,
                      "RFC2136_NAMESERVER is not set; set it to the IP or IP:PORT of the primary "
                      "name server that accepts dynamic updates");
  }
  auto nameserver = parse_dns_server(settings.rfc2136_nameserver.value);
  if (!nameserver) return nameserver.error().with_context("RFC2136_NAMESERVER");

  if (settings.rfc2136_tsig_key.value.empty()) {
    return make_error(ErrorKind::invalid,
                      "RFC2136_TSIG_KEY is not set; set it to the name of the TSIG key that the "
                      "name server allows to update the zone");
  }
  if (settings.rfc2136_tsig_secret.value.empty()) {
    return make_error(ErrorKind::invalid,
                      "RFC2136_TSIG_SECRET is not set; set it to the base64 secret of the TSIG "
                      "key " + settings.rfc2136_tsig_key.value);
  }
  auto algorithm = tsig_algorithm_name(settings.rfc2136_tsig_algorithm.value);
  if (!algorithm) return algorithm.error();

  Rfc2136Options options;
  options.nameserver = nameserver.value();
  options.tsig_key = settings.rfc2136_tsig_key.value;
  options.tsig_secret = settings.rfc2136_tsig_secret.value;
  options.tsig_algorithm = settings.rfc2136_tsig_algorithm.value;
  return std::make_unique<Rfc2136Provider>(std::move(options));
}

namespace {

// Sends one signed UPDATE of `zone` that adds or deletes `record`, and maps
// the response code to a Result.
Result<void> send_update(const Rfc2136Options& options, const std::string& zone, ldns_rr* record) {
  const std::string where = options.nameserver.to_string();
  auto algorithm = tsig_algorithm_name(options.tsig_algorithm);
  if (!algorithm) return algorithm.error();

  RrListPtr updates(ldns_rr_list_new());
  if (!updates) throw std::bad_alloc();
  ldns_rr_list_push_rr(updates.get(), record);

  // ldns_update_pkt_new keeps the zone name and copies the record list.
  ldns_rdf* zone_name = ldns_dname_new_frm_str(zone.c_str());
  if (zone_name == nullptr) return make_error(ErrorKind::invalid, "invalid zone name " + zone);
  PacketPtr update(ldns_update_pkt_new(zone_name, LDNS_RR_CLASS_IN, nullptr, updates.get(), nullptr));
  if (!update) throw std::bad_alloc();
  ldns_pkt_set_rd(update.get(), false);

  const std::string& secret = options.tsig_secret.reveal();
  const ldns_status signed_status =
      ldns_pkt_tsig_sign(update.get(), options.tsig_key.c_str(), secret.c_str(), kTsigFudgeSeconds,
                         algorithm.value().c_str(), nullptr);
  if (signed_status != LDNS_STATUS_OK) {
    return make_error(ErrorKind::invalid,
                      std::string("could not sign the update with RFC2136_TSIG_KEY ") +
                          options.tsig_key + ": " + ldns_get_errorstr_by_id(signed_status) +
                          "; check that RFC2136_TSIG_SECRET is base64");
  }

  auto resolver = resolver_for(options.nameserver, options.timeout);
  if (!resolver) return resolver.error();
  // ldns_send verifies the TSIG of the response with these.
  ldns_resolver_set_tsig_keyname(resolver.value().get(), options.tsig_key.c_str());
  ldns_resolver_set_tsig_keydata(resolver.value().get(), secret.c_str());
  ldns_resolver_set_tsig_algorithm(resolver.value().get(), algorithm.value().c_str());

  ldns_pkt* raw = nullptr;
  const ldns_status status = ldns_send(&raw, resolver.value().get(), update.get());
  const PacketPtr response(raw);
  if (!response) {
    const ErrorKind kind =
        status == LDNS_STATUS_NETWORK_ERR ? ErrorKind::unreachable : ErrorKind::failed;
    return make_error(kind, "could not send the update of zone " + zone + " to the name server " +
                                where + ": " + ldns_get_errorstr_by_id(status) +
                                "; check RFC2136_NAMESERVER and that the server runs");
  }

  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(response.get());
  const std::string prefix = "the name server " + where;
  if (is_rejection(rcode)) {
    return make_error(ErrorKind::rejected, prefix + " rejected the update of zone " + zone + ": " +
                                               rcode_name(rcode) + " (" +
                                               rejection_hint(rcode, response.get()) + ")");
  }
  if (rcode != LDNS_RCODE_NOERROR) {
    return make_error(ErrorKind::failed, prefix + " failed the update of zone " + zone + ": " +
                                             rcode_name(rcode));
  }
  if (status != LDNS_STATUS_OK) {
    return make_error(ErrorKind::failed, prefix + " accepted the update of zone " + zone +
                                             " but its response did not verify: " +
                                             ldns_get_errorstr_by_id(status));
  }
  return success();
}

}  // namespace

Result<PublishedRecord> Rfc2136Provider::present(const std::string& fqdn, const std::string& value) {
  auto name = normalize_dns_name(fqdn);
  if (!name) return name.error();

  auto zone = find_zone_at(options_.nameserver, options_.timeout, name.value());
  if (!zone) return zone.error();

  auto added = send_update(options_, zone.value(),
                           make_txt_record(name.value(), value, UpdateOperation::add));
  if (!added) return added.error();
  return PublishedRecord{name.value(), value, zone.value(), ""};
}

Result<void> Rfc2136Provider::cleanup(const PublishedRecord& record) {
  auto current = ask_dns_server(options_.nameserver, record.fqdn, DnsQuestion::txt,
                                options_.timeout);
  if (!current) return current.error();

  const std::vector<std::string>& values = current.value().txt;
  if (std::find(values.begin(), values.end(), record.value) == values.end()) {
    return make_error(ErrorKind::not_found, "the TXT record \"" + record.value + "\" at " +
                                                record.fqdn + " was already gone");
  }

  std::string zone = record.zone;
  if (zone.empty()) {
    auto found = find_zone_at(options_.nameserver, options_.timeout, record.fqdn);
    if (!found) return found.error();
    zone = found.value();
  }
  return send_update(options_, zone,
                     make_txt_record(record.fqdn, record.value, UpdateOperation::remove));
}

}  // namespace certplan
