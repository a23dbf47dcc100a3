#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Start throwaway MariaDB and PostgreSQL servers for the integration tests.
#
#   tests/servers/start.sh [BASE]        (BASE defaults to build/test-servers)
#
# MariaDB listens on 127.0.0.1:33061 and BASE/mariadb/mariadbd.sock,
# PostgreSQL on 127.0.0.1:54321 and BASE/pgsql/.s.PGSQL.54321; each has its
# own data directory under BASE, runs with durability switched off, and is
# stopped by tests/servers/stop.sh BASE. Both get a database aurmig_test and
# a user aurmig (password aurmig-secret) that may also create databases;
# BASE/env lists the URLs and the admin access (KEY=VALUE, no quoting, so
# that both sh's '.' and a line parser read it).
#
# Idempotent: a server whose pid file names a live process is reused.
# On failure the servers this run started are stopped again, the end of
# their log is printed, and the exit status is 1.
#
# Environment: AURMIG_TEST_SERVER_TIMEOUT (seconds per server, default 60),
# AURMIG_TEST_SERVERS=mysql,pgsql (which ones; default both),
# AURMIG_TEST_MYSQL_PORT / AURMIG_TEST_PGSQL_PORT (other ports, e.g. for a
# second checkout testing at the same time), AURMIG_TEST_MYSQL_OPTIONS
# (further mariadbd options, given last so that they override the fast,
# non-durable defaults below; bench/run.sh --aur uses it for a durable
# server with a 1 GB buffer pool).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
BASE=${1:-build/test-servers}
TIMEOUT=${AURMIG_TEST_SERVER_TIMEOUT:-60}
WHICH=${AURMIG_TEST_SERVERS:-mysql,pgsql}

MY_PORT=${AURMIG_TEST_MYSQL_PORT:-33061}
PG_PORT=${AURMIG_TEST_PGSQL_PORT:-54321}
DB=aurmig_test
USER_NAME=aurmig
USER_PASS=aurmig-secret

say() { echo "test-servers: $*" >&2; }
die() { say "error: $*"; exit 1; }

for p in "$MY_PORT" "$PG_PORT"; do
	case "$p" in ''|*[!0-9]*) die "port '$p' is not a number";; esac
done
case "$BASE" in *[!A-Za-z0-9_./+-]*)
	die "base directory '$BASE' must be made of [A-Za-z0-9_./+-] only (it goes into server options)";;
