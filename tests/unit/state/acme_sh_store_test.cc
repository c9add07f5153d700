#include "state/acme_sh_store.h"

#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "state/atomic_file.h"
#include "tests/unit/support/test_certificates.h"

namespace certplan {
namespace {

namespace fs = std::filesystem;

// A fresh CERT_BASE_PATH under /tmp, removed at the end.
struct TemporaryBase {
  TemporaryBase() {
    std::string pattern = (fs::temp_directory_path() / "certplan-store-XXXXXX").string();
    BOOST_TEST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    root = pattern;
    path = root / "certs";
  }
  ~TemporaryBase() { fs::remove_all(root); }

  fs::path root;
  fs::path path;  // does not exist until the first save
};

// A certificate and its key, as the issuer hands them to the store.
struct Pair {
  CertificateFiles files;
  std::string fingerprint;
};

const testing::TestCa& test_ca() {
  static const testing::TestCa ca = testing::make_test_ca();
  return ca;
}

Pair make_pair(const std::vector<std::string>& names, KeyType type = KeyType::ec256) {
  auto key = generate_private_key(type);
  BOOST_TEST_REQUIRE(key.has_value());
  const auto now = std::chrono::system_clock::now();
  std::string pem = testing::issue_test_certificate(test_ca(), names, now - std::chrono::hours(1),
                                                    now + std::chrono::hours(24 * 90), key.value());

  auto facts = parse_certificate_chain(pem);
  BOOST_TEST_REQUIRE(facts.has_value());
  return Pair{CertificateFiles{std::move(pem), private_key_to_pem(key.value())},
              facts.value().fingerprint};
}

std::string read_text(const fs::path& path) {
  std::ifstream input(path, std::ios::binary);
  std::ostringstream content;
  content << input.rdbuf();
  return content.str();
}

struct stat stat_of(const fs::path& path) {
  struct stat status {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &status) == 0);
  return status;
}

mode_t mode_of(const fs::path& path) { return stat_of(path).st_mode & 07777; }

// Writes a pair the way acme.sh lays it out: `directory`/fullchain.cer and
// `directory`/`stem`.key.
void write_by_hand(const fs::path& directory, const std::string& stem, const std::string& fullchain,
                   const std::string& key) {
  BOOST_TEST_REQUIRE(write_file_atomic(directory / "fullchain.cer", fullchain, 0644).has_value());
  BOOST_TEST_REQUIRE(write_file_atomic(directory / (stem + ".key"), key, 0600).has_value());
}

struct SimulatedCrash {
  SaveStep step;
};

}  // namespace

BOOST_AUTO_TEST_CASE(store_round_trip) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"example.com", "www.example.com"});

  BOOST_TEST_REQUIRE(store.save("example.com", pair.files).has_value());

  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST(loaded.value().fullchain_pem == pair.files.fullchain_pem);
  BOOST_TEST((loaded.value().key_pem.reveal() == pair.files.key_pem.reveal()));

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST(observation.error == "");
  BOOST_TEST_REQUIRE(observation.current.has_value());
  BOOST_TEST(observation.current->certificate->fingerprint == pair.fingerprint);
  BOOST_TEST(observation.current->certificate->chain_length == 2);
  BOOST_TEST(observation.current->key_present);
  BOOST_TEST(observation.current->key_matches);
  BOOST_TEST((observation.current->key_type == KeyType::ec256));

  const StoreInspection inspection = store.inspect("example.com");
  BOOST_TEST(inspection.directory == base.path / "example.com");
  BOOST_TEST((inspection.pair == StorePair::current));
  BOOST_TEST(inspection.note == "");
}

