#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bounded waits, read-only servers and progress (issue 14, points 6 and 7),
on every backend the environment provides:

- a writing verb refuses a read-only server before taking the deploy lock
  (MariaDB read_only for a user without SUPER; a real PostgreSQL hot
  standby made with pg_basebackup -R; a database with
  default_transaction_read_only), while read-only verbs keep working;
- `check --timeout`, `current`, `validate` and the Python status API return
  in bounded time, exit 4 "timed out waiting for the database", while
  another session holds a lock on alembic_version;
- a migration's statements wait at most --ddl-lock-wait for a lock, are
  retried (--lock-retries), and name the session that blocked them; out of
  retries exit 4 when nothing of the step remains, 5 when part of it does;
  a script's `-- aurmig:lock_wait` header overrides the bound; offline
  --sql carries the same settings;
- the step's "Running upgrade A -> B, message ..." line is on stdout before
  the step ends; on a terminal, statement counts; --json only the document.

Usage: test_waits.py AURMIG
SQLite always; MariaDB when AURMIG_TEST_MYSQL_URL is set, PostgreSQL when
AURMIG_TEST_PGSQL_URL is set (tests/servers/start.sh sets both, with the
admin access in AURMIG_TEST_*_ADMIN_USER / _SOCKET). Sets MariaDB's global
read_only for a moment: meson runs this test alone (is_parallel: false).
"""
import json
import os
import pty
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

AURMIG = None
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("AURMIG_SOURCE_ROOT") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_ROOT, "bindings", "python"))

KINDS = ["sqlite"] + [k for k, v in (("mysql", "AURMIG_TEST_MYSQL_URL"), ("pgsql", "AURMIG_TEST_PGSQL_URL"))
                      if os.environ.get(v)]

SLEEP = {"mysql": "DO SLEEP({s})", "pgsql": "SELECT pg_sleep({s})",
         # about 3 million rows a second on the test machine; scaled below
         "sqlite": "CREATE TABLE slow_{n} AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
                   "WHERE x < {rows}) SELECT x FROM c"}


def script(rev, down, body, header="", message=None):
    return ("-- aurmig:revision %s\n%s-- aurmig:message %s\n%s\n-- aurmig:upgrade\n%s\n"
            % (rev, "-- aurmig:down_revision %s\n" % down if down else "", message or "step " + rev,
               header, body))


class DB:
    """A fresh database of one kind; admin and user sessions into it."""

    def __init__(self, kind, tmp):
        self.kind = kind
        self.name = "aurmig_w" + uuid.uuid4().hex[:12]
        if kind == "sqlite":
            self.path = os.path.join(tmp, "w.db")
            self.url = "sqlite:///" + self.path
            return
        base = os.environ["AURMIG_TEST_MYSQL_URL" if kind == "mysql" else "AURMIG_TEST_PGSQL_URL"]
        u = urllib.parse.urlsplit(base)
        self.u = u
        self.params = dict(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                           password=urllib.parse.unquote(u.password or ""))
        if kind == "mysql":
            self.admin_sql("CREATE DATABASE " + self.name)
        else:
            self.admin_sql("CREATE DATABASE %s OWNER %s" % (self.name, self.params["user"]))
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.split("@")[0], u.hostname, u.port, self.name)

    def admin(self, db=None):
        if self.kind == "mysql":
            import pymysql
            return pymysql.connect(unix_socket=os.environ["AURMIG_TEST_MYSQL_SOCKET"],
                                   user=os.environ.get("AURMIG_TEST_MYSQL_ADMIN_USER", "root"),
                                   database=db, autocommit=True)
        import psycopg2
        con = psycopg2.connect(host=os.environ["AURMIG_TEST_PGSQL_SOCKET_DIR"],
                               port=int(os.environ["AURMIG_TEST_PGSQL_PORT"]),
                               user=os.environ.get("AURMIG_TEST_PGSQL_ADMIN_USER", "postgres"),
                               dbname=db or "postgres")
        con.autocommit = True
        return con

    def admin_sql(self, sql, db=None):
        con = self.admin(db)
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def session(self):
        """A session as the test user (not a superuser), autocommit off."""
        if self.kind == "sqlite":
            return sqlite3.connect(self.path, timeout=30, isolation_level=None)
        if self.kind == "mysql":
            import pymysql
            return pymysql.connect(database=self.name, autocommit=False, **self.params)
        import psycopg2
        return psycopg2.connect(dbname=self.name, **self.params)

    def drop(self):
        if self.kind == "sqlite":
            return
        try:
            if self.kind == "pgsql":
                self.admin_sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
            else:
                self.admin_sql("DROP DATABASE IF EXISTS " + self.name)
        except Exception:
            pass


class Holder(threading.Thread):
    """Another session holding a lock until released (at most `hold` s)."""

    def __init__(self, db, statements, hold=12.0):
        super().__init__(daemon=True)
        self.db, self.statements, self.hold = db, statements, hold
        self.ready = threading.Event()
        self.release = threading.Event()
        self.session_id = None
        self.error = None

    def run(self):
        try:
            con = self.db.session()
            cur = con.cursor()
            if self.db.kind == "mysql":
                cur.execute("SELECT CONNECTION_ID()")
                self.session_id = str(cur.fetchone()[0])
            elif self.db.kind == "pgsql":
                cur.execute("SELECT pg_backend_pid()")
                self.session_id = str(cur.fetchone()[0])
            for s in self.statements:
                cur.execute(s)
            self.ready.set()
            self.release.wait(self.hold)
            if self.db.kind == "mysql" and any("LOCK TABLES" in s for s in self.statements):
                cur.execute("UNLOCK TABLES")
            if self.db.kind == "sqlite":
                cur.execute("ROLLBACK")
            else:
                con.rollback()
            con.close()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e
            self.ready.set()

    def __enter__(self):
        self.start()
        assert self.ready.wait(20), "the lock holder did not start"
        assert self.error is None, self.error
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.join(30)


def lock_version_table(db):
    """Statements that lock alembic_version against readers."""
    if db.kind == "mysql":
        return ["LOCK TABLES alembic_version WRITE"]
    if db.kind == "pgsql":
        return ["LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"]
    return ["BEGIN EXCLUSIVE"]


def lock_table_t(db):
    """Statements that keep a migration's ALTER TABLE t waiting."""
    if db.kind == "sqlite":
        return ["BEGIN IMMEDIATE", "INSERT INTO t VALUES (99, 0)"]
    # an open transaction that read t: the metadata lock (MariaDB) or
    # ACCESS SHARE lock (PostgreSQL) stays until it ends
    return ["SELECT * FROM t"] if db.kind == "pgsql" else ["BEGIN", "SELECT * FROM t"]


