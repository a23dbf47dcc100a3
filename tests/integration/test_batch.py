#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Batched data statements (issue 20, point 4): `-- aurmig:batch N [key=COL]`
before an UPDATE or DELETE runs it as bounded batches, each committed with
its journal note. The result equals the unbatched statement's, a run killed
between batches resumes after the last committed batch (the UPDATE below is
not idempotent, so a batch done twice would show), and the journal row says
how far the statement got.

Usage: test_batch.py AURMIG CRASH_HELPER
SQLite always; MariaDB and PostgreSQL when their test URLs are set.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_processes import Backend  # noqa: E402

AURMIG = CRASH = None
ROWS = 3000

UPDATE = "UPDATE {t} SET n = n + 1, s = 'done' WHERE n < 5"
DELETE = "DELETE FROM {t} WHERE n = 6"


def write(d, name, text):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "w") as f:
        f.write(text)


class BatchTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-batch-")
        self.mig = os.path.join(self.tmp, "m")
        self.db = Backend(self.kind, self.tmp)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}
        values = ", ".join("(%d, %d, NULL)" % (i, (i * 37) % 7) for i in range(1, ROWS + 1))
        for t in ("acct", "acct_ref"):
            self.db.query("CREATE TABLE %s (id INTEGER NOT NULL PRIMARY KEY, n INTEGER NOT NULL, "
                          "s VARCHAR(40) NULL)" % t)
            self.db.query("INSERT INTO %s (id, n, s) VALUES %s" % (t, values))
        # the unbatched statements, on the twin table
        self.db.query(UPDATE.format(t="acct_ref"))
        self.db.query(DELETE.format(t="acct_ref"))

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def script(self, body, header=""):
        write(self.mig, "r1_batch.sql", "-- aurmig:revision r1\n%s-- aurmig:upgrade\n%s\n-- aurmig:downgrade\n"
              % (header, body))

    def keyed(self):
        self.script("-- aurmig:batch 250 key=id\n%s;\n-- aurmig:batch 300 key=id\n%s;\n"
                    % (UPDATE.format(t="acct"), DELETE.format(t="acct")))

    def aurmig(self, *args):
        p = subprocess.run([AURMIG, "--dir", self.mig, "--url", self.db.url] + list(args),
                           capture_output=True, text=True, timeout=300, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def table(self, t):
        return [tuple(r) for r in self.db.query("SELECT id, n, s FROM %s ORDER BY id" % t)]

    def row(self):
        return self.db.query("SELECT operation, outcome, statements_done, statements_total, is_atomic, error "
                             "FROM aurmig_journal WHERE revision = 'r1' ORDER BY id")[-1]

    def kill_after(self, batches):
        p = subprocess.run([CRASH, self.db.url, self.mig, "kill-after-batch", str(batches)],
                           capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)

    def test_keyed_batches_equal_the_unbatched_statements(self):
        self.keyed()
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.table("acct"), self.table("acct_ref"))
        # 3000 keys: 12 windows of 250 for the UPDATE, 10 of 300 for the DELETE
        changed = self.db.query("SELECT COUNT(*) FROM acct_ref WHERE s = 'done'")[0][0]
        deleted = ROWS - self.db.query("SELECT COUNT(*) FROM acct_ref")[0][0]
        self.assertIn("(22 batches, %d rows)" % (changed + deleted), out)
        op, outcome, done, total, atomic, error = self.row()
        self.assertEqual((op, outcome, done, total, atomic), ("upgrade", "success", 2, 2, 0))
        self.assertEqual(self.db.rows(), {"r1"})

    def test_killed_between_batches_resumes_after_the_last_batch(self):
        self.keyed()
        before = self.table("acct")
        self.kill_after(3)
        # three windows of 250 keys committed, nothing after them
        now = self.table("acct")
        updated = [(i, n + 1, "done") if n < 5 else (i, n, s) for i, n, s in before]
        self.assertEqual([r for r in now if r[0] <= 750], [r for r in updated if r[0] <= 750])
        self.assertEqual([r for r in now if r[0] > 750], [r for r in before if r[0] > 750])
        op, outcome, done, total, atomic, error = self.row()
        self.assertEqual((outcome, done, atomic), ("running", 0, 0))
        self.assertRegex(error, r"^\[batch statement 1: 3 batches, \d+ rows, next key after 750\]$")
        # the status says how far the batches got
        rc, out, err = self.aurmig("validate")
        self.assertIn("[batch statement 1: 3 batches", out + err)
        self.assertEqual(self.db.rows(), set())
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, out + err)
        # n = n + 1 is not idempotent: a batch run twice would differ here
        self.assertEqual(self.table("acct"), self.table("acct_ref"))
        self.assertEqual(self.db.rows(), {"r1"})

    def test_killed_in_the_second_batched_statement(self):
        self.keyed()
        self.kill_after(14)   # the UPDATE's 12 batches, two of the DELETE
        op, outcome, done, total, atomic, error = self.row()
        self.assertEqual((outcome, done), ("running", 1))
        self.assertRegex(error, r"^\[batch statement 2: 2 batches, \d+ rows, next key after 600\]$")
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.table("acct"), self.table("acct_ref"))
        self.assertEqual(self.db.rows(), {"r1"})

    def test_a_recount_and_a_backfill_over_a_non_unique_key(self):
        # aurweb's shapes: the NumVotes recount (a correlated subquery, key=ID) and the VoteTS
        # backfill (key=UsersID, which many rows share)
        votes = ", ".join("(%d, %d, %s)" % (1 + (i * 13) % 700, i, "NULL" if i % 3 else str(i))
                          for i in range(1, 4001))
        for t in ("vote", "vote_ref"):
            self.db.query("CREATE TABLE %s (acct INTEGER NOT NULL, pkg INTEGER NOT NULL, ts INTEGER NULL)" % t)
            self.db.query("INSERT INTO %s (acct, pkg, ts) VALUES %s" % (t, votes))
            self.db.query("CREATE INDEX %s_acct ON %s (acct)" % (t, t))
        recount = "UPDATE {a} SET n = (SELECT COUNT(*) FROM {v} WHERE {v}.acct = {a}.id)"
        backfill = "UPDATE {v} SET ts = 0 WHERE ts IS NULL"
        self.db.query("DELETE FROM acct_ref")   # the twin as acct is (setUp changed it)
        self.db.query("INSERT INTO acct_ref SELECT * FROM acct")
        self.db.query(recount.format(a="acct_ref", v="vote_ref"))
        self.db.query(backfill.format(v="vote_ref"))
        self.script("-- aurmig:batch 500 key=id\n%s;\n-- aurmig:batch 300 key=acct\n%s;\n"
                    % (recount.format(a="acct", v="vote"), backfill.format(v="vote")))
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual([tuple(r) for r in self.db.query("SELECT id, n FROM acct ORDER BY id")],
                         [tuple(r) for r in self.db.query("SELECT id, n FROM acct_ref ORDER BY id")])
        q = "SELECT acct, pkg, ts FROM %s ORDER BY acct, pkg"
        self.assertEqual([tuple(r) for r in self.db.query(q % "vote")], [tuple(r) for r in self.db.query(q % "vote_ref")])
        # 3000 keys in windows of 500; 4000 votes of 700 users, windows of 300 rows at least
        m = re.search(r"\((\d+) batches, (\d+) rows\)", out)
        self.assertTrue(m, out)
        self.assertGreaterEqual(int(m.group(1)), 6 + 2)
        self.assertLessEqual(int(m.group(1)), 6 + 14)

    def test_a_failed_batch_resumes_after_the_last_committed_batch(self):
        # the batch holding id 900 (the fourth window of 250) sets NULL into n NOT NULL while the
        # flag table has a row: the first run fails there, with three batches committed
        self.db.query("CREATE TABLE flag (x INTEGER NOT NULL PRIMARY KEY)")
        self.db.query("INSERT INTO flag (x) VALUES (1)")
        self.script("-- aurmig:batch 250 key=id\n"
                    "UPDATE acct SET n = CASE WHEN id = 900 AND EXISTS (SELECT 1 FROM flag) THEN NULL "
                    "ELSE n + 1 END, s = 'done' WHERE n < 5;\n-- aurmig:batch 300 key=id\n%s;\n"
                    % DELETE.format(t="acct"))
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertNotEqual(rc, 0)
        self.assertIn("[batch statement 1: 3 batches", err)
        self.assertIn("aurmig resume", err)
        op, outcome, done, total, atomic, error = self.row()
        self.assertEqual((outcome, done), ("failed", 0))
        self.assertRegex(error, r"\[batch statement 1: 3 batches, \d+ rows, next key after 750\]")
        self.db.query("DELETE FROM flag")
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, out + err)
        self.assertEqual(self.table("acct"), self.table("acct_ref"))
        self.assertEqual(self.db.rows(), {"r1"})

    def test_bad_directives_fail_before_anything_runs(self):
        self.script("-- aurmig:batch 100\nINSERT INTO acct (id, n) VALUES (9999, 1);\n")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertNotEqual(rc, 0)
        self.assertIn("must be an UPDATE or a DELETE", err)
        self.script("-- aurmig:batch 0\n%s;\n" % UPDATE.format(t="acct"))
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertNotEqual(rc, 0)
        self.assertIn("batch takes a row count", err)
        self.assertEqual(self.db.rows(), set())
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM acct WHERE s IS NOT NULL")[0][0], 0)


