#!/usr/bin/env bash
# Installs every Debian 12 package that certplan needs to build, to run its
# tests and to run the local demo sandbox. Used by the README, .ci/run and
# the Dockerfile's build stage.
#
#   scripts/install-deps.sh          build and test dependencies (default)
#   scripts/install-deps.sh build    only what compiling certplan needs
#   scripts/install-deps.sh fuzz     test dependencies plus clang for the
#                                    libFuzzer targets (docs/fuzzing.md)
#   scripts/install-deps.sh container  test dependencies plus buildah for
#                                    the container image test
#   scripts/install-deps.sh bench    test dependencies plus lego, the ACME
#                                    client bench/issue_vs_lego.sh compares
#                                    with (docs/benchmarks.md)
set -euo pipefail

build_packages=(
  build-essential cmake ninja-build pkg-config git
  libssl-dev libyaml-cpp-dev libssh-dev libcurl4-openssl-dev
  nlohmann-json3-dev librange-v3-dev libboost-test-dev libboost-dev
  libcli11-dev libspdlog-dev libfmt-dev libidn2-dev libldns-dev
)

# Real components for the end-to-end tests and the demo sandbox.
test_packages=(
  pebble openssh-server openssh-client nginx-light bind9 bind9-dnsutils
  sudo openssl curl iproute2 procps python3 rsync time bc
)

# The GitLab pipeline test runs .gitlab-ci.yml with gitlab-ci-local from the
# npm registry. Version 4.60 and later do not start on Node.js 20.
gitlab_ci_local_version=4.59.0

# libFuzzer and its sanitizer runtimes come with Debian's clang.
fuzz_packages=(clang libclang-rt-14-dev)

# The container test builds the Dockerfile with buildah (no Docker engine).
container_packages=(buildah podman debootstrap uidmap fuse-overlayfs)

# The benchmarks compare certplan with lego; the rest they need (time, bc,
# openssh-client, openssl) is among the test packages.
bench_packages=(lego)

mode=${1:-test}
case "$mode" in
  build) packages=("${build_packages[@]}") ;;
  test) packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  fuzz) packages=("${build_packages[@]}" "${test_packages[@]}" "${fuzz_packages[@]}") ;;
  container) packages=("${build_packages[@]}" "${test_packages[@]}" "${container_packages[@]}") ;;
  bench) packages=("${build_packages[@]}" "${test_packages[@]}" "${bench_packages[@]}") ;;
  *) echo "install-deps.sh: unknown mode '$mode'; use build, test, fuzz, container or bench" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps.sh: run as root (apt-get needs it), for example: sudo $0 $mode" >&2
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${packages[@]}"

# The distribution packages start their services on install on some systems.
# certplan's tests start their own instances on loopback, so stop the system
# ones where they were started (ignoring machines without systemd).
if [ "$mode" != build ]; then
  for service in nginx named bind9 ssh; do
    systemctl stop "$service" >/dev/null 2>&1 || true
  done
  mkdir -p /run/sshd
fi

if [ "$mode" != build ]; then
  if ! command -v npm >/dev/null; then
    apt-get install -y -q --no-install-recommends nodejs npm
  fi
  installed=$(gitlab-ci-local --version 2>/dev/null || true)
  if [ "$installed" != "$gitlab_ci_local_version" ]; then
    npm install -g --no-fund --no-audit "gitlab-ci-local@$gitlab_ci_local_version"
  fi
fi
