#!/bin/sh
# Install what is missing, build, and run the whole test suite.
# Prints 'N passed, N failed' last; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
./scripts/install-deps.sh || exit 1
[ -d build ] || meson setup build || exit 1
ninja -C build || exit 1
meson test -C build --print-errorlogs "$@"
rc=$?
python3 - build/meson-logs/testlog.json <<'PY'
import json, sys
passed = failed = 0
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        if r.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
            passed += r.get("result") != "SKIP"
        else:
            failed += 1
print("%d passed, %d failed" % (passed, failed))
PY
exit $rc
