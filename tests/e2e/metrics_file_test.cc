// End to end: --metrics-file of plan and apply against the sandbox. The
// file is read back with a strict parser of the Prometheus text format
// written here, independent of certplan's own code.

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

namespace fs = std::filesystem;

// One sample line: metric name, labels and value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Exposition {
  std::map<std::string, std::string> help;
  std::map<std::string, std::string> type;
  std::vector<Sample> samples;

  // The value of the sample of `name` with exactly `labels`; fails the test when there is none.
  double value(const std::string& name, const std::map<std::string, std::string>& labels) const {
    for (const Sample& sample : samples) {
      if (sample.name == name && sample.labels == labels) return sample.value;
    }
    throw std::runtime_error("no sample " + name + " with the requested labels");
  }
  bool has(const std::string& name) const {
    for (const Sample& sample : samples) {
      if (sample.name == name) return true;
    }
    return false;
  }
};

bool valid_name(const std::string& name, bool label) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || (!label && c == ':') ||
                    (i > 0 && std::isdigit(static_cast<unsigned char>(c)) != 0);
    if (!ok) return false;
  }
  return true;
}

// Parses the text format strictly, and throws std::runtime_error naming the
// line on anything else. Every line is HELP, TYPE or a sample. HELP and
// TYPE come once per metric, before its samples, and the samples of one
// metric are together. Label values use only the escapes \\ \" \n. A
// series appears once, families are sorted by name, and the text ends
// with a line feed.
Exposition parse_strictly(const std::string& text) {
  if (text.empty() || text.back() != '\n') throw std::runtime_error("the file does not end with a line feed");
  Exposition result;
  std::set<std::string> series;
  std::string current;
  std::vector<std::string> order;
  std::size_t number = 0;
  for (const std::string& line : lines_of(text)) {
    ++number;
    const std::string where = "line " + std::to_string(number) + " \"" + line + "\": ";
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      const std::string rest = line.substr(7);
      const auto space = rest.find(' ');
      if (space == std::string::npos) throw std::runtime_error(where + "no text after the name");
      const std::string name = rest.substr(0, space);
      if (!valid_name(name, false)) throw std::runtime_error(where + "invalid metric name");
      auto& table = line[2] == 'H' ? result.help : result.type;
      if (table.contains(name)) throw std::runtime_error(where + "repeated");
      table[name] = rest.substr(space + 1);
      if (line[2] == 'T') {
        const std::string type = rest.substr(space + 1);
        if (type != "gauge" && type != "counter" && type != "untyped") throw std::runtime_error(where + "unknown type");
        if (!result.help.contains(name)) throw std::runtime_error(where + "TYPE before HELP");
        current = name;
        order.push_back(name);
      }
      continue;
    }

    Sample sample;
    std::size_t at = 0;
    while (at < line.size() && line[at] != '{' && line[at] != ' ') ++at;
    sample.name = line.substr(0, at);
    if (sample.name != current) throw std::runtime_error(where + "sample outside its metric's block");
    if (at < line.size() && line[at] == '{') {
      ++at;
      while (line.at(at) != '}') {
        const auto equals = line.find("=\"", at);
        if (equals == std::string::npos) throw std::runtime_error(where + "malformed label");
        const std::string label = line.substr(at, equals - at);
        if (!valid_name(label, true)) throw std::runtime_error(where + "invalid label name");
        std::string value;
        at = equals + 2;
        while (line.at(at) != '"') {
          if (line[at] == '\\') {
            const char next = line.at(at + 1);
            if (next == 'n') value += '\n';
            else if (next == '\\' || next == '"') value += next;
            else throw std::runtime_error(where + "unknown escape");
            at += 2;
          } else {
            value += line[at++];
          }
        }
        if (sample.labels.contains(label)) throw std::runtime_error(where + "repeated label");
        sample.labels[label] = value;
        ++at;
        if (line.at(at) == ',') ++at;
        else if (line.at(at) != '}') throw std::runtime_error(where + "no comma between labels");
      }
      ++at;
    }
    if (at >= line.size() || line[at] != ' ') throw std::runtime_error(where + "no space before the value");
    const std::string value = line.substr(at + 1);
    char* end = nullptr;
    sample.value = std::strtod(value.c_str(), &end);
    if (value.empty() || end != value.c_str() + value.size()) throw std::runtime_error(where + "invalid value");
    if (!series.insert(line.substr(0, at)).second) throw std::runtime_error(where + "repeated series");
    result.samples.push_back(sample);
  }
  for (std::size_t i = 1; i < order.size(); ++i) {
    if (order[i - 1] >= order[i]) throw std::runtime_error("metric " + order[i] + " is out of order");
  }
  return result;
}

Exposition read_metrics(const fs::path& path) {
  struct stat info {};
  BOOST_REQUIRE(stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 07777) == 0644u);
  return parse_strictly(Sandbox::read_file(path));
}

// The files in `directory` other than `keep`: a metrics file must not leave
// its temporary file behind.
std::vector<std::string> other_files(const fs::path& directory, const std::string& keep) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().filename() != keep) names.push_back(entry.path().filename().string());
  }
  return names;
}

}  // namespace

