#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault injection at the process level (issue 19): a deployer killed during
a slow data statement (exactly-once), a killed `aurmig init`, hand edits of
the configuration file during a deploy, and the fault matrix (kill -9 at
every statement boundary of a mixed DDL/DML `transaction off` migration,
then the documented recovery).

Usage: test_faults.py AURMIG CRASH_HELPER
Backends as in test_processes.py (SQLite always; MariaDB and PostgreSQL when
their test URLs are set).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_processes import Backend  # noqa: E402

AURMIG = CRASH = None

# A data statement that takes about two seconds on the server, for one row.
SLOW_UPDATE = {
    "mysql": "UPDATE acct SET credit = credit + 50 WHERE id = 1 AND SLEEP(2) = 0;",
    "pgsql": "UPDATE acct SET credit = credit + 50 FROM (SELECT pg_sleep(2)) AS s WHERE id = 1;",
}


def write(d, name, text):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


def free_port():
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


class DedicatedMariaDB:
    """A MariaDB server of the test's own, killed with -9 and restarted.
    Every commit reaches the operating system before it returns
    (innodb_flush_log_at_trx_commit=2): a killed server loses none; fsync
    matters only when the machine dies, which no test does. The shared test
    servers (flush_log_at_trx_commit=0, PostgreSQL's synchronous_commit=off)
    may lose the last commits when killed, and serve every other test."""

    def __init__(self, base):
        self.base = base
        self.data = os.path.join(base, "data")
        self.sock = os.path.join(base, "s.sock")
        self.port = free_port()
        self.proc = None
        os.makedirs(os.path.join(base, "tmp"))
        self.user = "mysql" if os.getuid() == 0 else None
        self.admin = "root" if os.getuid() == 0 else __import__("pwd").getpwuid(os.getuid()).pw_name
        if self.user:
            os.chmod(os.path.dirname(base), 0o711)   # the server's user reaches its directory
            shutil.chown(base, self.user)
            shutil.chown(os.path.join(base, "tmp"), self.user)
        p = subprocess.run(["mariadb-install-db", "--no-defaults", "--user=" + (self.user or self.admin),
                            "--datadir=" + self.data, "--auth-root-authentication-method=socket",
                            "--skip-test-db", "--skip-name-resolve"], capture_output=True, text=True,
                           env=dict(os.environ, TMPDIR=os.path.join(base, "tmp")), timeout=120)
        if p.returncode:
            raise AssertionError("mariadb-install-db failed: " + p.stderr[-2000:])
        self.start()
        self.admin_sql("CREATE DATABASE aurmig_test; CREATE USER 'aurmig'@'127.0.0.1' IDENTIFIED BY 'pw'; "
                       "GRANT ALL PRIVILEGES ON `aurmig\\_%`.* TO 'aurmig'@'127.0.0.1';")
        self.url = "mysql://aurmig:pw@127.0.0.1:%d/aurmig_test" % self.port

    def admin_sql(self, sql):
        p = subprocess.run(["mariadb", "--no-defaults", "--socket=" + self.sock, "-u", self.admin, "-e", sql],
                           capture_output=True, text=True, timeout=60)
        if p.returncode:
            raise AssertionError("mariadb: " + p.stderr)

    def start(self):
        self.proc = subprocess.Popen(
            ["/usr/sbin/mariadbd", "--no-defaults", "--user=" + (self.user or self.admin), "--datadir=" + self.data,
             "--socket=" + self.sock, "--port=%d" % self.port, "--bind-address=127.0.0.1", "--skip-name-resolve",
             "--pid-file=" + os.path.join(self.base, "pid"), "--log-error=" + os.path.join(self.base, "error.log"),
             "--tmpdir=" + os.path.join(self.base, "tmp"), "--innodb-flush-log-at-trx-commit=2",
             "--innodb-doublewrite=0",
             "--innodb-buffer-pool-size=32M", "--skip-log-bin"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        t0 = time.monotonic()
        while subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + self.sock, "-u", self.admin,
                              "--connect-timeout=2", "ping"], capture_output=True).returncode:
            if self.proc.poll() is not None or time.monotonic() - t0 > 60:
                raise AssertionError("the dedicated mariadbd did not start")
            time.sleep(0.1)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()


