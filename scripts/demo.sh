#!/bin/sh
# The main job on an embedded SQLite database: build, then bring demo.db to
# the head of migrations/ and show where it stands.
#
# A new (or empty) demo.db is built with `aurmig init`: the head schema
# (migrations/schema/sqlite.sql) with aurweb's seed rows, stamped at the head.
# An existing one is upgraded with `aurmig upgrade heads`, which prints
# nothing when it is already there. Remove demo.db to start again.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
DB="sqlite:///$(pwd)/demo.db"
aurmig() { ./build/cli/aurmig --dir migrations --url "$DB" "$@"; }
tables=0
if [ -s demo.db ]; then
	tables=$(sqlite3 demo.db "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
fi
if [ "$tables" -eq 0 ]; then
	echo "--- demo.db is new: aurmig init"
	aurmig init
else
	echo "--- demo.db exists: aurmig upgrade heads"
	aurmig upgrade heads
fi
echo "--- current revision:"
aurmig current -v
aurmig check