BOOST_AUTO_TEST_CASE(store_file_layout_and_modes) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"*.example.com", "example.com"}, KeyType::rsa2048);
  const mode_t previous_umask = ::umask(0);

  const auto saved = store.save("*.example.com", pair.files);
  ::umask(previous_umask);
  BOOST_TEST_REQUIRE(saved.has_value());

  const fs::path directory = base.path / "_wildcard.example.com";
  BOOST_TEST(store.directory_of("*.example.com") == directory);
  BOOST_TEST(mode_of(base.path) == 0700u);
  BOOST_TEST(mode_of(directory) == 0700u);
  BOOST_TEST(mode_of(directory / "_wildcard.example.com.key") == 0600u);
  BOOST_TEST(mode_of(directory / "fullchain.cer") == 0644u);
  BOOST_TEST(mode_of(directory / "_wildcard.example.com.cer") == 0644u);
  BOOST_TEST(mode_of(directory / "ca.cer") == 0644u);

  BOOST_TEST(read_text(directory / "fullchain.cer") == pair.files.fullchain_pem);
  BOOST_TEST((read_text(directory / "_wildcard.example.com.key") == pair.files.key_pem.reveal()));
  BOOST_TEST(read_text(directory / "ca.cer") == test_ca().certificate_pem);
  BOOST_TEST(read_text(directory / "_wildcard.example.com.cer") + test_ca().certificate_pem ==
             pair.files.fullchain_pem);

  const StoreObservation observation = store.observe("*.example.com");
  BOOST_TEST_REQUIRE(observation.current.has_value());
  BOOST_TEST((observation.current->key_type == KeyType::rsa2048));
}

BOOST_AUTO_TEST_CASE(empty_store_has_nothing) {
  TemporaryBase base;
  AcmeShStore store(base.path);

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST(!observation.current.has_value());
  BOOST_TEST(observation.error == "");

  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().kind == ErrorKind::not_found));
  BOOST_TEST(loaded.error().message == "no certificate for example.com in " + base.path.string() +
                                           "; run `certplan apply` to issue one");
}

BOOST_AUTO_TEST_CASE(second_save_links_previous_pair) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair first = make_pair({"example.com"});
  const Pair second = make_pair({"example.com"});
  const fs::path directory = base.path / "example.com";

  BOOST_TEST_REQUIRE(store.save("example.com", first.files).has_value());
  const ino_t first_key_inode = stat_of(directory / "example.com.key").st_ino;
  BOOST_TEST_REQUIRE(store.save("example.com", second.files).has_value());

  BOOST_TEST(read_text(directory / "fullchain.cer") == second.files.fullchain_pem);
  BOOST_TEST(read_text(directory / "fullchain.cer.previous") == first.files.fullchain_pem);
  BOOST_TEST((read_text(directory / "example.com.key.previous") == first.files.key_pem.reveal()));
  BOOST_TEST(stat_of(directory / "example.com.key.previous").st_ino == first_key_inode);
  BOOST_TEST(mode_of(directory / "example.com.key.previous") == 0600u);
  BOOST_TEST(fs::exists(directory / "example.com.cer.previous"));
  BOOST_TEST(fs::exists(directory / "ca.cer.previous"));

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST_REQUIRE(observation.current.has_value());
  BOOST_TEST(observation.current->certificate->fingerprint == second.fingerprint);
}

