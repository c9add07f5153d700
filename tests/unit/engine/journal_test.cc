// The journal file format, and that each step is journalled before it runs.

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <fstream>

#include "engine/executor.h"
#include "tests/unit/support/fake_fleet.h"

namespace certplan::testing {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

unsigned mode_of(const std::filesystem::path& path) {
  struct stat status {};
  BOOST_REQUIRE(::stat(path.c_str(), &status) == 0);
  return status.st_mode & 0777;
}

JournalEntry sample_entry(JournalStep step) {
  JournalEntry entry;
  entry.run_id = "run-1";
  entry.step = step;
  entry.time = "2026-12-04T12:00:00Z";
  entry.files = {{"example.com", "/etc/nginx/ssl/example.com/fullchain.pem",
                  "/etc/nginx/ssl/example.com/fullchain.pem.certplan-backup-20261204T120000Z"},
                 {"example.com", "/etc/nginx/ssl/example.com/privkey.pem", std::nullopt}};
  entry.old_fingerprints = {{"example.com", "aa:bb"}};
  entry.new_fingerprints = {{"example.com", "cc:dd"}};
  return entry;
}

BOOST_AUTO_TEST_CASE(journal_round_trip) {
  TemporaryDirectory state;
  Journal journal(state.path());

  BOOST_REQUIRE(journal.append("web-01", sample_entry(JournalStep::lock)));
  BOOST_REQUIRE(journal.append("web-01", sample_entry(JournalStep::write)));

  const auto path = state.path() / "journal" / "web-01.jsonl";
  BOOST_TEST(journal.path_of("web-01") == path);
  BOOST_TEST(mode_of(path) == 0600u);
  BOOST_TEST(mode_of(state.path() / "journal") == 0700u);
  const std::string text = read_text(path);
  BOOST_TEST(text.substr(0, text.find('\n')) ==
             R"({"certplan_journal":1,"run_id":"run-1","server":"web-01"})");

  auto record = journal.read("web-01");
  BOOST_REQUIRE(record);
  BOOST_TEST(record.value().run_id == "run-1");
  BOOST_REQUIRE_EQUAL(record.value().entries.size(), 2u);
  const JournalEntry& entry = record.value().entries[1];
  BOOST_TEST(journal_step_name(entry.step) == "write");
  BOOST_TEST(entry.time == "2026-12-04T12:00:00Z");
  BOOST_REQUIRE_EQUAL(entry.files.size(), 2u);
  BOOST_TEST(entry.files[0].backup.value() ==
             "/etc/nginx/ssl/example.com/fullchain.pem.certplan-backup-20261204T120000Z");
  BOOST_TEST(!entry.files[1].backup.has_value());
  BOOST_TEST(entry.old_fingerprints.at("example.com") == "aa:bb");
  BOOST_TEST(entry.new_fingerprints.at("example.com") == "cc:dd");
  BOOST_TEST(record.value().reached(JournalStep::write));
  BOOST_TEST(!record.value().reached(JournalStep::test));

  BOOST_TEST(journal.unfinished_servers() == std::vector<std::string>{"web-01"}, boost::test_tools::per_element());
  BOOST_REQUIRE(journal.remove("web-01"));
  BOOST_TEST(!std::filesystem::exists(path));
  BOOST_TEST(journal.unfinished_servers().empty());
}

BOOST_AUTO_TEST_CASE(journal_rejects_unknown_version) {
  TemporaryDirectory state;
  Journal journal(state.path());
  std::filesystem::create_directories(state.path() / "journal");
  std::ofstream(state.path() / "journal" / "web-01.jsonl")
      << R"({"certplan_journal":2,"run_id":"run-1","server":"web-01"})" << "\n";

  auto record = journal.read("web-01");

  BOOST_REQUIRE(!record);
  BOOST_TEST((record.error().kind == ErrorKind::invalid));
  BOOST_TEST(record.error().message ==
             "journal " + (state.path() / "journal" / "web-01.jsonl").string() +
                 " has format version 2, but this certplan reads version 1; finish it with the "
                 "certplan that wrote it, or check the host by hand and remove the journal");
}

BOOST_AUTO_TEST_CASE(journal_tolerates_cut_last_line) {
  TemporaryDirectory state;
  Journal journal(state.path());
  BOOST_REQUIRE(journal.append("web-01", sample_entry(JournalStep::lock)));
  std::ofstream(journal.path_of("web-01"), std::ios::app) << R"({"run_id":"run-1","st)";

  auto record = journal.read("web-01");

  BOOST_REQUIRE(record);
  BOOST_TEST(record.value().entries.size() == 1u);
}

BOOST_AUTO_TEST_CASE(journal_rejects_damaged_middle_line) {
  TemporaryDirectory state;
  Journal journal(state.path());
  BOOST_REQUIRE(journal.append("web-01", sample_entry(JournalStep::lock)));
  std::ofstream(journal.path_of("web-01"), std::ios::app) << "not json\n";
  BOOST_REQUIRE(journal.append("web-01", sample_entry(JournalStep::backup)));

  auto record = journal.read("web-01");

  BOOST_REQUIRE(!record);
  BOOST_TEST(record.error().message.starts_with("journal " + journal.path_of("web-01").string() +
                                                " line 3 is not a journal entry: "));
}

BOOST_AUTO_TEST_CASE(each_step_journalled_before_it_runs) {
  Fleet fleet;
  FakeHost& host = fleet.host("web-01");
  std::vector<std::string> seen;  // "operation -> last journalled step"
  host.on_operation([&](const std::string& operation) {
    auto record = fleet.journal.read("web-01");
    const std::string step = record && !record.value().entries.empty()
                                 ? std::string(journal_step_name(record.value().entries.back().step))
                                 : "none";
    seen.push_back(operation + " -> " + step);
  });

  auto context = fleet.context();
  const ApplyReport report =
      execute_plan(fleet.deploy_plan({"web-01"}, {"example.com"}), fleet.desired, context, fleet.options);
  BOOST_REQUIRE(report.exit_code() == 0);

  const std::string cert = cert_file_of("example.com");
  const std::string key = key_file_of("example.com");
  const std::string stamp = ".certplan-backup-20261204T120000Z";
  const std::vector<std::string> expected = {
      "create /etc/nginx/ssl/.certplan.lock -> lock",
      "list /etc/nginx/ssl/example.com  -> lock",
      "copy " + cert + " " + cert + stamp + " -> backup",
      "copy " + key + " " + key + stamp + " -> backup",
      "write " + cert + " -> write",
      "write " + key + " -> write",
      "run sudo nginx -t -> test",
      "run sudo systemctl reload nginx -> reload",
      "remove /etc/nginx/ssl/.certplan.lock -> release",
  };
  BOOST_TEST(seen == expected, boost::test_tools::per_element());

  auto entries_at_end = fleet.journal.read("web-01");
  BOOST_TEST(!entries_at_end);
}

}  // namespace
}  // namespace certplan::testing
