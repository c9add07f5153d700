#include "state/acme_sh_layout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "state/desired.h"

namespace certplan {

namespace {

constexpr std::string_view previous_suffix = ".previous";

std::filesystem::path with_pair(std::filesystem::path path, StorePair pair) {
  if (pair == StorePair::previous) path += previous_suffix;
  return path;
}

void check_domain(const std::string& domain) {
  if (domain.empty() || domain == "." || domain == ".." ||
      domain.find('/') != std::string::npos || domain.find('\0') != std::string::npos) {
    throw std::invalid_argument("invalid domain name \"" + domain +
                                "\" for the certificate store: it cannot be a directory name");
  }
}

// A directory with a key but no certificate (a first save that stopped
// halfway) does not count, so an acme.sh certificate behind it is found.
bool has_certificate(const DomainDirectory& candidate) {
  return entry_exists(candidate.fullchain(StorePair::current)) ||
         entry_exists(candidate.fullchain(StorePair::previous));
}

// Reads a whole regular file with one buffer of its size, so that no partial
// copies of a key are left behind in freed memory.
Result<std::string> read_whole_file(const std::filesystem::path& path) {
  const int descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0) {
    return make_error(ErrorKind::failed, "could not read " + path.string() + ": " +
                                             std::strerror(errno));
  }

  struct stat status {};
  if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
    ::close(descriptor);
    return make_error(ErrorKind::failed,
                      "could not read " + path.string() + ": it is not a regular file");
  }

  std::string content(static_cast<std::size_t>(status.st_size), '\0');
  std::size_t filled = 0;
  while (filled < content.size()) {
    const ssize_t count = ::read(descriptor, content.data() + filled, content.size() - filled);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    filled += static_cast<std::size_t>(count);
  }
  const int error_number = errno;
  ::close(descriptor);

  if (filled != content.size()) {
    return make_error(ErrorKind::failed, "could not read " + path.string() + ": " +
                                             std::strerror(error_number));
  }
  return content;
}

void read_certificate(const std::filesystem::path& path, PairReading& reading) {
  reading.certificate_present = entry_exists(path);
  if (!reading.certificate_present) return;

  auto content = read_whole_file(path);
  if (!content) {
    reading.error = content.error().message;
    return;
  }

  auto facts = parse_certificate_chain(content.value());
  if (!facts) {
    reading.error = "invalid certificate in " + path.string() + ": " + facts.error().message;
    return;
  }
  reading.certificate = std::move(facts.value());
  reading.fullchain_pem = std::move(content.value());
}

void read_key(const std::filesystem::path& path, PairReading& reading) {
  reading.key_present = entry_exists(path);
  if (!reading.key_present) return;

  auto content = read_whole_file(path);
  if (!content) {
    if (reading.error.empty()) reading.error = content.error().message;
    return;
  }
  SecretString pem(std::move(content.value()));

  auto key = parse_private_key(pem);
  if (!key) {
    if (reading.error.empty()) {
      reading.error = "invalid private key in " + path.string() + ": " + key.error().message;
    }
    return;
  }

  reading.key_type = key_type_of(key.value());
  reading.key_matches = reading.certificate &&
                        reading.certificate->public_key_fingerprint ==
                            public_key_fingerprint(key.value());
  reading.key_pem = std::move(pem);
}

}  // namespace

bool entry_exists(const std::filesystem::path& path) {
  struct stat status {};
  return ::lstat(path.c_str(), &status) == 0;
}

std::filesystem::path DomainDirectory::fullchain(StorePair pair) const {
  return with_pair(directory / "fullchain.cer", pair);
}

std::filesystem::path DomainDirectory::key(StorePair pair) const {
  return with_pair(directory / (stem + ".key"), pair);
}

std::filesystem::path DomainDirectory::leaf(StorePair pair) const {
  return with_pair(directory / (stem + ".cer"), pair);
}

std::filesystem::path DomainDirectory::chain(StorePair pair) const {
  return with_pair(directory / "ca.cer", pair);
}

DomainDirectory own_directory(const std::filesystem::path& base, const std::string& domain) {
  check_domain(domain);
  const std::string name = storage_name(domain);
  return DomainDirectory{base / name, name};
}

std::vector<DomainDirectory> candidate_directories(const std::filesystem::path& base,
                                                   const std::string& domain) {
  std::vector<DomainDirectory> candidates{own_directory(base, domain)};
  candidates.push_back(DomainDirectory{base / (domain + "_ecc"), domain});
  if (storage_name(domain) != domain) candidates.push_back(DomainDirectory{base / domain, domain});

  std::vector<DomainDirectory> found;
  for (auto& candidate : candidates) {
    if (has_certificate(candidate)) found.push_back(std::move(candidate));
  }
  return found;
}

PairReading read_pair(const DomainDirectory& directory, StorePair pair) {
  PairReading reading;
  read_certificate(directory.fullchain(pair), reading);
  read_key(directory.key(pair), reading);
  return reading;
}

}  // namespace certplan
