#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "engine/plan_file.h"
#include "engine/plan_json.h"
#include "engine/planner.h"
#include "plan_fixtures.h"
#include "tests/unit/support/temporary_directory.h"

using namespace certplan;
using namespace certplan::testing;
using nlohmann::json;

namespace {

// A plan with every field set, so the exact JSON covers each of them.
Plan sample_plan() {
  Plan plan;
  plan.created_at = at("2026-12-21T09:30:00Z");
  plan.config_digest = "c0ffee";
  plan.store_digest = "5706e";
  plan.host_digests = {{"webserver-01", "aa01"}};
  plan.scope_domains = {"example.com"};
  plan.warnings = {"This plan is partial: it covers only domain example.com; nothing else was checked or will be "
                   "changed."};

  Action issue;
  issue.id = "issue:example.com";
  issue.kind = ActionKind::issue;
  issue.domain = "example.com";
  issue.reason = Reason{ReasonCode::renewal_due, "expires 2027-01-02 00:00 UTC, 12 days left, threshold 30"};
  issue.before = share_summary(CertificateSummary{"9c:11:20:02", {"example.com"}, at("2027-01-02T00:00:00Z"), KeyType::ec256});
  issue.after = share_summary(CertificateSummary{"", {"example.com"}, std::nullopt, KeyType::rsa2048});
  issue.new_key = true;

  Action reload;
  reload.id = "reload:webserver-01";
  reload.kind = ActionKind::reload;
  reload.server = "webserver-01";
  reload.depends_on = {"deploy:example.com@webserver-01"};
  reload.reason = Reason{ReasonCode::renewal_due, "load the new files of example.com"};

  plan.actions = {issue, reload};
  return plan;
}

const char* const kSampleJson = R"({
  "format_version": "1.0",
  "created_at": "2026-12-21T09:30:00Z",
  "config_digest": "c0ffee",
  "store_digest": "5706e",
  "host_digests": {"webserver-01": "aa01"},
  "scope": {"domains": ["example.com"], "servers": []},
  "warnings": ["This plan is partial: it covers only domain example.com; nothing else was checked or will be changed."],
  "actions": [
    {"id": "issue:example.com", "kind": "issue", "domain": "example.com", "server": "", "depends_on": [],
     "reason": {"code": "renewal_due", "message": "expires 2027-01-02 00:00 UTC, 12 days left, threshold 30"},
     "before": {"fingerprint": "9c:11:20:02", "names": ["example.com"], "not_after": "2027-01-02T00:00:00Z",
                "key_type": "ec-256"},
     "after": {"fingerprint": "", "names": ["example.com"], "not_after": null, "key_type": "rsa-2048"},
     "new_key": true},
    {"id": "reload:webserver-01", "kind": "reload", "domain": "", "server": "webserver-01",
     "depends_on": ["deploy:example.com@webserver-01"],
     "reason": {"code": "renewal_due", "message": "load the new files of example.com"},
     "before": null, "after": null, "new_key": false}
  ]
})";

std::string format_error_of(const json& document) {
  try {
    plan_from_json(document);
  } catch (const PlanFormatError& error) {
    return error.what();
  }
  return "no error";
}

bool same_summary(const SharedSummary& a, const SharedSummary& b) {
  if ((a == nullptr) != (b == nullptr)) return false;
  if (!a) return true;
  return a->fingerprint == b->fingerprint && a->names == b->names && a->not_after == b->not_after &&
         a->key_type == b->key_type;
}

void check_same_plan(const Plan& read, const Plan& written) {
  BOOST_TEST(read.format_major == written.format_major);
  BOOST_TEST(read.format_minor == written.format_minor);
  BOOST_TEST((read.created_at == written.created_at));
  BOOST_TEST(read.config_digest == written.config_digest);
  BOOST_TEST(read.store_digest == written.store_digest);
  BOOST_TEST((read.host_digests == written.host_digests));
  BOOST_TEST(read.scope_domains == written.scope_domains, boost::test_tools::per_element());
  BOOST_TEST(read.scope_servers == written.scope_servers, boost::test_tools::per_element());
  BOOST_TEST(read.warnings == written.warnings, boost::test_tools::per_element());
  BOOST_REQUIRE(read.actions.size() == written.actions.size());
  for (std::size_t i = 0; i < read.actions.size(); ++i) {
    const Action& a = read.actions[i];
    const Action& b = written.actions[i];
    BOOST_TEST(a.id == b.id);
    BOOST_TEST(a.kind == b.kind);
    BOOST_TEST(a.domain == b.domain);
    BOOST_TEST(a.server == b.server);
    BOOST_TEST(a.depends_on == b.depends_on, boost::test_tools::per_element());
    BOOST_TEST(a.reason.code == b.reason.code);
    BOOST_TEST(a.reason.message == b.reason.message);
    BOOST_TEST(same_summary(a.before, b.before));
    BOOST_TEST(same_summary(a.after, b.after));
    BOOST_TEST(a.new_key == b.new_key);
  }
}

template <class T>
std::string error_text(const Result<T>& result) {
  return result.has_error() ? result.error().message : std::string();
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_has_exact_fields) {
  BOOST_TEST(plan_to_json(sample_plan()) == json::parse(kSampleJson));
}

