#!/bin/sh
# Install what building and testing libaurmig needs on Debian 12 (bookworm).
# Safe to run again: apt skips what is installed. Needs root (or sudo).
#
# The MariaDB and PostgreSQL servers are only used as throwaway instances
# that tests/servers/start.sh runs on non-default loopback ports; the
# packages' own services are neither started here nor needed.
set -eu

PACKAGES="
  build-essential pkg-config meson ninja-build
  libdbi-dev libdbd-sqlite3 libdbd-mysql libdbd-pgsql nettle-dev libjansson-dev
  libcmocka-dev
  sqlite3 python3 python3-alembic python3-sqlalchemy
  php8.2-cli python3-pytest
  python3-pymysql python3-psycopg2
  valgrind time strace clang-14 libclang-rt-14-dev
  mariadb-server mariadb-client galera-4 rsync iproute2
  postgresql postgresql-15 postgresql-client-15
  util-linux procps
  python3-setuptools python3-wheel python3-pip python3-venv python3-wheel-whl binutils
  debhelper dh-python dpkg-dev fakeroot lintian
  ansible
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

# Keep the packages' services (mariadb, postgresql) from being started by
# their postinst scripts: a policy-rc.d that denies every action, only for
# the time of this install, and only if the machine has none of its own.
POLICY=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$POLICY" ]; then
  own_policy=1
  trap '$SUDO rm -f "$POLICY"' EXIT
  trap '$SUDO rm -f "$POLICY"; exit 130' INT TERM
  printf '#!/bin/sh\n# temporary, from libaurmig scripts/install-deps.sh\nexit 101\n' |
    $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
fi

$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing

if [ "$own_policy" -eq 1 ]; then
  $SUDO rm -f "$POLICY"
  trap - EXIT INT TERM
fi
