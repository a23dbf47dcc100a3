#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurweb's chain, 2020 -> head, on AUR-sized data (bench/aurgen.py).

usage: aurbench.py --aurmig AURMIG [--scale F]... [--backends sqlite,mysql]
                   [--mysql-url URL] [--out DIR] [--results FILE] [--writers]
                   [--baseline REF] [--rounds N]
       aurbench.py --aurmig AURMIG --check [--scale 0.01]    (the smoke test)

Per backend and scale:
- the 2020 schema (tests/aurweb/data/schema-2020-<dialect>.sql) and the
  generated rows, stamped at f47cad5d6d03 (not timed);
- `aurmig upgrade head`: the whole process's wall time, and each step's time
  as aurmig prints it;
- the floor: the same statements run by the raw client, step by step. Each
  step's SQL is `aurmig upgrade --sql +1` against the floor database itself
  (exactly what aurmig runs, version-table and journal rows included), fed to
  `sqlite3` (with `.timer on`: each statement's time too) or `mariadb`;
- MariaDB with --writers: one thread per busy table doing single-row writes
  in a loop during aurmig's upgrade (and the floor's); the longest write of
  each table and the step running at that moment (from aurmig_journal's
  times, or the floor's own step spans), every write of 20 ms or more placed
  in its migration; aurmig runs with `--warn-blocking 0`, so that it names
  each statement that blocks writes to a table (a copy) before it runs, and
  a stall is told apart from those copies;
- MariaDB with --baseline REF: also the floor of migrations/ as of git REF
  (72bfc23: the chain before issue 20's rewrites, "today's floor" of its
  MariaDB targets);
- MariaDB with --rounds N: every case N times on fresh databases, medians
  reported (durable commits on a shared disk vary from run to run).

--check asserts, on SQLite and (when AURMIG_TEST_MYSQL_URL is set or --mysql-url
is given) MariaDB, that the upgrade reaches head and that the rows are what
the chain must leave (bench/aurgen.py facts()), for aurmig's run and for the
floor's, and on SQLite also for the offline script of the whole chain
(`upgrade --sql base:head --dialect sqlite` run by sqlite3, the rows loaded
after the initial revision); each schema (`aurmig schema dump`) equal to
aurmig's own run's. No timings. Exit 0 when all hold.

The report (a block between <!-- aur:begin --> and <!-- aur:end --> in
--results) and OUT/aur-results.json are written after a run without --check.
"""
import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import aurgen  # noqa: E402

MIGRATIONS = os.path.join(ROOT, "migrations")
BASE = "f47cad5d6d03"
BEGIN, END = "<!-- aur:begin -->", "<!-- aur:end -->"
STEP_RE = re.compile(r"^Running upgrade (\S+) -> (\S+), (.*) \.\.\. ([0-9.]+) s"
                     r"(?: \(after lock-wait retries\))?(?: \((\d+) batch(?:es)?, (\d+) rows\))?$")


def log(msg):
    sys.stderr.write("aurbench: %s\n" % msg)
    sys.stderr.flush()


def run(cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    p = subprocess.run(cmd, **kw)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d\n%s%s" % (" ".join(cmd[:6]), p.returncode, p.stdout[-2000:], p.stderr[-2000:]))
    return p


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


CPU = [0.0]   # CPU seconds (user + system) of the last timed() process


def timed(cmd, **kw):
    c = cpu_children()
    t = time.monotonic()
    p = run(cmd, **kw)
    CPU[0] = cpu_children() - c
    return time.monotonic() - t, p


# --- backends ------------------------------------------------------------------

class SQLite:
    dialect = "sqlite"

    def __init__(self, out, scale):
        self.out, self.scale = out, scale
        self.source = os.path.join(out, "aur-%s.sqlite" % scale)

    def prepare(self):
        gen = hashlib.sha256(open(os.path.join(HERE, "aurgen.py"), "rb").read()).hexdigest()
        stamp = self.source + ".gen"
        if not (os.path.exists(self.source) and open(stamp).read() == gen if os.path.exists(stamp) else False):
            log("generating SQLite data at scale %s" % self.scale)
            t = time.monotonic()
            aurgen.fill_sqlite(self.source + ".tmp", self.scale)
            os.replace(self.source + ".tmp", self.source)
            with open(stamp, "w") as f:
                f.write(gen)
            log("  %.1f s" % (time.monotonic() - t))

    def fresh(self, name):
        path = os.path.join(self.out, "aur-%s-%s.sqlite" % (self.scale, name))
        for suffix in ("", "-journal", "-wal"):
            if os.path.exists(path + suffix):
                os.unlink(path + suffix)
        shutil.copyfile(self.source, path)
        return "sqlite:///" + os.path.abspath(path)

    @staticmethod
    def path(url):
        return url[len("sqlite:///"):]

    def raw(self, url, sql):
        """Run sql with sqlite3 (.timer on): wall seconds and the statements' times."""
        t, p = timed(["sqlite3", "-bail", self.path(url)], input=".timer on\n" + sql)
        times = [(float(m.group(1)), float(m.group(2)) + float(m.group(3))) for m in
                 re.finditer(r"^Run Time: real ([0-9.]+) user ([0-9.]+) sys ([0-9.]+)", p.stdout, re.M)]
        return t, times

    def query(self, url, sql):
        import sqlite3
        con = sqlite3.connect(self.path(url))
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def drop(self, url):
        pass


class MySQL:
    dialect = "mysql"

    def __init__(self, out, scale, url):
        self.out, self.scale, self.url = out, scale, url
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port or 3306
        self.user, self.password = urllib.parse.unquote(u.username or ""), urllib.parse.unquote(u.password or "")
        self.data = os.path.join(out, "aur-%s.mysql.sql" % scale)

    def connect(self, db=None):
        import pymysql
        return pymysql.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                               database=db, autocommit=True)

    def client(self, db):
        return ["mariadb", "-h", self.host, "-P", str(self.port), "-u", self.user, "-p" + self.password, db]

    def prepare(self):
        gen = hashlib.sha256(open(os.path.join(HERE, "aurgen.py"), "rb").read()).hexdigest()
        stamp = self.data + ".gen"
        if not (os.path.exists(self.data) and os.path.exists(stamp) and open(stamp).read() == gen):
            log("generating MariaDB data at scale %s" % self.scale)
            with open(self.data + ".tmp", "w", encoding="utf-8") as f:
                aurgen.write_mysql(f, self.scale)
            os.replace(self.data + ".tmp", self.data)
            with open(stamp, "w") as f:
                f.write(gen)

    def fresh(self, name):
        db = "aurmig_aurbench_%s" % name.replace("-", "_")
        con = self.connect()
        try:
            con.cursor().execute("DROP DATABASE IF EXISTS %s" % db)
            con.cursor().execute("CREATE DATABASE %s CHARACTER SET utf8" % db)
        finally:
            con.close()
        t = time.monotonic()
        with open(aurgen.SCHEMA % "mysql", "rb") as f:
            run(self.client(db), stdin=f, text=False)
        with open(self.data, "rb") as f:
            run(self.client(db), stdin=f, text=False)
        log("  loaded %s in %.1f s" % (db, time.monotonic() - t))
        u = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, "", ""))

    def raw(self, url, sql):
        db = urllib.parse.urlsplit(url).path.lstrip("/")
        t, _ = timed(self.client(db), input=sql)
        return t, []

    def query(self, url, sql):
        con = self.connect(urllib.parse.urlsplit(url).path.lstrip("/"))
        try:
            cur = con.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            con.close()

    def drop(self, url):
        con = self.connect()
        try:
            con.cursor().execute("DROP DATABASE IF EXISTS %s" % urllib.parse.urlsplit(url).path.lstrip("/"))
        finally:
            con.close()


