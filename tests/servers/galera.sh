#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A throwaway 3-node MariaDB Galera cluster on loopback, for tests.
#
#   tests/servers/galera.sh start BASE   start it (prints the URLs, one a line)
#   tests/servers/galera.sh stop BASE    stop it (nothing running: not an error)
#
# Needs Debian's galera-4, mariadb-server and rsync (scripts/install-deps.sh).
# Node N (1..3) has its data under BASE/nodeN, its socket BASE/nodeN/sock,
# and listens on 127.0.0.1 only:
#   client  AURMIG_TEST_GALERA_PORT + N - 1       (default 33111)
#   gcomm   AURMIG_TEST_GALERA_GCOMM_PORT + N - 1 (default 45671)
#   IST     AURMIG_TEST_GALERA_IST_PORT + N - 1   (default 45681)
#   SST     AURMIG_TEST_GALERA_SST_PORT + N - 1   (default 45691)
# Node 1 bootstraps the cluster (--wsrep-new-cluster), nodes 2 and 3 join
# it with an rsync state transfer. The output, on success:
#   AURMIG_TEST_GALERA_URL1=mysql://aurmig:aurmig@127.0.0.1:33111/aurmig_galera
#   ... URL2, URL3, and AURMIG_TEST_GALERA_SOCKET1..3 (root over the socket)
# Data directories are made anew on every start. When one of these ports is
# in use, all of them move up by 1000 (up to five times); the URLs printed
# say where the nodes listen.
set -u

CMD=${1:-}
BASE=${2:-build/test-galera}
CPORT=${AURMIG_TEST_GALERA_PORT:-33111}
GPORT=${AURMIG_TEST_GALERA_GCOMM_PORT:-45671}
IPORT=${AURMIG_TEST_GALERA_IST_PORT:-45681}
SPORT=${AURMIG_TEST_GALERA_SST_PORT:-45691}
TIMEOUT=${AURMIG_TEST_GALERA_TIMEOUT:-60}
PROVIDER=/usr/lib/galera/libgalera_smm.so

say() { echo "galera: $*" >&2; }
die() { say "$*"; exit 1; }

if [ "$(id -u)" -eq 0 ]; then OSUSER=mysql; ADMIN=root; else OSUSER=$(id -un); ADMIN=$OSUSER; fi

running() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

stop_node() {
	d=$BASE/node$1
	[ -f "$d/launch.pid" ] || return 0
	pid=$(head -n1 "$d/launch.pid")
	rm -f "$d/launch.pid"
	running "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	n=0
	while running "$pid" && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
	running "$pid" && kill -KILL "$pid" 2>/dev/null
	# the rsync daemon an interrupted state transfer may leave
	[ -f "$d/data/rsync_sst.pid" ] && kill -KILL "$(cat "$d/data/rsync_sst.pid")" 2>/dev/null
	return 0
}

start_node() {   # N [--wsrep-new-cluster]
	n=$1; shift
	d=$BASE/node$n
	i=$((n - 1))
	peers="127.0.0.1:$GPORT,127.0.0.1:$((GPORT + 1)),127.0.0.1:$((GPORT + 2))"
	mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	TMPDIR=$d/tmp setsid "$mariadbd" --no-defaults --user="$OSUSER" \
		--datadir="$d/data" --socket="$d/sock" --port=$((CPORT + i)) --bind-address=127.0.0.1 \
		--skip-name-resolve --pid-file="$d/mariadbd.pid" --log-error="$d/error.log" --tmpdir="$d/tmp" \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
		--innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
		--innodb-buffer-pool-size=32M --innodb-log-file-size=16M --max-connections=100 \
		--binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 \
		--wsrep-on=ON --wsrep-provider=$PROVIDER --wsrep-cluster-name=aurmig_test \
		--wsrep-cluster-address="gcomm://$peers" --wsrep-node-name=node$n \
		--wsrep-node-address=127.0.0.1:$((GPORT + i)) \
		--wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:$((GPORT + i));ist.recv_addr=127.0.0.1:$((IPORT + i));gcache.size=32M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S" \
		--wsrep-sst-method=rsync --wsrep-sst-receive-address=127.0.0.1:$((SPORT + i)) \
		"$@" </dev/null >"$d/stdout.log" 2>&1 &
	echo $! >"$d/launch.pid"
}

