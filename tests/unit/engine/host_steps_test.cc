#include <deque>

#include <boost/test/unit_test.hpp>

#include "engine/host_steps.h"

using namespace certplan;
using std::chrono::milliseconds;

namespace {

// Returns the next fingerprint of a script for each probe, or a connection
// error for an empty entry. The last entry repeats.
class ScriptedProbe final : public TlsProbe {
 public:
  explicit ScriptedProbe(std::deque<std::string> script) : script_(std::move(script)) {}

  Result<ProbeResult> probe(const ProbeTarget&, bool, milliseconds) override {
    ++probes;
    const std::string next = script_.front();
    if (script_.size() > 1) script_.pop_front();
    if (next.empty()) return make_error(ErrorKind::unreachable, "connection refused");
    ProbeResult result;
    result.leaf.fingerprint = next;
    return result;
  }

  int probes = 0;

 private:
  std::deque<std::string> script_;
};

PollOptions fast_options() {
  PollOptions options;
  options.budget = milliseconds(2000);
  options.first_interval = milliseconds(1);
  options.confirm_interval = milliseconds(1);
  return options;
}

// Options whose budget runs out after a few probes.
PollOptions short_budget() {
  PollOptions options = fast_options();
  options.budget = milliseconds(30);
  return options;
}

const ProbeTarget target{"127.0.0.1", 8443, "example.com"};

}  // namespace

BOOST_AUTO_TEST_CASE(two_matches_in_a_row_end_the_wait) {
  ScriptedProbe probe({"new"});

  auto served = wait_until_served(probe, target, "new", fast_options());

  BOOST_REQUIRE(served);
  BOOST_TEST(served.value().leaf.fingerprint == "new");
  BOOST_TEST(probe.probes == 2);
}

BOOST_AUTO_TEST_CASE(without_confirmation_the_first_match_ends_the_wait) {
  ScriptedProbe probe({"old", "new"});
  PollOptions options = fast_options();
  options.confirm = false;

  auto served = wait_until_served(probe, target, "new", options);

  BOOST_REQUIRE(served);
  BOOST_TEST(probe.probes == 2);
}

BOOST_AUTO_TEST_CASE(a_match_followed_by_the_old_certificate_is_not_enough) {
  // An old worker serves the confirming probe, so the wait goes on until
  // two probes in a row see the new certificate.
  ScriptedProbe probe({"old", "new", "old", "new", "new"});

  auto served = wait_until_served(probe, target, "new", fast_options());

  BOOST_REQUIRE(served);
  BOOST_TEST(probe.probes == 5);
}

BOOST_AUTO_TEST_CASE(a_match_followed_by_an_error_is_not_enough) {
  ScriptedProbe probe({"new", "", "new", "new"});

  auto served = wait_until_served(probe, target, "new", fast_options());

  BOOST_REQUIRE(served);
  BOOST_TEST(probe.probes == 4);
}

BOOST_AUTO_TEST_CASE(the_error_after_the_budget_names_both_certificates) {
  ScriptedProbe probe({"old"});

  auto served = wait_until_served(probe, target, "new", short_budget());

  BOOST_REQUIRE(!served);
  const std::string& message = served.error().message;
  BOOST_TEST(message.find("127.0.0.1:8443 (SNI example.com) serves certificate old") != std::string::npos,
             message);
  BOOST_TEST(message.find("expected certificate new") != std::string::npos, message);
  BOOST_TEST(probe.probes >= 2);
}

BOOST_AUTO_TEST_CASE(the_error_after_the_budget_gives_the_last_probe_error) {
  ScriptedProbe probe({""});

  auto served = wait_until_served(probe, target, "new", short_budget());

  BOOST_REQUIRE(!served);
  BOOST_TEST(served.error().message.find("serves an error (connection refused)") != std::string::npos,
             served.error().message);
}
