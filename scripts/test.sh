#!/usr/bin/env bash
# Builds certplan with warnings as errors and runs every test: the unit tests
# and the end-to-end tests against real pebble, sshd, nginx and BIND on
# loopback addresses. End-to-end tests need root (they start sshd, add a
# local user and a sudoers file) and the packages of scripts/install-deps.sh.
#
#   scripts/test.sh            every test
#   scripts/test.sh -L unit    only the unit tests (any ctest arguments work)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh -DCERTPLAN_WERROR=ON

# End-to-end tests mostly wait on servers, so a few more run at once than
# there are cores.
jobs=${TEST_JOBS:-$(( $(nproc) + 1 ))}
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --parallel "$jobs" "$@"
