#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A throwaway MariaDB primary and one read-only replica on loopback, for tests.
#
#   tests/servers/replica.sh start BASE   start them (prints the access, KEY=VALUE a line)
#   tests/servers/replica.sh stop BASE    stop them (nothing running: not an error)
#
# The primary (BASE/primary) writes a binary log (log-bin, server-id 1);
# the replica (BASE/replica, server-id 2, read_only=1, its own binary log
# without the replicated events, log-slave-updates off) replicates from it
# over 127.0.0.1 with GTIDs (CHANGE MASTER TO ... MASTER_USE_GTID=slave_pos;
# START SLAVE). Both start from the same freshly installed data directory,
# so the replica applies everything the primary logs from its start: the
# users below are made on the primary and replicated.
#   primary  127.0.0.1:AURMIG_TEST_REPLICA_PORT       (default 33121)
#   replica  127.0.0.1:AURMIG_TEST_REPLICA_PORT + 1   (default 33122)
# Users (on both): aurmig / aurmig (ALL on `aurmig\_%`.*, no privilege to see
# the replication state), aurmon / aurmon (the same plus SLAVE MONITOR:
# reads Seconds_Behind_Master), repl (REPLICATION SLAVE, for the replica).
# Root over each server's socket (BASE/NAME/sock). The output, on success:
#   AURMIG_TEST_REPLICA_PRIMARY_PORT=33121, AURMIG_TEST_REPLICA_PORT=33122,
#   AURMIG_TEST_REPLICA_PRIMARY_SOCKET=..., AURMIG_TEST_REPLICA_SOCKET=...
# Data directories are made anew on every start.
set -u

CMD=${1:-}
BASE=${2:-build/test-replica}
PORT=${AURMIG_TEST_REPLICA_PORT:-33121}
TIMEOUT=${AURMIG_TEST_REPLICA_TIMEOUT:-60}

say() { echo "replica: $*" >&2; }
die() { say "$*"; exit 1; }

case "$PORT" in ''|*[!0-9]*) die "port '$PORT' is not a number";; esac
if [ "$(id -u)" -eq 0 ]; then OSUSER=mysql; ADMIN=root; else OSUSER=$(id -un); ADMIN=$OSUSER; fi

running() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

stop_server() {
	d=$BASE/$1
	[ -f "$d/launch.pid" ] || return 0
	pid=$(head -n1 "$d/launch.pid")
	rm -f "$d/launch.pid"
	running "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	n=0
	while running "$pid" && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
	running "$pid" && kill -KILL "$pid" 2>/dev/null
	return 0
}

start_server() {   # NAME PORT SERVER_ID [options]
	name=$1 port=$2 id=$3
	shift 3
	d=$BASE/$name
	mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	TMPDIR=$d/tmp setsid "$mariadbd" --no-defaults --user="$OSUSER" \
		--datadir="$d/data" --socket="$d/sock" --port="$port" --bind-address=127.0.0.1 \
		--skip-name-resolve --pid-file="$d/mariadbd.pid" --log-error="$d/error.log" --tmpdir="$d/tmp" \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
		--innodb-buffer-pool-size=32M --innodb-log-file-size=16M --max-connections=100 \
		--server-id="$id" --log-bin="$d/data/binlog" --binlog-format=ROW \
		"$@" </dev/null >"$d/stdout.log" 2>&1 &
	echo $! >"$d/launch.pid"
	deadline=$(( $(date +%s) + TIMEOUT ))
	until mariadb-admin --no-defaults --socket="$d/sock" -u "$ADMIN" --connect-timeout=2 ping >/dev/null 2>&1; do
		if ! running "$(head -n1 "$d/launch.pid")"; then
			tail -n 30 "$d/error.log" >&2
			die "$name exited during start-up (log: $d/error.log)"
		fi
		[ "$(date +%s)" -lt "$deadline" ] || { tail -n 30 "$d/error.log" >&2; die "$name not ready after ${TIMEOUT}s"; }
		sleep 0.1
	done
}

sql() {   # NAME, SQL on stdin
	mariadb --no-defaults --socket="$BASE/$1/sock" -u "$ADMIN" --batch --skip-column-names
}

case $CMD in
stop)
	[ -d "$BASE" ] || exit 0
	BASE=$(cd "$BASE" && pwd)
	stop_server replica
	stop_server primary
	exit 0;;
start) ;;
*) die "usage: replica.sh start|stop BASE";;
esac

command -v mariadb-install-db >/dev/null 2>&1 || die "mariadb-install-db not found: run scripts/install-deps.sh"
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
[ ${#BASE} -le 90 ] || die "base directory '$BASE' is too long for unix socket paths"
stop_server replica
stop_server primary
rm -rf "$BASE/primary" "$BASE/replica" "$BASE/template"
mkdir -p "$BASE/primary/tmp" "$BASE/replica/tmp" "$BASE/template"
TMPDIR=$BASE/primary/tmp mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$BASE/template" \
	--auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
	>"$BASE/install-db.log" 2>&1 || die "mariadb-install-db failed (log: $BASE/install-db.log)"
cp -a "$BASE/template" "$BASE/primary/data"
cp -a "$BASE/template" "$BASE/replica/data"
[ "$(id -u)" -ne 0 ] || chown -R "$OSUSER:" "$BASE/primary" "$BASE/replica"

start_server primary "$PORT" 1
sql primary <<-EOF || die "creating the users on the primary failed"
	CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl';
	GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1';
	CREATE USER 'aurmig'@'127.0.0.1' IDENTIFIED BY 'aurmig';
	GRANT ALL PRIVILEGES ON \`aurmig\\_%\`.* TO 'aurmig'@'127.0.0.1';
	CREATE USER 'aurmon'@'127.0.0.1' IDENTIFIED BY 'aurmon';
	GRANT ALL PRIVILEGES ON \`aurmig\\_%\`.* TO 'aurmon'@'127.0.0.1';
	GRANT SLAVE MONITOR ON *.* TO 'aurmon'@'127.0.0.1';
EOF
start_server replica $((PORT + 1)) 2 --read-only=1 --log-slave-updates=0 --relay-log="$BASE/replica/data/relay"
sql replica <<-EOF || die "starting replication on the replica failed"
	CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$PORT, MASTER_USER='repl',
		MASTER_PASSWORD='repl', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
	START SLAVE;
EOF
# running, and caught up with the users
deadline=$(( $(date +%s) + TIMEOUT ))
until [ "$(echo "SELECT COUNT(*) FROM mysql.user WHERE User = 'aurmon'" | sql replica 2>/dev/null)" = 1 ]; do
	[ "$(date +%s)" -lt "$deadline" ] || {
		echo "SHOW SLAVE STATUS\G" | sql replica >&2
		die "the replica did not catch up in ${TIMEOUT}s (log: $BASE/replica/error.log)"
	}
	sleep 0.2
done
echo "AURMIG_TEST_REPLICA_PRIMARY_PORT=$PORT"
echo "AURMIG_TEST_REPLICA_PORT=$((PORT + 1))"
echo "AURMIG_TEST_REPLICA_PRIMARY_SOCKET=$BASE/primary/sock"
echo "AURMIG_TEST_REPLICA_SOCKET=$BASE/replica/sock"
