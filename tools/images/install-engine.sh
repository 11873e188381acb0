#!/usr/bin/env bash
# Installs what the images suite and the containers path need on a Debian machine (as root): podman, buildah,
# runc, debootstrap. Quick when they are there already.
set -euo pipefail
needed=()
for tool in podman buildah runc debootstrap; do command -v "$tool" >/dev/null 2>&1 || needed+=("$tool"); done
if [ ${#needed[@]} -eq 0 ]; then
  echo "images: podman, buildah, runc and debootstrap are installed"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "images: missing ${needed[*]}: install them (Debian: apt-get install podman buildah runc debootstrap)" >&2
  exit 1
fi
echo "images: installing podman, buildah, runc, debootstrap with apt"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq podman buildah runc debootstrap uidmap slirp4netns fuse-overlayfs >/dev/null
