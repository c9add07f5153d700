#pragma once

// Owning handles for libssh objects, each freed with the library's own
// function.

#include <memory>

#include <libssh/libssh.h>

namespace certplan {

struct SshSessionDeleter {
  void operator()(ssh_session session) const {
    ssh_disconnect(session);
    ssh_free(session);
  }
};
using SshSessionHandle = std::unique_ptr<ssh_session_struct, SshSessionDeleter>;

struct SshChannelDeleter {
  void operator()(ssh_channel channel) const { ssh_channel_free(channel); }
};
using SshChannelHandle = std::unique_ptr<ssh_channel_struct, SshChannelDeleter>;

struct SshKeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using SshKeyHandle = std::unique_ptr<ssh_key_struct, SshKeyDeleter>;

struct SshStringDeleter {
  void operator()(char* text) const { ssh_string_free_char(text); }
};
using SshCharHandle = std::unique_ptr<char, SshStringDeleter>;

struct SshHashDeleter {
  void operator()(unsigned char* hash) const { ssh_clean_pubkey_hash(&hash); }
};
using SshHashHandle = std::unique_ptr<unsigned char, SshHashDeleter>;

}  // namespace certplan
