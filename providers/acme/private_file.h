#pragma once

// Files only the owner may read (account keys, account records), written so
// that a crash leaves either the old or the new content, never a part.

#include <filesystem>
#include <string_view>

#include "state/result.h"

namespace certplan {

// Writes `content` to `path` with mode 0600: a temporary file beside it is
// created with O_EXCL and mode 0600, written, fsync'ed and renamed over
// `path`, then the directory is fsync'ed. Missing parent directories are
// created with mode 0700. On failure the temporary file is removed and the
// old file is untouched.
[[nodiscard]] Result<void> write_private_file(const std::filesystem::path& path,
                                              std::string_view content);

}  // namespace certplan
