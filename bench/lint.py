#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time `aurmig lint --all` on a long history (issue 16: 1,000 revisions
well under a second).

    bench/lint.py AURMIG_BINARY [--revisions 1000] [--runs 5]

The history is aurweb's 17 revisions (migrations/), their sections copied
in turn into N revisions of a straight line (new ids, each after the one
before), so the statements are real ones: CREATE TABLE, ALTERs, UPDATEs,
per-dialect and portable sections, hooks. Prints the median and the best
wall time of --runs runs, and the number of findings.
"""
import argparse
import glob
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bodies():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "migrations", "*.sql"))):
        text = open(path).read()
        # the sections (from the first section line on), without the header
        m = re.search(r"^-- aurmig:(upgrade|downgrade)\b", text, re.M)
        irr = re.search(r"^-- aurmig:irreversible .*$", text, re.M)
        out.append(((irr.group(0) + "\n") if irr else "", text[m.start():]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("aurmig")
    ap.add_argument("--revisions", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR", help="write the history into DIR (new) and keep it")
    a = ap.parse_args()
    if a.keep:
        os.mkdir(a.keep)
    tmp = a.keep or tempfile.mkdtemp(prefix="aurmig-bench-lint-")
    try:
        src = bodies()
        prev = None
        for i in range(a.revisions):
            rid = "l%05d" % i
            irr, body = src[i % len(src)]
            head = "-- aurmig:revision %s\n" % rid
            if prev:
                head += "-- aurmig:down_revision %s\n" % prev
            head += "-- aurmig:message bench %d\n%s\n" % (i, irr)
            with open(os.path.join(tmp, rid + "_bench.sql"), "w") as f:
                f.write(head + body)
            prev = rid
        cmd = [a.aurmig, "--dir", tmp, "lint", "--all", "--dialect", "mysql", "--dialect", "sqlite",
               "--format", "json"]
        times, findings = [], 0
        for _ in range(a.runs):
            t0 = time.perf_counter()
            p = subprocess.run(cmd, capture_output=True, text=True)
            times.append(time.perf_counter() - t0)
            if p.returncode not in (0, 10):
                raise SystemExit("lint failed: " + p.stderr)
            findings = len(json.loads(p.stdout)["findings"])
        print("lint --all, %d revisions (%d bytes of SQL): median %.3f s, best %.3f s, %d findings"
              % (a.revisions, sum(os.path.getsize(p) for p in glob.glob(tmp + "/*.sql")),
                 statistics.median(times), min(times), findings))
    finally:
        if not a.keep:
            shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