# --- the runs --------------------------------------------------------------------

def aurmig_cmd(args, url, *rest, migrations=MIGRATIONS):
    return [args.aurmig, "--url", url, "-d", migrations, "--no-color"] + list(rest)


def upgrade_aurmig(args, be, url):
    run(aurmig_cmd(args, url, "stamp", BASE))
    wall, p = timed(aurmig_cmd(args, url, "upgrade", "head"))
    steps = []
    for line in p.stdout.splitlines():
        m = STEP_RE.match(line.strip())
        if m:
            steps.append({"from": m.group(1), "rev": m.group(2), "message": m.group(3), "s": float(m.group(4))})
    return wall, steps


def upgrade_floor(args, be, url, stamped=False, migrations=MIGRATIONS):
    """Step by step: the SQL aurmig would run, by the raw client."""
    if not stamped:
        run(aurmig_cmd(args, url, "stamp", BASE, migrations=migrations))
    steps = []
    while True:
        p = subprocess.run(aurmig_cmd(args, url, "check", migrations=migrations), capture_output=True, text=True)
        if p.returncode == 0:
            break
        sql = run(aurmig_cmd(args, url, "upgrade", "--sql", "+1", migrations=migrations)).stdout
        m = re.search(r"^-- Running upgrade (\S+) -> (\S+), (.*)$", sql, re.M)
        t0 = time.time()
        t, stmts = be.raw(url, sql)
        steps.append({"from": m.group(1), "rev": m.group(2), "message": m.group(3), "s": t, "cpu": CPU[0],
                      "statements": stmts, "span": (t0, time.time()),
                      "sql": [s for s in split_sql(sql)]})
    return sum(s["s"] for s in steps), steps


def upgrade_offline(args, be, url):
    """SQLite: `aurmig upgrade --sql base:head --dialect sqlite` (offline, the
    whole chain from the initial revision) run by sqlite3: the script up to
    the initial revision's commit on an empty file, then the generated rows,
    then the rest."""
    sql = run([args.aurmig, "-d", MIGRATIONS, "upgrade", "--sql", "base:head", "--dialect", "sqlite"]).stdout
    cut = sql.index("\n-- Running upgrade %s -> " % BASE)
    path = be.path(url)
    os.unlink(path)
    t, _ = be.raw(url, sql[:cut])
    import sqlite3
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("BEGIN")
    for table, cols, rows in aurgen.tables(be.scale):
        con.executemany('INSERT INTO "%s" (%s) VALUES (%s)' % (table, ", ".join('"%s"' % c for c in cols),
                                                               ", ".join("?" * len(cols))), rows)
    con.execute("COMMIT")
    con.close()
    t2, _ = be.raw(url, sql[cut:])
    return t + t2, []


