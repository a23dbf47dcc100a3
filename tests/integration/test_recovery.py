#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Safe recovery (issue 14 points 3-5, issue 19 points 1 and 7), on every
backend the environment provides: a failure after a step's last statement
is recorded as such, recovery never records a revision twice, the
bookkeeping tables survive concurrent first runs, a failed resume of a
downgrade stays a downgrade, and a journal that vanishes under a running
migration stops it instead of letting the next run start over.

Usage: test_recovery.py AURMIG CRASH_HELPER
SQLite always; MariaDB when AURMIG_TEST_MYSQL_URL is set, PostgreSQL when
AURMIG_TEST_PGSQL_URL is set (tests/servers/start.sh sets both).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_processes import Backend, write_migrations  # noqa: E402

AURMIG = CRASH = None

SLEEP = {
    # a read: the test's own writes wait only for its end, not the run's
    "sqlite": "SELECT COUNT(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
              "WHERE x < 6000000) SELECT x FROM c);",
    "mysql": "DO SLEEP(1.5);",
    "pgsql": "SELECT pg_sleep(1.5);",
}


def write(d, name, text):
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


class RecoveryTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-recov-")
        self.mig = os.path.join(self.tmp, "m")
        self.db = Backend(self.kind, self.tmp)
        # every r2 runs outside a transaction: MySQL always does, and the
        # other backends with 'transaction off'
        write_migrations(self.mig, self.kind, tx_off=True)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def fresh(self):
        self.db.drop()
        self.db = Backend(self.kind, self.tmp) if self.kind != "sqlite" else self.db
        if self.kind == "sqlite":
            for f in (self.db.path, self.db.path + ".lock"):
                if os.path.exists(f):
                    os.unlink(f)

    def aurmig(self, *args, timeout=120, mig=None):
        p = subprocess.run([AURMIG, "--dir", mig or self.mig, "--url", self.db.url] + list(args),
                           capture_output=True, text=True, timeout=timeout, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def last_row(self, revision):
        rows = self.db.query("SELECT operation, outcome, statements_done, statements_total, error "
                             "FROM aurmig_journal WHERE revision = '%s' ORDER BY id" % revision)
        return rows[-1]

    # ---- 14.3: a failure after the last statement, before the version change ----------
    def test_version_conflict_after_last_statement(self):
        write(self.mig, "r2_two.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n"
              "-- aurmig:transaction off\n-- aurmig:upgrade\nCREATE TABLE p2a (x INTEGER);\n"
              "DELETE FROM alembic_version;\n-- aurmig:downgrade\nDROP TABLE p2a;\n")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 5, err)
        self.assertIn("after its last statement (2 of 2), before the version change", err)
        self.assertIn("expected to match one row", err)
        op, outcome, done, total, error = self.last_row("r2")
        self.assertEqual((op, outcome, done, total), ("upgrade", "failed", 2, 2))
        self.assertIn("expected to match one row", error or "")
        # the next run tells the truth: a failure, not a death, and no statement 3 of 2
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 5, err)
        self.assertIn("upgrade of revision r2 failed after its last statement (2 of 2), before the "
                      "version change", err)
        self.assertNotIn("interrupted", err)
        self.assertNotIn("statement 3 of 2", err)
        self.assertEqual(self.aurmig("check")[0], 5)
        # the operator puts the row back; resume has no statement left, only the version change
        self.db.query("INSERT INTO alembic_version (version_num) VALUES ('r1')")
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r2"})
        write_migrations(self.mig, self.kind, tx_off=True)
        self.assertEqual(self.aurmig("validate", "--accept", "r2")[0], 0)
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})

    # ---- 14.4: recovery when the version table already records the revision -------------
    def killed_in_r2(self):
        p = subprocess.run([CRASH, self.db.url, self.mig, "kill-before", "5"], capture_output=True,
                           text=True, timeout=120, env=self.env)
        self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)
        self.assertEqual(self.db.rows(), {"r1"})

    def test_recovery_refuses_when_a_descendant_is_recorded(self):
        self.killed_in_r2()
        # someone moved the version table on by hand (or with another tool)
        self.db.query("UPDATE alembic_version SET version_num = 'r3'")
        for verb in ("resume", "mark-rolled-back"):
            rc, out, err = self.aurmig(verb)
            self.assertEqual(rc, 1, verb + ": " + out + err)
            self.assertIn("already records r3", err)
            self.assertEqual(self.db.rows(), {"r3"})
        rc, out, err = self.aurmig("mark-applied")
        self.assertEqual(rc, 0, err)
        self.assertIn("resolving only the journal row", err)
        self.assertEqual(self.db.rows(), {"r3"})
        rc, out, err = self.aurmig("check")
        self.assertEqual(rc, 0, out + err)

    def test_recovery_refuses_when_the_revision_is_recorded(self):
        self.killed_in_r2()
        self.db.query("UPDATE alembic_version SET version_num = 'r2'")
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("already records r2", err)
        self.assertEqual(self.db.rows(), {"r2"})
        rc, out, err = self.aurmig("mark-applied", "r2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r2"})

    def test_recovery_of_a_downgrade_the_version_table_contradicts(self):
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
        self.failing_downgrade()
        self.assertEqual(self.aurmig("downgrade", "r1")[0], 5)
        # a descendant recorded again: no recovery of the downgrade goes on
        self.db.query("UPDATE alembic_version SET version_num = 'r3'")
        for verb in ("resume", "mark-applied", "mark-rolled-back"):
            rc, out, err = self.aurmig(verb)
            self.assertEqual(rc, 1, verb + ": " + out + err)
            self.assertIn("records r3, a descendant of r2", err)
            self.assertEqual(self.db.rows(), {"r3"})
        # the version change of the downgrade made by hand: only mark-applied
        self.db.query("UPDATE alembic_version SET version_num = 'r1'")
        for verb in ("resume", "mark-rolled-back"):
            rc, out, err = self.aurmig(verb)
            self.assertEqual(rc, 1, verb + ": " + out + err)
            self.assertIn("no longer records r2", err)
        rc, out, err = self.aurmig("mark-applied")
        self.assertEqual(rc, 0, err)
        self.assertIn("resolving only the journal row", err)
        self.assertEqual(self.db.rows(), {"r1"})
        self.assertEqual(self.aurmig("check")[0], 3)

    def test_ancestor_and_descendant_recorded_is_broken(self):
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
        self.db.query("INSERT INTO alembic_version (version_num) VALUES ('r1')")
        for verb in ("check", "validate"):
            rc, out, err = self.aurmig(verb)
            self.assertNotEqual(rc, 0, verb + ": " + out + err)
            self.assertIn("broken", err, verb)
            self.assertIn("both r1 and its descendant r3", err, verb)
        rc, out, err = self.aurmig("--json", "check")
        self.assertNotEqual(rc, 0, out + err)
        self.db.query("DELETE FROM alembic_version WHERE version_num = 'r1'")
        self.assertEqual(self.aurmig("check")[0], 0)

    # ---- 14.5: concurrent first runs --------------------------------------------------------
    def test_concurrent_first_runs(self):
        for rnd in range(6):
            with self.subTest(round=rnd):
                self.fresh()
                # other projects in the same database (a version table, and
                # so a deploy lock, each) create the shared journal at the
                # same moment as this project's deployers
                cmds = [["--version-table", "other_%d" % i, "validate", "--accept"] for i in range(8)]
                cmds += [["upgrade", "heads"]] * 4
                procs = [subprocess.Popen([AURMIG, "--dir", self.mig, "--url", self.db.url] + c,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                          env=self.env) for c in cmds]
                results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
                for (out, err, rc), c in zip(results, cmds):
                    self.assertEqual(rc, 0, " ".join(c) + ": " + err)
                ran = [out for out, _, _ in results[8:] if "Running upgrade" in out]
                self.assertEqual(len(ran), 1, "exactly one process runs the migrations")
                self.assertEqual(self.db.rows(), {"r3"})
                self.assertEqual(self.db.query("SELECT COUNT(*) FROM p1")[0][0], 1)

    # ---- 19.1: a failed resume of a downgrade ----------------------------------------------
    def failing_downgrade(self, bad=True):
        """r2's downgrade: 2 statements; the second fails while bad."""
        with open(os.path.join(self.mig, "r2_two.sql")) as f:
            text = f.read()
        head, _ = text.split("-- aurmig:downgrade\n")
        write(self.mig, "r2_two.sql", head + "-- aurmig:downgrade\nDROP TABLE p2b;\n" +
              ("DROP TABLE no_such_table;\n" if bad else "DROP TABLE p2a;\n"))

    def test_failed_resume_of_a_downgrade(self):
        for second in ("resume", "mark-applied", "mark-rolled-back"):
            with self.subTest(second=second):
                self.fresh()
                write_migrations(self.mig, self.kind, tx_off=True)
                self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
                self.failing_downgrade()
                rc, out, err = self.aurmig("downgrade", "r1")
                self.assertEqual(rc, 5, err)
                self.assertEqual(self.db.rows(), {"r2"})
                # the first resume fails again (the script is not fixed yet), twice
                for _ in range(2):
                    rc, out, err = self.aurmig("resume")
                    self.assertEqual(rc, 5, err)
                    self.assertEqual(self.db.rows(), {"r2"})
                    rc, out, err = self.aurmig("upgrade", "heads")
                    self.assertEqual(rc, 5, err)
                    self.assertIn("downgrade", err)
                    self.assertNotIn("already holds", err)
                if second == "resume":
                    self.failing_downgrade(bad=False)
                    rc, out, err = self.aurmig("resume")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(self.db.rows(), {"r1"})
                    self.assertNotIn("p2a", self.db.tables())
                elif second == "mark-applied":
                    self.db.query("DROP TABLE p2a")   # finished by hand
                    rc, out, err = self.aurmig("mark-applied", "r2")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(self.db.rows(), {"r1"})
                else:
                    self.db.query("CREATE TABLE p2b (x INTEGER)")   # undone by hand
                    rc, out, err = self.aurmig("mark-rolled-back", "r2")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(self.db.rows(), {"r2"})
                    self.failing_downgrade(bad=False)
                    rc, out, err = self.aurmig("downgrade", "r1")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(self.db.rows(), {"r1"})
                # nothing awaits recovery any more
                self.assertEqual(self.aurmig("check")[0], 3)

    # ---- 19.7: the journal vanishes under a running migration ------------------------------
    def journal_vanishes(self, how):
        write(self.mig, "r2_two.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n"
              "-- aurmig:transaction off\n-- aurmig:upgrade\nCREATE TABLE p2a (x INTEGER);\n" +
              SLEEP[self.kind].format(n="a") + "\nINSERT INTO p2a VALUES (2);\n"
              "-- aurmig:downgrade\nDROP TABLE p2a;\n")
        p = subprocess.Popen([AURMIG, "--dir", self.mig, "--url", self.db.url, "upgrade", "heads"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                j = [r for r in self.db.journal() if r[0] == "r2" and r[2] == "running" and r[3] >= 1]
                if j:
                    break
                time.sleep(0.02)
            else:
                self.fail("r2 never started")
            if how == "row":
                self.db.query("DELETE FROM aurmig_journal WHERE revision = 'r2'")
            else:
                self.db.query("DROP TABLE aurmig_journal")
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 5, out + err)
        self.assertIn("vanished", err)
        self.assertIn("Statements 1..2 of it are applied", err)
        self.assertEqual(self.db.rows(), {"r1"})
        # the next deploy does not start r2 over: it refuses, and says how far r2 got
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 5, out + err)
        self.assertIn("Statements 1..2 of it are applied", err)
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM p2a")[0][0], 1)

    def test_journal_row_deleted_during_the_run(self):
        self.journal_vanishes("row")

    def test_journal_table_dropped_during_the_run(self):
        self.journal_vanishes("table")


class SQLiteRecoveryTests(RecoveryTests, unittest.TestCase):
    kind = "sqlite"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLRecoveryTests(RecoveryTests, unittest.TestCase):
    kind = "mysql"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLRecoveryTests(RecoveryTests, unittest.TestCase):
    kind = "pgsql"


if __name__ == "__main__":
    AURMIG, CRASH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
