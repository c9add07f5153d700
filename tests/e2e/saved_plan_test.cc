// End to end: a saved plan is applied only while the world still matches
// what it observed, and the plan renders as Markdown and as a GitLab report.

#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "tests/e2e/support/sandbox.h"

namespace certplan::e2e {
namespace {

// The certificate files and the served certificate of one host, to check
// that a failed apply changed nothing.
struct HostSnapshot {
  std::string fullchain;
  std::string privkey;
  std::string served;

  bool operator==(const HostSnapshot&) const = default;
};

HostSnapshot snapshot(const Sandbox& sandbox, int i, const std::string& domain) {
  const auto files = sandbox.host(i).cert_dir / domain;
  return HostSnapshot{Sandbox::read_file(files / "fullchain.pem"),
                      Sandbox::read_file(files / "privkey.pem"),
                      sandbox.served_fingerprint(i, domain)};
}

// A fresh self-signed certificate for `domain`, made with the openssl tool.
std::string make_self_signed_certificate(const Sandbox& sandbox, const std::string& domain) {
  const auto key = sandbox.dir() / "hand-made.key";
  const auto certificate = sandbox.dir() / "hand-made.pem";
  const CommandOutput openssl = run_command(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.string(), "-out",
       certificate.string(), "-days", "10", "-subj", "/CN=" + domain + " changed by hand",
       "-addext", "subjectAltName=DNS:" + domain},
      std::chrono::seconds(30));
  BOOST_TEST_INFO("openssl output:\n" << openssl.text());
  BOOST_REQUIRE(openssl.exit_code == 0);
  return Sandbox::read_file(certificate);
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(stale_saved_plan_changes_nothing) {
  Sandbox sandbox;
  const std::string domain = "example.com";
  const auto stale_plan = (sandbox.dir() / "plan.json").string();

  const CommandOutput plan = sandbox.run_certplan({"plan", "-o", stale_plan});
  BOOST_TEST_INFO("plan output:\n" << plan.text());
  BOOST_REQUIRE(plan.exit_code == 0);

  const auto web01_chain = sandbox.host(1).cert_dir / domain / "fullchain.pem";
  Sandbox::write_file(web01_chain, make_self_signed_certificate(sandbox, domain));
  const std::array<HostSnapshot, 2> before = {snapshot(sandbox, 1, domain),
                                              snapshot(sandbox, 2, domain)};

  const CommandOutput apply = sandbox.run_certplan({"apply", stale_plan, "--auto-approve"});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.exit_code == 1);
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(lowercase(apply.text()).find("stale") != std::string::npos);
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.text().find("web-01") != std::string::npos);

  BOOST_TEST((snapshot(sandbox, 1, domain) == before[0]), "web-01 is unchanged");
  BOOST_TEST((snapshot(sandbox, 2, domain) == before[1]), "web-02 is unchanged");
}

BOOST_AUTO_TEST_CASE(fresh_saved_plan_applies_and_renders) {
  Sandbox sandbox;
  const auto plan_file = (sandbox.dir() / "plan.json").string();

  const CommandOutput plan = sandbox.run_certplan({"plan", "-o", plan_file});
  BOOST_TEST_INFO("plan output:\n" << plan.text());
  BOOST_REQUIRE(plan.exit_code == 0);

  const CommandOutput markdown = sandbox.run_certplan({"plan", "--format", "markdown"});
  BOOST_TEST_INFO("plan --format markdown output:\n" << markdown.text());
  BOOST_TEST(markdown.exit_code == 0);
  BOOST_TEST_INFO("plan --format markdown output:\n" << markdown.out);
  BOOST_TEST(has_line_starting_with(markdown.out, "|"));
  const bool has_separator_row =
      has_line_starting_with(markdown.out, "|---") || has_line_starting_with(markdown.out, "| ---") ||
      has_line_starting_with(markdown.out, "|:--") || has_line_starting_with(markdown.out, "| :--");
  BOOST_TEST_INFO("plan --format markdown output:\n" << markdown.out);
  BOOST_TEST(has_separator_row, "the Markdown table has a header separator row");

  const auto report_file = sandbox.dir() / "report.json";
  const CommandOutput report =
      sandbox.run_certplan({"plan", "--gitlab-report", report_file.string()});
  BOOST_TEST_INFO("plan --gitlab-report output:\n" << report.text());
  BOOST_TEST(report.exit_code == 0);
  const auto json = nlohmann::json::parse(Sandbox::read_file(report_file));
  for (const char* key : {"create", "update", "delete"}) {
    BOOST_TEST_INFO("report: " << json.dump());
    BOOST_TEST((json.contains(key) && json[key].is_number_integer()), key << " is an integer");
  }

  const CommandOutput apply = sandbox.run_certplan({"apply", plan_file});
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_TEST(apply.exit_code == 0);

  const CommandOutput replan = sandbox.run_certplan({"plan", "--detailed-exitcode"});
  BOOST_TEST_INFO("plan after apply output:\n" << replan.text());
  BOOST_TEST(replan.exit_code == 0);
}

}  // namespace certplan::e2e
