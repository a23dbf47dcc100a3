#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Time libaurmig against Alembic and the raw SQL clients (run by bench/run.sh).

Whole processes are started with posix_spawn and reaped with wait4, which
gives wall time, user+system CPU time and the peak resident set size
(ru_maxrss) of every run. The cases of one group (the same command on the
same corpus, e.g. "upgrade head, SQLite, N=1000") are run round-robin, the
order rotating every round, so that load from other processes on the
machine hits all of them alike; each table cell is the median over the
rounds with the minimum and maximum as the spread, and each ratio is the
median of the per-round ratios (each round measures both sides within
seconds of each other), with their minimum and maximum.

Before the timed rounds every case runs once under `/usr/bin/time -v`
(warm-up: page cache, Python byte code; and the "Maximum resident set
size" shown in the tables).

Results go to OUT/results.json; the report (bench/RESULTS.md) is written
from it, so `bench.py --report-only` re-renders it without running again.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"


# ---------------------------------------------------------------------------
# Running one process

class Failed(Exception):
    pass


def spawn(argv, stdin=None, env=None, errfile=None):
    """Run argv; return (rc, wall_s, cpu_s, maxrss_kb). The maxrss is not
    used: posix_spawn() starts the child in the parent's address space
    (vfork), and ru_maxrss survives execve(), so it reports at least this
    Python process's size; /usr/bin/time -v (a fork()ing parent) is used
    for memory instead."""
    fa = []
    fa.append((os.POSIX_SPAWN_OPEN, 0, stdin or "/dev/null", os.O_RDONLY, 0))
    fa.append((os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0))
    fa.append((os.POSIX_SPAWN_OPEN, 2, errfile or "/dev/null", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    exe = argv[0] if "/" in argv[0] else shutil.which(argv[0])
    t0 = time.perf_counter()
    pid = os.posix_spawn(exe, argv, env if env is not None else os.environ, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


class Case:
    """One command line of a group; setup() runs before each run, untimed."""

    def __init__(self, key, tool, argv, stdin=None, env=None, setup=None, ok=(0,), label=None):
        self.key, self.tool, self.argv, self.stdin = key, tool, argv, stdin
        self.env = dict(os.environ, NO_COLOR="1", **(env or {}))
        self.setup = setup
        self.ok = ok
        self.label = label or " ".join(argv)

    def run(self, errfile):
        if self.setup:
            self.setup()
        rc, wall, cpu, rss = spawn(self.argv, self.stdin, self.env, errfile)
        if rc not in self.ok:
            with open(errfile) as f:
                err = f.read()[-2000:]
            raise Failed("%s: exit %d (wanted %s)\n  %s\n%s" % (self.key, rc, self.ok, self.label, err))
        return wall, cpu, rss

    def time_v(self, errfile):
        """One run under /usr/bin/time -v: its Maximum resident set size."""
        if self.setup:
            self.setup()
        tfile = errfile + ".time"
        argv = ["/usr/bin/time", "-v", "-o", tfile] + self.argv
        rc, self.warm_wall, _, _ = spawn(argv, self.stdin, self.env, errfile)
        if rc not in self.ok:
            with open(errfile) as f:
                err = f.read()[-2000:]
            raise Failed("%s: exit %d under /usr/bin/time (wanted %s)\n  %s\n%s" % (self.key, rc, self.ok, self.label, err))
        with open(tfile) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
        return int(m.group(1)) if m else None


CASE_BUDGET = 120.0


def run_group(name, cases, runs, results, tmp, log):
    errfile = os.path.join(tmp, "stderr")
    rows = {c.key: {"tool": c.tool, "cmd": c.label, "wall": [], "cpu": [], "group": name}
            for c in cases}
    for c in cases:
        rows[c.key]["rss_kb"] = c.time_v(errfile)
        # a slow case (Alembic on 10k revisions takes most of a minute) runs
        # fewer times: as many as fit in CASE_BUDGET seconds, at least 3
        c.runs = runs if c.warm_wall * runs <= CASE_BUDGET else max(3, int(CASE_BUDGET / c.warm_wall))
        c.runs = min(c.runs, runs)
    t0 = time.time()
    for r in range(runs):
        order = cases[r % len(cases):] + cases[:r % len(cases)]
        for c in order:
            if r >= c.runs:
                continue
            wall, cpu, _ = c.run(errfile)
            rows[c.key]["wall"].append(wall)
            rows[c.key]["cpu"].append(cpu)
        # rounds are aligned by index: wall[i] of every case is from round i
    results["cases"].update(rows)
    results["groups"].setdefault(name, [c.key for c in cases])
    if results.get("_path"):  # partial results survive an interrupted run
        with open(results["_path"], "w") as f:
            json.dump({k: v for k, v in results.items() if k != "_path"}, f, indent=1)
    log("  %-44s %d cases x %d runs, %.1f s" % (name, len(cases), runs, time.time() - t0))


# ---------------------------------------------------------------------------
# Databases

def rm_f(*paths):
    for p in paths:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


def fresh_sqlite(path):
    def setup():
        rm_f(path, path + "-journal", path + "-wal", path + "-shm", path + ".lock")
    return setup


def copy_sqlite(template, path):
    def setup():
        rm_f(path + "-journal", path + "-wal", path + "-shm", path + ".lock")
        shutil.copyfile(template, path)
    return setup


def check_call(argv, stdin=None, env=None):
    with open(stdin or "/dev/null") as f:
        p = subprocess.run(argv, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, universal_newlines=True)
    if p.returncode != 0:
        raise Failed("%s: exit %d\n%s" % (" ".join(argv), p.returncode, p.stdout[-3000:]))
    return p.stdout


class MySQL:
    """The MariaDB server of tests/servers/start.sh (its env file)."""

    DB = "aurmig_bench"

    def __init__(self, envfile):
        env = {}
        with open(envfile) as f:
            for line in f:
                if "=" in line and not line.startswith("#"):
                    k, v = line.rstrip("\n").split("=", 1)
                    env[k] = v
        m = re.match(r"mysql://([^:]+):([^@]+)@", env["AURMIG_TEST_MYSQL_URL"])
        self.user, self.password = m.group(1), m.group(2)
        self.socket = env["AURMIG_TEST_MYSQL_SOCKET"]
        self.client = ["mariadb", "--no-defaults", "--socket=" + self.socket, "-u", self.user,
                       "-p" + self.password, "--batch", "--skip-column-names"]

    def url(self):
        return "mysql://%s:%s@/%s?unix_socket=%s" % (self.user, self.password, self.DB, self.socket)

    def alembic_url(self):
        return "mysql+pymysql://%s:%s@localhost/%s?unix_socket=%s" % (self.user, self.password, self.DB, self.socket)

    def raw(self):
        return self.client + ["-D", self.DB]

    def recreate(self):
        check_call(self.client + ["-e", "DROP DATABASE IF EXISTS %s; CREATE DATABASE %s" % (self.DB, self.DB)])

    def version(self):
        return check_call(self.client + ["-e", "SELECT VERSION()"]).strip()


# ---------------------------------------------------------------------------
# The benchmark plan

class Bench:
    def __init__(self, a):
        self.a = a
        self.out = os.path.abspath(a.out)
        self.corpus = os.path.abspath(a.corpus or os.path.join(self.out, "corpus"))
        self.tmp = os.path.join(self.out, "tmp")
        self.prof = os.path.join(self.out, "profiles")
        os.makedirs(self.tmp, exist_ok=True)
        os.makedirs(self.prof, exist_ok=True)
        self.aurmig = os.path.abspath(a.aurmig)
        self.micro = os.path.abspath(a.micro)
        self.results = {"cases": {}, "groups": {}, "micro": [], "callgrind": {}, "strace": {},
                        "meta": {}, "_path": os.path.join(self.out, "results.json")}

    def log(self, msg):
        print(msg, file=sys.stderr, flush=True)

    def cdir(self, name):
        return os.path.join(self.corpus, name)

    def au(self, url, corpus, *args):
        return [self.aurmig, "--url", url, "-d", os.path.join(corpus, "aurmig")] + list(args)

    def al(self, corpus, *args):
        return [PY, "-m", "alembic", "-c", os.path.join(corpus, "alembic", "alembic.ini")] + list(args)

    def db(self, name):
        return os.path.join(self.tmp, name)

    # --- SQLite, N revisions that create tables -------------------------------

    def sqlite_lin(self, n, runs):
        c = self.cdir("lin%d" % n)
        raw = os.path.join(c, "raw")
        g = "sqlite N=%d" % n
        # databases at head, one made by each tool, kept as templates
        head_au, head_al = self.db("head-au-%d.db" % n), self.db("head-al-%d.db" % n)
        head_raw, head_rawv = self.db("head-raw-%d.db" % n), self.db("head-rawv-%d.db" % n)
        fresh_sqlite(head_au)()
        check_call(self.au("sqlite:///" + head_au, c, "-q", "upgrade", "head"))
        fresh_sqlite(head_al)()
        check_call(self.al(c, "upgrade", "head"), env=dict(os.environ, BENCH_URL="sqlite:///" + head_al))
        for path, f in ((head_raw, "up-per-rev.sqlite.sql"), (head_rawv, "up-per-rev+ver.sqlite.sql")):
            fresh_sqlite(path)()
            check_call(["sqlite3", "-bail", path], stdin=os.path.join(raw, f))
        # aurmig's own offline SQL for the same upgrade, for the raw client
        own = os.path.join(raw, "aurmig-offline.sqlite.sql")
        with open(own, "w") as f:
            f.write(check_call(self.au("sqlite:///unused.db", c, "upgrade", "--sql", "base:heads",
                                       "--dialect", "sqlite")))
        url = "sqlite:///" + head_au
        alenv = {"BENCH_URL": "sqlite:///" + head_au}
        sel = ["sqlite3", head_au, "SELECT version_num FROM alembic_version"]

        # read-only commands, all on the aurmig-made database at head
        self.group_ro(g, n, c, url, alenv, sel, runs)

        # upgrade head on a fresh database
        work = self.db("work.db")
        self.upgrade_group(g, n, c, work, own, runs)
        if n == max(self.a.sizes) and os.path.isdir("/dev/shm") and not self.a.no_tmpfs:
            # the same on tmpfs: no fsync, so only the CPU work of each tool is left
            shm = os.path.join("/dev/shm", "aurmig-bench-%d" % os.getpid())
            os.makedirs(shm, exist_ok=True)
            try:
                self.upgrade_group("sqlite-tmpfs N=%d" % n, n, c, os.path.join(shm, "work.db"), own, runs)
            finally:
                shutil.rmtree(shm, ignore_errors=True)
        wurl = "sqlite:///" + work
        walenv = {"BENCH_URL": wurl}

        # downgrade base from a database at head made by the same tool
        cases = [
            Case("%s|downgrade|aurmig" % g, "aurmig", self.au(wurl, c, "downgrade", "base"),
                 setup=copy_sqlite(head_au, work)),
            Case("%s|downgrade|raw" % g, "sqlite3 (script SQL, per revision)",
                 ["sqlite3", "-bail", work], stdin=os.path.join(raw, "down-per-rev.sqlite.sql"),
                 setup=copy_sqlite(head_raw, work)),
            Case("%s|downgrade|raw+ver" % g, "sqlite3 (+ alembic_version row, per revision)",
                 ["sqlite3", "-bail", work], stdin=os.path.join(raw, "down-per-rev+ver.sqlite.sql"),
                 setup=copy_sqlite(head_rawv, work)),
        ]
        if self.alembic_ok(n):
            cases.append(Case("%s|downgrade|alembic" % g, "alembic", self.al(c, "downgrade", "base"),
                              env=walenv, setup=copy_sqlite(head_al, work)))
        run_group(g + " downgrade base", cases, runs, self.results, self.tmp, self.log)

    def upgrade_group(self, g, n, c, work, own, runs):
        raw = os.path.join(c, "raw")
        fr = fresh_sqlite(work)
        wurl = "sqlite:///" + work
        walenv = {"BENCH_URL": wurl}
        cases = [
            Case("%s|upgrade|aurmig" % g, "aurmig", self.au(wurl, c, "upgrade", "head"), setup=fr),
            Case("%s|upgrade|aurmig-1tx" % g, "aurmig --one-transaction",
                 self.au(wurl, c, "upgrade", "--one-transaction", "head"), setup=fr),
            Case("%s|upgrade|raw" % g, "sqlite3 (script SQL, BEGIN/COMMIT per revision)",
                 ["sqlite3", "-bail", work], stdin=os.path.join(raw, "up-per-rev.sqlite.sql"), setup=fr),
            Case("%s|upgrade|raw-1tx" % g, "sqlite3 (script SQL, one transaction)",
                 ["sqlite3", "-bail", work], stdin=os.path.join(raw, "up-one-tx.sqlite.sql"), setup=fr),
            Case("%s|upgrade|raw+ver" % g, "sqlite3 (+ alembic_version row, per revision)",
                 ["sqlite3", "-bail", work], stdin=os.path.join(raw, "up-per-rev+ver.sqlite.sql"), setup=fr),
            Case("%s|upgrade|raw+ver-1tx" % g, "sqlite3 (+ alembic_version row, one transaction)",
                 ["sqlite3", "-bail", work], stdin=os.path.join(raw, "up-one-tx+ver.sqlite.sql"), setup=fr),
            Case("%s|upgrade|raw-aurmigsql" % g, "sqlite3 < `aurmig upgrade --sql base:heads` (same SQL as aurmig, journal rows included)",
                 ["sqlite3", "-bail", work], stdin=own, setup=fr),
        ]
        if self.alembic_ok(n):
            cases += [
                Case("%s|upgrade|alembic" % g, "alembic", self.al(c, "upgrade", "head"), env=walenv, setup=fr),
                Case("%s|upgrade|alembic-1tx" % g, "alembic (transaction_per_migration=False)",
                     self.al(c, "upgrade", "head"), env=dict(walenv, BENCH_ALEMBIC_ONE_TX="1"), setup=fr),
            ]
        run_group(g + " upgrade head", cases, runs, self.results, self.tmp, self.log)

    def alembic_ok(self, n):
        return not self.a.no_alembic and n <= self.a.alembic_max

    def group_ro(self, g, n, c, url, alenv, sel, runs, alembic=True):
        al = alembic and self.alembic_ok(n) and os.path.isdir(os.path.join(c, "alembic"))
        for cmd in ("current", "check", "heads", "history"):
            cases = [Case("%s|%s|aurmig" % (g, cmd), "aurmig", self.au(url, c, cmd))]
            if cmd in ("current", "check") and sel:
                cases.append(Case("%s|%s|raw" % (g, cmd), "raw SELECT", sel))
            if al:
                # Alembic 1.8.1 has no `check` (it came in 1.9): `current` is its nearest
                acmd = "current" if cmd == "check" else cmd
                cases.append(Case("%s|%s|alembic" % (g, cmd), "alembic " + acmd, self.al(c, acmd), env=alenv))
            run_group("%s %s" % (g, cmd), cases, runs, self.results, self.tmp, self.log)

    # --- MariaDB ------------------------------------------------------------------

    def mysql_lin(self, my, n, runs):
        c = self.cdir("lin%d" % n)
        raw = os.path.join(c, "raw")
        g = "mariadb N=%d" % n
        url = my.url()
        alenv = {"BENCH_URL": my.alembic_url()}
        up_au = self.au(url, c, "-q", "upgrade", "head")

        def fresh():
            my.recreate()

        def at_head_au():
            my.recreate()
            check_call(up_au)

        def at_head_al():
            my.recreate()
            check_call(self.al(c, "upgrade", "head"), env=dict(os.environ, **alenv))

        def at_head_raw(f):
            def setup():
                my.recreate()
                check_call(my.raw(), stdin=os.path.join(raw, f))
            return setup

        # read-only, on a database at head made by aurmig
        at_head_au()
        sel = my.raw() + ["-e", "SELECT version_num FROM alembic_version"]
        for cmd in ("current", "check"):
            cases = [Case("%s|%s|aurmig" % (g, cmd), "aurmig", self.au(url, c, cmd)),
                     Case("%s|%s|raw" % (g, cmd), "raw SELECT", sel)]
            if self.alembic_ok(n):
                cases.append(Case("%s|%s|alembic" % (g, cmd), "alembic current", self.al(c, "current"), env=alenv))
            run_group("%s %s" % (g, cmd), cases, runs, self.results, self.tmp, self.log)

        cases = [
            Case("%s|upgrade|aurmig" % g, "aurmig", self.au(url, c, "upgrade", "head"), setup=fresh),
            Case("%s|upgrade|raw" % g, "mariadb (script SQL, START TRANSACTION/COMMIT per revision)",
                 my.raw(), stdin=os.path.join(raw, "up-per-rev.mysql.sql"), setup=fresh),
            Case("%s|upgrade|raw-1tx" % g, "mariadb (script SQL, one transaction; DDL commits anyway)",
                 my.raw(), stdin=os.path.join(raw, "up-one-tx.mysql.sql"), setup=fresh),
            Case("%s|upgrade|raw+ver" % g, "mariadb (+ alembic_version row, per revision)",
                 my.raw(), stdin=os.path.join(raw, "up-per-rev+ver.mysql.sql"), setup=fresh),
        ]
        if self.alembic_ok(n):
            cases.append(Case("%s|upgrade|alembic" % g, "alembic", self.al(c, "upgrade", "head"),
                              env=alenv, setup=fresh))
        run_group(g + " upgrade head", cases, runs, self.results, self.tmp, self.log)

        cases = [
            Case("%s|downgrade|aurmig" % g, "aurmig", self.au(url, c, "downgrade", "base"), setup=at_head_au),
            Case("%s|downgrade|raw" % g, "mariadb (script SQL, per revision)", my.raw(),
                 stdin=os.path.join(raw, "down-per-rev.mysql.sql"), setup=at_head_raw("up-per-rev.mysql.sql")),
            Case("%s|downgrade|raw+ver" % g, "mariadb (+ alembic_version row, per revision)", my.raw(),
                 stdin=os.path.join(raw, "down-per-rev+ver.mysql.sql"),
                 setup=at_head_raw("up-per-rev+ver.mysql.sql")),
        ]
        if self.alembic_ok(n):
            cases.append(Case("%s|downgrade|alembic" % g, "alembic", self.al(c, "downgrade", "base"),
                              env=alenv, setup=at_head_al))
        run_group(g + " downgrade base", cases, runs, self.results, self.tmp, self.log)

    # --- graph-only corpora -------------------------------------------------------

    def graphs(self, runs):
        for n in self.a.graph_sizes:
            r = runs if n < 100000 else max(3, runs // 2)
            for kind in ("glin", "gbr"):
                c = self.cdir("%s%d" % (kind, n))
                g = "graph %s N=%d" % ("linear" if kind == "glin" else "branchy", n)
                db = self.db("%s%d.db" % (kind, n))
                fresh_sqlite(db)()
                check_call(self.au("sqlite:///" + db, c, "-q", "stamp", "heads"))
                self.group_ro(g, n, c, "sqlite:///" + db, {"BENCH_URL": "sqlite:///" + db}, None, r)

    # --- in-process micro-benchmarks ------------------------------------------------

    def micros(self):
        def micro(*args):
            out = check_call([self.micro] + [str(a) for a in args])
            rows = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
            return rows

        def spec_of(c):
            with open(os.path.join(c, "ids")) as f:
                ids = f.read().split()
            return ids[len(ids) // 2][:8]  # an 8-character prefix from the middle

        for name in ["lin100"] + ["%s%d" % (k, n) for n in self.a.graph_sizes for k in ("glin", "gbr")]:
            c = self.cdir(name)
            d = os.path.join(c, "aurmig")
            spec = spec_of(c)
            for row in micro("graph", d, spec, 0 if "100000" not in name else 5):
                row["corpus"] = name
                self.results["micro"].append(row)
            once = []
            for _ in range(3):  # fresh processes: load + heads + lookup + plan, peak RSS
                once += micro("once", d, spec)
            once.sort(key=lambda r: r["total_us"])
            row = dict(once[1])
            row["corpus"] = name
            row["total_us_all"] = [r["total_us"] for r in once]
            self.results["micro"].append(row)
            self.log("  micro %s" % name)
        db = self.db("head-au-100.db")
        if os.path.exists(db):
            for row in micro("status", "sqlite:///" + db, self.cdir("lin100/aurmig")):
                row["corpus"] = "lin100 sqlite"
                self.results["micro"].append(row)
        if self.mysql:
            check_call(self.au(self.mysql.url(), self.cdir("lin100"), "-q", "upgrade", "head"))
            for row in micro("status", self.mysql.url(), self.cdir("lin100/aurmig")):
                row["corpus"] = "lin100 mariadb"
                self.results["micro"].append(row)
        # libdbi start-up: every driver (what libaurmig does) vs only the one needed
        only = os.path.join(self.tmp, "dbd-sqlite3-only")
        os.makedirs(only, exist_ok=True)
        src = "/usr/lib/x86_64-linux-gnu/dbd/libdbdsqlite3.so"
        for cand in ("/usr/lib/x86_64-linux-gnu/dbd", "/usr/lib/dbd", "/usr/local/lib/dbd"):
            if os.path.exists(os.path.join(cand, "libdbdsqlite3.so")):
                src = os.path.join(cand, "libdbdsqlite3.so")
                break
        link = os.path.join(only, "libdbdsqlite3.so")
        if not os.path.islink(link):
            os.symlink(src, link)
        for dd in (None, only):
            rows = []
            for _ in range(7):
                rows += micro("dbi", *([dd] if dd else []))
            rows.sort(key=lambda r: r["wall_us"])
            row = dict(rows[len(rows) // 2])
            row["wall_us_min"], row["wall_us_max"] = rows[0]["wall_us"], rows[-1]["wall_us"]
            row["corpus"] = "-"
            self.results["micro"].append(row)
        self.log("  micro status, dbi")

    # --- instruction counts and syscall profiles ---------------------------------------

    CG_FUNCS = [
        ("dbi_initialize_r", r"dbi_initialize_r \["),
        ("aurmig_graph_load", r":aurmig_graph_load \["),
        ("aurmig__script_parse", r":aurmig__script_parse \["),
        ("sha256 (checksums)", r"nettle_sha256_update \[|nettle_sha256_digest \["),
        ("aurmig__printf", r":aurmig__printf \["),
        ("qsort", r"msort.c:qsort \["),
        ("malloc+free", r"malloc.c:(malloc|free|calloc|realloc) \["),
        ("aurmig_conn_open", r":aurmig_conn_open \["),
        ("aurmig__db_table_exists", r":aurmig__db_table_exists \["),
        ("aurmig_conn_read_current", r":aurmig_conn_read_current \["),
        ("aurmig_graph_free", r":aurmig_graph_free \["),
        ("aurmig_plan_new", r":aurmig_plan_new \["),
        ("aurmig_plan_next", r":aurmig_plan_next \["),
        ("sqlite3_exec (all SQL)", r"sqlite3_exec \["),
        ("dynamic loader at exec (_dl_start)", r"rtld.c:_dl_start \["),
    ]

    def callgrind(self, key, argv, setup=None, stdin=None):
        if not shutil.which("valgrind") or self.a.no_callgrind:
            return
        if setup:
            setup()
        out = os.path.join(self.prof, "callgrind.%s.out" % key)
        spawn(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out] + argv, stdin,
              dict(os.environ, NO_COLOR="1"), os.path.join(self.tmp, "cg.err"))
        ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", out], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, universal_newlines=True).stdout
        with open(os.path.join(self.prof, "callgrind.%s.txt" % key), "w") as f:
            f.write(ann)
        total = None
        funcs = {}
        for line in ann.splitlines():
            m = re.match(r"\s*([\d,]+) \([\d. ]+%\)\s+(.*)$", line)
            if not m:
                continue
            ir = int(m.group(1).replace(",", ""))
            if "PROGRAM TOTALS" in m.group(2):
                total = ir
                continue
            for name, pat in self.CG_FUNCS:
                if re.search(pat, m.group(2)) and "'" not in m.group(2).split(" [")[0]:
                    # sum distinct functions matching a pattern (malloc+free, sha256)
                    funcs.setdefault(name, {})
                    funcs[name][m.group(2)] = ir
        self.results["callgrind"][key] = {
            "argv": " ".join(os.path.basename(argv[0]) if i == 0 else x for i, x in enumerate(argv)),
            "total": total,
            "funcs": {k: sum(v.values()) for k, v in funcs.items()},
        }
        self.log("  callgrind %s: %s Ir" % (key, "{:,}".format(total or 0)))

    def strace(self, key, argv, setup=None, stdin=None):
        if not shutil.which("strace"):
            return
        if setup:
            setup()
        out = os.path.join(self.prof, "strace.%s.txt" % key)
        spawn(["strace", "-f", "-c", "-o", out] + argv, stdin, dict(os.environ, NO_COLOR="1"),
              os.path.join(self.tmp, "st.err"))
        calls = {}
        with open(out) as f:
            for line in f:
                p = line.split()
                if len(p) >= 5 and p[0][0].isdigit() and p[-1] not in ("total",):
                    try:
                        calls[p[-1]] = int(p[3])
                    except ValueError:
                        pass
        self.results["strace"][key] = {"argv": " ".join(argv[:1] and [os.path.basename(argv[0])] + argv[1:]),
                                       "calls": calls}

    def profiles(self):
        if 100 not in self.a.sizes:
            return
        self.log("profiles (callgrind instruction counts, strace syscall counts)")
        c100 = self.cdir("lin100")
        db = self.db("head-au-100.db")
        url = "sqlite:///" + db
        self.callgrind("current-lin100", self.au(url, c100, "current"))
        self.callgrind("check-lin100", self.au(url, c100, "check"))
        self.callgrind("heads-lin100", self.au(url, c100, "heads"))
        self.callgrind("sqlite3-select-lin100", ["sqlite3", db, "SELECT version_num FROM alembic_version"])
        work = self.db("work.db")
        wurl = "sqlite:///" + work
        if 1000 in self.a.sizes:
            c1k = self.cdir("lin1000")
            self.callgrind("upgrade-lin1000", self.au(wurl, c1k, "upgrade", "head"), setup=fresh_sqlite(work))
            self.callgrind("sqlite3-upgrade-lin1000", ["sqlite3", "-bail", work], setup=fresh_sqlite(work),
                           stdin=os.path.join(c1k, "raw", "up-per-rev.sqlite.sql"))
            self.callgrind("upgrade-1tx-lin1000", self.au(wurl, c1k, "upgrade", "--one-transaction", "head"),
                           setup=fresh_sqlite(work))
            self.callgrind("sqlite3-upgrade-1tx-lin1000", ["sqlite3", "-bail", work], setup=fresh_sqlite(work),
                           stdin=os.path.join(c1k, "raw", "up-one-tx.sqlite.sql"))
            self.strace("upgrade-lin1000", self.au(wurl, c1k, "upgrade", "head"), setup=fresh_sqlite(work))
            self.strace("sqlite3-upgrade-lin1000", ["sqlite3", "-bail", work], setup=fresh_sqlite(work),
                        stdin=os.path.join(c1k, "raw", "up-per-rev.sqlite.sql"))
            self.strace("sqlite3-upgrade+ver-lin1000", ["sqlite3", "-bail", work], setup=fresh_sqlite(work),
                        stdin=os.path.join(c1k, "raw", "up-per-rev+ver.sqlite.sql"))
        for n in self.a.graph_sizes:
            if n <= self.a.callgrind_graph_max:
                c = self.cdir("gbr%d" % n)
                self.callgrind("heads-gbr%d" % n, self.au(url, c, "heads"))
        big = max(self.a.graph_sizes)
        self.strace("heads-gbr%d" % big, self.au(url, self.cdir("gbr%d" % big), "heads"))
        self.strace("current-lin100", self.au(url, c100, "current"))
        self.strace("sqlite3-select-lin100", ["sqlite3", db, "SELECT version_num FROM alembic_version"])

    # --- machine -------------------------------------------------------------------

    def meta(self):
        def sh(cmd):
            try:
                return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                      universal_newlines=True).stdout.strip()
            except OSError:
                return ""
        m = self.results["meta"]
        m["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        m["cpu"] = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
        m["cores"] = os.cpu_count()
        m["mem"] = sh("free -h | awk '/^Mem:/{print $2}'")
        dev = sh("df --output=source %s | tail -1" % self.out)
        m["disk"] = "%s, %s, %s" % (dev, sh("df --output=fstype %s | tail -1" % self.out),
                                    "rotational" if sh("lsblk -dno ROTA %s 2>/dev/null" % dev) == "1"
                                    else "non-rotational (per lsblk)")
        m["kernel"] = platform.release()
        m["load_before"] = sh("cat /proc/loadavg")
        m["sqlite3"] = sh("sqlite3 --version | cut -d' ' -f1")
        m["mariadb_client"] = sh("mariadb --version")
        m["python"] = sh(PY + " --version")
        m["alembic"] = sh(PY + " -c 'import alembic; print(alembic.__version__)'")
        m["sqlalchemy"] = sh(PY + " -c 'import sqlalchemy; print(sqlalchemy.__version__)'")
        m["pymysql"] = sh(PY + " -c 'import pymysql; print(pymysql.__version__)'")
        m["libdbi"] = sh("dpkg-query -W -f='${Version}' libdbi1")
        m["libdbd-sqlite3"] = sh("dpkg-query -W -f='${Version}' libdbd-sqlite3")
        m["libdbd-mysql"] = sh("dpkg-query -W -f='${Version}' libdbd-mysql")
        m["gcc"] = sh("gcc -dumpfullversion")
        m["aurmig"] = sh("%s --version" % self.aurmig)
        m["source"] = self.a.source_desc
        m["buildtype"] = self.a.buildtype
        m["runs"] = self.a.runs
        m["quick"] = self.a.quick

    def run(self):
        self.mysql = None
        if self.a.mysql_env:
            try:
                self.mysql = MySQL(self.a.mysql_env)
                self.results["meta"]["mariadb_server"] = self.mysql.version()
            except (Failed, OSError, KeyError) as e:
                self.log("MariaDB not usable (%s): skipping it" % e)
                self.mysql = None
        self.meta()
        t0 = time.time()
        self.log("SQLite, whole processes (%d runs each)" % self.a.runs)
        for n in self.a.sizes:
            self.sqlite_lin(n, self.a.runs)
        if self.mysql:
            self.log("MariaDB %s, whole processes" % self.results["meta"]["mariadb_server"])
            for n in self.a.mysql_sizes:
                self.mysql_lin(self.mysql, n, self.a.runs)
        self.log("graph-only corpora, whole processes")
        self.graphs(self.a.runs)
        self.log("micro-benchmarks (in process)")
        self.micros()
        self.profiles()
        self.results["meta"]["load_after"] = open("/proc/loadavg").read().strip()
        self.results["meta"]["seconds"] = round(time.time() - t0)
        with open(os.path.join(self.out, "results.json"), "w") as f:
            json.dump({k: v for k, v in self.results.items() if k != "_path"}, f, indent=1)


# ---------------------------------------------------------------------------
# The report

def med(xs):
    return statistics.median(xs) if xs else None


def fmt_ms(xs):
    if not xs:
        return "–"
    m = med(xs) * 1000
    lo, hi = min(xs) * 1000, max(xs) * 1000
    p = 0 if m >= 100 else (1 if m >= 10 else 2)
    return "%.*f [%.*f–%.*f]" % (p, m, p, lo, p, hi)


def fmt_mb(kb):
    return "–" if kb is None else "%.1f" % (kb / 1024)


def ratio(res, num, den, field="wall"):
    """Median and spread of the per-round ratios num/den, or None."""
    a, b = res["cases"].get(num), res["cases"].get(den)
    if not a or not b:
        return None
    rs = [x / y for x, y in zip(a[field], b[field]) if y > 0]
    if not rs:
        return None
    return med(rs), min(rs), max(rs)


def fmt_ratio(r):
    if r is None:
        return "–"
    m, lo, hi = r
    p = 2 if m < 10 else (1 if m < 100 else 0)
    return "%.*f× [%.*f–%.*f]" % (p, m, p, lo, p, hi)


def report(res, path):
    m = res["meta"]
    L = []
    w = L.append
    w("# libaurmig benchmarks")
    w("")
    w("Generated by `bench/run.sh%s` on %s (%s s). Do not edit: run it again." %
      (" --quick" if m.get("quick") else "", m.get("date"), m.get("seconds")))
    w("How it is measured and what every case means: [bench/README.md](README.md).")
    w("")
    w("## Machine")
    w("")
    w("| | |")
    w("|---|---|")
    for k, label in (("cpu", "CPU"), ("cores", "cores"), ("mem", "memory"), ("disk", "disk (databases, corpora)"),
                     ("kernel", "kernel"), ("load_before", "load average before / after"),
                     ("aurmig", "libaurmig"), ("source", "built from"), ("buildtype", "build type"),
                     ("gcc", "gcc"), ("libdbi", "libdbi / libdbd-sqlite3 / libdbd-mysql"),
                     ("sqlite3", "sqlite3 (client and library)"), ("mariadb_server", "MariaDB server"),
                     ("mariadb_client", "MariaDB client"), ("python", "Python"),
                     ("alembic", "Alembic / SQLAlchemy / PyMySQL"), ("runs", "runs per case")):
        v = m.get(k)
        if k == "load_before":
            v = "%s / %s" % (m.get("load_before"), m.get("load_after"))
        if k == "libdbi":
            v = "%s / %s / %s" % (m.get("libdbi"), m.get("libdbd-sqlite3"), m.get("libdbd-mysql"))
        if k == "alembic":
            v = "%s / %s / %s" % (m.get("alembic"), m.get("sqlalchemy"), m.get("pymysql"))
        if v is None or v == "":
            continue
        w("| %s | %s |" % (label, v))
    w("")
    w("The machine is shared: other processes (test suites, fuzzers) ran at the same time, so every")
    w("figure is a median with its [min–max] over the runs, and cases compared with each other were run")
    w("round-robin. Times are wall-clock milliseconds of the whole process; memory is the peak")
    w("resident set size in MB reported by `/usr/bin/time -v`.")
    w("")

    # ---- targets
    w("## Targets")
    w("")
    w("Ratios are medians of per-round ratios [min–max]; a round runs both sides back to back.")
    w("")
    w("| target | measured | goal | |")
    w("|---|---|---|---|")
    targets = []

    def target(desc, r, goal, ok):
        targets.append((desc, r, goal, ok))
        w("| %s | %s | %s | %s |" % (desc, fmt_ratio(r), goal,
                                    "–" if r is None else ("**met**" if ok(r[0]) else "**missed**")))

    for cmd in ("current", "check"):
        g = "sqlite N=100"
        target("`%s`, SQLite, N=100: aurmig / `sqlite3 db 'SELECT version_num FROM alembic_version'`" % cmd,
               ratio(res, "%s|%s|aurmig" % (g, cmd), "%s|%s|raw" % (g, cmd)), "≤ 1.5×", lambda x: x <= 1.5)
        target("`%s`, SQLite, N=100: `alembic current` / aurmig" % cmd,
               ratio(res, "%s|%s|alembic" % (g, cmd), "%s|%s|aurmig" % (g, cmd)), "≥ 30×", lambda x: x >= 30)
    g = "sqlite N=1000"
    target("`upgrade head`, SQLite, N=1000, a transaction per revision: aurmig / sqlite3 (same commits)",
           ratio(res, g + "|upgrade|aurmig", g + "|upgrade|raw"), "≤ 1.2×", lambda x: x <= 1.2)
    target("`upgrade --one-transaction head`, SQLite, N=1000: aurmig / sqlite3 one transaction",
           ratio(res, g + "|upgrade|aurmig-1tx", g + "|upgrade|raw-1tx"), "≤ 1.3×", lambda x: x <= 1.3)
    g2 = "sqlite-tmpfs N=1000"
    if g2 + "|upgrade|aurmig" in res["cases"]:
        w("| *for reference, the same on tmpfs (no fsync):* per revision | %s | | |" %
          fmt_ratio(ratio(res, g2 + "|upgrade|aurmig", g2 + "|upgrade|raw")))
        w("| *for reference, the same on tmpfs (no fsync):* one transaction | %s | | |" %
          fmt_ratio(ratio(res, g2 + "|upgrade|aurmig-1tx", g2 + "|upgrade|raw-1tx")))
    target("`upgrade head`, SQLite, N=1000: Alembic / aurmig",
           ratio(res, g + "|upgrade|alembic", g + "|upgrade|aurmig"), "≥ 5×", lambda x: x >= 5)
    g = "mariadb N=100"
    target("`upgrade head`, MariaDB, N=100: aurmig / mariadb client (same commits)",
           ratio(res, g + "|upgrade|aurmig", g + "|upgrade|raw"), "≤ 1.3×", lambda x: x <= 1.3)
    micro = res["micro"]
    onces = {r["corpus"]: r for r in micro if r["op"] == "once"}
    big = sorted([r for r in onces.values() if r["revisions"] >= 100000], key=lambda r: -r["total_us"])
    if big:
        worst = big[0]
        w("| graph, 100k revisions (%s): load + heads + resolve a prefix + offline plan to heads, one fresh process (micro `once`) | %.2f s, %.0f MB | < 1 s, < 200 MB | %s |" % (
            worst["corpus"], worst["total_us"] / 1e6, worst["maxrss_kb"] / 1024,
            "**met**" if worst["total_us"] < 1e6 and worst["maxrss_kb"] < 200 * 1024 else "**missed**"))
        wb = [res["cases"].get("graph %s N=100000|heads|aurmig" % k) for k in ("linear", "branchy")]
        wb = [x for x in wb if x]
        if wb:
            worst_h = max(wb, key=lambda x: med(x["wall"]))
            w("| graph, 100k revisions: whole `aurmig heads` process (worst corpus) | %.2f s, %.0f MB | < 1 s, < 200 MB | %s |" % (
                med(worst_h["wall"]), (worst_h["rss_kb"] or 0) / 1024,
                "**met**" if med(worst_h["wall"]) < 1 and (worst_h["rss_kb"] or 0) < 200 * 1024 else "**missed**"))
    loads = {}
    for r in micro:
        if r["op"] == "graph_load" and r["corpus"].startswith(("glin", "gbr")):
            loads.setdefault(r["corpus"][:4].rstrip("0123456789"), {})[r["revisions"]] = r["median_us"]
    for kind, d in sorted(loads.items()):
        ns = sorted(d)
        if len(ns) >= 2:
            per = ["%s: %.1f µs" % ("{:,}".format(n), d[n] / n) for n in ns]
            lin = d[ns[-1]] / ns[-1] / (d[ns[0]] / ns[0])
            w("| graph load linear in N (%s): µs per revision | %s | constant | %s (%.1f× from %s to %s) |" % (
                "line" if kind == "glin" else "branches and merges", ", ".join(per),
                "**met**" if lin <= 1.5 else "**missed**", lin, "{:,}".format(ns[0]), "{:,}".format(ns[-1])))
    w("")

    # ---- tables per group
    def group_table(title, prefix, cmds, base_tool="raw", note=None):
        keys = [k for k in res["cases"] if k.startswith(prefix + "|")]
        if not keys:
            return
        w("### " + title)
        w("")
        if note:
            w(note)
            w("")
        w("| command | tool | ms, median [min–max] | CPU ms | peak MB | × raw | Alembic / this |")
        w("|---|---|---|---|---|---|---|")
        for cmd in cmds:
            ck = [k for k in keys if k.split("|")[1] == cmd]
            for k in ck:
                c = res["cases"][k]
                tool = k.split("|")[2]
                raw_key = "%s|%s|%s" % (prefix, cmd, "raw-1tx" if tool.endswith("1tx") else "raw")
                rr = ratio(res, k, raw_key) if k != raw_key else None
                ar = None
                if tool.startswith("aurmig"):
                    alk = "%s|%s|%s" % (prefix, cmd, "alembic-1tx" if tool.endswith("1tx") else "alembic")
                    ar = ratio(res, alk, k)
                w("| %s | %s | %s | %.1f | %s | %s | %s |" % (
                    cmd, c["tool"], fmt_ms(c["wall"]), med(c["cpu"]) * 1000, fmt_mb(c.get("rss_kb")),
                    fmt_ratio(rr) if rr else "", fmt_ratio(ar) if ar else ""))
        w("")

    w("## SQLite: N revisions, each creating a table and an index and inserting a row")
    w("")
    w("`× raw` is this tool's time over the raw client's on the same work (for `--one-transaction` and")
    w("the one-transaction variants: over the raw one-transaction run); `current`/`check` compare with")
    w("`sqlite3 db 'SELECT version_num FROM alembic_version'`. Alembic 1.8.1 has no `check` command")
    w("(added in 1.9): its row shows `alembic current`, the nearest it has. `heads` and `history` read no")
    w("database, so they have no raw counterpart.")
    w("")
    sizes = sorted({int(k.split("|")[0].split("N=")[1]) for k in res["cases"] if k.startswith("sqlite N=")})
    for n in sizes:
        group_table("SQLite, N=%d" % n, "sqlite N=%d" % n, ("current", "check", "heads", "history", "upgrade", "downgrade"))
    for pre in sorted({k.split("|")[0] for k in res["cases"] if k.startswith("sqlite-tmpfs N=")}):
        group_table("SQLite on tmpfs, " + pre.split()[1], pre, ("upgrade",),
                    note="The same upgrade with the database in /dev/shm: fsync costs nothing there, so what is "
                         "left is each tool's CPU work and SQLite's own.")
    msizes = sorted({int(k.split("|")[0].split("N=")[1]) for k in res["cases"] if k.startswith("mariadb N=")})
    if msizes:
        w("## MariaDB (server of tests/servers/start.sh: unix socket, durability off)")
        w("")
        w("MariaDB commits DDL at once, so a revision is not one transaction there whatever the client")
        w("says; `--one-transaction` is for SQLite and PostgreSQL and is not run here.")
        w("")
        for n in msizes:
            group_table("MariaDB, N=%d" % n, "mariadb N=%d" % n, ("current", "check", "upgrade", "downgrade"))
    else:
        w("## MariaDB")
        w("")
        w("Not measured in this run (no server).")
        w("")

    # ---- graphs
    w("## Graph-only corpora (whole processes)")
    w("")
    w("`check` and `current` run against a SQLite database stamped at head. Alembic only up to the sizes")
    w("listed (it takes minutes beyond).")
    w("")
    w("| corpus | command | aurmig ms | peak MB | Alembic ms | peak MB | Alembic / aurmig |")
    w("|---|---|---|---|---|---|---|")
    gkeys = sorted({k.split("|")[0] for k in res["cases"] if k.startswith("graph ")},
                   key=lambda s: (s.split()[1], int(s.split("N=")[1])))
    for g in gkeys:
        for cmd in ("heads", "history", "current", "check"):
            a = res["cases"].get("%s|%s|aurmig" % (g, cmd))
            al = res["cases"].get("%s|%s|alembic" % (g, cmd))
            if not a:
                continue
            w("| %s | %s | %s | %s | %s | %s | %s |" % (
                g.replace("graph ", ""), cmd, fmt_ms(a["wall"]), fmt_mb(a.get("rss_kb")),
                fmt_ms(al["wall"]) if al else "–", fmt_mb(al.get("rss_kb")) if al else "–",
                fmt_ratio(ratio(res, "%s|%s|alembic" % (g, cmd), "%s|%s|aurmig" % (g, cmd))) if al else "–"))
    w("")

    # ---- micro
    w("## In-process micro-benchmarks (bench/micro.c, linked with libaurmig_internal.a)")
    w("")
    w("Median µs per call [min–max] over as many calls as fit in 0.5 s (at least 3), CPU µs, and the")
    w("process's peak RSS (VmHWM) after the measurement, over all repetitions so far (for one load of a")
    w("graph see the `once` table below).")
    w("")
    w("| corpus | revisions | heads | operation | µs median [min–max] | µs per revision | CPU µs | peak MB |")
    w("|---|---|---|---|---|---|---|---|")
    opname = {
        "graph_load": "aurmig_graph_load + aurmig_graph_free",
        "graph_heads": "walk the heads (aurmig_graph_head_count/head)",
        "graph_lookup": "aurmig_graph_lookup(8-character prefix)",
        "plan_offline_base_to_heads": "aurmig_plan_new_offline base → heads",
        "plan_offline_spec_to_heads": "aurmig_plan_new_offline middle revision → heads",
        "status_new": "aurmig_status_new (load + connect + read + check)",
        "request": "a new context + aurmig_status_new + frees (one php-fpm request)",
        "status_from": "aurmig_status_from (existing conn and graph)",
    }
    for r in micro:
        if r["op"] in opname:
            n = r.get("revisions")
            w("| %s | %s | %s | %s | %.1f [%.1f–%.1f] | %s | %.1f | %.1f |" % (
                r["corpus"], "{:,}".format(n) if n else "", r.get("heads", ""), opname[r["op"]],
                r["median_us"], r["min_us"], r["max_us"],
                "%.2f" % (r["median_us"] / n) if n and r["op"] in ("graph_load", "plan_offline_base_to_heads") else "",
                r["cpu_median_us"], r["maxrss_kb"] / 1024))
    w("")
    w("One fresh process per run (micro `once`): load, heads, lookup of a prefix, offline plan from that")
    w("revision to heads; the median of 3 processes by total time.")
    w("")
    w("| corpus | revisions | load ms | heads µs | lookup µs | plan ms | total ms (3 runs) | peak MB |")
    w("|---|---|---|---|---|---|---|---|")
    for r in micro:
        if r["op"] == "once":
            w("| %s | %s | %.1f | %.1f | %.1f | %.1f | %s | %.1f |" % (
                r["corpus"], "{:,}".format(r["revisions"]), r["load_us"] / 1000, r["heads_us"], r["lookup_us"],
                r["plan_us"] / 1000, ", ".join("%.1f" % (x / 1000) for x in r["total_us_all"]), r["maxrss_kb"] / 1024))
    w("")
    dbi = [r for r in micro if r["op"] == "dbi_initialize_r"]
    if dbi:
        w("libdbi start-up, `dbi_initialize_r()` in a fresh process (median of 7 [min–max]):")
        w("")
        w("| driver directory | drivers loaded | µs | peak MB |")
        w("|---|---|---|---|")
        for r in dbi:
            w("| %s | %d | %.0f [%.0f–%.0f] | %.1f |" % (
                "libdbi's default directory: every installed driver (dbi_initialize_r(NULL))" if r["driverdir"] == "(default)"
                else "a directory holding only libdbdsqlite3.so", r["drivers"], r["wall_us"],
                r["wall_us_min"], r["wall_us_max"], r["maxrss_kb"] / 1024))
        w("")

    # ---- profiles
    cg = res.get("callgrind", {})
    if cg:
        w("## Where the instructions go (callgrind, one run each)")
        w("")
        w("Instruction counts do not depend on the machine's load. Inclusive counts of selected functions;")
        w("full annotations in bench/out/profiles/callgrind.*.txt. Valgrind hides some CPU features, so")
        w("nettle's SHA-256 runs its generic x86_64 code here (natively it may use SHA extensions).")
        w("")
        names = [n for n, _ in Bench.CG_FUNCS]
        used = [n for n in names if any(n in v["funcs"] for v in cg.values())]
        w("| run | total Ir | " + " | ".join(used) + " |")
        w("|---|---|" + "---|" * len(used))
        for key, v in cg.items():
            cells = []
            for n in used:
                x = v["funcs"].get(n)
                cells.append("" if x is None else "%.1fM (%.0f%%)" % (x / 1e6, 100.0 * x / v["total"]))
            w("| `%s` | %.1fM | %s |" % (key, (v["total"] or 0) / 1e6, " | ".join(cells)))
        w("")
    st = res.get("strace", {})
    if st:
        w("## System calls (strace -c, one run each)")
        w("")
        sysc = ["fdatasync", "fsync", "pwrite64", "openat", "newfstatat", "read", "close", "uname", "getpid",
                "geteuid", "fcntl", "unlink", "brk", "mmap"]
        used = [s for s in sysc if any(s in v["calls"] for v in st.values())]
        w("| run | " + " | ".join(used) + " | total |")
        w("|---|" + "---|" * (len(used) + 1))
        for key, v in st.items():
            w("| `%s` | %s | %d |" % (key, " | ".join(str(v["calls"].get(s, "")) for s in used),
                                     sum(v["calls"].values())))
        w("")
    # what this script does not write stays: the sections written by hand
    # (between <!-- hand:begin --> and <!-- hand:end -->, any number of
    # them) and the one bench/aurbench.py writes (bench/run.sh --aur)
    try:
        old = open(path).read()
    except OSError:
        old = ""
    for begin, end in (("<!-- hand:begin -->", "<!-- hand:end -->"), ("<!-- aur:begin -->", "<!-- aur:end -->")):
        at = 0
        while begin in old[at:] and end in old[old.index(begin, at):]:
            b = old.index(begin, at)
            e = old.index(end, b) + len(end)
            L.append("")
            L.append(old[b:e])
            at = e
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--corpus", help="default: OUT/corpus")
    ap.add_argument("--aurmig")
    ap.add_argument("--micro")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--mysql-sizes", default="10,100")
    ap.add_argument("--graph-sizes", default="1000,10000,100000")
    ap.add_argument("--alembic-max", type=int, default=10000)
    ap.add_argument("--callgrind-graph-max", type=int, default=10000)
    ap.add_argument("--mysql-env")
    ap.add_argument("--no-alembic", action="store_true")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-tmpfs", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--source-desc", default="")
    ap.add_argument("--buildtype", default="")
    ap.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    ap.add_argument("--report-only", action="store_true")
    a = ap.parse_args()
    a.sizes = [int(x) for x in a.sizes.split(",") if x]
    a.mysql_sizes = [int(x) for x in a.mysql_sizes.split(",") if x]
    a.graph_sizes = [int(x) for x in a.graph_sizes.split(",") if x]
    if not a.report_only:
        try:
            Bench(a).run()
        except Failed as e:
            print("bench: %s" % e, file=sys.stderr)
            return 1
    with open(os.path.join(a.out, "results.json")) as f:
        res = json.load(f)
    report(res, a.results)
    print("bench: wrote %s" % a.results, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
