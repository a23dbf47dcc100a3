#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Stop the servers tests/servers/start.sh started.
#
#   tests/servers/stop.sh [BASE]         (BASE defaults to build/test-servers)
#
# Each server is found by its pid file (and checked to be the expected
# program, so a recycled pid is never hit): mariadbd gets SIGTERM,
# the PostgreSQL postmaster SIGINT (fast shutdown). After
# AURMIG_TEST_SERVER_STOP_TIMEOUT seconds (default 30) the server and its
# child processes are killed (SIGKILL). Data directories are kept (start.sh reuses
# them); remove BASE to start from scratch. Nothing running is not an error.
set -u

BASE=${1:-build/test-servers}
TIMEOUT=${AURMIG_TEST_SERVER_STOP_TIMEOUT:-30}
WHICH=${AURMIG_TEST_SERVERS:-mysql,pgsql}

say() { echo "test-servers: $*" >&2; }

[ -d "$BASE" ] || exit 0
BASE=$(cd "$BASE" && pwd)

# running PID: the process exists and is not a zombie (an init that does
# not reap, as in some containers, leaves the stopped server as one)
running() {
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# pid_of PIDFILE NAME: print the pid on the first line of PIDFILE if it is a running NAME
pid_of() {
	[ -s "$1" ] || return 1
	p=$(head -n1 "$1" 2>/dev/null) || return 1
	case "$p" in ''|*[!0-9]*) return 1;; esac
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && running "$p" || return 1
	echo "$p"
}

# stop_pid PID SIGNAL LABEL
stop_pid() {
	pid=$1
	kill -"$2" "$pid" 2>/dev/null || return 0
	deadline=$(( $(date +%s) + TIMEOUT ))
	while running "$pid"; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			say "$3 (pid $pid) still running after ${TIMEOUT}s: killing it and its children"
			# PostgreSQL's backends each run in their own session: by parent pid
			pkill -KILL -P "$pid" 2>/dev/null
			kill -KILL "$pid" 2>/dev/null
			sleep 0.2
			break
		fi
		sleep 0.05
	done
	say "$3 stopped (pid $pid)"
}

rc=0
case ",$WHICH," in *,mysql,*)
	MY=$BASE/mariadb
	# mariadbd's own pid file, or, when start-up was interrupted before it
	# wrote one, the pid start.sh launched
	pid=$(pid_of "$MY/mariadbd.pid" mariadbd || pid_of "$MY/launch.pid" mariadbd) &&
		stop_pid "$pid" TERM mariadb
	if pid=$(pid_of "$MY/launch.pid" mariadbd); then
		say "error: mariadb (pid $pid) did not stop"
		rc=1
	fi
	rm -f "$MY/launch.pid"
	;;
esac
case ",$WHICH," in *,pgsql,*)
	PG=$BASE/pgsql
	pid=$(pid_of "$PG/data/postmaster.pid" postgres) &&
		stop_pid "$pid" INT postgresql
	if pid=$(pid_of "$PG/data/postmaster.pid" postgres); then
		say "error: postgresql (pid $pid) did not stop"
		rc=1
	fi
	;;
esac
exit $rc
