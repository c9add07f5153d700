// Replays the seed corpora of the fuzz targets (tests/fuzz/corpus) through
// the same entry functions with the normal build, so that an input which
// crashes, throws or breaks an invariant fails here without clang or
// libFuzzer. A file's name prefix states the outcome it must have:
//   config:      ok-* loads, bad-* is rejected with ConfigError
//   certificate: chain-* parses only as a chain, key-* only as a key,
//                bundle-* as both, bad-* as neither
// Files with another prefix (such as libFuzzer's crash-* reproducers) only
// have to finish without an unexpected exception.

#include <algorithm>
#include <cctype>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/fuzz/fuzz_certificate_entry.h"
#include "tests/fuzz/fuzz_config_entry.h"

namespace fuzz = certplan::fuzz;

namespace {

// The regular files of one corpus folder, sorted by name.
std::vector<std::filesystem::path> corpus_files(const std::string& corpus) {
  const std::filesystem::path dir =
      std::filesystem::path(CERTPLAN_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / corpus;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>());
}

bool name_starts_with(const std::filesystem::path& path, const std::string& prefix) {
  return path.filename().string().starts_with(prefix);
}

// Runs one config corpus file. Reports an exception as a test error and
// returns nullopt for it.
std::optional<fuzz::ConfigOutcome> replay_config_file(const fuzz::ScratchDir& scratch,
                                                      const std::filesystem::path& file) {
  try {
    return fuzz::run_config_input(scratch.path(), read_bytes(file));
  } catch (const std::exception& error) {
    BOOST_ERROR("unexpected exception: " << error.what());
    return std::nullopt;
  }
}

// Runs one certificate corpus file, reporting an exception as
// replay_config_file does.
std::optional<fuzz::CertificateOutcome> replay_certificate_file(const std::filesystem::path& file) {
  try {
    return fuzz::run_certificate_input(read_bytes(file));
  } catch (const std::exception& error) {
    BOOST_ERROR("unexpected exception: " << error.what());
    return std::nullopt;
  }
}

// Checks `outcome` against the outcome that the name prefix of `file` states.
void check_certificate_outcome(const std::filesystem::path& file,
                               const fuzz::CertificateOutcome& outcome) {
  const bool chain = name_starts_with(file, "chain-");
  const bool key = name_starts_with(file, "key-");
  const bool bundle = name_starts_with(file, "bundle-");
  const bool bad = name_starts_with(file, "bad-");

  if (chain || bundle) BOOST_TEST(outcome.chain_parsed);
  if (key || bundle) BOOST_TEST(outcome.key_parsed);
  if (key || bad) BOOST_TEST(!outcome.chain_parsed);
  if (chain || bad) BOOST_TEST(!outcome.key_parsed);
}

}  // namespace

BOOST_AUTO_TEST_CASE(split_config_input_three_parts) {
  const auto files = fuzz::split_config_input("servers\fdomains\fLOG_LEVEL=info\fmore");

  BOOST_TEST(files.servers == "servers");
  BOOST_TEST_REQUIRE(files.domains.has_value());
  BOOST_TEST(*files.domains == "domains");
  BOOST_TEST_REQUIRE(files.env.has_value());
  BOOST_TEST(*files.env == "LOG_LEVEL=info\fmore");
}

BOOST_AUTO_TEST_CASE(split_config_input_without_separator) {
  const auto files = fuzz::split_config_input("servers: []\n");

  BOOST_TEST(files.servers == "servers: []\n");
  BOOST_TEST(!files.domains.has_value());
  BOOST_TEST(!files.env.has_value());
}

BOOST_AUTO_TEST_CASE(split_config_input_empty_parts) {
  const auto files = fuzz::split_config_input("\f");

  BOOST_TEST(files.servers == "");
  BOOST_TEST_REQUIRE(files.domains.has_value());
  BOOST_TEST(*files.domains == "");
  BOOST_TEST(!files.env.has_value());
}

BOOST_AUTO_TEST_CASE(sha256_colon_hex_form) {
  const std::string valid = certplan::sha256_colon_hex("certplan");

  BOOST_TEST(fuzz::is_sha256_colon_hex(valid));
  BOOST_TEST(!fuzz::is_sha256_colon_hex(""));
  BOOST_TEST(!fuzz::is_sha256_colon_hex(valid.substr(3)));

  std::string uppercase = valid;
  std::transform(uppercase.begin(), uppercase.end(), uppercase.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  BOOST_TEST(uppercase != valid);
  BOOST_TEST(!fuzz::is_sha256_colon_hex(uppercase));

  std::string dashes = valid;
  std::replace(dashes.begin(), dashes.end(), ':', '-');
  BOOST_TEST(!fuzz::is_sha256_colon_hex(dashes));
}

BOOST_AUTO_TEST_CASE(certificate_invariants_detect_breaks) {
  certplan::CertificateFacts facts;
  facts.fingerprint = certplan::sha256_colon_hex("leaf");
  facts.public_key_fingerprint = certplan::sha256_colon_hex("key");
  facts.chain_length = 1;
  facts.names = {"a.example.com", "b.example.com"};
  BOOST_CHECK_NO_THROW(fuzz::check_certificate_facts(facts));

  facts.names = {"b.example.com", "a.example.com"};
  BOOST_CHECK_THROW(fuzz::check_certificate_facts(facts), fuzz::InvariantError);

  facts.names = {"A.example.com"};
  BOOST_CHECK_THROW(fuzz::check_certificate_facts(facts), fuzz::InvariantError);

  facts.names = {};
  facts.chain_length = 0;
  BOOST_CHECK_THROW(fuzz::check_certificate_facts(facts), fuzz::InvariantError);

  facts.chain_length = 1;
  facts.fingerprint = "AB:CD";
  BOOST_CHECK_THROW(fuzz::check_certificate_facts(facts), fuzz::InvariantError);
}

BOOST_AUTO_TEST_CASE(config_corpus_replay) {
  const auto files = corpus_files("config");
  BOOST_TEST_REQUIRE(!files.empty());

  const fuzz::ScratchDir scratch;
  int loaded = 0;
  int rejected = 0;
  for (const auto& file : files) {
    BOOST_TEST_CONTEXT("corpus file " << file.filename().string()) {
      const auto outcome = replay_config_file(scratch, file);
      const bool was_loaded = outcome == fuzz::ConfigOutcome::loaded;
      const bool was_rejected = outcome == fuzz::ConfigOutcome::rejected;
      if (name_starts_with(file, "ok-")) BOOST_TEST(was_loaded);
      if (name_starts_with(file, "bad-")) BOOST_TEST(was_rejected);

      loaded += was_loaded ? 1 : 0;
      rejected += was_rejected ? 1 : 0;
    }
  }

  BOOST_TEST(loaded > 0);
  BOOST_TEST(rejected > 0);
}

BOOST_AUTO_TEST_CASE(certificate_corpus_replay) {
  const auto files = corpus_files("certificate");
  BOOST_TEST_REQUIRE(!files.empty());

  int chains = 0;
  int keys = 0;
  for (const auto& file : files) {
    BOOST_TEST_CONTEXT("corpus file " << file.filename().string()) {
      const auto outcome = replay_certificate_file(file);
      if (outcome) check_certificate_outcome(file, *outcome);
      chains += outcome && outcome->chain_parsed ? 1 : 0;
      keys += outcome && outcome->key_parsed ? 1 : 0;
    }
  }

  BOOST_TEST(chains > 0);
  BOOST_TEST(keys > 0);
}