BOOST_AUTO_TEST_CASE(interrupted_save_keeps_usable_pair) {
  const std::vector<SaveStep> steps{SaveStep::temporaries_written, SaveStep::previous_linked,
                                    SaveStep::key_renamed,         SaveStep::fullchain_renamed,
                                    SaveStep::leaf_renamed,        SaveStep::chain_renamed};
  const Pair old_pair = make_pair({"example.com"});
  const Pair new_pair = make_pair({"example.com"});
  const Pair next_pair = make_pair({"example.com"});

  for (const SaveStep crash_step : steps) {
    BOOST_TEST_CONTEXT("crash after step " << static_cast<int>(crash_step)) {
      TemporaryBase base;
      AcmeShStore store(base.path);
      const fs::path directory = base.path / "example.com";
      BOOST_TEST_REQUIRE(store.save("example.com", old_pair.files).has_value());

      store.set_save_hook([crash_step](SaveStep step) {
        if (step == crash_step) throw SimulatedCrash{step};
      });
      BOOST_CHECK_THROW(static_cast<void>(store.save("example.com", new_pair.files)),
                        SimulatedCrash);
      store.set_save_hook(nullptr);

      const bool new_pair_visible = crash_step >= SaveStep::fullchain_renamed;
      const std::string& expected = new_pair_visible ? new_pair.fingerprint : old_pair.fingerprint;
      const StoreInspection inspection = store.inspect("example.com");
      BOOST_TEST(inspection.observation.error == "");
      BOOST_TEST_REQUIRE(inspection.observation.current.has_value());
      BOOST_TEST(inspection.observation.current->certificate->fingerprint == expected);
      BOOST_TEST(inspection.observation.current->key_present);
      BOOST_TEST(inspection.observation.current->key_matches);

      auto loaded = store.load("example.com");
      BOOST_TEST_REQUIRE(loaded.has_value());
      const auto& chosen = new_pair_visible ? new_pair : old_pair;
      BOOST_TEST(loaded.value().fullchain_pem == chosen.files.fullchain_pem);
      BOOST_TEST((loaded.value().key_pem.reveal() == chosen.files.key_pem.reveal()));

      if (crash_step == SaveStep::key_renamed) {
        BOOST_TEST((inspection.pair == StorePair::previous));
        BOOST_TEST(inspection.note ==
                   "the key in " + (directory / "example.com.key").string() +
                       " does not match the certificate in " +
                       (directory / "fullchain.cer").string() +
                       " (a save may have been interrupted); using the previous pair " +
                       (directory / "fullchain.cer.previous").string() + " and " +
                       (directory / "example.com.key.previous").string());
      } else {
        BOOST_TEST((inspection.pair == StorePair::current));
        BOOST_TEST(inspection.note == "");
      }

      // The next save must not make the mixed pair the previous one.
      BOOST_TEST_REQUIRE(store.save("example.com", next_pair.files).has_value());
      const StoreObservation after = store.observe("example.com");
      BOOST_TEST_REQUIRE(after.current.has_value());
      BOOST_TEST(after.current->certificate->fingerprint == next_pair.fingerprint);
      BOOST_TEST(read_text(directory / "fullchain.cer.previous") == chosen.files.fullchain_pem);
      BOOST_TEST((read_text(directory / "example.com.key.previous") ==
                  chosen.files.key_pem.reveal()));
    }
  }
}

BOOST_AUTO_TEST_CASE(interrupted_first_save_stores_nothing) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"example.com"});
  store.set_save_hook([](SaveStep step) {
    if (step == SaveStep::key_renamed) throw SimulatedCrash{step};
  });

  BOOST_CHECK_THROW(static_cast<void>(store.save("example.com", pair.files)), SimulatedCrash);
  BOOST_TEST(fs::exists(base.path / "example.com" / "example.com.key"));

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST(!observation.current.has_value());
  BOOST_TEST(observation.error == "");
  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().kind == ErrorKind::not_found));

  store.set_save_hook(nullptr);
  BOOST_TEST_REQUIRE(store.save("example.com", pair.files).has_value());
  BOOST_TEST_REQUIRE(store.observe("example.com").current.has_value());
}

BOOST_AUTO_TEST_CASE(mismatched_key_without_previous) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair certificate_pair = make_pair({"example.com"});
  const Pair other_pair = make_pair({"example.com"});
  const fs::path directory = base.path / "example.com";
  write_by_hand(directory, "example.com", certificate_pair.files.fullchain_pem,
                other_pair.files.key_pem.reveal());

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST(observation.error == "");
  BOOST_TEST_REQUIRE(observation.current.has_value());
  BOOST_TEST(observation.current->certificate->fingerprint == certificate_pair.fingerprint);
  BOOST_TEST(observation.current->key_present);
  BOOST_TEST(!observation.current->key_matches);

  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().kind == ErrorKind::invalid));
  BOOST_TEST(loaded.error().message == "cannot load the certificate of example.com: the key in " +
                                           (directory / "example.com.key").string() +
                                           " does not match the certificate in " +
                                           (directory / "fullchain.cer").string());
}

