#!/usr/bin/env bash
# The tests' container fallback, exercised the way a newcomer with only podman (or Docker) meets it: DATABASE_URL and
# NATS_URL unset, Postgres and NATS started by testcontainers through the engine's Docker-compatible API (podman's
# own socket here; local stand-ins for postgres:16-alpine and nats:2.10.24-alpine where no registry answers).
#   tools/images/containers-test.sh          a representative subset (CI: npx nx run testing:containers)
#   tools/images/containers-test.sh --all    all of npm test through containers (npx nx run testing:containers-all)
# Fails when the run leaves a container behind or starts more than one Postgres and one NATS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=engine.sh
. "$here/engine.sh"
hm_use_engine
cd "$repo"

mode="${1:-subset}"
label=dev.hookmesh.test-services
started=$SECONDS
"$here/stand-ins.sh" postgres:16-alpine nats:2.10.24-alpine

if [ "$ENGINE" = podman ]; then
  # podman's Docker-compatible API on a socket of this run; no Ryuk (podman cannot run it here), so the run's
  # own teardown removes its containers, and the check below proves it did.
  socket_dir="$(mktemp -d)"
  podman system service --time=0 "unix://$socket_dir/podman.sock" >"$socket_dir/service.log" 2>&1 &
  service_pid=$!
  trap 'kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; rm -rf "$socket_dir"' EXIT
  for _ in $(seq 1 50); do [ -S "$socket_dir/podman.sock" ] && break; sleep 0.1; done
  export DOCKER_HOST="unix://$socket_dir/podman.sock" TESTCONTAINERS_RYUK_DISABLED=true
fi
# testcontainers takes a /.dockerenv for "inside a container" and would then use the bridge's gateway address;
# the published ports are on this host, so loopback it is.
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"
unset DATABASE_URL NATS_URL
since="$(date --iso-8601=seconds)"

status=0
if [ "$mode" = --all ]; then
  npm test || status=$?
else
  npx nx run-many -t build -p subscription-service event-ingest dispatcher audit demo-receiver --outputStyle=stream >/dev/null
  # The harness itself, JetStream through the container, the two suites that proxy their Postgres, one platform
  # end to end and one fault suite over the containers.
  npx tsx libs/testing/src/with-test-services.ts bash -c '
    set -e
    npx jest -c libs/testing/jest.config.cjs
    npx jest -c libs/messaging/jest.config.cjs
    npx jest -c apps/audit/jest.config.cjs src/messaging/outage.int.test.ts
    npx jest -c tests/e2e/jest.config.cjs src/delivery.e2e.test.ts
    npx jest -c tests/reliability/jest.config.cjs src/audit-outage.fault.test.ts
  ' || status=$?
fi

left="$($ENGINE ps -aq --filter "label=$label")"
# Containers this run created, from the engine's own event log (podman: --stream=false reads it without following).
if [ "$ENGINE" = podman ]; then
  created="$(podman events --stream=false --since "$since" --filter event=create --format '{{.ID}} {{.Attributes}}' | grep -c "$label" || true)"
else
  created="$(docker events --since "$since" --until "$(date --iso-8601=seconds)" --filter event=create --filter "label=$label" --format '{{.ID}}' | sort -u | wc -l)"
fi
hm_say "containers path ($mode): $created test containers created, $(echo -n "$left" | grep -c . || true) left, $((SECONDS - started)) s"
if [ -n "$left" ]; then
  hm_say "the run left containers behind: $left"
  $ENGINE rm -f $left >/dev/null
  status=1
fi
if [ "$created" -gt 2 ]; then
  hm_say "the run started $created containers: one Postgres and one NATS were expected"
  status=1
fi
exit "$status"