BOOST_AUTO_TEST_CASE(plan_and_apply_write_metrics) {
  Sandbox sandbox;
  const fs::path directory = sandbox.dir() / "textfile";
  fs::create_directories(directory);
  const fs::path file = directory / "certplan.prom";

  const CommandOutput plan = sandbox.run_certplan({"plan", "--metrics-file", file.string()});
  BOOST_TEST_INFO("plan output:\n" << plan.text());
  BOOST_REQUIRE_EQUAL(plan.exit_code, 0);
  const Exposition planned = read_metrics(file);
  BOOST_TEST(other_files(directory, "certplan.prom").empty());
  BOOST_TEST(planned.value("certplan_last_run_exit_code", {{"command", "plan"}}) == 0);
  BOOST_TEST(planned.value("certplan_last_run_success", {{"command", "plan"}}) == 1);
  BOOST_TEST(planned.value("certplan_last_run_timestamp_seconds", {{"command", "plan"}}) > 1.7e9);
  BOOST_TEST(planned.type.at("certplan_last_run_success") == "gauge");
  // Nothing is in the store yet; both hosts serve the sandbox's placeholder.
  BOOST_TEST(!planned.has("certplan_store_certificate_days_left"));
  const double served = planned.value("certplan_served_certificate_days_left",
                                      {{"domain", "example.com"}, {"server", "web-01"}});
  BOOST_TEST(planned.value("certplan_deployed_certificate_days_left",
                           {{"domain", "example.com"}, {"server", "web-02"}}) == served);
  BOOST_TEST(!planned.has("certplan_last_apply_actions"));

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve", "--metrics-file", file.string()});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_REQUIRE_EQUAL(apply.exit_code, 0);
  const Exposition applied = read_metrics(file);
  BOOST_TEST(other_files(directory, "certplan.prom").empty());
  BOOST_TEST(applied.value("certplan_last_run_exit_code", {{"command", "apply"}}) == 0);
  BOOST_TEST(applied.value("certplan_last_run_success", {{"command", "apply"}}) == 1);
  // The plan's last run stays beside the apply's.
  BOOST_TEST(applied.value("certplan_last_run_success", {{"command", "plan"}}) == 1);
  // 1 issue, 2 deploys, 2 reloads and 2 verifies.
  BOOST_TEST(applied.value("certplan_last_apply_actions", {{"result", "applied"}}) == 7);
  BOOST_TEST(applied.value("certplan_last_apply_actions", {{"result", "rolled_back"}}) == 0);
  BOOST_TEST(applied.value("certplan_last_apply_actions", {{"result", "failed"}}) == 0);
  BOOST_TEST(applied.value("certplan_last_apply_hosts", {{"outcome", "applied"}}) == 2);

  // Observed again after the apply: the new certificate, everywhere.
  const double stored = applied.value("certplan_store_certificate_days_left", {{"domain", "example.com"}});
  BOOST_TEST(stored > 30);
  for (const std::string server : {"web-01", "web-02"}) {
    BOOST_TEST_INFO("server " << server);
    BOOST_TEST(applied.value("certplan_served_certificate_days_left",
                             {{"domain", "example.com"}, {"server", server}}) == stored);
    BOOST_TEST(applied.value("certplan_deployed_certificate_days_left",
                             {{"domain", "example.com"}, {"server", server}}) == stored);
  }
}

BOOST_AUTO_TEST_CASE(failed_run_still_writes_metrics) {
  Sandbox sandbox;
  const fs::path file = sandbox.dir() / "certplan.prom";
  const CommandOutput plan = sandbox.run_certplan({"plan", "--metrics-file", file.string()});
  BOOST_REQUIRE_EQUAL(plan.exit_code, 0);

  // An invalid configuration stops the run before it observes anything.
  const fs::path domains = sandbox.dir() / "config/domains.yaml";
  Sandbox::write_file(domains, Sandbox::read_file(domains) + "  - domain: \"not a name\"\n");
  const CommandOutput failed = sandbox.run_certplan({"apply", "--auto-approve", "--metrics-file", file.string()});
  BOOST_TEST_INFO("apply output:\n" << failed.text());
  BOOST_TEST(failed.exit_code == 1);

  const Exposition metrics = read_metrics(file);
  BOOST_TEST(metrics.value("certplan_last_run_exit_code", {{"command", "apply"}}) == 1);
  BOOST_TEST(metrics.value("certplan_last_run_success", {{"command", "apply"}}) == 0);
  BOOST_TEST(metrics.value("certplan_last_run_success", {{"command", "plan"}}) == 1);
  // What the plan observed stays until a run observes again.
  BOOST_TEST(metrics.has("certplan_served_certificate_days_left"));
}

BOOST_AUTO_TEST_CASE(missing_directory_is_reported) {
  Sandbox sandbox;
  const fs::path file = sandbox.dir() / "no-such-dir/certplan.prom";
  const CommandOutput plan = sandbox.run_certplan({"plan", "--metrics-file", file.string()});
  BOOST_TEST_INFO("plan output:\n" << plan.text());
  BOOST_TEST(plan.exit_code == 0);
  BOOST_TEST(has_line(plan.err, "certplan: warning: the directory " + file.parent_path().string() +
                                    " of --metrics-file " + file.string() +
                                    " does not exist; create it or choose another path"));
  BOOST_TEST(!fs::exists(file.parent_path()));
}

}  // namespace certplan::e2e
