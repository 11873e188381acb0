#!/usr/bin/env bash
# The images suite: builds every service image of docker/Dockerfile and runs them (tools/deploy-checks/src/images).
#   npx nx run deploy-checks:images     (or: bash tools/images/test.sh)
# Without a container engine it fails loudly, unless HOOKMESH_SKIP_IMAGES=1 says to skip it on purpose.
# Where no registry answers, the node base image is a local stand-in (tools/images/stand-ins.sh).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=engine.sh
. "$here/engine.sh"

if [ -z "$(hm_engine)" ]; then
  if [ "${HOOKMESH_SKIP_IMAGES:-}" = 1 ]; then
    echo "images: SKIPPED on purpose (HOOKMESH_SKIP_IMAGES=1): no image was built or run" >&2
    exit 0
  fi
  {
    echo '*****************************************************************************************'
    echo '  images: NO CONTAINER ENGINE: the service images were neither built nor run.'
    echo '  Install podman (apt-get install podman buildah runc debootstrap) or start Docker,'
    echo '  or set HOOKMESH_SKIP_IMAGES=1 to skip the images suite on purpose.'
    echo '*****************************************************************************************'
  } >&2
  exit 1
fi
hm_use_engine

started=$SECONDS
"$here/stand-ins.sh" node:22-bookworm-slim
"$here/build.sh"
hm_say "stand-in and images ready in $((SECONDS - started)) s"
cd "$repo"
npx jest --config tools/deploy-checks/jest.images.config.cjs
hm_say "images suite done in $((SECONDS - started)) s"