wait_synced() {   # N [start_node's arguments, for a second start]
	n=$1; shift
	args="$*"
	tries=0
	d=$BASE/node$n
	deadline=$(( $(date +%s) + TIMEOUT ))
	while :; do
		s=$(mariadb --no-defaults --socket="$d/sock" -u "$ADMIN" --batch --skip-column-names \
			-e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='WSREP_LOCAL_STATE_COMMENT'" 2>/dev/null)
		[ "$s" = Synced ] && return 0
		if ! running "$(head -n1 "$d/launch.pid")"; then
			# the client port is in the ephemeral range: another program's
			# outgoing connection may hold it for a moment; start again
			if grep -q "Bind on TCP/IP port" "$d/error.log" && [ "${tries:-0}" -lt 5 ]; then
				tries=$((${tries:-0} + 1))
				say "node $n: port $((CPORT + n - 1)) was busy; starting it again ($tries)"
				rm -rf "$d/data" "$d/sock" "$d/mariadbd.pid"
				cp -a "$BASE/template" "$d/data"
				mv "$d/error.log" "$d/error.log.$tries"
				sleep 1
				start_node "$n" $args
				continue
			fi
			tail -n 30 "$d/error.log" >&2
			die "node $n exited (log: $d/error.log)"
		fi
		[ "$(date +%s)" -lt "$deadline" ] || { tail -n 30 "$d/error.log" >&2; die "node $n not synced after ${TIMEOUT}s"; }
		sleep 0.3
	done
}

case $CMD in
stop)
	[ -d "$BASE" ] || exit 0
	for n in 3 2 1; do stop_node $n; done
	exit 0;;
start) ;;
*) die "usage: galera.sh start|stop BASE";;
esac

[ -f "$PROVIDER" ] || die "galera-4 is not installed ($PROVIDER): run scripts/install-deps.sh"
command -v rsync >/dev/null 2>&1 || die "rsync is not installed: run scripts/install-deps.sh"

# A port another program (or a second checkout's cluster) holds makes a
# joiner fail its state transfer with "Address already in use": before
# starting, move all twelve ports up by 1000 until they are free (5 tries).
busy_port() { ss -Htan "( sport = :$1 )" 2>/dev/null | grep -q .; }
first_busy() {
	for b in "$CPORT" "$GPORT" "$IPORT" "$SPORT"; do
		for i in 0 1 2; do
			if busy_port $((b + i)); then echo $((b + i)); return 0; fi
		done
	done
	return 1
}
shifts=0
while p=$(first_busy); do
	[ $shifts -lt 5 ] || die "port $p is in use, also after moving the ports $shifts times; set AURMIG_TEST_GALERA_*PORT"
	shifts=$((shifts + 1))
	say "port $p is in use: moving the cluster's ports up by 1000"
	CPORT=$((CPORT + 1000)); GPORT=$((GPORT + 1000)); IPORT=$((IPORT + 1000)); SPORT=$((SPORT + 1000))
done
mkdir -p "$BASE"
BASE=$(cd "$BASE" && pwd)
for n in 3 2 1; do stop_node $n; done
rm -rf "$BASE/node1" "$BASE/node2" "$BASE/node3"
mkdir -p "$BASE/node1/data" "$BASE/node1/tmp"
[ "$(id -u)" -ne 0 ] || chown -R "$OSUSER:" "$BASE/node1"
TMPDIR=$BASE/node1/tmp mariadb-install-db --no-defaults --user="$OSUSER" --datadir="$BASE/node1/data" \
	--auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
	>"$BASE/node1/install-db.log" 2>&1 || die "mariadb-install-db failed (log: $BASE/node1/install-db.log)"
rm -rf "$BASE/template"
cp -a "$BASE/node1/data" "$BASE/template"
for n in 2 3; do
	mkdir -p "$BASE/node$n/tmp"
	cp -a "$BASE/template" "$BASE/node$n/data"
	[ "$(id -u)" -ne 0 ] || chown -R "$OSUSER:" "$BASE/node$n"
done
start_node 1 --wsrep-new-cluster
wait_synced 1 --wsrep-new-cluster
mariadb --no-defaults --socket="$BASE/node1/sock" -u "$ADMIN" <<-EOF || die "creating the test user failed"
	CREATE USER IF NOT EXISTS 'aurmig'@'127.0.0.1' IDENTIFIED BY 'aurmig';
	GRANT ALL ON *.* TO 'aurmig'@'127.0.0.1';
EOF
start_node 2
wait_synced 2
start_node 3
wait_synced 3
for n in 1 2 3; do
	echo "AURMIG_TEST_GALERA_URL$n=mysql://aurmig:aurmig@127.0.0.1:$((CPORT + n - 1))/"
	echo "AURMIG_TEST_GALERA_SOCKET$n=$BASE/node$n/sock"
done