class DedicatedPostgres:
    """A PostgreSQL server of the test's own, killed with -9 (the postmaster
    and all its processes) and restarted. synchronous_commit stays on: a
    commit's WAL is written before it returns; fsync is off (see
    DedicatedMariaDB)."""

    def __init__(self, base):
        import glob
        import pwd
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            raise AssertionError("no PostgreSQL initdb")
        self.bin = os.path.dirname(bins[-1])
        self.base = base
        self.data = os.path.join(base, "data")
        self.port = free_port()
        self.proc = None
        os.makedirs(base)
        self.user = "postgres" if os.getuid() == 0 else None
        if self.user:
            os.chmod(os.path.dirname(base), 0o711)
            pw = pwd.getpwnam(self.user)
            os.chown(base, pw.pw_uid, pw.pw_gid)
        p = subprocess.run([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                            "-E", "UTF8", "--locale=C.UTF-8", "-N"], capture_output=True, text=True, timeout=120,
                           cwd=base, user=self.user)
        if p.returncode:
            raise AssertionError("initdb failed: " + p.stderr[-2000:])
        self.start()
        self.url = "pgsql://postgres@127.0.0.1:%d/postgres" % self.port

    def start(self):
        self.log = open(os.path.join(self.base, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [os.path.join(self.bin, "postgres"), "-D", self.data, "-p", str(self.port), "-k", self.base,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"], stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            start_new_session=True, cwd=self.base, user=self.user)
        t0 = time.monotonic()
        while subprocess.run([os.path.join(self.bin, "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                             capture_output=True).returncode:
            if self.proc.poll() is not None or time.monotonic() - t0 > 60:
                raise AssertionError("the dedicated postgres did not start")
            time.sleep(0.1)

    def children(self):
        out = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    with open("/proc/%s/stat" % d) as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                            out.append(int(d))
                except (OSError, ValueError, IndexError):
                    pass
        return out

    def kill(self):
        kids = self.children()
        self.proc.send_signal(signal.SIGKILL)
        for k in kids:
            try:
                os.kill(k, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        self.log.close()
        def alive(k):
            try:
                with open("/proc/%d/stat" % k) as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False
        t0 = time.monotonic()
        while any(alive(k) for k in kids):
            if time.monotonic() - t0 > 30:
                raise AssertionError("postgres processes outlived SIGKILL")
            time.sleep(0.05)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self.log.closed:
            self.log.close()


class FaultTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-fault-")
        self.mig = os.path.join(self.tmp, "m")
        os.makedirs(self.mig)
        self.db = Backend(self.kind, self.tmp)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def fresh_db(self):
        self.db.drop()
        if self.kind == "sqlite":
            for suffix in ("", "-journal", "-wal", "-shm", ".lock"):
                if os.path.exists(self.db.path + suffix):
                    os.unlink(self.db.path + suffix)
        else:
            self.db = Backend(self.kind, self.tmp)

    def aurmig(self, *args, timeout=120):
        p = subprocess.run([AURMIG, "--dir", self.mig, "--url", self.db.url] + list(args),
                           capture_output=True, text=True, timeout=timeout, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def popen(self, *args):
        return subprocess.Popen([AURMIG, "--dir", self.mig, "--url", self.db.url] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)

    def wait_for(self, cond, what, timeout=30):
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if cond():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def statement_running(self, pattern):
        """Whether the server runs a statement matching pattern right now."""
        if self.kind == "mysql":
            q = "SELECT info FROM information_schema.processlist WHERE info IS NOT NULL"
        else:
            q = "SELECT query FROM pg_stat_activity WHERE state = 'active'"
        return any(r[0] and pattern.lower() in r[0].lower() for r in self.db.query(q))

    # ---- 19.5: exactly-once for data statements ------------------------------------------
    def test_kill_during_slow_update_applies_it_once(self):
        if self.kind == "sqlite":
            self.skipTest("a killed SQLite process commits nothing of the running statement")
        write(self.mig, "r1_acct.sql", "-- aurmig:revision r1\n-- aurmig:upgrade\n"
              "CREATE TABLE acct (id INTEGER PRIMARY KEY, credit INTEGER NOT NULL);\n"
              "INSERT INTO acct VALUES (1, 100);\n-- aurmig:downgrade\nDROP TABLE acct;\n")
        write(self.mig, "r2_credit.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n"
              "-- aurmig:transaction off\n-- aurmig:upgrade\n"
              "CREATE TABLE audit (x INTEGER);\n" + SLOW_UPDATE[self.kind] + "\n"
              "INSERT INTO audit VALUES (1);\n-- aurmig:downgrade\nDROP TABLE audit;\n")
        self.assertEqual(self.aurmig("upgrade", "r1")[0], 0)
        p = self.popen("upgrade", "heads")
        try:
            self.wait_for(lambda: self.statement_running("credit + 50"), "the slow UPDATE")
            p.send_signal(signal.SIGKILL)
            p.communicate()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, -signal.SIGKILL)
        # the server finishes the UPDATE on its own; wait until the session is gone
        self.wait_for(lambda: not self.statement_running("credit + 50"), "the server to end the UPDATE")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 5, err)
        self.assertIn("upgrade of revision r2 was interrupted", err)
        self.assertIn("Statements 1..1 of it are applied", err)
        advice = err
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r2"})
        # applied once: 100 + 50, not 200
        self.assertEqual(self.db.query("SELECT credit FROM acct WHERE id = 1")[0][0], 150)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM audit")[0][0], 1)
        # and the advice said which kind of statement was interrupted
        self.assertIn("statement 2 is a data statement (DML)", advice)
        self.assertNotIn("may be partly applied", advice)

    # ---- 19.6: a killed init -------------------------------------------------------------
    INIT_SLOW = {"mysql": "DO SLEEP(3);", "pgsql": "SELECT pg_sleep(3);"}

    def init_migrations(self):
        write(self.mig, "r1_a.sql", "-- aurmig:revision r1\n-- aurmig:upgrade\n"
              "CREATE TABLE IF NOT EXISTS ia (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE ia;\n")
        write(self.mig, "r2_b.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:upgrade\n"
              "CREATE TABLE IF NOT EXISTS ib (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE ib;\n")
        write(os.path.join(self.mig, "schema"), "%s.sql" % self.kind,
              "-- aurmig:schema-revision r2\nCREATE TABLE ia (x INTEGER);\n" + self.INIT_SLOW[self.kind] +
              "\nCREATE TABLE ib (x INTEGER);\n")

    def kill_init(self):
        p = self.popen("init")
        try:
            self.wait_for(lambda: self.statement_running("sleep(3)"), "init's slow statement")
            p.send_signal(signal.SIGKILL)
            p.communicate()
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.wait_for(lambda: not self.statement_running("sleep(3)"), "the server to end init's statement")

    def test_killed_init(self):
        if self.kind == "sqlite":
            self.skipTest("a killed SQLite process commits nothing of the running statement")
        self.init_migrations()
        self.kill_init()
        if self.kind == "pgsql":
            # one transaction: nothing of it remains, init runs again
            self.assertEqual(self.db.tables(), set())
        else:
            self.assertIn("ia", self.db.tables())
            self.assertEqual(self.db.rows(), set())
            # every run says what happened and how to finish
            rc, out, err = self.aurmig("check")
            self.assertEqual(rc, 5, out + err)
            self.assertIn("aurmig init stopped after statement 1 of 3", err)
            rc, out, err = self.aurmig("upgrade", "heads")
            self.assertEqual(rc, 5, err)
            self.assertIn("aurmig init was interrupted (the process died) at statement 2 of 3", err)
            self.assertIn("Run one of:\n  aurmig init\n", err)
            self.assertNotIn("ib", self.db.tables())   # no history replayed over the half-built schema
            self.assertEqual(self.db.rows(), set())
            self.assertEqual(self.aurmig("resume")[0], 5)
            self.assertEqual(self.aurmig("mark-applied")[0], 5)
            # init does not drop data, nor tables that are not its own
            self.db.query("INSERT INTO ia VALUES (1)")
            rc, out, err = self.aurmig("init")
            self.assertEqual(rc, 5, err)
            self.assertIn("now holds rows", err)
            self.db.query("DELETE FROM ia")
            self.db.query("CREATE TABLE foreign_t (x INTEGER)")
            rc, out, err = self.aurmig("init")
            self.assertEqual(rc, 5, err)
            self.assertIn("foreign_t", err)
            self.db.query("DROP TABLE foreign_t")
        rc, out, err = self.aurmig("init")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r2"})
        self.assertLessEqual({"ia", "ib"}, self.db.tables())
        rc, out, err = self.aurmig("check")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
        self.assertEqual(self.aurmig("validate")[0], 0)

    # ---- 19.2: hand edits of the configuration file during a deploy ----------------------
    SLOW = {
        "sqlite": "CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
                  "WHERE x < 5000000) SELECT x FROM c;",
        "mysql": "DO SLEEP(2);",
        "pgsql": "SELECT pg_sleep(2);",
    }
    CONF = b"; aurweb\n[database]\nbackend = x\n\n[options]\ncache = none\n"

    def config_deploy(self, edit):
        """r1 sets a key, r2 is slow SQL, r3 sets another key; while r2 runs
        the test edits the file with edit(bytes) -> bytes. Returns
        (rc, stderr, the file, the version the test wrote)."""
        write(self.mig, "r1_c.sql", "-- aurmig:revision r1\n-- aurmig:upgrade\nCREATE TABLE c1 (x INTEGER);\n"
              "-- aurmig:config set options cache = redis\n-- aurmig:downgrade\nDROP TABLE c1;\n")
        write(self.mig, "r2_slow.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:upgrade\n" +
              self.SLOW[self.kind] + "\n-- aurmig:downgrade\n")
        write(self.mig, "r3_c.sql", "-- aurmig:revision r3\n-- aurmig:down_revision r2\n-- aurmig:upgrade\n"
              "CREATE TABLE c3 (x INTEGER);\n-- aurmig:config set options theme = dark\n"
              "-- aurmig:downgrade\nDROP TABLE c3;\n")
        self.etc = os.path.join(self.tmp, "etc")
        os.makedirs(self.etc)
        self.conf = os.path.join(self.etc, "config")
        with open(self.conf, "wb") as f:
            f.write(self.CONF)
        p = self.popen("--config-file", self.conf, "upgrade", "heads")
        try:
            def r1_written():
                with open(self.conf, "rb") as f:
                    return b"cache = redis" in f.read()
            self.wait_for(r1_written, "r1's config step", timeout=60)
            with open(self.conf, "rb") as f:
                edited = edit(f.read())
            with open(self.conf, "wb") as f:   # in place, as an editor may
                f.write(edited)
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        # the edit really happened while r2 ran, before r3
        self.assertNotIn(b"theme = dark", edited)
        with open(self.conf, "rb") as f:
            return p.returncode, err, f.read(), edited

    def backups(self):
        out = {}
        for f in sorted(os.listdir(self.etc)):
            if f.startswith("config.aurmig-"):
                with open(os.path.join(self.etc, f), "rb") as fh:
                    out[f] = fh.read()
        return out

    def test_hand_edit_during_deploy_survives(self):
        rc, err, now, edited = self.config_deploy(
            lambda t: t.replace(b"backend = x", b"backend = y") + b"# tuned by hand\n")
        # the edit and every step's edit are in the file
        self.assertIn(b"backend = y", now)
        self.assertIn(b"# tuned by hand", now)
        self.assertEqual(rc, 0, err)
        self.assertIn("changed during the deploy", err)
        self.assertIn(b"cache = redis", now)
        self.assertIn(b"theme = dark", now)
        self.assertIn(b"revision = r3", now)
        # the backups: the file before the run, and the version the operator made
        bak = self.backups()
        self.assertIn(self.CONF, bak.values(), bak)
        self.assertIn(edited, bak.values(), bak)
        self.assertTrue(all(re.match(r"^config\.aurmig-bak(\.\d{8}T\d{6}Z\.[0-9a-f]{8}(\.\d+)?)?$", f)
                            for f in bak), bak)
        rc, out, err = self.aurmig("--config-file", self.conf, "check")
        self.assertEqual(rc, 0, out + err)

    def test_conflicting_hand_edit_is_refused(self):
        rc, err, now, edited = self.config_deploy(
            lambda t: t.replace(b"cache = redis\n", b"cache = redis\ntheme = light\n"))
        self.assertEqual(rc, 6, err)
        self.assertIn("changed during the deploy", err)
        self.assertIn("pending", err)
        # the operator's version stays in place, aurmig's is beside it
        self.assertEqual(now, edited)
        ours = [v for f, v in self.backups().items() if ".aurmig-new." in f]
        self.assertEqual(len(ours), 1)
        self.assertIn(b"theme = dark", ours[0])
        self.assertIn(b"revision = r3", ours[0])
        self.assertEqual(self.db.rows(), {"r3"})
        rc, out, err = self.aurmig("--config-file", self.conf, "check")
        self.assertEqual(rc, 6, out + err)
        self.assertIn("pending", err)
        # the operator keeps their value and accepts the file
        rc, out, err = self.aurmig("--config-file", self.conf, "config-stamp")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.aurmig("--config-file", self.conf, "check")
        self.assertEqual(rc, 0, out + err)
        with open(self.conf, "rb") as f:
            self.assertIn(b"theme = light", f.read())

    # ---- the fault matrix ----------------------------------------------------------------
    def matrix_migrations(self, slow=True):
        """r1 (transaction off): DDL and DML mixed, 7 statements; r2 (the
        default transaction mode): 2. slow: the DML statements are slow on
        the servers (about 0.3 s) so that a kill can land inside them."""
        slow = slow and {"mysql": "(SELECT SLEEP(0.3) AS z) AS d",
                         "pgsql": "(SELECT pg_sleep(0.3) AS z) AS d"}.get(self.kind)
        where = (" AND EXISTS (SELECT 1 FROM %s)" % slow) if slow else ""
        frm = (" FROM " + slow) if slow else ""
        r1 = ["CREATE TABLE fm_a (id INTEGER PRIMARY KEY, v INTEGER NOT NULL);",
              "INSERT INTO fm_a (id, v) SELECT 1, 100%s;" % frm,
              "CREATE TABLE fm_b (x INTEGER);",
              "UPDATE fm_a SET v = v + 50 WHERE id = 1%s;" % where,
              "INSERT INTO fm_b (x) SELECT v FROM fm_a WHERE id = 1%s;" % where,
              "ALTER TABLE fm_a ADD COLUMN w INTEGER;",
              "UPDATE fm_a SET v = v + 1, w = 7 WHERE id = 1%s;" % where]
        r2 = ["CREATE TABLE fm_c (y INTEGER);", "INSERT INTO fm_c (y) SELECT 1%s;" % frm]
        for f in os.listdir(self.mig):
            os.unlink(os.path.join(self.mig, f))
        write(self.mig, "r1_mixed.sql", "-- aurmig:revision r1\n-- aurmig:transaction off\n-- aurmig:upgrade\n" +
              "\n".join(r1) + "\n-- aurmig:downgrade\nDROP TABLE fm_b;\nDROP TABLE fm_a;\n")
        write(self.mig, "r2_more.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:upgrade\n" +
              "\n".join(r2) + "\n-- aurmig:downgrade\nDROP TABLE fm_c;\n")
        # the DML statements, by what the server shows of them while they run
        return len(r1) + len(r2), ["SELECT 1, 100", "v = v + 50", "SELECT v FROM fm_a", "v = v + 1,",
                                   "INTO fm_c"]

    def recover(self):
        """The documented recovery: upgrade; when it refuses (exit 5) and
        says resume, resume, then upgrade again. Returns the advice seen."""
        advice = []
        for _ in range(4):
            rc, out, err = self.aurmig("upgrade", "heads")
            if rc == 0:
                return advice
            if rc != 5 or "aurmig resume" not in err:
                raise AssertionError("upgrade exited %d: %s" % (rc, err))
            advice.append(err)
            rc, out, err = self.aurmig("resume")
            if rc:
                raise AssertionError("resume exited %d: %s" % (rc, err))
        raise AssertionError("no end of recovery")

    def matrix_state(self):
        """(rows applied twice, whether the state is the expected one)."""
        tables = self.db.tables()
        if not {"fm_a", "fm_b", "fm_c"} <= tables or self.db.rows() != {"r2"}:
            return 0, False
        a, b, c = [[tuple(r) for r in self.db.query(q)] for q in
                   ("SELECT id, v, w FROM fm_a", "SELECT x FROM fm_b", "SELECT y FROM fm_c")]
        twice = max(0, len(b) - 1) + max(0, len(c) - 1) + max(0, len(a) - 1)
        if len(a) == 1:
            extra = a[0][1] - 100
            twice += max(0, extra // 50 - 1) + max(0, extra % 50 - 1)
        ok = a == [(1, 151, 7)] and b == [(150,)] and c == [(1,)]
        return twice, ok

    def test_fault_matrix(self):
        """kill -9 of the deployer at every statement boundary of a mixed
        DDL/DML `transaction off` migration, and inside every data statement
        (MariaDB, PostgreSQL), then the documented recovery. The server is
        not killed here (the shared test servers serve the other tests; the
        server kills of issue 19's attack held and are not repeated)."""
        n, dml = self.matrix_migrations()
        faults = recovered = twice_total = unrecoverable = 0
        t0 = time.monotonic()
        points = [("before", k) for k in range(1, n + 1)]
        if self.kind != "sqlite":
            points += [("inside", m) for m in dml]
        for where, what in points:
            with self.subTest(kill=where, at=what):
                self.fresh_db()
                self.matrix_migrations(slow=where == "inside")
                if where == "before":
                    p = subprocess.run([CRASH, self.db.url, self.mig, "kill-before", str(what)],
                                       capture_output=True, text=True, timeout=120, env=self.env)
                    self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)
                else:
                    p = self.popen("upgrade", "heads")
                    try:
                        self.wait_for(lambda: self.statement_running(what), "statement '%s'" % what)
                        p.send_signal(signal.SIGKILL)
                        p.communicate()
                    finally:
                        if p.poll() is None:
                            p.kill()
                            p.wait()
                    self.assertEqual(p.returncode, -signal.SIGKILL)
                    self.wait_for(lambda: not self.statement_running(what), "the server to end '%s'" % what)
                faults += 1
                try:
                    advice = self.recover()
                except AssertionError as e:
                    unrecoverable += 1
                    print("unrecoverable after kill %s %s: %s" % (where, what, e), file=sys.stderr)
                    continue
                twice, ok = self.matrix_state()
                twice_total += twice
                if ok:
                    recovered += 1
                elif not twice:
                    unrecoverable += 1
                    print("wrong state after kill %s %s" % (where, what), file=sys.stderr)
                if where == "inside":
                    # a data statement was running: the advice says so
                    self.assertTrue(any("is a data statement (DML)" in a for a in advice) or not advice, advice)
        print("\nfault matrix (%s): faults injected %d, states recovered %d, rows applied twice %d, "
              "unrecoverable %d (%.1f s)" % (self.kind, faults, recovered, twice_total, unrecoverable,
                                            time.monotonic() - t0), file=sys.stderr)
        self.assertEqual(twice_total, 0)
        self.assertEqual(unrecoverable, 0)
        self.assertEqual(recovered, faults)

    # ---- every statement boundary, the bookkeeping's too (issue 20.5) -------------------
    def boundary_migrations(self):
        """The matrix's r1 and r2 (not slow) and r3, two DDL statements (a
        step whose last statement is DDL). Returns the DDL statements by
        (revision, statement number): (is it applied?, undo it by hand)."""
        self.matrix_migrations(slow=False)
        write(self.mig, "r3_ddl.sql", "-- aurmig:revision r3\n-- aurmig:down_revision r2\n-- aurmig:upgrade\n"
              "CREATE TABLE fm_d (z INTEGER);\nCREATE INDEX fm_d_z ON fm_d (z);\n"
              "-- aurmig:downgrade\nDROP TABLE fm_d;\n")

        def table(t):
            return (lambda: t in self.db.tables()), (lambda: self.db.query("DROP TABLE " + t))

        def has_w():
            try:
                self.db.query("SELECT w FROM fm_a")
                return True
            except Exception:
                return False

        def has_index():
            q = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'fm_d_z'",
                 "mysql": "SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() "
                          "AND index_name = 'fm_d_z'",
                 "pgsql": "SELECT indexname FROM pg_indexes WHERE indexname = 'fm_d_z'"}[self.kind]
            return bool(self.db.query(q))

        return {("r1", 1): table("fm_a"), ("r1", 3): table("fm_b"),
                ("r1", 6): (has_w, lambda: self.db.query("ALTER TABLE fm_a DROP COLUMN w")),
                ("r2", 1): table("fm_c"), ("r3", 1): table("fm_d"),
                ("r3", 2): (has_index, lambda: self.db.query(
                    "DROP INDEX fm_d_z" + (" ON fm_d" if self.kind == "mysql" else "")))}

    def operator_recover(self, ddl):
        """The documented recovery, as an operator does it: upgrade; when it
        refuses (exit 5), resume, after undoing by hand a DDL statement the
        advice says may be partly applied, if it is applied."""
        for _ in range(6):
            rc, out, err = self.aurmig("upgrade", "heads")
            if rc == 0:
                return
            if rc != 5 or "aurmig resume" not in err:
                raise AssertionError("upgrade exited %d: %s" % (rc, err))
            m = re.search(r"of revision (r\d) was interrupted \(the process died\) at statement (\d+) of", err)
            if m and "may be partly applied" in err:
                applied, undo = ddl[(m.group(1), int(m.group(2)))]
                if applied():
                    undo()
            rc, out, err = self.aurmig("resume")
            if rc:
                raise AssertionError("resume exited %d: %s" % (rc, err))
        raise AssertionError("no end of recovery")

    def test_kill_before_every_sql_statement(self):
        """kill -9 of the deployer before each SQL statement it sends, the
        journal's and the version table's included (the crash helper counts
        them through a copy of the connection's ops table: the paths libdbi's
        own ops take for reads are not taken then; what is written is the
        same), then the operator's recovery: every state is one the gate and
        recovery understand, and nothing is applied twice or lost. r3 ends
        with DDL: its progress rides on the success statement (MySQL)."""
        ddl = self.boundary_migrations()
        p = subprocess.run([CRASH, self.db.url, self.mig, "count-sql"], capture_output=True, text=True,
                           timeout=120, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        total = int(p.stdout.split()[-1])
        self.assertGreater(total, 20)
        t0 = time.monotonic()
        for k in range(1, total + 1):
            with self.subTest(kill_before_sql=k):
                self.fresh_db()
                ddl = self.boundary_migrations()
                p = subprocess.run([CRASH, self.db.url, self.mig, "kill-before-sql", str(k)],
                                   capture_output=True, text=True, timeout=120, env=self.env)
                self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)
                self.operator_recover(ddl)
                self.assertEqual(self.db.rows(), {"r3"})
                self.assertEqual([tuple(r) for r in self.db.query("SELECT id, v, w FROM fm_a")], [(1, 151, 7)])
                self.assertEqual([tuple(r) for r in self.db.query("SELECT x FROM fm_b")], [(150,)])
                self.assertEqual([tuple(r) for r in self.db.query("SELECT y FROM fm_c")], [(1,)])
                self.assertTrue(ddl[("r3", 2)][0]())
                # nothing left running, failed or queued (the gate cancelled a dead run's queued rows)
                self.assertEqual(self.db.query("SELECT COUNT(*) FROM aurmig_journal WHERE outcome IN "
                                               "('running', 'failed', 'queued')")[0][0], 0)
                rc, out, err = self.aurmig("check")
                self.assertEqual(rc, 0, out + err)
        print("\nkill before every SQL statement (%s): %d statements, %.1f s" % (
            self.kind, total, time.monotonic() - t0), file=sys.stderr)

    def test_server_kill_matrix(self):
        """kill -9 of the *server* (one of the test's own, durable) at every
        statement boundary and inside every data statement of the matrix
        migration, restart, then the documented recovery."""
        if self.kind == "sqlite":
            self.skipTest("no server")
        srv = (DedicatedMariaDB if self.kind == "mysql" else DedicatedPostgres)(os.path.join(self.tmp, "srv"))
        shared = self.db
        var = "AURMIG_TEST_MYSQL_URL" if self.kind == "mysql" else "AURMIG_TEST_PGSQL_URL"
        try:
            os.environ[var], saved = srv.url, os.environ[var]
            try:
                self.db = Backend(self.kind, self.tmp)
            finally:
                os.environ[var] = saved
            n, dml = self.matrix_migrations()
            faults = recovered = twice_total = unrecoverable = 0
            t0 = time.monotonic()
            for where, what in [("before", k) for k in range(1, n + 1)] + [("inside", m) for m in dml]:
                with self.subTest(server_kill=where, at=what):
                    self.db._admin("DROP DATABASE IF EXISTS " + self.db.name)
                    self.db._admin("CREATE DATABASE " + self.db.name)
                    self.matrix_migrations(slow=where == "inside")
                    if where == "before":
                        p = subprocess.Popen([CRASH, self.db.url, self.mig, "pause-before", str(what), "1"],
                                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
                        self.assertEqual(p.stdout.readline().strip(), "paused")
                    else:
                        p = self.popen("upgrade", "heads")
                        self.wait_for(lambda: self.statement_running(what), "statement '%s'" % what)
                    srv.kill()
                    srv.start()
                    p.communicate(timeout=120)
                    faults += 1
                    try:
                        self.recover()
                    except AssertionError as e:
                        unrecoverable += 1
                        print("unrecoverable after server kill %s %s: %s" % (where, what, e), file=sys.stderr)
                        continue
                    twice, ok = self.matrix_state()
                    twice_total += twice
                    if ok:
                        recovered += 1
                    elif not twice:
                        unrecoverable += 1
                        print("wrong state after server kill %s %s" % (where, what), file=sys.stderr)
            print("\nserver-kill matrix (%s): faults injected %d, states recovered %d, rows applied twice %d, "
                  "unrecoverable %d (%.1f s)" % (self.kind, faults, recovered, twice_total, unrecoverable,
                                                time.monotonic() - t0), file=sys.stderr)
            self.assertEqual(twice_total, 0)
            self.assertEqual(unrecoverable, 0)
            self.assertEqual(recovered, faults)
        finally:
            self.db.drop()
            self.db = shared
            srv.stop()


class SQLiteFaultTests(FaultTests, unittest.TestCase):
    kind = "sqlite"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLFaultTests(FaultTests, unittest.TestCase):
    kind = "mysql"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLFaultTests(FaultTests, unittest.TestCase):
    kind = "pgsql"


if __name__ == "__main__":
    AURMIG, CRASH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
