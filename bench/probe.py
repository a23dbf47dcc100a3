#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: what the deploy-lock probe of issue 14 costs the start-up
check (a script to run by hand, not a test).

  bench/probe.py --build build [--build OTHER_BUILD ...] [--iterations 300] [--runs 20]

For each build (e.g. one of the commit before the probe, one after) and
each backend (SQLite; MariaDB / PostgreSQL when AURMIG_TEST_MYSQL_URL /
AURMIG_TEST_PGSQL_URL are set, e.g. by tests/servers/start.sh), on a
database at head of three migrations, in two journal states:
  quiet  no running row (the normal case: the probe must not run);
  dead   a dead run's 'running' non-atomic row (the probe runs, finds the
         lock free, the running rows are read again: awaits recovery);
  live   the same row while this script holds the deploy lock, as a live
         run would (the probe runs once: in progress)
it times, warm and in-process (ctypes, no binding code), one
aurmig_status_from() on a kept graph and connection, and `aurmig check` as
a process; on MariaDB it also counts the statements one status call sends
(the server's global Questions counter; the servers must be this run's
alone).
"""
import argparse
import ctypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "bindings"))
import dbs  # noqa: E402

MIGS = {
    "r1.sql": "-- aurmig:revision r1\n-- aurmig:message one\n-- aurmig:upgrade\nCREATE TABLE b1 (x INTEGER);\n"
              "-- aurmig:downgrade\nDROP TABLE b1;\n",
    "r2.sql": "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:message two\n-- aurmig:upgrade\n"
              "CREATE TABLE b2 (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE b2;\n",
    "r3.sql": "-- aurmig:revision r3\n-- aurmig:down_revision r2\n-- aurmig:message three\n-- aurmig:upgrade\n"
              "CREATE TABLE b3 (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE b3;\n",
}
DEAD_ROW = ("INSERT INTO aurmig_journal (run_id, seq, revision, operation, source_revisions, target_revisions, "
            "statements_total, statements_done, outcome, is_atomic, started_at, host, os_user, pid, aurmig_version) "
            "VALUES ('deadbeefdeadbeefdeadbeefdeadbeef', 0, 'r3', 'upgrade', 'r2', 'r3', 3, 1, 'running', 0, "
            "'2026-01-01T00:00:00Z', 'gone', 'nobody', 1, 'x')")


class Lib:
    def __init__(self, path):
        self.l = ctypes.CDLL(path)
        vp = ctypes.c_void_p
        for name, args in (("aurmig_context_new", [ctypes.POINTER(vp)]),
                           ("aurmig_graph_load", [ctypes.POINTER(vp), vp, ctypes.c_char_p]),
                           ("aurmig_conn_open", [ctypes.POINTER(vp), vp, ctypes.c_char_p]),
                           ("aurmig_status_from", [ctypes.POINTER(vp), vp, vp]),
                           ("aurmig_status_state", [vp]), ("aurmig_status_free", [vp]),
                           ("aurmig_conn_free", [vp]), ("aurmig_graph_free", [vp]), ("aurmig_context_free", [vp])):
            f = getattr(self.l, name)
            f.argtypes = args
            f.restype = ctypes.c_int if name not in ("aurmig_status_free", "aurmig_conn_free", "aurmig_graph_free",
                                                     "aurmig_context_free") else None

    def open(self, d, url):
        ctx, g, c = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_void_p()
        assert self.l.aurmig_context_new(ctypes.byref(ctx)) == 0
        assert self.l.aurmig_graph_load(ctypes.byref(g), ctx, d.encode()) == 0
        assert self.l.aurmig_conn_open(ctypes.byref(c), ctx, url.encode()) == 0
        return ctx, g, c

    def status(self, g, c):
        s = ctypes.c_void_p()
        rc = self.l.aurmig_status_from(ctypes.byref(s), c, g)
        assert rc == 0, rc
        state = self.l.aurmig_status_state(s)
        self.l.aurmig_status_free(s)
        return state

    def close(self, ctx, g, c):
        self.l.aurmig_conn_free(c)
        self.l.aurmig_graph_free(g)
        self.l.aurmig_context_free(ctx)


def sql(kind, url, text):
    if kind == "sqlite":
        import sqlite3
        con = sqlite3.connect(url[len("sqlite:///"):])
        con.execute(text)
        con.commit()
        con.close()
        return None
    u = urllib.parse.urlsplit(url)
    params = dict(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                  password=urllib.parse.unquote(u.password or ""))
    if kind == "mysql":
        import pymysql
        con = pymysql.connect(database=u.path.lstrip("/"), autocommit=True, **params)
    else:
        import psycopg2
        con = psycopg2.connect(dbname=u.path.lstrip("/"), **params)
        con.autocommit = True
    try:
        con.cursor().execute(text)
    finally:
        con.close()


def questions(url):
    import pymysql
    u = urllib.parse.urlsplit(url)
    con = pymysql.connect(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                          password=urllib.parse.unquote(u.password or ""), autocommit=True)
    try:
        cur = con.cursor()
        cur.execute("SHOW GLOBAL STATUS LIKE 'Questions'")
        return int(cur.fetchone()[1])
    finally:
        con.close()


def hold_lock(kind, url, work_db):
    """Take the deploy lock as aurmig would; returns what keeps it."""
    if kind == "sqlite":
        import fcntl
        f = open(work_db + ".lock", "a")
        fcntl.flock(f, fcntl.LOCK_EX)
        return f
    u = urllib.parse.urlsplit(url)
    params = dict(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                  password=urllib.parse.unquote(u.password or ""))
    if kind == "mysql":
        import pymysql
        con = pymysql.connect(database=u.path.lstrip("/"), autocommit=True, **params)
        con.cursor().execute("SELECT GET_LOCK(CONCAT('aurmig:alembic_version', '@', DATABASE()), 0)")
        return con
    import psycopg2
    h = 1469598103934665603
    for ch in b"aurmig:alembic_version":
        h = ((h ^ ch) * 1099511628211) & 0xffffffffffffffff
    con = psycopg2.connect(dbname=u.path.lstrip("/"), **params)
    con.autocommit = True
    con.cursor().execute("SELECT pg_advisory_lock(%d)" % (h & 0x7fffffffffffffff))
    return con


def median_ms(samples):
    return statistics.median(samples) * 1000.0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", action="append", required=True)
    ap.add_argument("--iterations", type=int, default=300, help="status calls per timing")
    ap.add_argument("--runs", type=int, default=20, help="`aurmig check` processes per timing")
    args = ap.parse_args(argv)
    work = tempfile.mkdtemp(prefix="aurmig-probe-bench-")
    mig = os.path.join(work, "m")
    os.mkdir(mig)
    for name, text in MIGS.items():
        with open(os.path.join(mig, name), "w") as f:
            f.write(text)
    backends = [("sqlite", None)] + sorted(dbs.available().items())
    created = []
    rows = []
    try:
        for kind, base in backends:
            for build in args.build:
                build = os.path.abspath(build)
                cli = os.path.join(build, "cli", "aurmig")
                lib = Lib(os.path.join(build, "lib", "libaurmig.so.0"))
                if kind == "sqlite":
                    url = "sqlite:///" + os.path.join(work, "b%d.db" % len(created))
                    created.append(None)
                else:
                    url, name = dbs.create(kind, base, "probe_bench")
                    created.append((kind, base, name))
                subprocess.run([cli, "-q", "-d", mig, "--url", url, "upgrade", "heads"], check=True)
                holder = None
                for state in ("quiet", "dead", "live"):
                    if state == "dead":
                        sql(kind, url, DEAD_ROW)
                    if state == "live":
                        holder = hold_lock(kind, url, url[len("sqlite:///"):])
                    ctx, g, c = lib.open(mig, url)
                    for _ in range(20):
                        code = lib.status(g, c)
                    q = None
                    if kind == "mysql":
                        q0 = questions(url)
                        for _ in range(10):
                            lib.status(g, c)
                        q = (questions(url) - q0 - 1) / 10.0   # the second SHOW counts once
                    t = []
                    for _ in range(args.iterations):
                        t0 = time.perf_counter()
                        lib.status(g, c)
                        t.append(time.perf_counter() - t0)
                    lib.close(ctx, g, c)
                    p = []
                    for _ in range(args.runs):
                        t0 = time.perf_counter()
                        subprocess.run([cli, "-q", "-d", mig, "--url", url, "check"], capture_output=True)
                        p.append(time.perf_counter() - t0)
                    rows.append((kind, build, state, code, median_ms(t), median_ms(p), q))
                    print("%-6s %-28s %-5s state %d: status_from median %.3f ms (min %.3f), check median %.1f ms "
                          "(min %.1f)%s" % (kind, build[-28:], state, code, median_ms(t), min(t) * 1000, median_ms(p),
                                            min(p) * 1000,
                                            "" if q is None else ", %.1f statements per status" % q), flush=True)
                holder.close()
    finally:
        for item in created:
            if item:
                dbs.drop(*item)
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
