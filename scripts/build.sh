#!/usr/bin/env bash
# Configures and builds certplan and its tests in ./build (or $BUILD_DIR).
# Extra arguments go to CMake, e.g. -DCERTPLAN_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

cmake -S . -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@"
cmake --build "$build_dir" --parallel "$jobs"
