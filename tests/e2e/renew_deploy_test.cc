// End to end: certplan issues a certificate from pebble through the fake
// IONOS API, deploys it to two sandbox hosts over SSH, reloads nginx, and a
// second plan finds nothing to do. Secrets never reach output or the log.

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/support/sandbox.h"
#include "tests/e2e/support/tls_client.h"

namespace certplan::e2e {
namespace {

// The base64 lines of a PEM private key, without the BEGIN/END lines.
std::vector<std::string> key_body_lines(const std::string& key_pem) {
  std::vector<std::string> body;
  for (const std::string& line : lines_of(key_pem)) {
    if (!line.empty() && line.rfind("-----", 0) != 0) {
      body.push_back(line);
    }
  }
  return body;
}

}  // namespace

BOOST_AUTO_TEST_CASE(apply_issues_deploys_and_converges) {
  Sandbox sandbox;
  const std::string domain = "example.com";
  const std::string placeholder = sandbox.served_fingerprint(1, domain);
  std::vector<std::string> outputs;

  const CommandOutput validate = sandbox.run_certplan({"validate"});
  outputs.push_back(validate.text());
  BOOST_TEST_INFO("validate output:\n" << validate.text());
  BOOST_TEST(validate.exit_code == 0);

  const CommandOutput plan = sandbox.run_certplan({"plan"});
  outputs.push_back(plan.text());
  BOOST_TEST_INFO("plan output:\n" << plan.text());
  BOOST_TEST(plan.exit_code == 0);
  for (const char* address :
       {"issue:example.com", "deploy:example.com@web-01", "deploy:example.com@web-02",
        "reload:web-01", "reload:web-02", "verify:example.com@web-01",
        "verify:example.com@web-02"}) {
    BOOST_TEST_INFO("plan output:\n" << plan.out);
    BOOST_TEST(plan.out.find(address) != std::string::npos, "plan lists " << address);
  }
  BOOST_TEST_INFO("plan output:\n" << plan.out);
  BOOST_TEST(has_line(plan.out, "Plan: 1 to issue, 2 to deploy, 2 hosts to reload, 2 to verify."));

  const CommandOutput detailed = sandbox.run_certplan({"plan", "--detailed-exitcode"});
  outputs.push_back(detailed.text());
  BOOST_TEST(detailed.exit_code == 2);

  const CommandOutput apply = sandbox.run_certplan({"apply", "--auto-approve"});
  outputs.push_back(apply.text());
  BOOST_TEST_INFO("apply output:\n" << apply.text());
  BOOST_REQUIRE(apply.exit_code == 0);

  const std::string issued =
      pem_leaf_fingerprint(Sandbox::read_file(sandbox.store_dir(domain) / "fullchain.cer"));
  BOOST_TEST(sandbox.served_fingerprint(1, domain) == issued);
  BOOST_TEST(sandbox.served_fingerprint(2, domain) == issued);
  BOOST_TEST(issued != placeholder);

  for (int i = 1; i <= 2; ++i) {
    const auto remote = sandbox.host(i).cert_dir / domain;
    BOOST_TEST_INFO("host " << sandbox.host(i).name);
    BOOST_TEST(Sandbox::mode_of(remote / "fullchain.pem") == 0644U);
    BOOST_TEST_INFO("host " << sandbox.host(i).name);
    BOOST_TEST(Sandbox::mode_of(remote / "privkey.pem") == 0600U);
  }
  const auto store_key = sandbox.store_dir(domain) / (domain + ".key");
  BOOST_TEST(Sandbox::mode_of(store_key) == 0600U);

  const CommandOutput replan = sandbox.run_certplan({"plan"});
  outputs.push_back(replan.text());
  BOOST_TEST_INFO("second plan output:\n" << replan.text());
  BOOST_TEST(replan.exit_code == 0);
  BOOST_TEST_INFO("second plan output:\n" << replan.out);
  BOOST_TEST(has_line_starting_with(replan.out, "No changes."));

  const CommandOutput redetailed = sandbox.run_certplan({"plan", "--detailed-exitcode"});
  outputs.push_back(redetailed.text());
  BOOST_TEST_INFO("second plan --detailed-exitcode output:\n" << redetailed.text());
  BOOST_TEST(redetailed.exit_code == 0);

  // Secrets: the API key, the private key and any PEM key header stay out of
  // every command's output and out of certplan's log file.
  const std::string log = sandbox.log_text();
  BOOST_TEST(!log.empty(), "certplan wrote its log file");

  // The log records what apply did, one line per finished step, under the
  // component that did it.
  const std::vector<std::vector<std::string>> progress = {
      {" - acme - ", "example.com: issue done"},
      {" - deploy - ", "web-01: lock done"},
      {" - deploy - ", "web-02: backup done"},
      {" - nginx - ", "web-01: test done"},
      {" - nginx - ", "web-02: reload done"},
      {" - health - ", "web-01: verify example.com done"},
  };
  for (const auto& words : progress) {
    BOOST_TEST_INFO("log file:\n" << log);
    BOOST_TEST(has_line_containing_all(log, words), "the log has a line with " << words.back());
  }
  outputs.push_back(log);
  const std::string api_key = sandbox.ionos_api_key();
  const std::vector<std::string> key_lines = key_body_lines(Sandbox::read_file(store_key));
  BOOST_REQUIRE(!key_lines.empty());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    BOOST_TEST_INFO("output " << i << " (the last one is the log file)");
    BOOST_TEST(outputs[i].find(api_key) == std::string::npos);
    BOOST_TEST_INFO("output " << i << " (the last one is the log file)");
    BOOST_TEST(outputs[i].find("PRIVATE KEY") == std::string::npos);
    for (const std::string& key_line : key_lines) {
      BOOST_TEST_INFO("output " << i << " (the last one is the log file)");
      BOOST_TEST(outputs[i].find(key_line) == std::string::npos);
    }
  }
}

}  // namespace certplan::e2e
