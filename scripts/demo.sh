#!/bin/sh
# The main job on an embedded SQLite database: build, migrate demo.db with
# migrations/ up to head, and show where it stands.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
DB="sqlite:///$(pwd)/demo.db"
./build/cli/aurmig --dir migrations --url "$DB" upgrade heads
echo "--- current revision:"
./build/cli/aurmig --dir migrations --url "$DB" current -v
./build/cli/aurmig --dir migrations --url "$DB" check