def split_sql(sql):
    """Statements as sqlite3 sees them (one ; at a line end ends one), for labels."""
    out, cur = [], []
    for line in sql.splitlines():
        if line.startswith("--") and not cur:
            continue
        cur.append(line)
        if line.rstrip().endswith(";"):
            out.append(" ".join(x.strip() for x in cur))
            cur = []
    return out


WRITERS = {
    "Users": ("SELECT ID FROM Users WHERE Suspended = 0 ORDER BY ID LIMIT 200",
              "UPDATE Users SET LastLogin = LastLogin + 1 WHERE ID = %s"),
    "PackageBases": ("SELECT ID FROM PackageBases ORDER BY ID LIMIT 200",
                     "UPDATE PackageBases SET ModifiedTS = ModifiedTS + 1 WHERE ID = %s"),
    "PackageVotes": ("SELECT UsersID, PackageBaseID FROM PackageVotes WHERE VoteTS IS NOT NULL LIMIT 200",
                     "UPDATE PackageVotes SET VoteTS = VoteTS + 1 WHERE UsersID = %s AND PackageBaseID = %s"),
    "PackageComments": ("SELECT ID FROM PackageComments ORDER BY ID LIMIT 200",
                        "UPDATE PackageComments SET PinnedTS = PinnedTS + 1 WHERE ID = %s"),
    "PackageNotifications": ("SELECT UserID, PackageBaseID FROM PackageNotifications LIMIT 200",
                             "UPDATE PackageNotifications SET UserID = UserID WHERE UserID = %s AND PackageBaseID = %s"),
    "Packages": ("SELECT ID FROM Packages ORDER BY ID LIMIT 200",
                 "UPDATE Packages SET Version = Version WHERE ID = %s"),
}


STALL_MIN = 0.02   # writes at least this long are kept, to be placed in their migration
WARN_RE = re.compile(r"^aurmig: warning: ([^:]+):\d+: (\S+): ALGORITHM=(\S+?),")


def by_revision(results, spans):
    """Each table's longest write per migration: spans is [(rev, start, end)]."""
    for x in results.values():
        per = {}
        for t0, dt in x.pop("stalls", []):
            rev = next((r for r, a, b in spans if a - 0.002 <= t0 <= (b or 1e18)), None)
            if rev and dt > per.get(rev, 0.0):
                per[rev] = dt
        x["by_rev"] = per


class Writers:
    """One thread per table, single-row autocommit writes every 5 ms."""

    def __init__(self, be, url):
        self.be, self.url, self.stop = be, url, threading.Event()
        self.results = {}
        self.threads = []
        for table, (pick, write) in WRITERS.items():
            keys = be.query(url, pick)
            self.results[table] = {"n": 0, "errors": 0, "max": 0.0, "at": None, "stalls": []}
            th = threading.Thread(target=self.loop, args=(table, write, keys), daemon=True)
            self.threads.append(th)

    def loop(self, table, write, keys):
        import pymysql
        con = self.be.connect(urllib.parse.urlsplit(self.url).path.lstrip("/"))
        r, i = self.results[table], 0
        try:
            while not self.stop.is_set():
                k = keys[i % len(keys)]
                i += 1
                t0 = time.time()
                try:
                    con.cursor().execute(write, k)
                except pymysql.err.MySQLError:
                    r["errors"] += 1
                dt = time.time() - t0
                r["n"] += 1
                if dt >= STALL_MIN:
                    r["stalls"].append((t0, dt))
                if dt > r["max"]:
                    r["max"], r["at"] = dt, t0
                time.sleep(0.005)
        finally:
            con.close()

    def __enter__(self):
        for th in self.threads:
            th.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        time.sleep(0.3)
        self.stop.set()
        for th in self.threads:
            th.join()