BOOST_AUTO_TEST_CASE(missing_key_is_reported) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"example.com"});
  const fs::path directory = base.path / "example.com";
  BOOST_TEST_REQUIRE(
      write_file_atomic(directory / "fullchain.cer", pair.files.fullchain_pem, 0644).has_value());

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST_REQUIRE(observation.current.has_value());
  BOOST_TEST(!observation.current->key_present);
  BOOST_TEST(!observation.current->key_matches);
  BOOST_TEST(!observation.current->key_type.has_value());

  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST(loaded.error().message == "cannot load the certificate of example.com: " +
                                           (directory / "example.com.key").string() +
                                           " is missing");
}

BOOST_AUTO_TEST_CASE(acme_sh_ecc_directory_read) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"example.com"}, KeyType::ec384);
  write_by_hand(base.path / "example.com_ecc", "example.com", pair.files.fullchain_pem,
                pair.files.key_pem.reveal());

  const StoreInspection inspection = store.inspect("example.com");
  BOOST_TEST(inspection.directory == base.path / "example.com_ecc");
  BOOST_TEST_REQUIRE(inspection.observation.current.has_value());
  BOOST_TEST(inspection.observation.current->certificate->fingerprint == pair.fingerprint);
  BOOST_TEST(inspection.observation.current->key_matches);
  BOOST_TEST((inspection.observation.current->key_type == KeyType::ec384));

  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(loaded.has_value());
  BOOST_TEST(loaded.value().fullchain_pem == pair.files.fullchain_pem);
}

BOOST_AUTO_TEST_CASE(acme_sh_literal_wildcard_read) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"*.example.com"});
  write_by_hand(base.path / "*.example.com", "*.example.com", pair.files.fullchain_pem,
                pair.files.key_pem.reveal());

  const StoreInspection inspection = store.inspect("*.example.com");
  BOOST_TEST(inspection.directory == base.path / "*.example.com");
  BOOST_TEST_REQUIRE(inspection.observation.current.has_value());
  BOOST_TEST(inspection.observation.current->certificate->fingerprint == pair.fingerprint);
  BOOST_TEST(inspection.observation.current->key_matches);
}

BOOST_AUTO_TEST_CASE(acme_sh_wildcard_ecc_read) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"*.example.com"});
  write_by_hand(base.path / "*.example.com_ecc", "*.example.com", pair.files.fullchain_pem,
                pair.files.key_pem.reveal());

  const StoreInspection inspection = store.inspect("*.example.com");
  BOOST_TEST(inspection.directory == base.path / "*.example.com_ecc");
  BOOST_TEST_REQUIRE(inspection.observation.current.has_value());
  BOOST_TEST(inspection.observation.current->certificate->fingerprint == pair.fingerprint);
}

BOOST_AUTO_TEST_CASE(own_directory_wins_over_acme_sh) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair acme_sh_pair = make_pair({"*.example.com"});
  const Pair own_pair = make_pair({"*.example.com"});
  write_by_hand(base.path / "*.example.com_ecc", "*.example.com", acme_sh_pair.files.fullchain_pem,
                acme_sh_pair.files.key_pem.reveal());
  BOOST_TEST_REQUIRE(store.save("*.example.com", own_pair.files).has_value());

  const StoreInspection inspection = store.inspect("*.example.com");
  BOOST_TEST(inspection.directory == base.path / "_wildcard.example.com");
  BOOST_TEST_REQUIRE(inspection.observation.current.has_value());
  BOOST_TEST(inspection.observation.current->certificate->fingerprint == own_pair.fingerprint);
}

