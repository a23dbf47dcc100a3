#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Benchmarks of libaurmig against Alembic and the raw SQL clients.
#
#   bench/run.sh [--quick] [--runs N] [--tree | --build DIR] [--no-mariadb | --mariadb-env FILE]
#
# Builds libaurmig (by default from a snapshot of the last commit, so the
# figures belong to a commit), generates the corpora, starts a private
# MariaDB server, times everything and writes bench/RESULTS.md. See
# bench/README.md for what is measured and how.
#
#   --quick            3 runs per case instead of 7, MariaDB N=100 only, no
#                      Alembic and no callgrind on the 10k graphs (Alembic's
#                      `current` alone takes about a minute there)
#   --runs N           runs per case
#   --tree             build the working tree as it is (uncommitted edits included)
#   --build DIR        use an existing meson build directory (e.g. build)
#   --no-mariadb       leave MariaDB out
#   --mariadb-env FILE use the server described by FILE (the env file of
#                      tests/servers/start.sh) instead of starting one
#   --report-only      only rewrite bench/RESULTS.md from bench/out/results.json
#   --aur              instead: aurweb's chain 2020 -> head on AUR-sized data
#                      (bench/aurgen.py, bench/aurbench.py), SQLite and MariaDB,
#                      against the raw clients, with MariaDB write stalls; its
#                      section of bench/RESULTS.md only
#   --scale F          with --aur: the data's scale (1 = the AUR's size; repeatable;
#                      default 0.1 and 0.3); --runs N: MariaDB rounds (default 3)
#
# Environment: BENCH_OUT (work directory, default bench/out),
# BENCH_MYSQL_PORT (the private server's port, default 33091).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${BENCH_OUT:-$HERE/out}
PY=/usr/bin/python3

quick=0
runs=""
source=head
build=""
mariadb=auto
mariadb_env=""
report_only=0
aur=0
scales=""
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1 ;;
	--runs) runs=$2; shift ;;
	--tree) source=tree ;;
	--build) source=build; build=$2; shift ;;
	--no-mariadb) mariadb=no ;;
	--mariadb-env) mariadb=env; mariadb_env=$2; shift ;;
	--report-only) report_only=1 ;;
	--aur) aur=1 ;;
	--scale) scales="$scales --scale $2"; shift ;;
	-h|--help) sed -n '3,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

say() { echo "bench: $*" >&2; }
die() { say "error: $*"; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ $report_only -eq 1 ]; then
	exec $PY "$HERE/bench.py" --out "$OUT" --report-only
fi

# --- what is needed -------------------------------------------------------------
missing=""
for t in gcc meson ninja sqlite3 pkg-config; do
	command -v $t >/dev/null 2>&1 || missing="$missing $t"
done
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time(package time)"
$PY -c 'import alembic, sqlalchemy' 2>/dev/null || missing="$missing python3-alembic"
[ -z "$missing" ] || die "missing:$missing; run scripts/install-deps.sh"
command -v valgrind >/dev/null 2>&1 || say "valgrind not found: no instruction counts"
command -v strace >/dev/null 2>&1 || say "strace not found: no system call counts"

# --- build ----------------------------------------------------------------------
case $source in
head)
	commit=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null) || die "not a git checkout: use --tree or --build DIR"
	src=$OUT/src
	if [ "$(cat "$src/.commit" 2>/dev/null)" != "$commit" ]; then
		say "snapshot of $commit in $src"
		rm -rf "$src"
		mkdir -p "$src"
		git -C "$ROOT" archive "$commit" | tar -x -C "$src"
		echo "$commit" >"$src/.commit"
	fi
	build=$OUT/build
	desc="commit $commit (git archive snapshot)"
	;;
tree)
	src=$ROOT
	build=$OUT/build-tree
	desc="working tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' + uncommitted changes')"
	;;
build)
	build=$(cd "$build" && pwd)
	src=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["directories"]["source"])' \
		"$build/meson-info/meson-info.json") || die "$build is not a meson build directory"
	desc="existing build $build"
	;;
esac
if [ "$source" != build ]; then
	if [ ! -f "$build/build.ninja" ]; then
		say "meson setup $build"
		(cd "$src" && meson setup "$build" -Dtests=false >"$OUT/meson-setup.log" 2>&1) ||
			{ tail -20 "$OUT/meson-setup.log" >&2; die "meson setup failed"; }
	fi
	say "ninja -C $build"
	ninja -C "$build" >"$OUT/ninja.log" 2>&1 || { tail -30 "$OUT/ninja.log" >&2; die "build failed"; }
