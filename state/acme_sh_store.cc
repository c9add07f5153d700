#include "state/acme_sh_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "state/acme_sh_layout.h"
#include "state/atomic_file.h"

namespace certplan {

namespace {

constexpr mode_t key_mode = 0600;
constexpr mode_t certificate_mode = 0644;

// The pair that inspect() chose, with its contents for load().
struct ChosenPair {
  StoreInspection inspection;
  std::optional<DomainDirectory> directory;
  PairReading reading;
};

// The new files of one save(), split from the fullchain.
struct NewFiles {
  std::string leaf_pem;
  std::string chain_pem;  // empty for a self-signed leaf
};

// Names the first reason why `reading` cannot be deployed.
std::string unusable_reason(const DomainDirectory& directory, const PairReading& reading) {
  const auto fullchain = directory.fullchain(StorePair::current).string();
  const auto key = directory.key(StorePair::current).string();
  if (!reading.certificate_present) return fullchain + " is missing";
  if (!reading.error.empty()) return reading.error;
  if (!reading.key_present) return key + " is missing";
  return "the key in " + key + " does not match the certificate in " + fullchain;
}

StoreObservation observation_of(const PairReading& reading) {
  StoreObservation observation;
  observation.error = reading.error;
  if (!reading.certificate) return observation;

  observation.current = CertificateWithKey{share_facts(*reading.certificate), reading.key_present,
                                           reading.key_matches, reading.key_type};
  return observation;
}

ChosenPair choose_pair(const std::filesystem::path& base, const std::string& domain) {
  ChosenPair chosen;
  auto found = candidate_directories(base, domain);
  if (found.empty()) return chosen;

  const DomainDirectory& directory = found.front();
  chosen.directory = directory;
  chosen.inspection.directory = directory.directory;
  chosen.reading = read_pair(directory, StorePair::current);

  const bool has_previous = entry_exists(directory.fullchain(StorePair::previous));
  if (!chosen.reading.usable() && has_previous) {
    PairReading previous = read_pair(directory, StorePair::previous);
    if (previous.usable()) {
      chosen.inspection.pair = StorePair::previous;
      chosen.inspection.note = unusable_reason(directory, chosen.reading) +
                               " (a save may have been interrupted); using the previous pair " +
                               directory.fullchain(StorePair::previous).string() + " and " +
                               directory.key(StorePair::previous).string();
      chosen.reading = std::move(previous);
    }
  }

  chosen.inspection.observation = observation_of(chosen.reading);
  return chosen;
}

// Splits a fullchain into the leaf and the rest, both as PEM. The chain
// was parsed before, so it contains at least one complete certificate.
NewFiles split_fullchain(const std::string& fullchain_pem) {
  constexpr std::string_view begin_line = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view end_line = "-----END CERTIFICATE-----";

  const auto begin = fullchain_pem.find(begin_line);
  auto cut = fullchain_pem.find(end_line, begin) + end_line.size();
  if (cut < fullchain_pem.size() && fullchain_pem[cut] == '\r') ++cut;
  if (cut < fullchain_pem.size() && fullchain_pem[cut] == '\n') ++cut;

  NewFiles files;
  files.leaf_pem = fullchain_pem.substr(begin, cut - begin);
  if (!files.leaf_pem.ends_with('\n')) files.leaf_pem += '\n';

  const auto rest = fullchain_pem.find(begin_line, cut);
  if (rest != std::string::npos) files.chain_pem = fullchain_pem.substr(rest);
  return files;
}

Result<void> check_pair(const CertificateFiles& files) {
  auto facts = parse_certificate_chain(files.fullchain_pem);
  if (!facts) return facts.error();

  auto key = parse_private_key(files.key_pem);
  if (!key) return key.error();

  if (public_key_fingerprint(key.value()) != facts.value().public_key_fingerprint) {
    return make_error(ErrorKind::invalid, "the private key does not match the certificate");
  }
  return success();
}

Result<AtomicFile> prepare(const std::filesystem::path& target, std::string_view content,
                           mode_t mode) {
  auto file = AtomicFile::create(target, mode);
  if (!file) return file.error();

  auto written = file.value().write(content);
  if (!written) return written.error();

  auto flushed = file.value().flush();
  if (!flushed) return flushed.error();
  return file;
}

// Makes `to` a hard link of `from`, replacing `to` atomically. Does nothing
// when `from` does not exist.
// NOTE: needs a file system with hard links; there is no copying fallback.
Result<void> link_replacing(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (!entry_exists(from)) return success();

  std::filesystem::path temporary = to;
  temporary += ".tmp-" + std::to_string(::getpid());
  ::unlink(temporary.c_str());

  if (::link(from.c_str(), temporary.c_str()) != 0) {
    return make_error(ErrorKind::failed, "could not link " + from.string() + " to " +
                                             temporary.string() + ": " + std::strerror(errno));
  }
  if (::rename(temporary.c_str(), to.c_str()) != 0) {
    const int error_number = errno;
    ::unlink(temporary.c_str());
    return make_error(ErrorKind::failed, "could not rename " + temporary.string() + " to " +
                                             to.string() + ": " + std::strerror(error_number));
  }
  return success();
}

// Links every file of the current pair to its ".previous" name, key first.
Result<void> keep_previous(const DomainDirectory& directory) {
  using Name = std::filesystem::path (DomainDirectory::*)(StorePair) const;
  constexpr std::array<Name, 4> names{&DomainDirectory::key, &DomainDirectory::fullchain,
                                      &DomainDirectory::leaf, &DomainDirectory::chain};
  for (const Name name : names) {
    auto linked = link_replacing((directory.*name)(StorePair::current),
                                 (directory.*name)(StorePair::previous));
    if (!linked) return linked;
  }
  return sync_directory(directory.directory);
}

}  // namespace

AcmeShStore::AcmeShStore(std::filesystem::path base) : base_(std::move(base)) {}

std::filesystem::path AcmeShStore::directory_of(const std::string& domain) const {
  return own_directory(base_, domain).directory;
}

StoreInspection AcmeShStore::inspect(const std::string& domain) const {
  return choose_pair(base_, domain).inspection;
}

StoreObservation AcmeShStore::observe(const std::string& domain) {
  StoreInspection inspection = inspect(domain);
  inspection.observation.note = inspection.note;
  return std::move(inspection.observation);
}

Result<CertificateFiles> AcmeShStore::load(const std::string& domain) {
  ChosenPair chosen = choose_pair(base_, domain);
  if (!chosen.directory || (!chosen.reading.certificate_present && chosen.reading.error.empty())) {
    return make_error(ErrorKind::not_found, "no certificate for " + domain + " in " +
                                                base_.string() +
                                                "; run `certplan apply` to issue one");
  }
  if (!chosen.reading.usable()) {
    return make_error(ErrorKind::invalid, "cannot load the certificate of " + domain + ": " +
                                              unusable_reason(*chosen.directory, chosen.reading));
  }
  return CertificateFiles{std::move(chosen.reading.fullchain_pem),
                          std::move(*chosen.reading.key_pem)};
}

Result<void> AcmeShStore::save(const std::string& domain, const CertificateFiles& files) {
  const std::string context = "could not save the certificate of " + domain;
  auto checked = check_pair(files);
  if (!checked) return checked.error().with_context(context);

  const DomainDirectory directory = own_directory(base_, domain);
  const auto step_done = [this](SaveStep step) {
    if (save_hook_) save_hook_(step);
  };

  // Every new file is complete on disk before anything old is touched.
  // NOTE: a crash leaves its hidden ".*.tmp-*" files behind; nothing removes
  // them yet, but readers ignore them.
  const NewFiles split = split_fullchain(files.fullchain_pem);
  auto key = prepare(directory.key(StorePair::current), files.key_pem.reveal(), key_mode);
  if (!key) return key.error().with_context(context);
  auto fullchain = prepare(directory.fullchain(StorePair::current), files.fullchain_pem,
                           certificate_mode);
  if (!fullchain) return fullchain.error().with_context(context);
  auto leaf = prepare(directory.leaf(StorePair::current), split.leaf_pem, certificate_mode);
  if (!leaf) return leaf.error().with_context(context);
  auto chain = prepare(directory.chain(StorePair::current), split.chain_pem, certificate_mode);
  if (!chain) return chain.error().with_context(context);
  step_done(SaveStep::temporaries_written);

  // Only a usable pair becomes the previous one: after an interrupted save
  // the current pair may be mixed, and the previous pair is the good one.
  if (read_pair(directory, StorePair::current).usable()) {
    auto linked = keep_previous(directory);
    if (!linked) return linked.error().with_context(context);
  }
  step_done(SaveStep::previous_linked);

  // Key first: until the fullchain follows, the current pair does not match
  // and readers use the previous pair.
  const std::array<std::pair<AtomicFile*, SaveStep>, 4> renames{{
      {&key.value(), SaveStep::key_renamed},
      {&fullchain.value(), SaveStep::fullchain_renamed},
      {&leaf.value(), SaveStep::leaf_renamed},
      {&chain.value(), SaveStep::chain_renamed},
  }};
  for (const auto& [file, step] : renames) {
    auto committed = file->commit();
    if (!committed) return committed.error().with_context(context);
    step_done(step);
  }
  return success();
}

}  // namespace certplan