BOOST_AUTO_TEST_CASE(key_only_directory_is_skipped) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair acme_sh_pair = make_pair({"example.com"});
  const Pair new_pair = make_pair({"example.com"});
  write_by_hand(base.path / "example.com_ecc", "example.com", acme_sh_pair.files.fullchain_pem,
                acme_sh_pair.files.key_pem.reveal());
  BOOST_TEST_REQUIRE(write_file_atomic(base.path / "example.com" / "example.com.key",
                                       new_pair.files.key_pem.reveal(), 0600)
                         .has_value());

  const StoreInspection inspection = store.inspect("example.com");
  BOOST_TEST(inspection.directory == base.path / "example.com_ecc");
  BOOST_TEST_REQUIRE(inspection.observation.current.has_value());
  BOOST_TEST(inspection.observation.current->certificate->fingerprint == acme_sh_pair.fingerprint);
}

BOOST_AUTO_TEST_CASE(unreadable_certificate_error) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const fs::path fullchain = base.path / "example.com" / "fullchain.cer";
  fs::create_directories(fullchain);

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST(!observation.current.has_value());
  BOOST_TEST(observation.error ==
             "could not read " + fullchain.string() + ": it is not a regular file");
}

BOOST_AUTO_TEST_CASE(invalid_certificate_error) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const fs::path directory = base.path / "example.com";
  write_by_hand(directory, "example.com", "not a certificate\n", "not a key\n");

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST(!observation.current.has_value());
  BOOST_TEST(observation.error == "invalid certificate in " + (directory / "fullchain.cer").string() +
                                      ": not a PEM certificate: no \"-----BEGIN CERTIFICATE-----\" "
                                      "line found");

  auto loaded = store.load("example.com");
  BOOST_TEST_REQUIRE(!loaded.has_value());
  BOOST_TEST((loaded.error().kind == ErrorKind::invalid));
}

BOOST_AUTO_TEST_CASE(invalid_key_error) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair pair = make_pair({"example.com"});
  const fs::path directory = base.path / "example.com";
  write_by_hand(directory, "example.com", pair.files.fullchain_pem, "garbage\n");

  const StoreObservation observation = store.observe("example.com");
  BOOST_TEST_REQUIRE(observation.current.has_value());
  BOOST_TEST(observation.current->key_present);
  BOOST_TEST(!observation.current->key_matches);
  BOOST_TEST(observation.error == "invalid private key in " +
                                      (directory / "example.com.key").string() +
                                      ": not a PEM private key: no \"-----BEGIN PRIVATE KEY-----\" "
                                      "line found");
}

BOOST_AUTO_TEST_CASE(save_rejects_mismatched_pair) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  const Pair certificate_pair = make_pair({"example.com"});
  const Pair other_pair = make_pair({"example.com"});

  auto saved = store.save("example.com",
                          CertificateFiles{certificate_pair.files.fullchain_pem,
                                           other_pair.files.key_pem});
  BOOST_TEST_REQUIRE(!saved.has_value());
  BOOST_TEST((saved.error().kind == ErrorKind::invalid));
  BOOST_TEST(saved.error().message ==
             "could not save the certificate of example.com: the private key does not match the "
             "certificate");
  BOOST_TEST(!fs::exists(base.path));
}

BOOST_AUTO_TEST_CASE(save_fails_when_base_is_a_file) {
  TemporaryBase base;
  BOOST_TEST_REQUIRE(write_file_atomic(base.path, "not a directory", 0644).has_value());
  AcmeShStore store(base.path);

  auto saved = store.save("example.com", make_pair({"example.com"}).files);
  BOOST_TEST_REQUIRE(!saved.has_value());
  const fs::path key = base.path / "example.com" / "example.com.key";
  BOOST_TEST(saved.error().message == "could not save the certificate of example.com: "
                                      "could not write " + key.string() +
                                      ": could not create directory " + base.path.string() +
                                      ": a file that is not a directory has that name");
  BOOST_TEST(read_text(base.path) == "not a directory");
}

BOOST_AUTO_TEST_CASE(domain_leaving_base_throws) {
  TemporaryBase base;
  AcmeShStore store(base.path);
  BOOST_CHECK_THROW(store.observe("../etc"), std::invalid_argument);
  BOOST_CHECK_THROW(store.observe(".."), std::invalid_argument);
  BOOST_CHECK_THROW(static_cast<void>(store.directory_of("")), std::invalid_argument);
}

}  // namespace certplan
