#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: the journal's bookkeeping per revision on MariaDB (issue
20.5; a script to run by hand, not a test).

  bench/bookkeeping.py --corpus DIR --mysql-env ENV --build NAME=BUILD [--build NAME=BUILD ...] [--runs 7]

DIR is a corpus of bench/gen.py (lin100: 100 revisions, each creating a
table and an index and inserting a row); ENV the env file of
tests/servers/start.sh for a MariaDB used by this run alone (the statement
counts are the server's global Questions). For every build, and for the
mariadb client running the same SQL (per revision, with and without the
alembic_version row), it times `aurmig upgrade head` on a fresh database,
round-robin (the order rotating each round), and counts the statements.
Prints a Markdown table: median ms [min-max], statements, and the ratio to
the client per round (median [min-max]).
"""
import argparse
import os
import re
import statistics
import subprocess
import time


def env_of(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--mysql-env", required=True)
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    env = env_of(a.mysql_env)
    user, pw = re.match(r"mysql://([^:]+):([^@]+)@", env["AURMIG_TEST_MYSQL_URL"]).groups()
    sock = env["AURMIG_TEST_MYSQL_SOCKET"]
    db = "aurmig_bench_bookkeeping"   # the test servers grant aurmig_%
    client = ["mariadb", "--no-defaults", "--socket=" + sock, "-u", user, "-p" + pw, "--batch",
              "--skip-column-names"]
    admin = ["mariadb", "--no-defaults", "--socket=" + sock, "-u", env["AURMIG_TEST_MYSQL_ADMIN_USER"],
             "--batch", "--skip-column-names"]
    url = "mysql://%s:%s@/%s?unix_socket=%s" % (user, pw, db, sock)
    raw = os.path.join(a.corpus, "raw")
    cases = []
    for b in a.build:
        name, path = b.split("=", 1)
        cases.append((name, [os.path.join(path, "cli", "aurmig"), "-q", "-d", os.path.join(a.corpus, "aurmig"),
                             "--url", url, "upgrade", "head"], None))
    cases.append(("mariadb client, per revision", client + ["-D", db], os.path.join(raw, "up-per-rev.mysql.sql")))
    cases.append(("mariadb client + alembic_version row", client + ["-D", db],
                  os.path.join(raw, "up-per-rev+ver.mysql.sql")))

    def questions():
        out = subprocess.check_output(admin + ["-e", "SHOW GLOBAL STATUS LIKE 'Questions'"], text=True)
        return int(out.split()[1])

    times = {c[0]: [] for c in cases}
    stmts = {c[0]: [] for c in cases}
    for r in range(a.runs + 1):   # round 0 warms up, not counted
        order = cases[r % len(cases):] + cases[:r % len(cases)]
        for name, cmd, stdin in order:
            subprocess.check_call(client + ["-e", "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s" % (db, db)])
            q0 = questions()
            t0 = time.perf_counter()
            if stdin:
                with open(stdin) as f:
                    subprocess.check_call(cmd, stdin=f)
            else:
                subprocess.check_call(cmd)
            t = (time.perf_counter() - t0) * 1000
            q = questions() - q0 - 1   # the SHOW itself
            if r:
                times[name].append(t)
                stmts[name].append(q)
    base = cases[-2][0]
    print("| case | ms, median [min–max] | statements | × client per revision, median [min–max] |")
    print("|---|---|---|---|")
    for name, _, _ in cases:
        t = times[name]
        ratios = [x / y for x, y in zip(t, times[base])]
        print("| %s | %.0f [%.0f–%.0f] | %d | %.2f× [%.2f–%.2f] |" % (
            name, statistics.median(t), min(t), max(t), statistics.median(stmts[name]),
            statistics.median(ratios), min(ratios), max(ratios)))


if __name__ == "__main__":
    main()
