#!/bin/sh
# Installs the peers the bench races (Debian/Ubuntu): redis-server and nats-server.
# Debian 12 (bookworm) packages both (nats-server 2.9, with JetStream); where a package
# is missing, install what there is and the bench skips the other peer's column.
set -e
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (or: sudo $0)" >&2
  exit 1
fi
apt-get update
if apt-cache show nats-server >/dev/null 2>&1; then
  apt-get install -y redis-server nats-server
else
  echo "this distribution has no nats-server package: installing redis-server only; the bench skips NATS" >&2
  echo "(nats-server releases: https://github.com/nats-io/nats-server/releases)" >&2
  apt-get install -y redis-server
fi