fi
buildtype=$($PY -c 'import json,sys
for o in json.load(open(sys.argv[1])):
    if o["name"] == "buildtype": print(o["value"])' "$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo "?")
AURMIG=$build/cli/aurmig
[ -x "$AURMIG" ] || die "no $AURMIG"

if [ $aur -eq 0 ]; then
say "compiling bench/micro.c"
# shellcheck disable=SC2046
gcc -std=c11 -O2 -g -Wall -Wextra -o "$OUT/micro" "$HERE/micro.c" \
	-I"$src/include" -I"$build/include" -I"$src/lib" $(pkg-config --cflags dbi) \
	"$build/lib/libaurmig_internal.a" $(pkg-config --libs dbi nettle) -lpthread ||
	die "compiling micro.c failed"

# --- corpora ----------------------------------------------------------------------
sizes=10,100,1000
graph_sizes=1000,10000,100000
mysql_sizes=10,100
cg_graph_max=10000
alembic_max=10000
if [ $quick -eq 1 ]; then
	: "${runs:=3}"
	mysql_sizes=100
	cg_graph_max=1000
	alembic_max=1000
fi
: "${runs:=7}"
say "generating corpora in $OUT/corpus"
$PY "$HERE/gen.py" "$OUT/corpus" --sizes $sizes --graph-sizes $graph_sizes

fi

# --- MariaDB ------------------------------------------------------------------------
servers=""
cleanup() {
	if [ -n "$servers" ]; then
		AURMIG_TEST_SERVERS=mysql "$ROOT/tests/servers/stop.sh" "$servers" || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
case $mariadb in
auto)
	if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
		# the port names the directory too: benchmarks of two checkouts at
		# once (each with its own BENCH_MYSQL_PORT) do not share a server
		servers=${TMPDIR:-/tmp}/aurmig-bench-servers-${BENCH_MYSQL_PORT:-33091}
		my_options=""
		if [ $aur -eq 1 ]; then
			# issue 20's setting for AUR-sized data: MariaDB's durable
			# defaults (a flush at each commit, the doublewrite buffer,
			# its default redo log) and a 1 GB buffer pool, not the test
			# servers' fast non-durable ones; its own directory, so that a
			# test server left running is not reused with other settings
			servers=$servers-aur
			my_options="--innodb-flush-log-at-trx-commit=1 --innodb-doublewrite=1"
			my_options="$my_options --innodb-buffer-pool-size=1G --innodb-log-file-size=96M"
		fi
		say "starting a private MariaDB in $servers (port ${BENCH_MYSQL_PORT:-33091})"
		if AURMIG_TEST_SERVERS=mysql AURMIG_TEST_MYSQL_PORT=${BENCH_MYSQL_PORT:-33091} \
			AURMIG_TEST_MYSQL_OPTIONS=$my_options "$ROOT/tests/servers/start.sh" "$servers"; then
			mariadb_env=$servers/env
		else
			say "MariaDB did not start: leaving it out"
			mariadb_env=""
		fi
	else
		say "no mariadbd: leaving MariaDB out"
	fi
	;;
env) [ -r "$mariadb_env" ] || die "cannot read $mariadb_env" ;;
no) ;;
esac

# --- run ----------------------------------------------------------------------------
if [ $aur -eq 1 ]; then
	[ -n "$scales" ] || scales="--scale 0.1 --scale 0.3"
	backends=sqlite
	mysql_url=""
	if [ -n "$mariadb_env" ]; then
		mysql_url=$(sed -n 's/^AURMIG_TEST_MYSQL_URL=//p' "$mariadb_env")
		backends=sqlite,mysql
	fi
	# "today's floor" of issue 20's MariaDB targets: the chain before its
	# rewrites (72bfc23), when the clone has that commit
	baseline=""
	if git -C "$ROOT" cat-file -e "72bfc23^{commit}" 2>/dev/null; then
		baseline="--baseline 72bfc23"
	fi
	# shellcheck disable=SC2086
	# MariaDB's durable commits on a shared disk vary from run to run: the
	# median of --runs rounds (default 3), each on fresh databases
	$PY "$HERE/aurbench.py" --aurmig "$AURMIG" --out "$OUT" --results "$HERE/RESULTS.md" --writers --keep $baseline \
		--rounds "${runs:-3}" \
		--backends $backends ${mysql_url:+--mysql-url "$mysql_url"} $scales
	exit $?
fi
set -- --out "$OUT" --aurmig "$AURMIG" --micro "$OUT/micro" --runs "$runs" \
	--sizes $sizes --graph-sizes $graph_sizes --mysql-sizes $mysql_sizes \
	--callgrind-graph-max $cg_graph_max --alembic-max $alembic_max --source-desc "$desc" --buildtype "$buildtype" \
	--results "$HERE/RESULTS.md"
[ -z "$mariadb_env" ] || set -- "$@" --mysql-env "$mariadb_env"
[ $quick -eq 0 ] || set -- "$@" --quick
$PY "$HERE/bench.py" "$@"