def journal_steps(be, url):
    rows = be.query(url, "SELECT revision, started_at, finished_at FROM aurmig_journal "
                         "WHERE operation = 'upgrade' ORDER BY id")
    out = []
    for rev, a, b in rows:
        def ts(x):
            return time.mktime(time.strptime(x[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0" + x[19:23])
        out.append((rev, ts(a), ts(b) if b else None))
    return out


def counts(be, url, facts):
    got = {}
    for k in facts:
        if k == "EmailVerified":
            q = "SELECT COUNT(*) FROM Users WHERE EmailVerified = 1"
        elif k == "VoteTS0":
            q = "SELECT COUNT(*) FROM PackageVotes WHERE VoteTS = 0"
        elif k == "NumVotesWrong":
            q = ("SELECT COUNT(*) FROM PackageBases WHERE NumVotes <> "
                 "(SELECT COUNT(*) FROM PackageVotes WHERE PackageVotes.PackageBaseID = PackageBases.ID)")
        else:
            q = "SELECT COUNT(*) FROM `%s`" % k if be.dialect == "mysql" else 'SELECT COUNT(*) FROM "%s"' % k
        got[k] = int(be.query(url, q)[0][0])
    return got


def backends(args, scale):
    out = []
    for name in args.backends.split(","):
        if name == "sqlite":
            out.append(SQLite(args.out, scale))
        elif name == "mysql":
            url = args.mysql_url or os.environ.get("AURMIG_TEST_MYSQL_URL")
            if url:
                out.append(MySQL(args.out, scale, url))
            else:
                log("no MariaDB (--mysql-url or AURMIG_TEST_MYSQL_URL): leaving it out")
    return out


def check(args):
    scale = args.scale[0] if args.scale else 0.01
    facts = aurgen.facts(scale)
    facts["NumVotesWrong"] = 0
    failed = 0
    for be in backends(args, scale):
        be.prepare()
        dumps = {}
        cases = [("aurmig", upgrade_aurmig), ("floor", upgrade_floor)]
        if be.dialect == "sqlite":
            cases.append(("offline", upgrade_offline))
        for name, fn in cases:
            url = be.fresh("check-" + name)
            try:
                fn(args, be, url)
                p = subprocess.run(aurmig_cmd(args, url, "check"), capture_output=True, text=True)
                got = counts(be, url, facts)
                bad = {k: (facts[k], got[k]) for k in facts if facts[k] != got[k]}
                dumps[name] = run(aurmig_cmd(args, url, "schema", "dump")).stdout
                if dumps[name] != dumps["aurmig"]:
                    import difflib
                    bad["schema"] = "".join(difflib.unified_diff(dumps["aurmig"].splitlines(True),
                                                                 dumps[name].splitlines(True), "aurmig", name))
                ok = p.returncode == 0 and not bad
                log("%s %s scale %s: %s%s" % (be.dialect, name, scale, "ok" if ok else "FAILED",
                                               "" if ok else " check=%d, expected/got %r" % (p.returncode, bad)))
                failed += not ok
            finally:
                be.drop(url)
    print("%d failed" % failed)
    return 1 if failed else 0


def one_round(args, be, scale, k=0):
    """One run of each case at this scale: aurmig, the floor, the baseline;
    round k starts at case k, so that no case always runs first (after a
    drop of the previous case's database, a durable server still writes)."""
    r = {"dialect": be.dialect, "scale": scale}
    cases = [case_aurmig, case_floor] + ([case_baseline] if be.dialect == "mysql" and args.baseline else [])
    k %= len(cases)
    for case in cases[k:] + cases[:k]:
        case(args, be, scale, r)
    return r


def case_aurmig(args, be, scale, r):
    log("%s scale %s: aurmig" % (be.dialect, scale))
    url = be.fresh("aurmig")
    if be.dialect == "mysql" and args.writers:
        run(aurmig_cmd(args, url, "stamp", BASE))
        w = Writers(be, url)
        with w:
            wall, steps, r["blocking"] = timed_upgrade(args, url)
        js = journal_steps(be, url)
        for table, x in w.results.items():
            x["during"] = next((rev for rev, a, b in js if x["at"] and a - 0.002 <= x["at"] <= (b or 1e18)), None)
            x.pop("at")
        by_revision(w.results, js)
        r["writers"] = w.results
    else:
        wall, steps = upgrade_aurmig(args, be, url)
    r["aurmig"] = {"wall": wall, "cpu": CPU[0], "steps": steps}
    be.drop(url)
    log("  %.2f s" % wall)


def floor_case(args, be, url, migrations=MIGRATIONS):
    """The raw client's run from the stamped base; on MariaDB with
    --writers under the same writers as aurmig's (their results, else {})."""
    run(aurmig_cmd(args, url, "stamp", BASE, migrations=migrations))
    if not (be.dialect == "mysql" and args.writers):
        return upgrade_floor(args, be, url, stamped=True, migrations=migrations) + ({},)
    w = Writers(be, url)
    with w:
        wall, steps = upgrade_floor(args, be, url, stamped=True, migrations=migrations)
    for x in w.results.values():
        x.pop("at")
    by_revision(w.results, [(x["rev"],) + tuple(x["span"]) for x in steps])
    return wall, steps, w.results


def case_floor(args, be, scale, r):
    log("%s scale %s: floor" % (be.dialect, scale))
    url = be.fresh("floor")
    fwall, fsteps, writers = floor_case(args, be, url)
    if writers:
        r["floor_writers"] = writers
    be.drop(url)
    log("  %.2f s" % fwall)
    r["floor"] = {"wall": fwall, "cpu": sum(x["cpu"] for x in fsteps), "steps": fsteps}


def case_baseline(args, be, scale, r):
    # the chain as it was when issue 20 was filed, by the raw client:
    # "today's floor" of its targets
    log("%s scale %s: floor of the migrations at %s" % (be.dialect, scale, args.baseline))
    url = be.fresh("baseline")
    bwall, bsteps, writers = floor_case(args, be, url, args.baseline_dir)
    be.drop(url)
    log("  %.2f s" % bwall)
    r["baseline"] = {"ref": args.baseline, "wall": bwall, "steps": [
        {"rev": x["rev"], "s": x["s"]} for x in bsteps], "writers": writers}


def round_summary(r):
    out = {"aurmig": r["aurmig"]["wall"], "floor": r["floor"]["wall"],
           "baseline": r.get("baseline", {}).get("wall")}
    if r.get("writers"):
        out["stall_table"] = outside_copies(r, r["writers"])[0]
        out["stall_migration"] = outside_copies(r, r["writers"], True)[0]
        out["stall_copy"] = max((x["max"] for x in r["writers"].values()), default=0.0)
    return out


def bench(args):
    res = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": machine(args), "runs": []}
    prev = os.path.join(args.out, "aur-results.json")
    if args.keep and os.path.exists(prev):
        old = json.load(open(prev))
        todo = {(d, sc) for d in args.backends.split(",") for sc in (args.scale or [0.1])}
        res["runs"] = [r for r in old["runs"] if (r["dialect"], r["scale"]) not in todo]
        res["kept"] = [(r["dialect"], r["scale"], old["when"], old["machine"]["load"]) for r in res["runs"]]
    for scale in args.scale or [0.1]:
        for be in backends(args, scale):
            be.prepare()
            n = args.rounds if be.dialect == "mysql" else 1
            rs = []
            for k in range(n):
                if n > 1:
                    log("%s scale %s: round %d of %d" % (be.dialect, scale, k + 1, n))
                rs.append(one_round(args, be, scale, k))
            # the round with the median aurmig time gives the detailed tables
            r = sorted(rs, key=lambda x: x["aurmig"]["wall"])[len(rs) // 2]
            if n > 1:
                r["rounds"] = [round_summary(x) for x in rs]
            res["runs"].append(r)
    res["runs"].sort(key=lambda r: (r["dialect"] != "sqlite", r["scale"]))
    with open(os.path.join(args.out, "aur-results.json"), "w") as f:
        json.dump(res, f, indent=1)
    if args.results:
        report(res, args.results)
    return 0


def timed_upgrade(args, url):
    """MariaDB: `--warn-blocking 0` announces every statement that blocks
    writes (MariaDB's own choice of algorithm, asked before it runs, as the
    default of 1 s does for large tables): which stalls are the copies."""
    wall, p = timed(aurmig_cmd(args, url, "upgrade", "--warn-blocking", "0", "head"))
    steps = []
    for line in p.stdout.splitlines():
        m = STEP_RE.match(line.strip())
        if m:
            steps.append({"from": m.group(1), "rev": m.group(2), "message": m.group(3), "s": float(m.group(4)),
                          "batches": int(m.group(5) or 0), "batch_rows": int(m.group(6) or 0)})
    blocking = {}
    for line in p.stderr.splitlines():
        m = WARN_RE.match(line.strip())
        if m:
            rev = os.path.basename(m.group(1)).split("_")[0]
            blocking.setdefault(rev, {})[m.group(2)] = m.group(3)
    return wall, steps, blocking


def machine(args):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    return {
        "cpu": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
        "cores": os.cpu_count(),
        "memory": sh("free -h | awk '/Mem:/{print $2}'"),
        "disk": sh("df -T %s | awk 'NR==2{print $1\", \"$2}'" % args.out) + ", rotational=" +
        sh("cat /sys/block/$(basename $(df %s | awk 'NR==2{print $1}') | sed 's/[0-9]*$//')/queue/rotational 2>/dev/null"
           % args.out),
        "kernel": platform.release(),
        "load": sh("cat /proc/loadavg"),
        "aurmig": sh("%s --version" % args.aurmig),
        "commit": sh("git -C %s rev-parse --short HEAD" % ROOT) + sh("git -C %s diff --quiet || echo ' + uncommitted'" % ROOT),
        "sqlite3": sh("sqlite3 --version | cut -d' ' -f1"),
        "mariadb": sh("mariadb --version"),
        "mariadb_server": mariadb_settings(args),
    }


def mariadb_settings(args):
    url = args.mysql_url or os.environ.get("AURMIG_TEST_MYSQL_URL")
    if not url or "mysql" not in args.backends:
        return ""
    try:
        con = MySQL(args.out, 0, url).connect()
        try:
            cur = con.cursor()
            cur.execute("SELECT @@version, @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit, "
                        "@@innodb_doublewrite, @@innodb_log_file_size")
            v, pool, flush, dw, log_ = cur.fetchone()
        finally:
            con.close()
    except Exception as e:  # noqa: BLE001 - a description only
        return "settings not read (%s)" % e
    return ("%s, innodb_buffer_pool_size %d MB, innodb_flush_log_at_trx_commit %s, innodb_doublewrite %s, "
            "innodb_log_file_size %d MB" % (v, int(pool) >> 20, flush, dw, int(log_) >> 20))


def report(res, path):
    L = []
    w = L.append
    m = res["machine"]
    w(BEGIN)
    w("## aurweb's chain on AUR-sized data (`bench/run.sh --aur`)")
    w("")
    w("Generated by `bench/aurbench.py` on %s. Data: `bench/aurgen.py` (scale 1 = issue 20's AUR sizes: 100k Users, "
      "1M PackageVotes, ...; see its docstring). The 2020 schema stamped at %s, upgraded to head. "
      "PostgreSQL: not applicable (aurweb's chain has no PostgreSQL sections)." % (res["when"], BASE))
    w("")
    loaded = float((m["load"].split() or ["0"])[0]) >= (m.get("cores") or 2)
    w("Machine: %s, %s cores, %s RAM, disk %s, kernel %s; load average at the start: %s (%s). %s, commit %s; "
      "sqlite3 %s; %s.%s" %
      (m["cpu"], m["cores"], m["memory"], m["disk"], m["kernel"], m["load"],
       "shared with other builds and test runs: every figure is one run on a loaded machine" if loaded else
       "nothing else running; every figure is one run", m["aurmig"], m["commit"], m["sqlite3"], m["mariadb"],
       " MariaDB server: %s." % m["mariadb_server"] if m.get("mariadb_server") else ""))
    for d, sc, when, load in res.get("kept", []):
        w("The %s run at scale %s is from %s (load average then: %s)." % (d, sc, when, load))
        w("")
    w("The floor runs each step's `aurmig upgrade --sql +1` output (the same statements, version row and journal row) "
      "with the raw client; aurmig also takes the deploy lock, reads the journal, and on SQLite checks the foreign "
      "keys of a rebuilt table and of the tables referencing it.")
    w("")
    w("Wall time is what an operator waits; CPU time (user + system of the aurmig process, of the client "
      "processes for the floor; on MariaDB the server's work is in neither) is less disturbed by the load.")
    w("")
    w("| backend | scale | aurmig upgrade head, s | floor (raw client), s | aurmig / floor | CPU aurmig / floor, s |")
    w("|---|---|---|---|---|---|")
    for r in res["runs"]:
        a, f = r["aurmig"]["wall"], r["floor"]["wall"]
        w("| %s | %s | %.2f | %.2f | %.2f× | %.2f / %.2f |" % (r["dialect"], r["scale"], a, f, a / f if f else 0,
                                                         r["aurmig"].get("cpu", 0), r["floor"].get("cpu", 0)))
    w("")
    w("Targets (issue 20): SQLite upgrade within 1.3× of sqlite3 running the same statements; no statement "
      "growing faster than n log n (table at the end); on MariaDB, the longest write stall outside the "
      "unavoidable copies ≤ 0.1 s and the upgrade ≤ 0.9× the raw client running the chain as it was.")
    w("")
    w("| target | scale | measured (wall) | measured (CPU) | goal | |")
    w("|---|---|---|---|---|---|")
    for r in res["runs"]:
        if r["dialect"] != "sqlite":
            continue
        a, f = r["aurmig"]["wall"], r["floor"]["wall"]
        ca, cf = r["aurmig"].get("cpu", 0), r["floor"].get("cpu", 0)
        rw, rc = a / f if f else 0, ca / cf if cf else 0
        w("| SQLite aurmig / sqlite3 | %s | %.2f× | %.2f× | ≤ 1.3× | %s |" % (
            r["scale"], rw, rc, "**met**" if rw <= 1.3 and rc <= 1.3 else "met by wall time" if rw <= 1.3 else
            "met by CPU time" if rc <= 1.3 else "**missed**"))
    w("")
    mysql_targets(res, w)
    for r in res["runs"]:
        w("### %s, scale %s, per migration" % (r["dialect"], r["scale"]))
        w("")
        w("| revision | message | aurmig, s | floor, s | slowest statement (floor), s |")
        w("|---|---|---|---|---|")
        fl = {s["rev"]: s for s in r["floor"]["steps"]}
        for s in r["aurmig"]["steps"]:
            f = fl.get(s["rev"], {})
            slow = ""
            if f.get("statements"):
                i = max(range(len(f["statements"])), key=lambda k: f["statements"][k][0])
                stmts = [x for x in f["sql"] if not x.startswith("--")]
                label = stmts[i][:70] if i < len(stmts) else "?"
                slow = "%.3f `%s`" % (f["statements"][i][0], label.replace("|", "\\|"))
            w("| %s | %s | %.3f%s | %.3f | %s |" % (s["rev"], s["message"][:50], s["s"],
                                                  " (%d batches)" % s["batches"] if s.get("batches") else "",
                                                  f.get("s", 0), slow))
        w("")
        if r.get("writers"):
            fw = r.get("floor_writers", {})
            w("Longest single-row write per table during the upgrade (one writer thread per table, an UPDATE "
              "every 5 ms, autocommit; the floor ran under the same writers%s):" % ("" if fw else ": not in this run"))
            w("")
            w("| table | writes | errors | longest, s | during | floor: longest, s |")
            w("|---|---|---|---|---|---|")
            for t, x in sorted(r["writers"].items(), key=lambda kv: -kv[1]["max"]):
                w("| %s | %d | %d | %.3f | %s | %s |" % (t, x["n"], x["errors"], x["max"], x["during"] or "",
                                                       "%.3f" % fw[t]["max"] if t in fw else ""))
            w("")
            stalls_by_migration(r, w)
    growth(res, w)
    w(END)
    block = "\n".join(L) + "\n"
    old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
    if BEGIN in old and END in old:
        new = old[:old.index(BEGIN)] + block + old[old.index(END) + len(END) + 1:]
    else:
        new = old.rstrip("\n") + "\n\n" + block
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


def outside_copies(r, writers, whole_migration=False):
    """The longest write, over the tables, outside the migrations that copy
    that table (ALGORITHM=COPY: writes to it wait for the copy); with
    whole_migration, outside every migration that copies a table."""
    blocking = r.get("blocking", {})
    best = (0.0, None, None)
    for t, x in writers.items():
        for rev, dt in x.get("by_rev", {}).items():
            if (t in blocking.get(rev, {}) or (whole_migration and blocking.get(rev))) or dt <= best[0]:
                continue
            best = (dt, t, rev)
    return best


def stalls_by_migration(r, w):
    """Per migration: the longest write per table (aurmig's run), and which
    tables the migration copies (aurmig's --warn-blocking 0 announcements)."""
    wr = r["writers"]
    if not any(x.get("by_rev") for x in wr.values()):
        return
    tables = sorted(wr)
    blocking = r.get("blocking", {})
    w("Longest single-row write per table and migration, s (aurmig's run; writes of at least %.0f ms are "
      "placed in the migration whose journal span holds them; **bold**: the migration blocks writes to that "
      "table, as `--warn-blocking 0` announced before the statement: ALGORITHM=COPY, or LOCK=SHARED):"
      % (STALL_MIN * 1000))
    w("")
    w("| revision | " + " | ".join(tables) + " | blocks writes to |")
    w("|---|" + "---|" * len(tables) + "---|")
    for s in r["aurmig"]["steps"]:
        rev = s["rev"]
        cells = []
        for t in tables:
            dt = wr[t].get("by_rev", {}).get(rev)
            v = "%.3f" % dt if dt else ""
            cells.append("**%s**" % v if v and t in blocking.get(rev, {}) else v)
        blk = ", ".join("%s (%s)" % (t, a) for t, a in sorted(blocking.get(rev, {}).items()))
        w("| %s | %s | %s |" % (rev, " | ".join(cells), blk))
    w("")
    dt, t, rev = outside_copies(r, wr)
    w("Longest write outside the migrations that block writes to its table: %s." %
      ("%.3f s (%s during %s)" % (dt, t, rev) if t else "none of %.0f ms or more" % (STALL_MIN * 1000)))
    dt, t, rev = outside_copies(r, wr, whole_migration=True)
    w("Outside every migration that copies a table: %s." %
      ("%.3f s (%s during %s)" % (dt, t, rev) if t else "none of %.0f ms or more" % (STALL_MIN * 1000)))
    b = r.get("baseline")
    if b:
        bw = b.get("writers", {})
        w("")
        w("The chain at %s (before issue 20's rewrites) run by the raw client: %.2f s; aurmig on today's chain: "
          "%.2f s (%.2f×). Its longest writes per table: %s." % (
              b["ref"], b["wall"], r["aurmig"]["wall"], r["aurmig"]["wall"] / b["wall"] if b["wall"] else 0,
              ", ".join("%s %.3f s (%s)" % (t, x["max"], max(x.get("by_rev", {}).items(), key=lambda kv: kv[1],
                                                                default=("?", 0))[0])
                        for t, x in sorted(bw.items(), key=lambda kv: -kv[1]["max"])) or "not measured"))
    w("")


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    return xs[len(xs) // 2] if xs else None


def mysql_targets(res, w):
    runs = [r for r in res["runs"] if r["dialect"] == "mysql"]
    if not runs:
        return
    w("| target | scale | measured | goal | |")
    w("|---|---|---|---|---|")
    for r in runs:
        rounds = r.get("rounds") or [round_summary(r)]
        n = len(rounds)
        spread = (lambda key: "" if n < 2 else " [%s]" % ", ".join(
            "%.3f" % x[key] if x.get(key) is not None else "?" for x in rounds))
        if r.get("writers") and any(x.get("by_rev") for x in r["writers"].values()):
            for whole, key, what in ((False, "stall_table", "on a table outside the migrations that copy it"),
                                     (True, "stall_migration", "outside every migration that copies a table")):
                dt = median(x.get(key) for x in rounds)
                _, t, rev = outside_copies(r, r["writers"], whole)
                w("| MariaDB: longest write stall %s | %s | %.3f s%s%s | ≤ 0.1 s | %s |" % (
                    what, r["scale"], dt, " (%s, %s)" % (t, rev) if t and n < 2 else "", spread(key),
                    "**met**" if dt <= 0.1 else "**missed**"))
        b = r.get("baseline")
        if b and b["wall"]:
            x = median(z["aurmig"] for z in rounds) / median(z["baseline"] for z in rounds)
            w("| MariaDB: aurmig upgrade / the chain at %s by the raw client%s | %s | %.2f× | ≤ 0.9× | %s |" % (
                b["ref"], ", medians of %d rounds" % n if n > 1 else "", r["scale"], x,
                "**met**" if x <= 0.9 else "**missed**"))
        x = median(z["aurmig"] for z in rounds) / median(z["floor"] for z in rounds)
        w("| MariaDB: aurmig upgrade / the same statements by the raw client | %s | %.2f× | (≈ 1×) | |" % (
            r["scale"], x))
    w("")
    for r in runs:
        if r.get("rounds"):
            w("MariaDB, scale %s, each round (fresh databases; s): aurmig / floor / the chain at %s by the "
              "client: %s." % (r["scale"], (r.get("baseline") or {}).get("ref", "-"), "; ".join(
                  "%.2f / %.2f / %s" % (z["aurmig"], z["floor"], "%.2f" % z["baseline"] if z.get("baseline") else "-")
                  for z in r["rounds"])))
            w("")


def growth(res, w):
    """Statements of the SQLite floor at two scales: growth against n log n."""
    sq = sorted([r for r in res["runs"] if r["dialect"] == "sqlite"], key=lambda r: r["scale"])
    if len(sq) < 2:
        return
    lo, hi = sq[-2], sq[-1]   # the two largest: the small scale's short statements are mostly noise
    k = hi["scale"] / lo["scale"]
    nlogn = k * (1 + __import__("math").log(k) / __import__("math").log(aurgen.ROWS["PackageVotes"] * lo["scale"]))
    w("### Growth of each statement, SQLite floor, scale %s -> %s (rows ×%.1f; n log n: ×%.1f)" %
      (lo["scale"], hi["scale"], k, nlogn))
    w("")
    w("Statements taking at least 50 ms of CPU (user + system, from sqlite3's `.timer on`, less disturbed by "
      "the machine's load than wall time) at the larger scale; `ratio` is their CPU time at %s over %s. "
      "Flagged when above 1.5 × the n log n factor (and at least 20 ms at %s)." % (hi["scale"], lo["scale"], lo["scale"]))
    w("")
    w("| revision | statement | wall s at %s | wall s at %s | CPU s at %s | CPU s at %s | CPU ratio | |" %
      (lo["scale"], hi["scale"], lo["scale"], hi["scale"]))
    w("|---|---|---|---|---|---|---|---|")
    fl = {s["rev"]: s for s in lo["floor"]["steps"]}
    worst = 0
    for s in hi["floor"]["steps"]:
        o = fl.get(s["rev"])
        if not o or len(o["statements"]) != len(s["statements"]):
            continue
        stmts = [x for x in s["sql"] if not x.startswith("--")]
        for i, (t, c) in enumerate(s["statements"]):
            if c < 0.05:
                continue
            ratio = c / max(o["statements"][i][1], 1e-3)
            if o["statements"][i][1] >= 0.02:   # a ratio of two times of a few ms says little
                worst = max(worst, ratio)
            w("| %s | `%s` | %.3f | %.3f | %.3f | %.3f | %.1f× | %s |" % (
                s["rev"], (stmts[i] if i < len(stmts) else "?")[:60].replace("|", "\\|"), o["statements"][i][0], t,
                o["statements"][i][1], c, ratio, "" if o["statements"][i][1] < 0.02 else
                "**faster than n log n**" if ratio > 1.5 * nlogn else ""))
    w("")
    w("Largest CPU ratio among statements of at least 20 ms CPU at %s: %.1f× (n log n: %.1f×)." %
      (lo["scale"], worst, nlogn))
    w("")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aurmig", required=True)
    ap.add_argument("--scale", type=float, action="append")
    ap.add_argument("--backends", default="sqlite,mysql")
    ap.add_argument("--mysql-url")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    ap.add_argument("--results")
    ap.add_argument("--writers", action="store_true")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--report-only", action="store_true", help="rewrite --results from OUT/aur-results.json")
    ap.add_argument("--baseline", metavar="REF",
                    help="MariaDB: also run the floor of migrations/ as of git REF (the chain before issue 20's "
                         "rewrites: 72bfc23)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="MariaDB: run every case this many times (fresh databases each time) and report medians; "
                         "its durable commits on a shared disk vary from run to run")
    ap.add_argument("--keep", action="store_true",
                    help="keep the runs of OUT/aur-results.json for the backends and scales not run now")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    args.out = os.path.abspath(args.out)
    args.aurmig = os.path.abspath(args.aurmig)
    args.baseline_dir = None
    if args.baseline and not args.report_only:
        args.baseline_dir = os.path.join(args.out, "baseline-migrations")
        shutil.rmtree(args.baseline_dir, ignore_errors=True)
        os.makedirs(args.baseline_dir)
        tar = subprocess.run(["git", "-C", ROOT, "archive", args.baseline, "migrations"], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", args.baseline_dir, "--strip-components=1"], input=tar.stdout, check=True)
    if args.report_only:
        report(json.load(open(os.path.join(args.out, "aur-results.json"))), args.results)
        return 0
    return check(args) if args.check else bench(args)


if __name__ == "__main__":
    sys.exit(main())
