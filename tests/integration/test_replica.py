#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A real MariaDB primary and read-only replica (issue 15, point 3).

Starts its own pair (tests/servers/replica.sh, under BUILD/test-replica,
ports AURMIG_TEST_REPLICA_PORT and the next one, default 33121-33122;
stopped at exit even on failure) and checks, on the replica:

- the read-only verbs (current, check, check --json, current --json,
  heads, history, lock) and the Python binding's status answer with the
  right exit codes, as of the replica's copy, and --json says "replica":
  lag_seconds null for a user who may not see the replication state,
  0.0 for one with SLAVE MONITOR once the replica caught up;
- they write nothing: the replica's own binary log position
  (@@gtid_binlog_pos: local writes only, log-slave-updates is off), its
  applied position (@@gtid_slave_pos) and its tables stay as they were, and
  no aurmig_* table appears;
- upgrade, stamp and init refuse with the replica message before taking
  any lock: another session holds the deploy lock (GET_LOCK) on the
  replica, and the refusal is immediate (exit 1), where the same holder on
  the primary makes them wait and time out (exit 4);
- a replica whose SQL thread is stopped while the primary moves on: the
  replica's check still says behind (exit 3), its lag is unknown (null);
  with MASTER_DELAY the lag the server reports (>= 1 s) is what --json says;
- a server applying a replication channel without read_only is a replica
  in the note too (for a user who may see the channel).

Usage: test_replica.py AURMIG SOURCE_ROOT BUILD_ROOT
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

AURMIG, SOURCE_ROOT, BUILD_ROOT = [os.path.abspath(a) for a in sys.argv[1:4]]
sys.path.insert(0, os.path.join(SOURCE_ROOT, "bindings", "python"))
BASE = os.path.join(BUILD_ROOT, "test-replica")
REPLICA_SH = os.path.join(SOURCE_ROOT, "tests", "servers", "replica.sh")
DB = "aurmig_r%d" % os.getpid()
EMPTY = DB + "_empty"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what, flush=True)
    return cond


def sql(server, text, db=None):
    """Run text on 'primary' or 'replica' as root over its socket."""
    cmd = ["mariadb", "--no-defaults", "--socket", ENV["AURMIG_TEST_REPLICA_%sSOCKET"
                                                      % ("PRIMARY_" if server == "primary" else "")],
           "-u", "root", "--batch", "--skip-column-names"] + ([db] if db else [])
    p = subprocess.run(cmd, input=text, capture_output=True, text=True, timeout=60)
    if p.returncode:
        raise RuntimeError("mariadb on the %s: %s" % (server, p.stderr))
    return [line.split("\t") for line in p.stdout.splitlines()]


def slave_status():
    """The replica's SHOW SLAVE STATUS, by column."""
    p = subprocess.run(["mariadb", "--no-defaults", "--socket", ENV["AURMIG_TEST_REPLICA_SOCKET"], "-u", "root",
                        "--batch", "-e", "SHOW SLAVE STATUS"], capture_output=True, text=True, timeout=60)
    lines = p.stdout.splitlines()
    return dict(zip(lines[0].split("\t"), lines[1].split("\t"))) if len(lines) == 2 else {}


def url(server, user="aurmig", db=DB):
    port = ENV["AURMIG_TEST_REPLICA_%sPORT" % ("PRIMARY_" if server == "primary" else "")]
    return "mysql://%s:%s@127.0.0.1:%s/%s" % (user, user, port, db)