esac
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
MY=$BASE/mariadb
PG=$BASE/pgsql
MY_SOCK=$MY/mariadbd.sock
# sun_path holds 107 bytes; PostgreSQL appends "/.s.PGSQL.54321" to its directory
[ ${#MY_SOCK} -le 100 ] && [ $((${#PG} + 16)) -le 100 ] ||
	die "base directory '$BASE' is too long for unix socket paths; pass a shorter one"

if [ "$(id -u)" -eq 0 ]; then
	MY_OS_USER=mysql
	PG_OS_USER=postgres
	MY_ADMIN=root
else
	# Not root: both servers run as the calling user; mariadb-install-db then
	# gives that user socket access as MariaDB superuser.
	MY_OS_USER=$(id -un)
	PG_OS_USER=$MY_OS_USER
	MY_ADMIN=$MY_OS_USER
fi
PG_ADMIN=postgres

# as_user USER CMD...: run CMD as USER (directly when that is us).
as_user() {
	u=$1
	shift
	if [ "$u" = "$(id -un)" ]; then
		"$@"
	else
		/usr/sbin/runuser -u "$u" -- "$@"
	fi
}

# running PID: the process exists and is not a zombie
running() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# alive PIDFILE NAME: the pid on the first line of PIDFILE is a running NAME
alive() {
	[ -s "$1" ] || return 1
	p=$(head -n1 "$1" 2>/dev/null) || return 1
	case "$p" in ''|*[!0-9]*) return 1;; esac
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && running "$p"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (bash-free check via /proc)
port_free() {
	hex=$(printf '%04X' "$1")
	! awk -v h=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { f = 1 } END { exit !f }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null
}

now_ms() { date +%s%3N; }

STARTED=""
cleanup_on_failure() {
	rc=$?
	trap - EXIT
	if [ $rc -ne 0 ] && [ -n "$STARTED" ]; then
		say "start failed; stopping what this run started"
		AURMIG_TEST_SERVERS=$STARTED "$HERE/stop.sh" "$BASE" || true
	fi
	exit $rc
}
trap cleanup_on_failure EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log() {
	if [ -s "$1" ]; then
		say "last lines of $1:"
		tail -n 25 "$1" >&2
	fi
}

# --- MariaDB -----------------------------------------------------------------

my_sql() {
	# admin access: the unix socket, as the OS user root (unix_socket auth)
	mariadb --no-defaults --socket="$MY_SOCK" -u "$MY_ADMIN" --batch --skip-column-names "$@"
}

start_mysql() {
	t0=$(now_ms)
	command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] ||
		die "mariadbd not found: run scripts/install-deps.sh (mariadb-server)"
	command -v mariadb-install-db >/dev/null 2>&1 ||
		die "mariadb-install-db not found: run scripts/install-deps.sh (mariadb-server)"
	if alive "$MY/mariadbd.pid" mariadbd; then
		say "mariadb: reusing the server running as pid $(head -n1 "$MY/mariadbd.pid")"
	else
		port_free $MY_PORT || die "port $MY_PORT is taken by another process (a server left over \
from an earlier run whose directory was deleted? see: ss -ltnp 'sport = :$MY_PORT')"
		mkdir -p "$MY/data" "$MY/tmp"
		rm -f "$MY/mariadbd.pid" "$MY/launch.pid" "$MY_SOCK" "$MY_SOCK.lock"
		[ "$(id -u)" -ne 0 ] || chown -R "$MY_OS_USER:" "$MY"
		if [ ! -d "$MY/data/mysql" ]; then
			# TMPDIR must be writable by the server user, or it fails with Errcode 13
			if ! TMPDIR=$MY/tmp mariadb-install-db --no-defaults --user="$MY_OS_USER" \
				--datadir="$MY/data" --auth-root-authentication-method=socket \
				--skip-test-db --skip-name-resolve >"$MY/install-db.log" 2>&1; then
				show_log "$MY/install-db.log"
				rm -rf "$MY/data"
				die "mariadb-install-db failed"
			fi
		fi
		STARTED="${STARTED:+$STARTED,}mysql"
		mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
		# setsid: own session and process group, so a ctrl-C at the terminal
		# reaches the test runner (whose trap stops us) and not the server;
		# AURMIG_TEST_MYSQL_OPTIONS is split into words on purpose
		# shellcheck disable=SC2086
		TMPDIR=$MY/tmp setsid "$mariadbd" --no-defaults --user="$MY_OS_USER" \
			--datadir="$MY/data" --socket="$MY_SOCK" \
			--port=$MY_PORT --bind-address=127.0.0.1 --skip-name-resolve \
			--pid-file="$MY/mariadbd.pid" --log-error="$MY/error.log" --tmpdir="$MY/tmp" \
			--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
			--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
			--innodb-buffer-pool-size=64M --innodb-log-file-size=16M \
			--skip-log-bin --max-connections=200 ${AURMIG_TEST_MYSQL_OPTIONS:-} \
			</dev/null >"$MY/stdout.log" 2>&1 &
		echo $! >"$MY/launch.pid"
		launched=$!
		deadline=$(( $(date +%s) + TIMEOUT ))
		until mariadb-admin --no-defaults --socket="$MY_SOCK" -u "$MY_ADMIN" \
			--connect-timeout=2 ping >/dev/null 2>&1; do
			if ! running "$launched"; then
				show_log "$MY/error.log"
				die "mariadbd exited during start-up (log: $MY/error.log)"
			fi
			if [ "$(date +%s)" -ge "$deadline" ]; then
				show_log "$MY/error.log"
				die "mariadbd not ready after ${TIMEOUT}s (log: $MY/error.log)"
			fi
			sleep 0.1
		done
		# mariadbd writes its pid file itself; wait for it so stop.sh finds it
		while ! alive "$MY/mariadbd.pid" mariadbd; do
			[ "$(date +%s)" -lt "$deadline" ] || die "mariadbd wrote no pid file $MY/mariadbd.pid"
			sleep 0.05
		done
	fi
	# The user and its grants, for TCP (127.0.0.1) and the socket (localhost).
	# ALL on `aurmig\_%`.* lets it create and drop databases named aurmig_*.
	my_sql <<-EOF || die "mariadb: creating database $DB and user $USER_NAME failed"
		CREATE DATABASE IF NOT EXISTS $DB CHARACTER SET utf8mb4;
		CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$USER_PASS';
		CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$USER_PASS';
		ALTER USER '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$USER_PASS';
		ALTER USER '$USER_NAME'@'localhost' IDENTIFIED BY '$USER_PASS';
		GRANT ALL PRIVILEGES ON \`aurmig\\_%\`.* TO '$USER_NAME'@'127.0.0.1';
		GRANT ALL PRIVILEGES ON \`aurmig\\_%\`.* TO '$USER_NAME'@'localhost';
	EOF
	say "mariadb ready on 127.0.0.1:$MY_PORT and $MY_SOCK ($(( $(now_ms) - t0 )) ms)"
}

# --- PostgreSQL --------------------------------------------------------------

pg_bindir() {
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	return 1
}

pg_sql() {
	# admin access: the socket directory, as superuser postgres (local trust)
	psql -X -q -v ON_ERROR_STOP=1 -h "$PG" -p $PG_PORT -U "$PG_ADMIN" -d postgres "$@"
}

start_pgsql() {
	t0=$(now_ms)
	bin=$(pg_bindir) || die "PostgreSQL's initdb not found: run scripts/install-deps.sh (postgresql)"
	if alive "$PG/data/postmaster.pid" postgres; then
		say "postgresql: reusing the server running as pid $(head -n1 "$PG/data/postmaster.pid")"
	else
		port_free $PG_PORT || die "port $PG_PORT is taken by another process (a server left over \
from an earlier run whose directory was deleted? see: ss -ltnp 'sport = :$PG_PORT')"
		mkdir -p "$PG"
		[ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER:" "$PG"
		if [ ! -s "$PG/data/PG_VERSION" ]; then
			rm -rf "$PG/data"
			# -N: no fsync of the new cluster; local (socket) trust, TCP scram
			if ! (cd "$PG" && as_user "$PG_OS_USER" "$bin/initdb" -D "$PG/data" -U "$PG_ADMIN" \
				--auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
				--locale=C.UTF-8 -N) >"$PG/initdb.log" 2>&1; then
				show_log "$PG/initdb.log"
				rm -rf "$PG/data"
				die "initdb failed"
			fi
		fi
		STARTED="${STARTED:+$STARTED,}pgsql"
		# pg_ctl detaches the postmaster into its own session; -w polls until
		# it accepts connections, at most -t seconds
		if ! (cd "$PG" && as_user "$PG_OS_USER" "$bin/pg_ctl" start -D "$PG/data" \
			-l "$PG/server.log" -w -t "$TIMEOUT" \
			-o "-p $PG_PORT -k $PG -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200") \
			</dev/null >"$PG/pg_ctl.log" 2>&1; then
			show_log "$PG/pg_ctl.log"
			show_log "$PG/server.log"
			die "PostgreSQL did not start within ${TIMEOUT}s (log: $PG/server.log)"
		fi
		alive "$PG/data/postmaster.pid" postgres ||
			die "PostgreSQL started but $PG/data/postmaster.pid names no live postmaster"
	fi
	pg_sql <<-EOF || die "postgresql: creating database $DB and user $USER_NAME failed"
		SELECT format('CREATE ROLE %I LOGIN', '$USER_NAME')
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$USER_NAME') \gexec
		ALTER ROLE $USER_NAME LOGIN CREATEDB PASSWORD '$USER_PASS';
		SELECT format('CREATE DATABASE %I OWNER %I', '$DB', '$USER_NAME')
		WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB') \gexec
	EOF
	say "postgresql ready on 127.0.0.1:$PG_PORT and $PG ($(( $(now_ms) - t0 )) ms)"
}

# --- main --------------------------------------------------------------------

t_all=$(now_ms)
case ",$WHICH," in *,mysql,*) start_mysql;; esac
case ",$WHICH," in *,pgsql,*) start_pgsql;; esac

{
	echo "# written by tests/servers/start.sh; stop with: tests/servers/stop.sh $BASE"
	case ",$WHICH," in *,mysql,*)
		echo "AURMIG_TEST_MYSQL_URL=mysql://$USER_NAME:$USER_PASS@127.0.0.1:$MY_PORT/$DB"
		echo "AURMIG_TEST_MYSQL_SOCKET_URL=mysql://$USER_NAME:$USER_PASS@/$DB?unix_socket=$MY_SOCK"
		echo "AURMIG_TEST_MYSQL_SOCKET=$MY_SOCK"
		echo "AURMIG_TEST_MYSQL_ADMIN_USER=$MY_ADMIN"
		echo "AURMIG_TEST_MYSQL_ADMIN_URL=mysql://$MY_ADMIN@/mysql?unix_socket=$MY_SOCK"
		;;
	esac
	case ",$WHICH," in *,pgsql,*)
		echo "AURMIG_TEST_PGSQL_URL=pgsql://$USER_NAME:$USER_PASS@127.0.0.1:$PG_PORT/$DB"
		echo "AURMIG_TEST_PGSQL_SOCKET_URL=pgsql://$USER_NAME:$USER_PASS@:$PG_PORT/$DB?host=$PG"
		echo "AURMIG_TEST_PGSQL_SOCKET_DIR=$PG"
		echo "AURMIG_TEST_PGSQL_PORT=$PG_PORT"
		echo "AURMIG_TEST_PGSQL_ADMIN_USER=$PG_ADMIN"
		echo "AURMIG_TEST_PGSQL_ADMIN_URL=pgsql://$PG_ADMIN@:$PG_PORT/postgres?host=$PG"
		;;
	esac
	# the test user may create (and drop) databases: on MariaDB only names
	# starting with this prefix, on PostgreSQL any name (CREATEDB)
	echo "AURMIG_TEST_DB_PREFIX=aurmig_"
	echo "AURMIG_TEST_SERVERS_DIR=$BASE"
} >"$BASE/env.tmp"
mv "$BASE/env.tmp" "$BASE/env"
say "servers ready in $(( $(now_ms) - t_all )) ms; environment in $BASE/env"