class Base(unittest.TestCase):
    kind = "sqlite"

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-waits-")
        self.dir = os.path.join(self.tmp, "migrations")
        os.mkdir(self.dir)
        self.db = DB(self.kind, self.tmp)
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);")

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rev, down, body, header="", message=None):
        with open(os.path.join(self.dir, rev + "_s.sql"), "w") as f:
            f.write(script(rev, down, body, header, message))

    def run_cli(self, *args, timeout=120):
        t0 = time.monotonic()
        p = subprocess.run([AURMIG, "-d", self.dir, "--url", self.db.url] + list(args),
                           capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.monotonic() - t0

    def ok(self, *args):
        rc, out, err, _ = self.run_cli(*args)
        self.assertEqual(rc, 0, (args, out, err))
        return out


class Timeouts:
    """--timeout of read-only verbs and the status API (14.7)."""

    def test_check_times_out_behind_a_lock_on_the_version_table(self):
        self.ok("upgrade")
        with Holder(self.db, lock_version_table(self.db)):
            # no option: the default bound (5 s), never the 12 s of the lock
            rc, out, err, secs = self.run_cli("check")
            self.assertEqual(rc, 4, (out, err))
            self.assertLess(secs, 8.0)
            rc, out, err, secs = self.run_cli("check", "--timeout", "2")
            self.assertEqual(rc, 4, (out, err))
            self.assertLess(secs, 5.0)
            self.assertGreater(secs, 1.5)
            self.assertIn("timed out after 2.0 s waiting for the database", err)
            self.assertIn("alembic_version", err)   # what it waited on
            # the global option, other read-only verbs
            for verb in (["--timeout", "1", "current"], ["validate", "--timeout", "1"]):
                rc, out, err, secs = self.run_cli(*verb)
                self.assertEqual(rc, 4, (verb, out, err))
                self.assertLess(secs, 4.0)
        # released: the same check answers
        rc, out, err, _ = self.run_cli("check", "--timeout", "2")
        self.assertEqual(rc, 0, err)

    def test_status_api_times_out(self):
        import aurmig
        self.ok("upgrade")
        with Holder(self.db, lock_version_table(self.db)):
            t0 = time.monotonic()
            with self.assertRaises(aurmig.LockTimeoutError) as cm:
                aurmig.status(self.dir, self.db.url, timeout=2)
            self.assertLess(time.monotonic() - t0, 5.0)
            self.assertIn("timed out", str(cm.exception))
            # the default bound: a few seconds, never the 12 s of the lock
            t0 = time.monotonic()
            with self.assertRaises(aurmig.LockTimeoutError):
                aurmig.status(self.dir, self.db.url)
            self.assertLess(time.monotonic() - t0, 8.0)
            # a long-lived Migrator bounds its own connection
            with aurmig.Migrator(self.dir, self.db.url) as m:
                m.set_timeout(1)
                t0 = time.monotonic()
                with self.assertRaises(aurmig.LockTimeoutError):
                    m.check()
                self.assertLess(time.monotonic() - t0, 4.0)
        self.assertEqual(aurmig.status(self.dir, self.db.url, timeout=2).code, 0)   # at head


class LockWaits:
    """--ddl-lock-wait and --lock-retries of migrations (14.7)."""

    def setUp(self):
        super().setUp()
        self.ok("upgrade")
        self.write("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;")

    def heads(self):
        return self.ok("current").split()

    def test_blocked_ddl_fails_in_bounded_time_naming_the_blocker(self):
        with Holder(self.db, lock_table_t(self.db)) as h:
            rc, out, err, secs = self.run_cli("upgrade", "--ddl-lock-wait", "1", "--lock-retries", "1")
        self.assertEqual(rc, 4, (out, err))
        self.assertLess(secs, 8.0)
        self.assertIn("timed out waiting for the database", err)
        self.assertIn("2 attempts", err)
        self.assertIn("retry 1 of 1", err)
        self.assertIn("nothing of it remains", err)
        if self.kind != "sqlite":
            self.assertIn("session %s (" % h.session_id, err)
        else:
            self.assertIn("another process holds the database's write lock", err)
        self.assertEqual(self.heads()[:1], ["a1"])
        # released: the next run goes through
        self.ok("upgrade", "--ddl-lock-wait", "1")
        self.assertEqual(self.heads()[:1], ["a2"])

    def test_released_in_time_the_retry_succeeds(self):
        with Holder(self.db, lock_table_t(self.db), hold=1.5):
            rc, out, err, secs = self.run_cli("--json", "--ddl-lock-wait", "1", "--lock-retries", "3",
                                              "upgrade")
        self.assertEqual(rc, 0, (out, err))
        self.assertIn("retry 1 of 3", err)
        doc = json.loads(out)   # --json: one document, no progress lines
        self.assertGreaterEqual(doc["steps"][0]["retries"], 1)
        self.assertEqual(self.heads()[:1], ["a2"])

    def test_script_header_overrides_the_bound(self):
        self.write("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;", header="-- aurmig:lock_wait 1")
        with Holder(self.db, lock_table_t(self.db)):
            # the plan's bound is 30 s; the script's 1 s applies, no retries
            rc, out, err, secs = self.run_cli("upgrade", "--ddl-lock-wait", "30", "--lock-retries", "0")
        self.assertEqual(rc, 4, (out, err))
        self.assertLess(secs, 5.0)
        self.assertIn("1 attempt, 1.0 s lock wait each", err)


class PartialRetries:
    """A non-atomic step out of retries after its first statement: exit 5."""

    def test_non_atomic_step_out_of_retries_half_way_awaits_recovery(self):
        self.ok("upgrade")
        self.write("a2", "a1", "CREATE TABLE u (id INTEGER PRIMARY KEY);\nALTER TABLE t ADD COLUMN w INTEGER;",
                   header="-- aurmig:transaction off")
        with Holder(self.db, lock_table_t(self.db)):
            rc, out, err, secs = self.run_cli("upgrade", "--ddl-lock-wait", "1", "--lock-retries", "1")
        self.assertEqual(rc, 5, (out, err))
        self.assertLess(secs, 8.0)
        self.assertIn("failed at statement 2 of 2", err)
        # the retry ran statement 2 only: resume finishes it
        self.ok("resume")
        self.assertEqual(self.ok("current").split()[:1], ["a2"])


class ReadOnly:
    """Writing verbs refuse a read-only server; reading verbs work (14.6)."""

    def assert_refused(self, url):
        for verb in (["upgrade"], ["stamp", "a1"], ["downgrade", "base"]):
            p = subprocess.run([AURMIG, "-d", self.dir, "--url", url] + verb, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual(p.returncode, 1, (verb, p.stdout, p.stderr))
            self.assertIn("read-only", p.stderr)
            self.assertIn("run against the primary", p.stderr)
            self.assertNotIn("SQLSTATE", p.stderr)

    def replica_note(self, url):
        """check --json's and current --json's "replica" (they must agree)."""
        notes = []
        for verb in ("check", "current"):
            p = subprocess.run([AURMIG, "--json", "-d", self.dir, "--url", url, verb], capture_output=True,
                               text=True, timeout=60)
            notes.append(json.loads(p.stdout)["replica"])
        self.assertEqual(notes[0] is None, notes[1] is None, notes)
        return notes[1]

    def assert_reads(self, url, state, replica=False):
        import aurmig
        note = self.replica_note(url)
        if replica:
            self.assertIsInstance(note, dict)
        else:
            self.assertIsNone(note)
        p = subprocess.run([AURMIG, "-d", self.dir, "--url", url, "check"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 3 if state == "behind" else 0, p.stderr)
        p = subprocess.run([AURMIG, "-d", self.dir, "--url", url, "current"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(aurmig.status(self.dir, url).code, 1 if state == "behind" else 0)


class MysqlReadOnly(ReadOnly):
    def test_read_only_server(self):
        self.ok("upgrade")
        self.write("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;")
        # the test user has no SUPER / READ ONLY ADMIN: read_only binds it
        self.db.admin_sql("SET GLOBAL read_only = 1")
        try:
            self.assert_refused(self.db.url)
            self.assert_reads(self.db.url, "behind", replica=True)
            # MariaDB's lag needs SHOW SLAVE STATUS privileges: not told
            self.assertIsNone(self.replica_note(self.db.url)["lag_seconds"])
        finally:
            self.db.admin_sql("SET GLOBAL read_only = 0")
        self.assertIsNone(self.replica_note(self.db.url))
        self.ok("upgrade")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgsqlReadOnly(ReadOnly):
    def test_hot_standby(self):
        """A real hot standby: pg_basebackup -R from the test primary."""
        self.ok("upgrade")
        self.write("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;")
        bindir = next((d for d in ["/usr/lib/postgresql/15/bin"] + sorted(
            os.path.join("/usr/lib/postgresql", v, "bin") for v in os.listdir("/usr/lib/postgresql"))
            if os.path.exists(os.path.join(d, "pg_ctl"))), None)
        if not bindir or not shutil.which("pg_basebackup"):
            self.skipTest("no pg_basebackup / pg_ctl")
        sb = tempfile.mkdtemp(prefix="aurmig-sb-", dir="/tmp")
        data = os.path.join(sb, "data")
        port = free_port()
        as_pg = ["/usr/sbin/runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if as_pg:
            shutil.chown(sb, "postgres")
        os.chmod(sb, 0o700)
        try:
            subprocess.run(as_pg + ["pg_basebackup", "-D", data, "-R", "-X", "stream",
                                    "-h", os.environ["AURMIG_TEST_PGSQL_SOCKET_DIR"],
                                    "-p", os.environ["AURMIG_TEST_PGSQL_PORT"],
                                    "-U", os.environ.get("AURMIG_TEST_PGSQL_ADMIN_USER", "postgres")],
                           check=True, capture_output=True, timeout=300)
            subprocess.run(as_pg + [os.path.join(bindir, "pg_ctl"), "start", "-D", data, "-w", "-t", "60",
                                    "-l", os.path.join(sb, "log"),
                                    "-o", "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off "
                                          "-c max_connections=200" % (port, sb)],
                           check=True, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
            url = self.db.url.replace(":%d/" % self.db.u.port, ":%d/" % port)
            self.assertNotEqual(url, self.db.url)
            self.assert_refused(url)
            self.assert_reads(url, "behind", replica=True)
            # how far behind: the age of the last replayed commit, once one was replayed
            self.db.admin_sql("CREATE TABLE aurmig_lag_probe (x INTEGER); DROP TABLE aurmig_lag_probe")
            deadline, note = time.time() + 30, None
            while time.time() < deadline:
                note = self.replica_note(url)
                if note["lag_seconds"] is not None:
                    break
                time.sleep(0.2)
            self.assertIsInstance(note["lag_seconds"], float, note)
            self.assertTrue(0 <= note["lag_seconds"] < 60, note)
            self.assertIsNone(self.replica_note(self.db.url))   # the primary is none
            # the message says why
            p = subprocess.run([AURMIG, "-d", self.dir, "--url", url, "upgrade"], capture_output=True,
                               text=True, timeout=60)
            self.assertIn("pg_is_in_recovery()", p.stderr)
        finally:
            subprocess.run(as_pg + [os.path.join(bindir, "pg_ctl"), "stop", "-D", data, "-m", "immediate"],
                           capture_output=True, timeout=60)
            shutil.rmtree(sb, ignore_errors=True)
        self.ok("upgrade")   # the primary takes it

    def test_default_transaction_read_only(self):
        self.ok("upgrade")
        self.write("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;")
        self.db.admin_sql("ALTER DATABASE %s SET default_transaction_read_only = on" % self.db.name)
        try:
            self.assert_refused(self.db.url)
            self.assert_reads(self.db.url, "behind")
        finally:
            self.db.admin_sql("ALTER DATABASE %s SET default_transaction_read_only = off" % self.db.name)


class Progress:
    """The step's line before it runs; statement counts on a terminal."""

    def sleep(self, secs):
        if self.kind == "sqlite":
            return SLEEP["sqlite"].format(n=uuid.uuid4().hex[:6], rows=int(secs * 3000000))
        return SLEEP[self.kind].format(s=secs)

    def test_line_before_the_step_ends(self):
        self.write("a2", "a1", self.sleep(2.5) + ";", message="slow one")
        p = subprocess.Popen([AURMIG, "-d", self.dir, "--url", self.db.url, "upgrade"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        seen, running, buf, t0 = False, None, b"", time.monotonic()
        while time.monotonic() - t0 < 60:
            r, _, _ = select.select([p.stdout], [], [], 0.1)
            if r:
                chunk = os.read(p.stdout.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
            if not seen and b"Running upgrade a1 -> a2, slow one ..." in buf:
                seen, running = True, time.monotonic()
        rc = p.wait(60)
        ended = time.monotonic()
        err = p.stderr.read().decode()
        self.assertEqual(rc, 0, err)
        self.assertTrue(seen, buf)
        # the 2.5 s step was still running when its line arrived
        self.assertGreater(ended - running, 1.0, "the step's line appeared only as the step ended")
        lines = buf.decode().splitlines()
        self.assertRegex(lines[-1], r"^Running upgrade a1 -> a2, slow one \.\.\. \d+\.\d{3} s$")
        self.assertRegex(lines[0], r"^Running upgrade <base> -> a1, step a1 \.\.\. \d+\.\d{3} s$")

    def test_statement_progress_on_a_terminal(self):
        self.write("a2", "a1", self.sleep(2) + ";\n" + self.sleep(0.1) + ";")
        master, slave = pty.openpty()
        p = subprocess.Popen([AURMIG, "-d", self.dir, "--url", self.db.url, "upgrade"], stdout=slave,
                             stderr=subprocess.PIPE)
        os.close(slave)
        buf = b""
        while True:
            try:
                r, _, _ = select.select([master], [], [], 60)
                chunk = os.read(master, 4096) if r else b""
            except OSError:
                chunk = b""
            if not chunk:
                break
            buf += chunk
        rc = p.wait(60)
        os.close(master)
        self.assertEqual(rc, 0, p.stderr.read())
        out = buf.decode()
        self.assertIn("statement 2/2, ", out)
        self.assertRegex(out, r"\r\x1b\[KRunning upgrade a1 -> a2, step a2 \.\.\. \d+\.\d{3} s")

    def test_json_has_only_the_document(self):
        self.write("a2", "a1", "CREATE TABLE u (id INTEGER PRIMARY KEY);")
        rc, out, err, _ = self.run_cli("--json", "upgrade")
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual([s["revision"] for s in doc["steps"]], ["a1", "a2"])
        self.assertEqual(doc["steps"][0]["retries"], 0)


class Offline(Base):
    """--sql carries the session settings of the online run."""

    def test_offline_sql_sets_the_lock_wait(self):
        self.write("a2", "a1", "ALTER TABLE t ADD COLUMN w INTEGER;", header="-- aurmig:lock_wait 30")
        out = subprocess.run([AURMIG, "-d", self.dir, "upgrade", "--sql", "base:head", "--dialect", "mysql"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("SET SESSION lock_wait_timeout = 10, innodb_lock_wait_timeout = 10;", out)
        self.assertIn("SET SESSION lock_wait_timeout = 30, innodb_lock_wait_timeout = 30;", out)
        self.assertLess(out.index("lock_wait_timeout = 10"), out.index("CREATE TABLE"))
        out = subprocess.run([AURMIG, "-d", self.dir, "upgrade", "--sql", "base:head", "--dialect", "pgsql",
                              "--ddl-lock-wait", "2.5"], capture_output=True, text=True, check=True).stdout
        self.assertIn("SET lock_timeout = 2500;", out)
        self.assertIn("SET lock_timeout = 30000;", out)

    def test_bad_lock_wait_header(self):
        self.write("a2", "a1", "SELECT 1;", header="-- aurmig:lock_wait soon")
        p = subprocess.run([AURMIG, "-d", self.dir, "heads"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("lock_wait takes seconds", p.stderr)
        self.assertIn("a2_s.sql:4", p.stderr)


def make_suite():
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    suite.addTests(loader.loadTestsFromTestCase(Offline))
    for kind in KINDS:
        mixins = [Timeouts, LockWaits, Progress]
        if kind == "mysql":
            mixins += [PartialRetries, MysqlReadOnly]
        if kind == "pgsql":
            mixins += [PartialRetries, PgsqlReadOnly]
        for mixin in mixins:
            cls = type("%s_%s" % (mixin.__name__, kind), (mixin, Base), {"kind": kind})
            suite.addTests(loader.loadTestsFromTestCase(cls))
    return suite


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv.pop(1))
    res = unittest.TextTestRunner(verbosity=2).run(make_suite())
    sys.exit(0 if res.wasSuccessful() else 1)
