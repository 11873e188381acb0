#!/usr/bin/env bash
# Builds the service images of docker/Dockerfile (the four services and the console), tagged ghcr.io/hookmesh/<service>:<root package.json version>.
#   tools/images/build.sh [service...]        (default: every service)
# Where no registry is reachable, run tools/images/stand-ins.sh node:22-bookworm-slim first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=engine.sh
. "$here/engine.sh"
hm_use_engine

services=("$@")
[ ${#services[@]} -gt 0 ] || services=(subscription-service event-ingest dispatcher audit console)
version="$(node -p "require('$repo/package.json').version")"
for service in "${services[@]}"; do
  started=$SECONDS
  # shellcheck disable=SC2046
  $ENGINE build $(hm_build_flags) --quiet -f "$repo/docker/Dockerfile" --target "$service" \
    -t "ghcr.io/hookmesh/$service:$version" "$repo" >/dev/null
  size="$($ENGINE image inspect --format '{{.Size}}' "ghcr.io/hookmesh/$service:$version")"
  hm_say "ghcr.io/hookmesh/$service:$version built in $((SECONDS - started)) s, $((size / 1000000)) MB"
done