BOOST_AUTO_TEST_CASE(json_round_trip_of_sample) {
  Plan plan = sample_plan();
  check_same_plan(plan_from_json(plan_to_json(plan)), plan);
}

BOOST_AUTO_TEST_CASE(json_round_trip_of_planned_renewal) {
  auto desired = two_server_desired();
  Plan plan = make_plan(desired, all_in_place(desired, older_certificate()), PlanPolicy{}, test_now());
  BOOST_REQUIRE(plan.actions.size() == 7u);

  json document = plan_to_json(plan);
  check_same_plan(plan_from_json(document), plan);
  BOOST_TEST(plan_to_json(plan_from_json(document)) == document);
}

BOOST_AUTO_TEST_CASE(json_refuses_newer_major_version) {
  json document = json::parse(kSampleJson);
  document["format_version"] = "2.0";
  BOOST_TEST(format_error_of(document) ==
             "plan file format 2.0 is newer than this certplan understands (1.x); upgrade certplan");
}

BOOST_AUTO_TEST_CASE(json_accepts_newer_minor_version_and_unknown_fields) {
  json document = json::parse(kSampleJson);
  document["format_version"] = "1.4";
  document["added_later"] = {{"anything", 1}};
  document["actions"][0]["priority"] = "high";

  Plan plan = plan_from_json(document);
  BOOST_TEST(plan.format_minor == 4);
  BOOST_TEST(plan.actions.size() == 2u);
}

BOOST_AUTO_TEST_CASE(json_errors_name_the_field) {
  json missing = json::parse(kSampleJson);
  missing["actions"][1].erase("kind");
  BOOST_TEST(format_error_of(missing) == "plan file: \"actions[1].kind\" is missing");

  json unknown_kind = json::parse(kSampleJson);
  unknown_kind["actions"][0]["kind"] = "delete";
  BOOST_TEST(format_error_of(unknown_kind) ==
             "plan file: \"actions[0].kind\" has unknown value \"delete\"; expected issue, deploy, reload or verify");

  json bad_time = json::parse(kSampleJson);
  bad_time["actions"][0]["before"]["not_after"] = "next tuesday";
  BOOST_TEST(format_error_of(bad_time) ==
             "plan file: \"actions[0].before.not_after\" must be an RFC 3339 time such as "
             "\"2027-01-02T00:00:00Z\", not \"next tuesday\"");

  json wrong_type = json::parse(kSampleJson);
  wrong_type["actions"][0]["new_key"] = "yes";
  BOOST_TEST(format_error_of(wrong_type) == "plan file: \"actions[0].new_key\" must be true or false");

  json bad_code = json::parse(kSampleJson);
  bad_code["actions"][0]["reason"]["code"] = "boredom";
  BOOST_TEST(format_error_of(bad_code) == "plan file: \"actions[0].reason.code\" has unknown value \"boredom\"");

  json bad_version = json::parse(kSampleJson);
  bad_version["format_version"] = "one";
  BOOST_TEST(format_error_of(bad_version) == "plan file: \"format_version\" must look like \"1.0\", not \"one\"");

  BOOST_TEST(format_error_of(json::array()) == "plan file: the document must be a JSON object");
}

BOOST_AUTO_TEST_CASE(plan_file_round_trip) {
  testing::TemporaryDirectory directory;
  auto path = directory.path() / "tonight.plan";
  Plan plan = sample_plan();

  auto written = write_plan_file(path, plan);
  BOOST_REQUIRE_MESSAGE(written.has_value(), error_text(written));
  auto read = read_plan_file(path);
  BOOST_REQUIRE_MESSAGE(read.has_value(), error_text(read));
  check_same_plan(read.value(), plan);

  BOOST_TEST(std::distance(std::filesystem::directory_iterator(directory.path()),
                           std::filesystem::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(plan_file_missing_or_broken) {
  testing::TemporaryDirectory directory;
  auto missing = read_plan_file(directory.path() / "none.plan");
  BOOST_REQUIRE(missing.has_error());
  BOOST_TEST((missing.error().kind == ErrorKind::not_found));
  BOOST_TEST(missing.error().message == "plan file " + (directory.path() / "none.plan").string() +
                                            " does not exist; create it with `certplan plan -o FILE`");

  auto broken_path = directory.path() / "broken.plan";
  std::ofstream(broken_path) << "{\"format_version\": ";
  auto broken = read_plan_file(broken_path);
  BOOST_REQUIRE(broken.has_error());
  BOOST_TEST((broken.error().kind == ErrorKind::invalid));
  BOOST_TEST(broken.error().message == broken_path.string() + " is not a plan file: it is not valid JSON");

  auto newer_path = directory.path() / "newer.plan";
  json newer = json::parse(kSampleJson);
  newer["format_version"] = "2.1";
  std::ofstream(newer_path) << newer.dump();
  auto refused = read_plan_file(newer_path);
  BOOST_REQUIRE(refused.has_error());
  BOOST_TEST((refused.error().kind == ErrorKind::invalid));
  BOOST_TEST(refused.error().message ==
             newer_path.string() +
                 ": plan file format 2.1 is newer than this certplan understands (1.x); upgrade certplan");
}
