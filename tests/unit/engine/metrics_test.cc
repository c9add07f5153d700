// The Prometheus text of --metrics-file: escaping, order, values, the
// families of a run, and the merge with the file an earlier run left.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cmath>

#include "engine/metrics_text.h"
#include "engine/run_metrics.h"

namespace certplan {
namespace {

using namespace std::chrono_literals;

const TimePoint now = TimePoint{} + std::chrono::seconds(1800000000);

CertificateFacts expiring_in(std::chrono::seconds left) {
  CertificateFacts facts;
  facts.not_after = now + left;
  return facts;
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
  BOOST_TEST(escape_label_value("plain.example") == "plain.example");
  BOOST_TEST(escape_label_value("a\\b") == "a\\\\b");
  BOOST_TEST(escape_label_value("say \"hi\"") == "say \\\"hi\\\"");
  BOOST_TEST(escape_label_value("two\nlines") == "two\\nlines");
}

BOOST_AUTO_TEST_CASE(help_text_is_escaped) {
  BOOST_TEST(escape_help_text("a \"quoted\" \\ word\nnext") == "a \"quoted\" \\\\ word\\nnext");
}

BOOST_AUTO_TEST_CASE(sample_values_are_formatted) {
  BOOST_TEST(format_sample_value(42) == "42");
  BOOST_TEST(format_sample_value(-3) == "-3");
  BOOST_TEST(format_sample_value(12.5) == "12.5");
  BOOST_TEST(format_sample_value(0.125) == "0.125");
  BOOST_TEST(format_sample_value(1800000000) == "1800000000");
  BOOST_TEST(format_sample_value(std::nan("")) == "NaN");
  BOOST_TEST(format_sample_value(HUGE_VAL) == "+Inf");
  BOOST_TEST(format_sample_value(-HUGE_VAL) == "-Inf");
}

BOOST_AUTO_TEST_CASE(families_and_samples_are_sorted) {
  MetricFamilies families;
  families["zeta"] = {"zeta", "Last.", "gauge", {{{{"server", "web-02"}}, 2}, {{{"server", "web-01"}}, 1}}};
  families["alpha"] = {"alpha", "First, with a \\.", "counter", {{{}, 7}}};
  families["empty"] = {"empty", "No samples.", "gauge", {}};

  BOOST_TEST(render_metrics(families) ==
             "# HELP alpha First, with a \\\\.\n"
             "# TYPE alpha counter\n"
             "alpha 7\n"
             "# HELP zeta Last.\n"
             "# TYPE zeta gauge\n"
             "zeta{server=\"web-01\"} 1\n"
             "zeta{server=\"web-02\"} 2\n");
}

BOOST_AUTO_TEST_CASE(rendered_text_parses_back) {
  MetricFamilies families;
  families["odd"] = {"odd", "Help with\na line feed.", "gauge",
                     {{{{"domain", "a\"b\\c\nd"}, {"server", "web-01"}}, 1.5}}};

  const auto parsed = parse_metrics(render_metrics(families));

  BOOST_REQUIRE(parsed.has_value());
  const MetricFamily& family = parsed.value().at("odd");
  BOOST_TEST(family.help == "Help with\na line feed.");
  BOOST_TEST(family.type == "gauge");
  BOOST_REQUIRE_EQUAL(family.samples.size(), 1u);
  BOOST_TEST(family.samples[0].labels[0].value == "a\"b\\c\nd");
  BOOST_TEST(family.samples[0].labels[1].value == "web-01");
  BOOST_TEST(family.samples[0].value == 1.5);
}

BOOST_AUTO_TEST_CASE(malformed_text_is_rejected) {
  const auto orphan = parse_metrics("certplan_x 1\n");
  BOOST_REQUIRE(orphan.has_error());
  BOOST_TEST(orphan.error().message ==
             "metrics line 1: the sample \"certplan_x 1\" comes before the HELP and TYPE lines of its metric");

  const auto bad_value = parse_metrics("# HELP x X.\n# TYPE x gauge\nx{a=\"b\"} many\n");
  BOOST_REQUIRE(bad_value.has_error());
  BOOST_TEST(bad_value.error().message == "metrics line 3: the value of \"x{a=\"b\"} many\" is not a number");

  BOOST_TEST(parse_metrics("# HELP x X.\n# TYPE x gauge\nx{a=\"b} 1\n").has_error());
  BOOST_TEST(parse_metrics("# HELP x X.\n# TYPE x gauge\nx{a=\"\\t\"} 1\n").has_error());
  BOOST_TEST(parse_metrics("# HELP x X.\n# TYPE x gauge\nx 1").has_error());
}

BOOST_AUTO_TEST_CASE(certificate_days_per_domain_and_server) {
  ObservedState observed;
  observed.store["example.com"].current = CertificateWithKey{share_facts(expiring_in(24h * 60)), true, true, KeyType::ec256};
  observed.store["broken.example"].error = "unreadable";
  observed.servers["web-01"].files["example.com"].deployed = CertificateWithKey{share_facts(expiring_in(36h)), true, true, {}};
  observed.servers["web-01"].served["example.com"].leaf = share_facts(expiring_in(-12h));
  observed.servers["web-02"].served["example.com"].error = "connection refused";

  const std::string text = render_metrics(certificate_metrics(observed, now));

  BOOST_TEST(text ==
             "# HELP certplan_deployed_certificate_days_left Days until the certificate in a server's files expires.\n"
             "# TYPE certplan_deployed_certificate_days_left gauge\n"
             "certplan_deployed_certificate_days_left{domain=\"example.com\",server=\"web-01\"} 1.5\n"
             "# HELP certplan_served_certificate_days_left Days until the certificate a server serves over HTTPS "
             "expires.\n"
             "# TYPE certplan_served_certificate_days_left gauge\n"
             "certplan_served_certificate_days_left{domain=\"example.com\",server=\"web-01\"} -0.5\n"
             "# HELP certplan_store_certificate_days_left Days until the certificate in the local store expires.\n"
             "# TYPE certplan_store_certificate_days_left gauge\n"
             "certplan_store_certificate_days_left{domain=\"example.com\"} 60\n");
}

BOOST_AUTO_TEST_CASE(last_run_success_per_command) {
  const auto failed = last_run_metrics("apply", 3, now);
  BOOST_TEST(failed.at("certplan_last_run_exit_code").samples[0].value == 3);
  BOOST_TEST(failed.at("certplan_last_run_success").samples[0].value == 0);
  BOOST_TEST(failed.at("certplan_last_run_timestamp_seconds").samples[0].value == 1800000000);
  BOOST_TEST(failed.at("certplan_last_run_success").samples[0].labels[0].value == "apply");

  BOOST_TEST(last_run_metrics("plan", 2, now).at("certplan_last_run_success").samples[0].value == 1);
  BOOST_TEST(last_run_metrics("apply", 2, now).at("certplan_last_run_success").samples[0].value == 0);
  BOOST_TEST(last_run_metrics("status", 0, now).at("certplan_last_run_success").samples[0].value == 1);
}

Action action(ActionKind kind, const std::string& domain, const std::string& server) {
  Action result;
  result.kind = kind;
  result.domain = domain;
  result.server = server;
  return result;
}

BOOST_AUTO_TEST_CASE(apply_actions_by_result) {
  Plan plan;
  plan.actions = {action(ActionKind::issue, "a.example", ""),      action(ActionKind::issue, "b.example", ""),
                  action(ActionKind::deploy, "a.example", "web-01"), action(ActionKind::reload, "", "web-01"),
                  action(ActionKind::verify, "a.example", "web-01"), action(ActionKind::deploy, "a.example", "web-02"),
                  action(ActionKind::deploy, "b.example", "web-02"), action(ActionKind::reload, "", "web-02"),
                  action(ActionKind::verify, "a.example", "web-02"), action(ActionKind::verify, "b.example", "web-02")};
  ApplyReport report;
  report.issues = {{"a.example", true, ""}, {"b.example", false, "rate limited"}};
  report.hosts = {{"web-01", HostOutcome::applied, "", "", "", {}},
                  {"web-02", HostOutcome::rolled_back, "test", "emerg", "", {"b.example"}}};

  const std::string text = render_metrics(apply_metrics(plan, report));

  BOOST_TEST(text ==
             "# HELP certplan_last_apply_actions Actions of the last certplan apply, by result: applied, "
             "rolled_back or failed.\n"
             "# TYPE certplan_last_apply_actions gauge\n"
             "certplan_last_apply_actions{result=\"applied\"} 4\n"
             "certplan_last_apply_actions{result=\"failed\"} 3\n"
             "certplan_last_apply_actions{result=\"rolled_back\"} 3\n"
             "# HELP certplan_last_apply_hosts Hosts of the last certplan apply, by outcome.\n"
             "# TYPE certplan_last_apply_hosts gauge\n"
             "certplan_last_apply_hosts{outcome=\"applied\"} 1\n"
             "certplan_last_apply_hosts{outcome=\"rolled_back\"} 1\n");
}

BOOST_AUTO_TEST_CASE(merge_keeps_other_commands) {
  MetricFamilies previous = last_run_metrics("apply", 0, now - 1h);
  add_metrics(previous, apply_metrics(Plan{}, ApplyReport{}));
  previous["certplan_store_certificate_days_left"] = {
      "certplan_store_certificate_days_left", "Days.", "gauge", {{{{"domain", "gone.example"}}, 3}}};

  MetricFamilies current = last_run_metrics("plan", 1, now);
  current["certplan_store_certificate_days_left"] = {
      "certplan_store_certificate_days_left", "Days.", "gauge", {{{{"domain", "example.com"}}, 50}}};

  const MetricFamilies merged = merge_metrics(previous, current);

  BOOST_TEST(merged.at("certplan_last_run_exit_code").samples.size() == 2u);
  BOOST_TEST(merged.contains("certplan_last_apply_actions"));
  const auto& days = merged.at("certplan_store_certificate_days_left").samples;
  BOOST_REQUIRE_EQUAL(days.size(), 1u);
  BOOST_TEST(days[0].labels[0].value == "example.com");

  // A second plan replaces the first plan's samples and keeps apply's.
  const MetricFamilies again = merge_metrics(merged, last_run_metrics("plan", 0, now + 1h));
  const auto& codes = again.at("certplan_last_run_exit_code").samples;
  BOOST_REQUIRE_EQUAL(codes.size(), 2u);
  BOOST_TEST(render_metrics(again).find("certplan_last_run_exit_code{command=\"plan\"} 0\n") != std::string::npos);
  BOOST_TEST(render_metrics(again).find("certplan_last_run_exit_code{command=\"apply\"} 0\n") != std::string::npos);
}

}  // namespace
}  // namespace certplan
