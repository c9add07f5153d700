#include "providers/ssh/ssh_connector.h"

#include <string>

#include "providers/ssh/ssh_handles.h"
#include "providers/ssh/ssh_host_session.h"

namespace certplan {

namespace {

// curve25519 first, then the rest of the default list of libssh 0.10.6
// (read from the library), for servers without curve25519.
constexpr const char* key_exchange_methods =
    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
    "ecdh-sha2-nistp521,diffie-hellman-group18-sha512,diffie-hellman-group16-sha512,"
    "diffie-hellman-group-exchange-sha256,diffie-hellman-group14-sha256";

std::string host_port(const ServerConfig& server) {
  return server.host + ":" + std::to_string(server.port);
}

Result<void> set_options(ssh_session session, const ServerConfig& server,
                         std::chrono::seconds timeout) {
  const int port = server.port;
  const long timeout_seconds = static_cast<long>(timeout.count());
  const int nodelay = 1;
  const int process_config = 0;
  const std::string known_hosts = server.known_hosts_path.string();

  const bool all_set =
      ssh_options_set(session, SSH_OPTIONS_HOST, server.host.c_str()) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_PORT, &port) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_USER, server.user.c_str()) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &timeout_seconds) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_NODELAY, &nodelay) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &process_config) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_KEY_EXCHANGE, key_exchange_methods) == SSH_OK &&
      ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str()) == SSH_OK &&
      // Only the configured file may vouch for a host key.
      ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == SSH_OK;
  if (!all_set) {
    return make_error(ErrorKind::invalid, "could not set the SSH options for " +
                                              host_port(server) + ": " + ssh_get_error(session));
  }
  return success();
}

Result<void> open_connection(ssh_session session, const ServerConfig& server) {
  if (ssh_connect(session) == SSH_OK) return success();

  const std::string reason = ssh_get_error(session);
  return make_error(ErrorKind::unreachable,
                    "could not connect to " + host_port(server) + ": " + reason +
                        "; check that sshd runs there and the host and port in servers.yaml");
}

std::string host_key_fingerprint(ssh_session session) {
  ssh_key raw_key = nullptr;
  if (ssh_get_server_publickey(session, &raw_key) != SSH_OK) return "(unknown)";
  const SshKeyHandle key(raw_key);

  unsigned char* raw_hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &raw_hash, &length) != SSH_OK) {
    return "(unknown)";
  }
  const SshHashHandle hash(raw_hash);
  const SshCharHandle text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), length));
  return text ? std::string(text.get()) : "(unknown)";
}

Result<void> check_host_key(ssh_session session, const ServerConfig& server) {
  const std::string where = host_port(server);
  const std::string known_hosts = server.known_hosts_path.string();

  switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
      return success();
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      return make_error(ErrorKind::rejected,
                        "host key of " + where + " is not in " + known_hosts +
                            "; check its fingerprint " + host_key_fingerprint(session) +
                            " and add it (ssh-keyscan -p " + std::to_string(server.port) + " " +
                            server.host + " >> " + known_hosts + ")");
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      return make_error(
          ErrorKind::rejected,
          "host key of " + where + " has CHANGED since it was recorded in " + known_hosts +
              " (it is now " + host_key_fingerprint(session) +
              "): possible man-in-the-middle; if the key was replaced on purpose, verify the new "
              "fingerprint on the server, then remove the old entry (ssh-keygen -R '[" +
              server.host + "]:" + std::to_string(server.port) + "' -f " + known_hosts +
              ") and add the new one");
    case SSH_KNOWN_HOSTS_ERROR:
      break;
  }
  return make_error(ErrorKind::failed, "could not check the host key of " + where + " against " +
                                           known_hosts + ": " + ssh_get_error(session));
}

Result<void> authenticate(ssh_session session, const ServerConfig& server) {
  const std::string key_path = server.ssh_key_path.string();
  ssh_key raw_key = nullptr;
  if (ssh_pki_import_privkey_file(key_path.c_str(), nullptr, nullptr, nullptr, &raw_key) != SSH_OK) {
    return make_error(ErrorKind::invalid,
                      "could not read the SSH private key " + key_path + " for " +
                          host_port(server) +
                          "; check ssh_key_path in servers.yaml (an unencrypted key that this "
                          "user can read)");
  }
  const SshKeyHandle key(raw_key);

  const int outcome = ssh_userauth_publickey(session, nullptr, key.get());
  if (outcome == SSH_AUTH_SUCCESS) return success();
  if (outcome == SSH_AUTH_ERROR) {
    return make_error(ErrorKind::failed, "public key authentication with " + host_port(server) +
                                             " failed: " + ssh_get_error(session));
  }
  return make_error(ErrorKind::rejected,
                    host_port(server) + " rejected the key " + key_path + " for user " +
                        server.user + "; add its public key to that user's authorized_keys");
}

}  // namespace

Result<std::unique_ptr<HostSession>> SshConnector::connect(const ServerConfig& server) {
  SshSessionHandle session(ssh_new());
  if (!session) throw std::bad_alloc();

  if (auto set = set_options(session.get(), server, connect_timeout_); !set) return set.error();
  if (auto opened = open_connection(session.get(), server); !opened) return opened.error();
  if (auto checked = check_host_key(session.get(), server); !checked) return checked.error();
  if (auto authenticated = authenticate(session.get(), server); !authenticated) {
    return authenticated.error();
  }

  return std::unique_ptr<HostSession>(
      std::make_unique<SshHostSession>(server, std::move(session)));
}

}  // namespace certplan
