#!/usr/bin/env bash
# Installs the Debian packages that the test suite's real Kafka clients need: kcat and
# librdkafka (with its mock cluster's header), kafka-python and confluent-kafka-python for
# Debian's own python3. Idempotent: does nothing when every package is already installed.
# Run as root (CI is); elsewhere it says what to install and exits non-zero.
set -euo pipefail
packages=(kcat librdkafka-dev python3-kafka python3-confluent-kafka build-essential)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "ci-deps: ${packages[*]} already installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ci-deps: missing ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "ci-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