def cli(server, *args, user="aurmig", db=DB, d=None):
    t0 = time.monotonic()
    p = subprocess.run([AURMIG, "-d", d or MIG, "--url", url(server, user, db)] + list(args),
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def note(server, verb="check", user="aurmig"):
    rc, out, err, _ = cli(server, "--json", verb, user=user)
    try:
        return json.loads(out).get("replica", "missing"), rc
    except ValueError:
        check(False, "%s --json on the %s: not JSON: %r %r" % (verb, server, out, err))
        return "missing", rc


def caught_up():
    """Wait until the replica applied everything the primary logged."""
    want = sql("primary", "SELECT @@gtid_binlog_pos;")[0][0]
    deadline = time.time() + 30
    while time.time() < deadline:
        if sql("replica", "SELECT @@gtid_slave_pos;")[0][0] == want:
            return
        time.sleep(0.1)
    raise RuntimeError("the replica did not reach %s" % want)


def snapshot():
    return (sql("replica", "SELECT @@gtid_binlog_pos, @@gtid_slave_pos;"),
            sql("replica", "SELECT table_schema, table_name FROM information_schema.tables "
                           "WHERE table_schema LIKE 'aurmig\\_%' OR table_name LIKE 'aurmig%' ORDER BY 1, 2;"))


def script(rev, down, body):
    with open(os.path.join(MIG, rev + "_s.sql"), "w") as f:
        f.write("-- aurmig:revision %s\n%s-- aurmig:message step %s\n-- aurmig:upgrade\n%s\n"
                % (rev, "-- aurmig:down_revision %s\n" % down if down else "", rev, body))


class LockHolder(threading.Thread):
    """A session on `server` holding the deploy lock of DB (GET_LOCK) until released."""

    def __init__(self, server, db=DB):
        super().__init__(daemon=True)
        self.server, self.db = server, db
        self.ready, self.release = threading.Event(), threading.Event()
        self.got = None

    def run(self):
        import pymysql
        port = int(ENV["AURMIG_TEST_REPLICA_%sPORT" % ("PRIMARY_" if self.server == "primary" else "")])
        con = pymysql.connect(host="127.0.0.1", port=port, user="aurmig", password="aurmig", database=self.db)
        cur = con.cursor()
        cur.execute("SELECT GET_LOCK(CONCAT('aurmig:alembic_version@', DATABASE()), 0)")
        self.got = cur.fetchone()[0]
        self.ready.set()
        self.release.wait(60)
        con.close()

    def __enter__(self):
        self.start()
        self.ready.wait(20)
        check(self.got == 1, "the lock holder on the %s got the lock (%r)" % (self.server, self.got))
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.join(30)


def writing_verbs():
    return [("upgrade", DB), ("stamp", DB), ("init", EMPTY)]


def verb_args(verb):
    return {"upgrade": ["upgrade"], "stamp": ["stamp", "a2"], "init": ["init"]}[verb]


def main():
    import aurmig

    sql("primary", "CREATE DATABASE %s; CREATE DATABASE %s;" % (DB, EMPTY))
    script("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);")
    script("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;")
    rc, out, err, _ = cli("primary", "upgrade", "a1")
    check(rc == 0, "upgrade a1 on the primary: %d %s" % (rc, err))
    # the head schema init builds (on the empty database only)
    os.mkdir(os.path.join(MIG, "schema"))
    with open(os.path.join(MIG, "schema", "mysql.sql"), "w") as f:
        f.write("-- aurmig:schema-revision a2\nCREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, w INTEGER);\n")
    caught_up()
    before = snapshot()
    check(any(t == [DB, "alembic_version"] for t in before[1]), "the version table replicated: %r" % (before[1],))

    # --- the read-only verbs on the replica ---------------------------------
    rc, out, err, _ = cli("replica", "current")
    check(rc == 0 and out.split()[:1] == ["a1"], "current on the replica: %d %r %s" % (rc, out, err))
    rc, out, err, _ = cli("replica", "check")
    check(rc == 3, "check on the replica (behind): exit %d %s" % (rc, err))
    for verb in ("check", "current"):
        n, rc = note("replica", verb)
        check(n == {"lag_seconds": None}, "%s --json as a user without SLAVE MONITOR: %r" % (verb, n))
        n, rc = note("replica", verb, user="aurmon")
        check(isinstance(n, dict) and n.get("lag_seconds") == 0.0 and isinstance(n["lag_seconds"], float),
              "%s --json with SLAVE MONITOR, caught up: lag 0.0: %r" % (verb, n))
    rc, out, err, _ = cli("replica", "--json", "check")
    check(rc == 3 and json.loads(out)["state"] == "behind", "check --json on the replica: %d %r" % (rc, out))
    for verb in (["heads"], ["history"], ["lock"]):
        rc, out, err, _ = cli("replica", *verb)
        check(rc == 0, "%s on the replica: exit %d %s" % (verb[0], rc, err))
    for user in ("aurmig", "aurmon"):
        st = aurmig.status(MIG, url("replica", user))
        check(st.code == 1 and st.state == "behind", "Python status on the replica as %s: %r %r"
              % (user, st.code, st.state))
    for user, lag in (("aurmig", None), ("aurmon", 0.0)):
        with aurmig.Migrator(MIG, url("replica", user)) as m:
            r = m.replica()
            check(r == {"lag_seconds": lag}, "Migrator.replica() as %s: %r" % (user, r))
            check(m.check().state == "behind", "Migrator.check() on the replica")
    with aurmig.Migrator(MIG, url("primary", "aurmon")) as m:
        check(m.replica() is None, "Migrator.replica() on the primary: %r" % (m.replica(),))
    n, rc = note("primary")
    check(n is None and rc == 3, "the primary is no replica: %r (exit %d)" % (n, rc))
    n, rc = note("primary", user="aurmon")
    check(n is None, "the primary is no replica for aurmon either: %r" % (n,))

    # --- writing verbs refuse before any lock ------------------------------
    for verb, db in writing_verbs():
        with LockHolder("primary", db):   # the control: on the primary they wait for the lock
            rc, out, err, secs = cli("primary", "--lock-timeout", "1", *verb_args(verb), db=db)
            check(rc == 4, "%s on the primary behind a held lock: exit %d (want 4) %s" % (verb, rc, err))
        with LockHolder("replica", db):
            rc, out, err, secs = cli("replica", "--lock-timeout", "20", *verb_args(verb), db=db)
            check(rc == 1 and "read-only replica" in err and "run against the primary" in err,
                  "%s on the replica: exit %d (want 1, the replica message) %s" % (verb, rc, err))
            check(secs < 10, "%s on the replica refused at once, not behind the lock: %.1f s" % (verb, secs))
    check(snapshot() == before, "the replica's position and tables are unchanged: %r != %r" % (snapshot(), before))

    # --- a lagging replica: its SQL thread stopped --------------------------
    sql("replica", "STOP SLAVE SQL_THREAD;")
    rc, out, err, _ = cli("primary", "upgrade")
    check(rc == 0, "upgrade a2 on the primary: %d %s" % (rc, err))
    want = sql("primary", "SELECT @@gtid_binlog_pos;")[0][0]
    deadline = time.time() + 30
    while time.time() < deadline and slave_status().get("Gtid_IO_Pos") != want:
        time.sleep(0.1)
    rc, out, err, _ = cli("primary", "check")
    check(rc == 0, "check on the primary (at head): exit %d %s" % (rc, err))
    rc, out, err, _ = cli("replica", "check")
    check(rc == 3, "check on the stopped replica (its copy behind): exit %d %s" % (rc, err))
    n, rc = note("replica", user="aurmon")
    check(n == {"lag_seconds": None} and rc == 3, "the stopped replica's lag is unknown: %r (exit %d)" % (n, rc))
    with aurmig.Migrator(MIG, url("replica", "aurmon")) as m:
        check(m.replica() == {"lag_seconds": None}, "Migrator.replica(), SQL thread stopped: %r" % (m.replica(),))
    st = aurmig.status(MIG, url("replica", "aurmon"))
    check(st.code == 1, "Python status on the stopped replica: behind: %r" % (st.state,))

    # --- a delayed replica: the lag the server reports -----------------------
    sql("replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 4; START SLAVE;")
    caught_up()   # a2 is older than the delay
    sql("primary", "INSERT INTO t (id, v) VALUES (1, 1);", db=DB)
    lags, deadline = [], time.time() + 20
    while time.time() < deadline:
        n, rc = note("replica", user="aurmon")
        lags.append(n.get("lag_seconds") if isinstance(n, dict) else n)
        if isinstance(lags[-1], float) and lags[-1] >= 1.0:
            break
        time.sleep(0.2)
    check(any(isinstance(x, float) and x >= 1.0 for x in lags),
          "a replica held back by MASTER_DELAY reports a lag >= 1 s: %r" % (lags,))
    sql("replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE;")
    caught_up()
    n, rc = note("replica", user="aurmon")
    check(n == {"lag_seconds": 0.0} and rc == 0, "caught up again, at head: %r (exit %d)" % (n, rc))

    # --- a channel without read_only ----------------------------------------
    sql("replica", "SET GLOBAL read_only = 0;")
    try:
        n, rc = note("replica", user="aurmon")
        check(n == {"lag_seconds": 0.0}, "a writable server applying a channel is a replica: %r" % (n,))
        n, rc = note("replica")
        check(n is None, "a user who may not see the channel sees no replica there: %r" % (n,))
    finally:
        sql("replica", "SET GLOBAL read_only = 1;")
    after = sql("replica", "SELECT @@gtid_binlog_pos;")
    check(after[0][0] == before[0][0][0],
          "the replica wrote nothing of its own: %r, was %r" % (after, before[0]))


def run():
    global ENV, MIG
    if not os.path.exists("/usr/sbin/mariadbd") and not subprocess.run(["sh", "-c", "command -v mariadbd"],
                                                                          capture_output=True).stdout:
        print("SKIP: mariadbd is not installed")
        return 77
    # meson's timeout sends SIGTERM: stop the servers on the way out then too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        p = subprocess.run([REPLICA_SH, "start", BASE], capture_output=True, text=True, timeout=300)
        if p.returncode:
            print(p.stderr)
            return 1
        ENV = dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)
        with tempfile.TemporaryDirectory(prefix="aurmig-replica-") as tmp:
            MIG = tmp
            main()
    finally:
        subprocess.run([REPLICA_SH, "stop", BASE], capture_output=True, timeout=120)
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


ENV = {}
MIG = None

if __name__ == "__main__":
    sys.exit(run())
