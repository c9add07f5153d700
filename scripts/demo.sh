#!/usr/bin/env bash
# Builds certplan and runs the demo: a loopback sandbox with pebble, a fake
# IONOS DNS API and two nginx servers reached over SSH, then validate, plan,
# apply and plan again. Needs root and the packages of scripts/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build} scripts/build.sh -DCERTPLAN_TESTS=OFF -DCERTPLAN_E2E_TESTS=OFF
exec examples/sandbox/demo.sh "${BUILD_DIR:-build}/certplan" "$@"
