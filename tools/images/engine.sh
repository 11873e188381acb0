# Sourced by the scripts of tools/images: picks the container engine and, for podman, writes the settings this
# kind of machine needs. Nothing here is needed with a working Docker or podman of your own.
#
#   HOOKMESH_ENGINE    podman | docker (default: podman when installed, else docker when its daemon answers)
#   HOOKMESH_PODMAN_CONF  where the generated containers.conf goes (default: $TMPDIR/hookmesh-podman/containers.conf)

hm_say() { echo "images: $*" >&2; }

# Prints the engine's name, or nothing when none is usable.
hm_engine() {
  if [ -n "${HOOKMESH_ENGINE:-}" ]; then
    case "$HOOKMESH_ENGINE" in
      podman) command -v podman >/dev/null 2>&1 && echo podman ;;
      docker) command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && echo docker ;;
    esac
    return 0
  fi
  if command -v podman >/dev/null 2>&1; then echo podman; return; fi
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then echo docker; return; fi
}

# podman on these VMs: crun refuses the mixed cgroup layout (runc works), and without CAP_SYS_RESOURCE a container
# cannot be given rlimits above the caller's, so the defaults are lowered to what the host allows.
hm_podman_conf() {
  local conf="${HOOKMESH_PODMAN_CONF:-${TMPDIR:-/tmp}/hookmesh-podman/containers.conf}"
  local nofile nproc
  nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=1048576
  nproc="$(ulimit -Hu)"; [ "$nproc" = unlimited ] && nproc=4096
  # runc sets RLIMIT_NPROC from a process with a lower limit than the shell's; 4096 is plenty for any test container.
  [ "$nproc" -gt 4096 ] && nproc=4096
  mkdir -p "$(dirname "$conf")"
  {
    echo '[containers]'
    echo "default_ulimits = [\"nofile=${nofile}:${nofile}\", \"nproc=${nproc}:${nproc}\"]"
    echo '[engine]'
    if command -v runc >/dev/null 2>&1; then echo 'runtime = "runc"'; fi
  } >"$conf.tmp"
  mv "$conf.tmp" "$conf"
  export CONTAINERS_CONF="$conf"
}

# Sets ENGINE (and, for podman, CONTAINERS_CONF); fails loudly when there is no engine.
hm_use_engine() {
  ENGINE="$(hm_engine)"
  if [ -z "$ENGINE" ]; then
    hm_say "no container engine: install podman (apt-get install podman buildah runc) or Docker"
    return 1
  fi
  if [ "$ENGINE" = podman ]; then hm_podman_conf; fi
  export ENGINE
}

# `podman build` writes OCI images by default, and the OCI format has no HEALTHCHECK: ask for Docker's format.
hm_build_flags() {
  if [ "$ENGINE" = podman ]; then echo "--format docker"; fi
}
