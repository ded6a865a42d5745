#!/bin/sh
# Installs the Debian packages isms needs, only those missing (idempotent).
# Run as root on a fresh machine; as a normal user it only checks.
#   sh scripts/install-deps.sh          build, test and demo
#   sh scripts/install-deps.sh bench    make bench's extras (python3-numpy)
# Why each one is needed: docs/architecture.md, "Dependencies".
set -eu

PACKAGES="build-essential pkg-config luajit libluajit-5.1-dev libsqlite3-dev sqlite3 \
libcsv-dev libyaml-dev libssl-dev libreadline-dev lua-busted lua-check lua-cjson lua-yaml libxlsxwriter-dev time \
unzip chromium clang libclang-rt-dev zsh libminizip-dev zlib1g-dev libexpat1-dev python3"
# Only make bench's comparisons use these (the NumPy baseline of the risk
# bench, which is skipped without it): asked for with the argument "bench".
BENCH_PACKAGES="python3-numpy"
if [ "${1:-}" = bench ]; then PACKAGES=$BENCH_PACKAGES; fi

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "isms: missing Debian packages:$missing" >&2
  echo "isms: run as root: apt-get install$missing  (or: sudo sh scripts/install-deps.sh)" >&2
  exit 1
fi

echo "isms: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