class SQLiteBatchTests(BatchTests, unittest.TestCase):
    kind = "sqlite"

    def test_rowid_is_the_default_key(self):
        self.script("-- aurmig:batch 400\n%s;\n-- aurmig:batch 400\n%s;\n"
                    % (UPDATE.format(t="acct"), DELETE.format(t="acct")))
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.table("acct"), self.table("acct_ref"))
        self.assertIn("(16 batches,", out)


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLBatchTests(BatchTests, unittest.TestCase):
    kind = "mysql"

    def test_limit_batches_without_a_key(self):
        # converging statements: UPDATE ... LIMIT n until a batch changes nothing
        self.script("-- aurmig:batch 100\nDELETE FROM acct WHERE n = 6;\n-- aurmig:batch 400\n"
                    "UPDATE acct SET s = 'y' WHERE s IS NULL;\n")
        # the twin: the DELETE first, then the UPDATE (the script's order)
        self.db.query("DELETE FROM acct_ref")
        self.db.query("INSERT INTO acct_ref SELECT * FROM acct")
        self.db.query("DELETE FROM acct_ref WHERE n = 6")
        self.db.query("UPDATE acct_ref SET s = 'y' WHERE s IS NULL")
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.table("acct"), self.table("acct_ref"))
        self.assertRegex(out, r"\(\d+ batches, %d rows\)" % ROWS)

    def test_an_update_that_does_not_converge_is_an_error(self):
        # n = n + 1 leaves rows matching n < 5: without a key it would never end
        self.script("-- aurmig:batch 400\n%s;\n" % UPDATE.format(t="acct"))
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertNotEqual(rc, 0)
        self.assertIn("does not converge", err)
        self.assertEqual(self.db.rows(), set())


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLBatchTests(BatchTests, unittest.TestCase):
    kind = "pgsql"

    def test_a_key_is_required(self):
        self.script("-- aurmig:batch 400\n%s;\n" % UPDATE.format(t="acct"))
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertNotEqual(rc, 0)
        self.assertIn("needs its key column", err)
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM acct WHERE s IS NOT NULL")[0][0], 0)


if __name__ == "__main__":
    AURMIG, CRASH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
