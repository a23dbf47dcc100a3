#!/usr/bin/env bash
# Hardening suite:
#   - every parser's libFuzzer harness (tests/fuzz/), built with clang-14
#     -fsanitize=fuzzer,address,undefined, run for a bounded time each;
#   - the C and CLI test suites built with -Db_sanitize=address,undefined,
#     run with meson's test setup 'asan' (tests/meson.build);
#   - the C test executables under valgrind (leaks, invalid accesses), with
#     the test setup 'valgrind'.
# One line per step, then 'N passed, N failed' last; exits non-zero on any
# failure. A failing step's log is printed (tail) and kept under
# build-hardening/logs/.
#
# Environment:
#   HARDENING_FUZZ_SECONDS  seconds per fuzzer (default 60)
#   HARDENING_PARTS         any of "fuzz asan valgrind" (default: all three)
#   HARDENING_DIR           work directory (default build-hardening)
#
# The fuzzers run one after another on one core while the sanitizer and
# valgrind suites use the other (2 cores: about 7 minutes with the default
# 60 s per fuzzer). A crash leaves its input in build-hardening/fuzz/artifacts/:
# fix the library, then add the input to tests/fuzz/<harness>/regressions/,
# which the normal test suite replays (suite "fuzz").
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
FUZZ_SECONDS=${HARDENING_FUZZ_SECONDS:-60}
PARTS=${HARDENING_PARTS:-fuzz asan valgrind}
WORK=${HARDENING_DIR:-build-hardening}
case "$WORK" in /*) ;; *) WORK=$ROOT/$WORK ;; esac
HARNESSES="script split url config target graph ini ddl lint"
# suites run under the sanitizers; "bindings" loads the library into PHP and
# Python, which would need the sanitizer runtime preloaded into them
ASAN_SUITES="unit integration hostile fuzz cli"
JOBS=$(nproc 2>/dev/null || echo 2)
START=$(date +%s)

mkdir -p "$WORK/logs" "$WORK/results"
rm -f "$WORK"/results/*

has_part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

# record NAME RC SECONDS: one result file per step, printed at the end in order
seq_no=0
record() {
	seq_no=$((seq_no + 1))
	printf '%s %s %s\n' "$1" "$2" "$3" >"$WORK/results/$BASHPID-$(printf '%03d' "$seq_no")"
}

# step NAME COMMAND...: run, log to logs/NAME.log, print one line
step() {
	local name=$1 t0 rc log
	shift
	log="$WORK/logs/$name.log"
	t0=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	record "$name" "$rc" "$(($(date +%s) - t0))"
	if [ "$rc" -eq 0 ]; then
		echo "hardening: PASS $name ($(($(date +%s) - t0)) s)"
	else
		echo "hardening: FAIL $name (exit $rc, $(($(date +%s) - t0)) s; log: $log)"
		tail -n 40 "$log" | sed 's/^/    /'
	fi
	return "$rc"
}

# ------------------------------------------------------------------ tools

need_tools() {
	local missing=""
	has_part fuzz && ! command -v clang-14 >/dev/null && missing="$missing clang-14"
	has_part valgrind && ! command -v valgrind >/dev/null && missing="$missing valgrind"
	if has_part fuzz && command -v clang-14 >/dev/null &&
		! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
		missing="$missing libclang-rt-14-dev"
	fi
	if [ -n "$missing" ]; then
		echo "hardening: missing$missing; running scripts/install-deps.sh"
		./scripts/install-deps.sh
	fi
}

# ------------------------------------------------------------------ fuzzing

FUZZ=$WORK/fuzz
CLANG_FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"

fuzz_build() {
	local version driver_dir pids="" rc=0 f o
	version=$(sed -n "s/^ *version: *'\([0-9.]*\)'.*/\1/p" meson.build | head -n1)
	driver_dir="$(pkg-config --variable=libdir dbi 2>/dev/null || echo /usr/lib/x86_64-linux-gnu)/dbd"
	rm -rf "$FUZZ/obj" "$FUZZ/include" "$FUZZ/artifacts"
	mkdir -p "$FUZZ/obj" "$FUZZ/include/aurmig" "$FUZZ/bin" "$FUZZ/artifacts"
	sed -e "s/@VERSION@/$version/" -e "s/@MAJOR@/${version%%.*}/" \
		-e "s/@MINOR@/$(echo "$version" | cut -d. -f2)/" -e "s/@PATCH@/${version##*.}/" \
		include/aurmig/version.h.in >"$FUZZ/include/aurmig/version.h"
	# lib/*/*.c once (instrumented for coverage), then one binary per harness
	for f in lib/*/*.c; do
		# the layer in the name: two layers may hold files of one name (db/waits.c, run/waits.c)
		o="$FUZZ/obj/$(basename "$(dirname "$f")")_$(basename "$f" .c).o"
		clang-14 $CLANG_FLAGS -fsanitize=fuzzer-no-link -std=c11 -D_GNU_SOURCE -DAURMIG_BUILDING \
			"-DAURMIG_DBI_DRIVER_DIR=\"$driver_dir\"" -Iinclude -I"$FUZZ/include" -Ilib \
			$(pkg-config --cflags dbi nettle) \
			-c "$f" -o "$o" &
		pids="$pids $!"
		if [ "$(echo $pids | wc -w)" -ge "$JOBS" ]; then
			for p in $pids; do wait "$p" || rc=1; done
			pids=""
		fi
	done
	for p in $pids; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ] || return 1
	for h in $HARNESSES; do
		clang-14 $CLANG_FLAGS -fsanitize=fuzzer -std=c11 -D_GNU_SOURCE -Iinclude -I"$FUZZ/include" -Ilib \
			"$FUZZ"/obj/*.o "tests/fuzz/fuzz_$h.c" -o "$FUZZ/bin/fuzz_$h" \
			$(pkg-config --libs dbi nettle) -lpthread || return 1
	done
}

# fuzz_run HARNESS: the seed corpus and the regressions are read, new inputs
# go to a work corpus kept between runs (under $WORK, never into tests/)
fuzz_run() {
	local h=$1
	mkdir -p "$FUZZ/corpus/$h"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$FUZZ/bin/fuzz_$h" -max_total_time="$FUZZ_SECONDS" -max_len=8192 -timeout=20 \
		-rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$h-" \
		"$FUZZ/corpus/$h" "tests/fuzz/$h/corpus" "tests/fuzz/$h/regressions"
}

fuzz_all() {
	if ! step fuzz-build fuzz_build; then
		for h in $HARNESSES; do record "fuzz-$h" 1 0; echo "hardening: FAIL fuzz-$h (not built)"; done
		return
	fi
	for h in $HARNESSES; do
		step "fuzz-$h" fuzz_run "$h"
	done
}

# ------------------------------------------------------------------ sanitizers

ASAN=$WORK/asan

# The environment of the sanitizer and valgrind runs lives in meson's test
# setups 'asan' and 'valgrind' (tests/meson.build); this script only builds
# and drives them.
asan_build() {
	if [ ! -f "$ASAN/build.ninja" ]; then
		meson setup "$ASAN" -Db_sanitize=address,undefined -Db_lundef=false || return 1
	fi
	ninja -C "$ASAN"
}

asan_suite() {
	meson test -C "$ASAN" --setup=asan --print-errorlogs --no-rebuild --num-processes 1 \
		--logbase "asan-$1" --suite "$1"
}

# c_tests BUILDDIR SUITE: the C test executables (not the Python/PHP-driven tests) of a suite
c_tests() {
	python3 - "$1/meson-info/intro-tests.json" "$2" <<'PY'
import json, os, sys
for t in json.load(open(sys.argv[1])):
    exe = os.path.basename(t["cmd"][0])
    if "libaurmig:" + sys.argv[2] in t["suite"] and not exe.startswith(("python", "php", "sh", "bash")):
        print(t["name"])
PY
}

VG=$WORK/valgrind

valgrind_build() {
	if [ ! -f "$VG/build.ninja" ]; then
		meson setup "$VG" || return 1
	fi
	ninja -C "$VG"
}

valgrind_suite() {
	meson test -C "$VG" --setup=valgrind --print-errorlogs --no-rebuild --num-processes 1 \
		--logbase "valgrind-$1" "${@:2}"
}

sanitizers_all() {
	local tests
	if has_part asan; then
		if step asan-build asan_build; then
			for s in $ASAN_SUITES; do
				step "asan-$s" asan_suite "$s"
			done
		else
			for s in $ASAN_SUITES; do record "asan-$s" 1 0; echo "hardening: FAIL asan-$s (not built)"; done
		fi
	fi
	if has_part valgrind; then
		if step valgrind-build valgrind_build; then
			for s in $ASAN_SUITES; do
				tests=$(c_tests "$VG" "$s")
				[ -n "$tests" ] || continue
				# shellcheck disable=SC2086
				step "valgrind-$s" valgrind_suite "$s" $tests
			done
		else
			record valgrind 1 0
			echo "hardening: FAIL valgrind (not built)"
		fi
	fi
}

# ------------------------------------------------------------------ main

need_tools
FUZZ_PID=
if has_part fuzz; then
	fuzz_all &
	FUZZ_PID=$!
fi
stop_fuzz() {
	[ -n "$FUZZ_PID" ] || return 0
	pkill -TERM -P "$FUZZ_PID" 2>/dev/null
	kill "$FUZZ_PID" 2>/dev/null
}
trap 'stop_fuzz; exit 130' INT
trap 'stop_fuzz; exit 143' TERM
sanitizers_all
if [ -n "$FUZZ_PID" ]; then
	wait "$FUZZ_PID"
fi

passed=0
failed=0
for f in "$WORK"/results/*; do
	[ -e "$f" ] || continue
	read -r name rc secs <"$f"
	if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
artifacts=$(ls "$FUZZ/artifacts" 2>/dev/null | wc -l)
[ "$artifacts" -eq 0 ] || echo "hardening: $artifacts fuzzer artifact(s) in $FUZZ/artifacts"
echo "hardening: done in $(($(date +%s) - START)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
