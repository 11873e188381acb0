#!/bin/sh
set -e
# Flags alone (e.g. `-js`) are nats-server's, as in the official image.
if [ "${1#-}" != "$1" ]; then set -- nats-server "$@"; fi
exec "$@"
