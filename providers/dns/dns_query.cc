#include "providers/dns/dns_query.h"

#include <arpa/inet.h>
#include <sys/time.h>

#include <memory>
#include <new>

// ldns/ldns.h also pulls in ldns/keys.h, which uses OpenSSL's RSA and DSA
// types that OPENSSL_NO_DEPRECATED removes, so only these headers are used.
// ldns/resolver.h needs the others first.
#include <ldns/common.h>
#include <ldns/error.h>
#include <ldns/rr.h>
#include <ldns/rdata.h>
#include <ldns/packet.h>
#include <ldns/dname.h>
#include <ldns/resolver.h>

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
using ResolverPtr = std::unique_ptr<ldns_resolver, ResolverFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using PacketPtr = std::unique_ptr<ldns_pkt, PacketFree>;

ldns_rr_type record_type(DnsQuestion question) {
  switch (question) {
    case DnsQuestion::txt: return LDNS_RR_TYPE_TXT;
    case DnsQuestion::cname: return LDNS_RR_TYPE_CNAME;
    case DnsQuestion::ns: return LDNS_RR_TYPE_NS;
    case DnsQuestion::a: return LDNS_RR_TYPE_A;
    case DnsQuestion::aaaa: return LDNS_RR_TYPE_AAAA;
  }
  return LDNS_RR_TYPE_TXT;
}

const char* type_name(DnsQuestion question) {
  switch (question) {
    case DnsQuestion::txt: return "TXT";
    case DnsQuestion::cname: return "CNAME";
    case DnsQuestion::ns: return "NS";
    case DnsQuestion::a: return "A";
    case DnsQuestion::aaaa: return "AAAA";
  }
  return "TXT";
}

timeval to_timeval(std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return value;
}

void configure(ldns_resolver* resolver, std::chrono::milliseconds timeout) {
  ldns_resolver_set_timeout(resolver, to_timeval(timeout));
  ldns_resolver_set_retry(resolver, 1);
  ldns_resolver_set_recursive(resolver, true);
  ldns_resolver_set_dnssec(resolver, false);
  ldns_resolver_set_random(resolver, false);
  ldns_resolver_set_usevc(resolver, false);
  // Truncation is handled below, so the retry over TCP is visible here.
  ldns_resolver_set_fallback(resolver, false);
  ldns_resolver_set_defnames(resolver, false);
  ldns_resolver_set_dnsrch(resolver, false);
}

Result<ResolverPtr> resolver_for(const DnsServer& server, std::chrono::milliseconds timeout) {
  ResolverPtr resolver(ldns_resolver_new());
  if (!resolver) throw std::bad_alloc();

  const bool ipv6 = server.address.find(':') != std::string::npos;
  RdfPtr address(ldns_rdf_new_frm_str(ipv6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                                      server.address.c_str()));
  if (!address) {
    return make_error(ErrorKind::invalid, "invalid DNS server address " + server.address);
  }
  if (ldns_resolver_push_nameserver(resolver.get(), address.get()) != LDNS_STATUS_OK) {
    throw std::bad_alloc();
  }
  ldns_resolver_set_port(resolver.get(), server.port);
  configure(resolver.get(), timeout);
  return resolver;
}

// Decodes a domain name in wire format (length-prefixed labels, ending with
// the empty root label) to lowercase text without the trailing dot.
std::string rdf_to_name(const ldns_rdf* rdf) {
  const std::uint8_t* data = ldns_rdf_data(rdf);
  const std::size_t size = ldns_rdf_size(rdf);
  std::string name;
  std::size_t i = 0;
  while (i < size && data[i] != 0) {
    const std::size_t length = data[i];
    if (i + 1 + length > size) break;
    if (!name.empty()) name += '.';
    for (std::size_t j = i + 1; j <= i + length; ++j) {
      char c = static_cast<char>(data[j]);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      name += c;
    }
    i += 1 + length;
  }
  return name;
}

std::string rdf_to_address(const ldns_rdf* rdf) {
  char text[INET6_ADDRSTRLEN] = {};
  const bool ipv6 = ldns_rdf_get_type(rdf) == LDNS_RDF_TYPE_AAAA;
  if (ldns_rdf_size(rdf) != (ipv6 ? 16U : 4U)) return {};
  if (inet_ntop(ipv6 ? AF_INET6 : AF_INET, ldns_rdf_data(rdf), text, sizeof(text)) == nullptr) {
    return {};
  }
  return text;
}

std::string rcode_name(ldns_pkt_rcode rcode) {
  switch (rcode) {
    case LDNS_RCODE_FORMERR: return "FORMERR";
    case LDNS_RCODE_SERVFAIL: return "SERVFAIL";
    case LDNS_RCODE_NOTIMPL: return "NOTIMP";
    case LDNS_RCODE_REFUSED: return "REFUSED";
    default: return "response code " + std::to_string(static_cast<int>(rcode));
  }
}

