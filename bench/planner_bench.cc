// Times the pure planner (engine/planner.h) on an in-memory fleet: 1,000
// servers that each deploy 100 domains, so 100,000 deployments. Only the
// make_plan call is timed. Building the inputs is not. For comparison it
// also times digest_observations alone, a step of make_plan.
//
// usage: certplan_planner_bench [SERVERS [DOMAINS [RUNS]]]   (default 1000 100 5)
//
// The observed state is a steady fleet with some drift: every domain has a
// valid certificate in the store, every server is reachable and serves what
// its files contain, and in one deployment in ten the files have an older
// certificate, so the plan has deploy, reload and verify actions on every
// server.

#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/observation_digest.h"
#include "engine/planner.h"

namespace {

using namespace certplan;
using std::chrono::days;

struct Timings {
  double median = 0;
  double min = 0;
  double max = 0;
};

// Runs `step` RUNS times and returns the median, min and max seconds.
template <class Step>
Timings time_runs(int runs, Step step) {
  std::vector<double> seconds;
  for (int run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    step();
    const auto end = std::chrono::steady_clock::now();
    seconds.push_back(std::chrono::duration<double>(end - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const std::size_t n = seconds.size();
  const double median = n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
  return Timings{median, seconds.front(), seconds.back()};
}

struct FleetSize {
  int servers = 1000;
  int domains = 100;
  int runs = 5;
};

std::string numbered(std::string_view prefix, int number, std::string_view suffix) {
  char digits[16];
  std::snprintf(digits, sizeof digits, "%04d", number);
  return std::string(prefix) + digits + std::string(suffix);
}

std::string server_name(int i) { return numbered("web-", i, ""); }
std::string domain_name(int d) { return numbered("site-", d, ".example.com"); }

// A fingerprint in the planner's format, different for each (domain, age).
std::string fingerprint(int domain, int age) {
  std::string text;
  for (int byte = 0; byte < 32; ++byte) {
    char pair[4];
    std::snprintf(pair, sizeof pair, "%02x", (domain * 31 + age * 7 + byte) & 0xff);
    if (!text.empty()) text += ':';
    text += pair;
  }
  return text;
}

CertificateFacts certificate(int domain, int age, TimePoint now) {
  CertificateFacts facts;
  facts.subject = "CN=" + domain_name(domain);
  facts.issuer = "CN=Bench Intermediate";
  facts.names = {domain_name(domain), "www." + domain_name(domain)};
  facts.not_before = now - days(10 + 60 * age);
  facts.not_after = now + days(80 - 60 * age);
  facts.fingerprint = fingerprint(domain, age);
  facts.public_key_fingerprint = fingerprint(domain + 1000, age);
  facts.key_type = KeyType::ec256;
  facts.chain_length = 2;
  return facts;
}

CertificateWithKey with_key(SharedFacts facts) {
  return CertificateWithKey{std::move(facts), true, true, KeyType::ec256};
}

DesiredState make_desired(const FleetSize& size) {
  DesiredState desired;
  for (int i = 1; i <= size.servers; ++i) {
    ServerConfig server;
    server.name = server_name(i);
    server.host = "127.0.0.1";
    server.user = "deploy";
    server.ssh_key_path = "/etc/certplan/id_ed25519";
    server.nginx_reload_command = "sudo nginx -s reload";
    server.cert_path = "/etc/nginx/ssl";
    desired.servers.push_back(std::move(server));
  }
  for (int d = 1; d <= size.domains; ++d) {
    DomainConfig domain;
    domain.domain = domain_name(d);
    domain.alt_names = {"www." + domain.domain};
    for (int i = 1; i <= size.servers; ++i) {
      const std::string directory = "/etc/nginx/ssl/" + domain.domain;
      domain.targets.push_back(
          DeploymentTarget{server_name(i), directory + "/fullchain.pem", directory + "/privkey.pem", {}});
    }
    desired.domains.push_back(std::move(domain));
  }
  desired.config_digest = std::string(64, 'a');
  return desired;
}

// In one deployment in ten, the files have the previous certificate of the
// domain. Certificates go through an interner as in engine/refresh.cc, so
// servers with the same certificate share its facts.
ObservedState make_observed(const FleetSize& size, TimePoint now) {
  ObservedState observed;
  for (int d = 1; d <= size.domains; ++d) {
    observed.store[domain_name(d)].current = with_key(share_facts(certificate(d, 0, now)));
  }
  CertificateInterner interner;
  for (int i = 1; i <= size.servers; ++i) {
    ServerObservation& server = observed.servers[server_name(i)];
    server.reachable = true;
    for (int d = 1; d <= size.domains; ++d) {
      const int age = (i + d) % 10 == 0 ? 1 : 0;
      server.served[domain_name(d)].leaf = interner.intern(certificate(d, age, now));
      server.files[domain_name(d)].deployed = with_key(interner.intern(certificate(d, age, now)));
    }
  }
  return observed;
}

// Peak resident set size of this process so far, in KiB (Linux ru_maxrss).
long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

bool parse_positive(const char* text, int& value) {
  const std::string_view view(text);
  const auto [end, error] = std::from_chars(view.data(), view.data() + view.size(), value);
  return error == std::errc{} && end == view.data() + view.size() && value > 0;
}

}  // namespace

int main(int argc, char** argv) {
  FleetSize size;
  int* fields[] = {&size.servers, &size.domains, &size.runs};
  for (int i = 1; i < argc && i <= 3; ++i) {
    if (!parse_positive(argv[i], *fields[i - 1])) {
      std::fprintf(stderr,
                   "certplan_planner_bench: '%s' is not a positive whole number; usage: "
                   "certplan_planner_bench [SERVERS [DOMAINS [RUNS]]]\n",
                   argv[i]);
      return 2;
    }
  }

  const TimePoint now = std::chrono::system_clock::now();
  const DesiredState desired = make_desired(size);
  const ObservedState observed = make_observed(size, now);
  const long inputs_rss = peak_rss_kib();

  std::size_t actions = 0;
  const Timings plan = time_runs(size.runs, [&] {
    actions = make_plan(desired, observed, PlanPolicy{}, now).actions.size();
  });
  const long plan_rss = peak_rss_kib();
  const Timings digests = time_runs(size.runs, [&] {
    static_cast<void>(digest_observations(desired, observed, PlanScope{}));
  });

  std::printf("servers %d, domains %d, deployments %d, actions per plan %zu\n", size.servers,
              size.domains, size.servers * size.domains, actions);
  std::printf("make_plan over %d runs: median %.3f s, min %.3f s, max %.3f s\n", size.runs,
              plan.median, plan.min, plan.max);
  std::printf("of which digest_observations alone: median %.3f s, min %.3f s, max %.3f s\n",
              digests.median, digests.min, digests.max);
  std::printf("peak RSS: %.1f MiB with the inputs built, %.1f MiB after planning\n",
              static_cast<double>(inputs_rss) / 1024, static_cast<double>(plan_rss) / 1024);
  return 0;
}
