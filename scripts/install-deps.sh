#!/bin/sh
# Install what building and testing libaurmig needs on Debian 12 (bookworm).
# Safe to run again: apt skips what is installed. Needs root (or sudo).
set -eu

PACKAGES="
  build-essential pkg-config meson ninja-build
  libdbi-dev libdbd-sqlite3 libinih-dev
  libcmocka-dev
  sqlite3 python3 python3-alembic python3-sqlalchemy
  valgrind
"

missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: everything is installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