// A TXT record contains one or more character-strings, each a length byte and
// that many bytes. DNS clients join them into one value.
std::string join_txt_strings(const ldns_rr* rr) {
  std::string joined;
  for (std::size_t i = 0; i < ldns_rr_rd_count(rr); ++i) {
    const ldns_rdf* rdf = ldns_rr_rdf(rr, i);
    const std::size_t size = ldns_rdf_size(rdf);
    const std::uint8_t* data = ldns_rdf_data(rdf);
    if (size == 0) continue;
    const std::size_t length = std::min<std::size_t>(data[0], size - 1);
    joined.append(reinterpret_cast<const char*>(data + 1), length);
  }
  return joined;
}

DnsResponse collect_answers(const ldns_pkt* packet) {
  DnsResponse response;
  const ldns_rr_list* answers = ldns_pkt_answer(packet);
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(answers, i);
    if (ldns_rr_rd_count(rr) == 0) continue;

    switch (ldns_rr_get_type(rr)) {
      case LDNS_RR_TYPE_TXT:
        response.txt.push_back(join_txt_strings(rr));
        break;
      case LDNS_RR_TYPE_CNAME:
        response.cname.push_back(rdf_to_name(ldns_rr_rdf(rr, 0)));
        break;
      case LDNS_RR_TYPE_NS:
        response.ns.push_back(rdf_to_name(ldns_rr_rdf(rr, 0)));
        break;
      case LDNS_RR_TYPE_A:
      case LDNS_RR_TYPE_AAAA:
        response.addresses.push_back(rdf_to_address(ldns_rr_rdf(rr, 0)));
        break;
      default:
        break;
    }
  }
  return response;
}

Result<DnsResponse> send_question(ldns_resolver* resolver, const std::string& where,
                                  const std::string& name, DnsQuestion question) {
  RdfPtr owner(ldns_dname_new_frm_str(name.c_str()));
  if (!owner) return make_error(ErrorKind::invalid, "invalid DNS name \"" + name + "\"");
  const std::string what = std::string(type_name(question)) + " " + name + " at " + where;

  ldns_pkt* raw = nullptr;
  ldns_status status = ldns_resolver_query_status(&raw, resolver, owner.get(),
                                                  record_type(question), LDNS_RR_CLASS_IN, LDNS_RD);
  PacketPtr packet(raw);

  // A truncated UDP response is asked again over TCP, as DNS clients do.
  if (status == LDNS_STATUS_OK && packet && ldns_pkt_tc(packet.get())) {
    ldns_resolver_set_usevc(resolver, true);
    raw = nullptr;
    status = ldns_resolver_query_status(&raw, resolver, owner.get(), record_type(question),
                                        LDNS_RR_CLASS_IN, LDNS_RD);
    packet.reset(raw);
    ldns_resolver_set_usevc(resolver, false);
  }

  if (status != LDNS_STATUS_OK || !packet) {
    const ErrorKind kind =
        status == LDNS_STATUS_NETWORK_ERR ? ErrorKind::unreachable : ErrorKind::failed;
    return make_error(kind, "DNS query " + what + " failed: " + ldns_get_errorstr_by_id(status));
  }

  const ldns_pkt_rcode rcode = ldns_pkt_get_rcode(packet.get());
  if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
    return make_error(ErrorKind::failed, "DNS query " + what + " returned " + rcode_name(rcode));
  }
  return collect_answers(packet.get());
}

}  // namespace

Result<DnsResponse> ask_dns_server(const DnsServer& server, const std::string& name,
                                   DnsQuestion question, std::chrono::milliseconds timeout) {
  auto resolver = resolver_for(server, timeout);
  if (!resolver) return resolver.error();
  return send_question(resolver.value().get(), server.to_string(), name, question);
}

Result<DnsResponse> ask_system_resolver(const std::string& name, DnsQuestion question,
                                        std::chrono::milliseconds timeout) {
  ldns_resolver* raw = nullptr;
  const ldns_status status = ldns_resolver_new_frm_file(&raw, nullptr);
  ResolverPtr resolver(raw);
  if (status != LDNS_STATUS_OK || !resolver) {
    return make_error(ErrorKind::failed, std::string("could not read /etc/resolv.conf: ") +
                                             ldns_get_errorstr_by_id(status) +
                                             "; set DNS_RESOLVERS instead");
  }
  configure(resolver.get(), timeout);
  return send_question(resolver.get(), "the system resolver", name, question);
}

}  // namespace certplan
