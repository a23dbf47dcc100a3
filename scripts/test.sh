#!/bin/sh
# Install what is missing, build, start the throwaway MariaDB and PostgreSQL
# servers (tests/servers/start.sh), and run the whole test suite with their
# URLs in the environment (AURMIG_TEST_MYSQL_URL, AURMIG_TEST_PGSQL_URL, ...:
# see build/test-servers/env). The servers are stopped on exit, also after a
# failure, ctrl-C or SIGTERM.
# Prints 'N passed, N failed' last; exits non-zero on any failure.
#
# AURMIG_TEST_SERVERS: "mysql,pgsql" (default), one of them, or "none" to
# start no server (tests that need one see no URL then).
set -u
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
[ -d build ] || meson setup build || exit 1

# One run at a time per build directory: runs share the build, the servers,
# their databases and meson's log. fd 9 holds the lock; nothing started from
# here that may outlive us (the servers) may inherit it.
exec 9>build/.test.lock
if ! flock -n 9; then
	echo "test.sh: waiting for another test run in this tree to end" >&2
	flock 9
fi
ninja -C build 9>&- || exit 1

SERVERS_DIR=build/test-servers
SERVERS=${AURMIG_TEST_SERVERS:-mysql,pgsql}
MESON_PID=
SERVERS_UP=0
stop_servers() {
	[ "$SERVERS_UP" -eq 1 ] || return 0
	SERVERS_UP=0
	AURMIG_TEST_SERVERS=$SERVERS tests/servers/stop.sh "$SERVERS_DIR" 9>&-
}
finish() {
	rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$MESON_PID" ]; then
		# interrupted: meson test ends its running tests on SIGTERM
		kill -TERM "$MESON_PID" 2>/dev/null
		wait "$MESON_PID" 2>/dev/null
	fi
	stop_servers || rc=1
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [ "$SERVERS" != none ]; then
	SERVERS_UP=1
	if ! AURMIG_TEST_SERVERS=$SERVERS tests/servers/start.sh "$SERVERS_DIR" 9>&-; then
		echo "test.sh: the test database servers did not start (logs under $SERVERS_DIR)" >&2
		stop_servers
		echo "0 passed, 1 failed"
		exit 1
	fi
	set -a
	. "$SERVERS_DIR/env"
	set +a
fi

# In the background, so that a signal reaches our traps at once (a shell
# runs traps only after a foreground command ends) and the servers are
# stopped even when meson is slow to react.
meson test -C build --print-errorlogs "$@" 9>&- &
MESON_PID=$!
wait "$MESON_PID"
rc=$?
MESON_PID=
# before the summary, which must stay the last line
stop_servers || rc=1
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = 0
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError as e:
    print("test.sh: %s" % e, file=sys.stderr)
    lines, failed = [], 1
for line in lines:
    line = line.strip()
    if not line:
        continue
    try:
        r = json.loads(line)
    except ValueError:
        # a torn line (another 'meson test' writing the same log?)
        print("test.sh: unreadable line in %s" % sys.argv[1], file=sys.stderr)
        failed += 1
        continue
    if r.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
        passed += r.get("result") != "SKIP"
    else:
        failed += 1
print("%d passed, %d failed" % (passed, failed))
PY
exit $rc
