#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The deploy lock covers what the journal covers, the SQLite lock file is
not a way to write elsewhere, and the CLI neither waits longer than
--lock-timeout nor prints raw control characters from the database
(issue 19, points 3, 4 and 8).

Usage: test_scope.py AURMIG CRASH_HELPER
SQLite always; MariaDB when AURMIG_TEST_MYSQL_URL is set, PostgreSQL when
AURMIG_TEST_PGSQL_URL is set (tests/servers/start.sh sets both).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_processes import Backend, write_migrations  # noqa: E402

AURMIG = CRASH = None

# a statement that runs for a few seconds
SLOW = {
    "sqlite": "CREATE TABLE slow_q AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
              "WHERE x < 3000000) SELECT x FROM c;",
    "mysql": "DO SLEEP(3);",
    "pgsql": "SELECT pg_sleep(3);",
}


def write(d, name, text):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


class ScopeTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-scope-")
        self.mig = os.path.join(self.tmp, "m")
        self.db = Backend(self.kind, self.tmp)
        write_migrations(self.mig, self.kind)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def aurmig(self, *args, dir=None, timeout=120):
        # bytes, decoded without newline translation: a '\r' stays visible
        p = subprocess.run([AURMIG, "--dir", dir or self.mig, "--url", self.db.url] + list(args),
                           capture_output=True, timeout=timeout, env=self.env)
        return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "surrogateescape")

    def fresh(self):
        self.db.drop()
        if self.kind == "sqlite":
            for suffix in ("", ".lock"):
                if os.path.exists(self.db.path + suffix):
                    os.unlink(self.db.path + suffix)
        else:
            self.db = Backend(self.kind, self.tmp)

    def outcomes(self, table, revision):
        if table not in self.db.tables():
            return []
        return [r[0] for r in self.db.query("SELECT outcome FROM %s WHERE revision = '%s' ORDER BY id"
                                            % (table, revision))]

    # ---- 19.3: two projects, two version tables, one database ----------------------
    def test_two_version_tables_in_one_database(self):
        """A live run of one project is neither 'a process that died' nor
        'interrupted' for the other, and each keeps its own journal."""
        ma, mb = os.path.join(self.tmp, "ma"), os.path.join(self.tmp, "mb")
        for tx_off in ((False,) if self.kind == "mysql" else (False, True)):
            with self.subTest(tx_off=tx_off):
                self.fresh()
                write(ma, "a1_a.sql", "-- aurmig:revision a1\n" + ("-- aurmig:transaction off\n" if tx_off else "") +
                      "-- aurmig:upgrade\nCREATE TABLE qa (x INTEGER);\n%s\nINSERT INTO qa VALUES (1);\n"
                      "-- aurmig:downgrade\nDROP TABLE qa;\n" % SLOW[self.kind])
                write(mb, "b1_b.sql", "-- aurmig:revision b1\n-- aurmig:upgrade\nCREATE TABLE qb (x INTEGER);\n"
                      "-- aurmig:downgrade\nDROP TABLE qb;\n")
                a = subprocess.Popen([AURMIG, "--dir", ma, "--url", self.db.url, "upgrade", "heads"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
                try:
                    seen_running = False
                    deadline = time.monotonic() + 30
                    while time.monotonic() < deadline and a.poll() is None:
                        try:
                            if "running" in self.outcomes("aurmig_journal", "a1"):
                                seen_running = True
                                break
                        except Exception:
                            pass  # the journal may not be there yet
                        time.sleep(0.05)
                    if self.kind != "sqlite":
                        self.assertTrue(seen_running, "project A's step was never seen running")
                    rc, out, err = self.aurmig("--version-table", "b_version", "--lock-timeout", "60",
                                               "upgrade", "heads", dir=mb)
                    aout, aerr = a.communicate(timeout=60)
                finally:
                    if a.poll() is None:
                        a.kill()
                        a.wait()
                self.assertEqual(rc, 0, err)
                self.assertNotIn("interrupted", err)
                self.assertNotIn("the process died", err)
                self.assertEqual(a.returncode, 0, aerr)
                self.assertEqual(self.db.rows(), {"a1"})
                self.assertEqual({r[0] for r in self.db.query("SELECT version_num FROM b_version")}, {"b1"})
                self.assertEqual(self.outcomes("aurmig_journal", "a1"), ["success"])
                # each project's journal holds only its own revisions
                self.assertEqual(self.outcomes("aurmig_journal", "b1"), [])
                self.assertEqual(self.outcomes("aurmig_journal_b_version", "b1"), ["success"])
                self.assertEqual(self.outcomes("aurmig_journal_b_version", "a1"), [])
                self.assertEqual(self.aurmig("validate", dir=ma)[0], 0)
                self.assertEqual(self.aurmig("--version-table", "b_version", "validate", dir=mb)[0], 0)

    def test_failed_run_of_one_project_blocks_only_that_project(self):
        ma, mb = os.path.join(self.tmp, "ma"), os.path.join(self.tmp, "mb")
        write(ma, "a1_a.sql", "-- aurmig:revision a1\n-- aurmig:transaction off\n-- aurmig:upgrade\n"
              "CREATE TABLE qa (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
              "-- aurmig:downgrade\nDROP TABLE qa;\n")
        write(mb, "b1_b.sql", "-- aurmig:revision b1\n-- aurmig:upgrade\nCREATE TABLE qb (x INTEGER);\n"
              "-- aurmig:downgrade\nDROP TABLE qb;\n")
        rc, out, err = self.aurmig("upgrade", "heads", dir=ma)
        self.assertEqual(rc, 5, err)
        rc, out, err = self.aurmig("--version-table", "b_version", "upgrade", "heads", dir=mb)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.aurmig("--version-table", "b_version", "check", dir=mb)[0], 0)
        # the failed one still blocks its own project
        self.assertEqual(self.aurmig("check", dir=ma)[0], 5)

    # ---- 19.8: the CLI honours --lock-timeout everywhere ---------------------------
    def test_lock_timeout_of_accept_and_config_stamp(self):
        self.assertEqual(self.aurmig("upgrade", "r1")[0], 0)
        conf = os.path.join(self.tmp, "config")
        with open(conf, "w") as f:
            f.write("[options]\nx = 1\n")
        holder = subprocess.Popen([CRASH, self.db.url, self.mig, "pause-before", "1", "30"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "paused")
            for args in (["validate", "--accept"], ["--config-file", conf, "config-stamp"]):
                with self.subTest(args=args):
                    t0 = time.monotonic()
                    try:
                        rc, out, err = self.aurmig("--lock-timeout", "1", *args, timeout=20)
                    except subprocess.TimeoutExpired:
                        self.fail("%s ignored --lock-timeout 1" % " ".join(args))
                    took = time.monotonic() - t0
                    self.assertEqual(rc, 4, err)
                    self.assertIn("timed out after 1.0 s waiting for the migration lock", err)
                    self.assertLess(took, 8)
                    self.assertGreaterEqual(took, 0.9)
        finally:
            holder.kill()
            holder.wait()

    # ---- 19.8: control characters from the database are printed escaped ------------
    def test_hostile_rows_are_printed_escaped(self):
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
        hostile = "\x1b[1A\x1b[2K\rDatabase is up to date."
        self.db.query("UPDATE alembic_version SET version_num = '%s'" % hostile)
        for args in (["current"], ["check"], ["validate"], ["history", "-i"], ["show", "current"]):
            with self.subTest(args=args):
                rc, out, err = self.aurmig(*args)
                self.assertNotIn("\x1b", out + err)
                self.assertNotIn("\r", out + err)
                self.assertIn("\\x1b[1A\\x1b[2K\\rDatabase is up to date.", out + err)
        # journal columns: a failed row whose host and error hold escapes
        self.db.query("UPDATE alembic_version SET version_num = 'r3'")
        self.db.query("INSERT INTO aurmig_journal (run_id, seq, revision, operation, source_revisions, "
                      "target_revisions, statements_total, statements_done, outcome, is_atomic, error, started_at, "
                      "host, os_user, pid) VALUES ('0123456789abcdef0123456789abcdef', 0, 'r3', 'upgrade', 'r2', "
                      "'r3', 1, 0, 'failed', 0, 'boom\x1b]0;owned\x07', '2026-01-01T00:00:00.000Z', "
                      "'host\x1b[2J', 'user\x9b2J', 1)")
        for args in (["check"], ["upgrade", "heads"], ["validate"]):
            with self.subTest(args=args):
                rc, out, err = self.aurmig(*args)
                self.assertEqual(rc, 5, out + err)
                self.assertNotIn("\x1b", out + err)
                self.assertNotIn("\x07", out + err)
                self.assertNotIn("\x9b", out + err)
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertIn("host\\x1b[2J", err)
        self.assertIn("boom\\x1b]0;owned\\x07", err)


class SQLiteScopeTests(ScopeTests, unittest.TestCase):
    kind = "sqlite"

    # ---- 19.3: one SQLite database, two paths to it --------------------------------
    def test_symlinked_path_takes_the_same_lock(self):
        link = os.path.join(self.tmp, "link.db")
        os.symlink(self.db.path, link)
        holder = subprocess.Popen([CRASH, self.db.url, self.mig, "pause-before", "1", "30"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "paused")
            p = subprocess.run([AURMIG, "--dir", self.mig, "--url", "sqlite:///" + link, "--lock-timeout", "0.5",
                                "upgrade", "heads"], capture_output=True, text=True, timeout=60, env=self.env)
            self.assertEqual(p.returncode, 4, p.stderr)
            self.assertIn("waiting for the migration lock", p.stderr)
            self.assertFalse(os.path.lexists(link + ".lock"))
        finally:
            holder.kill()
            holder.wait()
        self.assertEqual(self.outcomes("aurmig_journal", "r1"), ["running"])
        # and the other way round: the real path waits for a deployer through the link
        holder = subprocess.Popen([CRASH, "sqlite:///" + link, self.mig, "pause-before", "1", "30"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "paused")
            rc, out, err = self.aurmig("--lock-timeout", "0.5", "upgrade", "heads")
            self.assertEqual(rc, 4, err)
        finally:
            holder.kill()
            holder.wait()
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})

    # ---- 19.4: the lock file is not followed -------------------------------------
    def test_planted_lock_symlink_is_refused(self):
        target = os.path.join(self.tmp, "nologin")
        os.symlink(target, self.db.path + ".lock")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 1, err)
        self.assertIn(self.db.path + ".lock", err)
        self.assertIn("symbolic link", err)
        self.assertFalse(os.path.lexists(target))
        # also when the target exists: neither created nor changed
        with open(target, "w") as f:
            f.write("keep\n")
        os.chmod(target, 0o600)
        before = os.stat(target)
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 1, err)
        after = os.stat(target)
        self.assertEqual((before.st_mtime_ns, before.st_size, before.st_mode), (after.st_mtime_ns, after.st_size,
                                                                               after.st_mode))
        with open(target) as f:
            self.assertEqual(f.read(), "keep\n")
        # a lock file that is not a regular file
        os.unlink(self.db.path + ".lock")
        os.mkfifo(self.db.path + ".lock")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 1, err)
        self.assertIn("not a regular file", err)
        os.unlink(self.db.path + ".lock")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.isfile(self.db.path + ".lock") and not os.path.islink(self.db.path + ".lock"))

    # ---- 19.8: the password does not land in a core dump -------------------------
    def test_cli_is_not_dumpable(self):
        """aurmig turns PR_SET_DUMPABLE off: while it waits for its aurweb
        configuration (a FIFO nobody writes yet), a process of the same user
        may not read its /proc/PID/environ (readable for a dumpable process),
        and the kernel would write no core dump."""
        if not sys.platform.startswith("linux"):
            self.skipTest("Linux only")
        uid = os.getuid()

        def same_user():
            if uid == 0:     # root may read anything: both sides run as nobody
                os.setgid(65534)
                os.setuid(65534)

        os.chmod(self.tmp, 0o755)
        fifo = os.path.join(self.tmp, "config.fifo")
        os.mkfifo(fifo, 0o666)
        p = subprocess.Popen([AURMIG, "--dir", self.mig, "--aurweb-config", fifo, "current"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(self.env, AURMIG_SECRET="x"),
                             preexec_fn=same_user)
        try:
            # wait until it sleeps (blocked opening the FIFO, after option parsing)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                with open("/proc/%d/stat" % p.pid) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "S":
                        break
                time.sleep(0.05)
            time.sleep(0.5)
            self.assertIsNone(p.poll())
            r = subprocess.run([sys.executable, "-c", "import sys\ntry:\n open('/proc/%d/environ' % int(sys.argv[1]))"
                                ".read()\nexcept PermissionError:\n print('refused')\nelse:\n print('read')",
                                str(p.pid)], capture_output=True, text=True, timeout=30, preexec_fn=same_user)
            self.assertEqual(r.stdout.strip(), "refused", r.stderr)
        finally:
            with open(fifo, "w") as f:
                f.write("[database]\nbackend = sqlite\nname = %s\n" % self.db.path)
            p.communicate(timeout=30)


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLScopeTests(ScopeTests, unittest.TestCase):
    kind = "mysql"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLScopeTests(ScopeTests, unittest.TestCase):
    kind = "pgsql"


if __name__ == "__main__":
    AURMIG, CRASH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
