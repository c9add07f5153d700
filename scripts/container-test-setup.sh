#!/usr/bin/env bash
# Prepares this machine to build the certplan image without a Docker engine:
# makes a Debian 12 root file system with debootstrap and imports it into
# podman's image store as docker.io/library/debian:bookworm-slim, the base
# image the Dockerfile names. Does nothing when that image already exists.
#
#   scripts/container-test-setup.sh [MIRROR]
#
# MIRROR defaults to the first Debian mirror in
# /etc/apt/sources.list.d/debian.sources. Needs root and the packages
# buildah, podman and debootstrap. Images are kept with the vfs storage
# driver, which works without overlay support in the kernel.
set -euo pipefail

export STORAGE_DRIVER=vfs
readonly base_image=docker.io/library/debian:bookworm-slim

for tool in buildah podman debootstrap; do
  if ! command -v "$tool" >/dev/null; then
    echo "container-test-setup.sh: $tool is not installed; install it with: apt-get install buildah podman debootstrap" >&2
    exit 2
  fi
done

if podman image exists "$base_image"; then
  echo "base image $base_image is already present"
  exit 0
fi

mirror=${1:-}
if [ -z "$mirror" ]; then
  mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
fi
if [ -z "$mirror" ]; then
  echo "container-test-setup.sh: no Debian mirror found in /etc/apt/sources.list.d/debian.sources; pass one as the first argument" >&2
  exit 2
fi

work_dir=$(mktemp -d /var/tmp/certplan-base.XXXXXX)
trap 'rm -rf "$work_dir"' EXIT

echo "making a Debian 12 root file system from $mirror (about a minute)"
debootstrap --variant=minbase bookworm "$work_dir/root" "$mirror" >"$work_dir/debootstrap.log" 2>&1 || {
  tail -n 20 "$work_dir/debootstrap.log" >&2
  echo "container-test-setup.sh: debootstrap failed; the lines above are the end of its log" >&2
  exit 1
}
rm -rf "$work_dir/root/var/cache/apt/archives/"*.deb

tar -C "$work_dir/root" -cf "$work_dir/base.tar" .
podman import "$work_dir/base.tar" "$base_image" >/dev/null
echo "imported $base_image"
