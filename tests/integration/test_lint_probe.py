#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurmig lint --probe --scratch-url on the test MariaDB (docs/lint.md,
"Probe"): an INSTANT, a NOCOPY, an INPLACE and a COPY statement, each
reported as what the server accepted (L112 / L101 "probe: ..."), instead of
lint's rules of thumb; the answers checked against MariaDB itself; the
scratch database empty afterwards; a scratch database that holds tables,
or is not MariaDB, refused.

Usage: test_lint_probe.py AURMIG_BINARY SOURCE_ROOT  (needs AURMIG_TEST_MYSQL_URL)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import uuid

AURMIG = None
MYSQL_URL = os.environ.get("AURMIG_TEST_MYSQL_URL")
PREFIX = os.environ.get("AURMIG_TEST_DB_PREFIX") or "aurmig_"

R1 = """-- aurmig:revision aa01
-- aurmig:message a table
-- aurmig:upgrade mysql
CREATE TABLE T (ID INT NOT NULL PRIMARY KEY, A INT NULL, B VARCHAR(20) NULL) ENGINE=InnoDB;
-- aurmig:downgrade mysql
DROP TABLE T;
"""
R2 = """-- aurmig:revision bb02
-- aurmig:down_revision aa01
-- aurmig:message four ALTERs
-- aurmig:upgrade mysql
ALTER TABLE T ADD COLUMN C INT NULL;
CREATE INDEX TA ON T (A);
ALTER TABLE T FORCE;
ALTER TABLE T MODIFY A BIGINT NULL;
-- aurmig:downgrade mysql
ALTER TABLE T MODIFY A INT NULL;
DROP INDEX TA ON T;
ALTER TABLE T DROP COLUMN C;
"""


@unittest.skipUnless(MYSQL_URL, "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class ProbeTest(unittest.TestCase):
    def setUp(self):
        import pymysql
        self.pymysql = pymysql
        self.u = urllib.parse.urlsplit(MYSQL_URL)
        self.name = PREFIX + "p" + uuid.uuid4().hex[:12]
        self.admin("CREATE DATABASE " + self.name)
        u = self.u
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.rsplit("@", 1)[0], u.hostname, u.port, self.name)
        self.tmp = tempfile.mkdtemp(prefix="aurmig-probe-")
        self.dir = os.path.join(self.tmp, "m")
        os.mkdir(self.dir)
        for name, text in (("aa01_a.sql", R1), ("bb02_b.sql", R2)):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}

    def tearDown(self):
        self.admin("DROP DATABASE IF EXISTS " + self.name)
        shutil.rmtree(self.tmp)

    def connect(self, db):
        u = self.u
        return self.pymysql.connect(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                                    password=urllib.parse.unquote(u.password or ""), database=db, autocommit=True)

    def admin(self, sql, db=None):
        con = self.connect(db or self.u.path.lstrip("/"))
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def tables(self):
        con = self.connect(self.name)
        try:
            cur = con.cursor()
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
            return [r[0] for r in cur.fetchall()]
        finally:
            con.close()

    def lint(self, *args):
        p = subprocess.run([AURMIG, "--dir", self.dir, "lint", "--format", "json", *args], capture_output=True,
                           text=True, env=self.env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def test_probe_reports_what_mariadb_does(self):
        # without the probe: the rules of thumb (L101 "unless it only widens", L104 ...)
        rc, out, err = self.lint("bb02")
        guesses = [f for f in json.loads(out)["findings"] if f["code"] == "L101"]
        self.assertTrue(guesses and all(not f["message"].startswith("probe:") for f in guesses), guesses)
        rc, out, err = self.lint("bb02", "--probe", "--scratch-url", self.url)
        self.assertIn(rc, (0, 10), err)
        doc = json.loads(out)
        by_line = {}
        for f in doc["findings"]:
            if f["code"] in ("L101", "L112", "L104"):
                by_line.setdefault(f["line"], []).append(f)
        # line 5: ADD COLUMN at the end, INSTANT since 10.3
        self.assertEqual([(f["code"], f["severity"]) for f in by_line[5]], [("L112", "info")], by_line)
        self.assertIn("ALGORITHM=INSTANT, LOCK=NONE", by_line[5][0]["message"])
        # line 6: a secondary index, built without a copy and without a lock
        self.assertEqual([f["code"] for f in by_line[6]], ["L112"])
        self.assertIn("ALGORITHM=NOCOPY, LOCK=NONE", by_line[6][0]["message"])
        # line 7: FORCE rebuilds the table, online
        self.assertEqual([f["code"] for f in by_line[7]], ["L112"], by_line)
        self.assertIn("ALGORITHM=INPLACE, LOCK=NONE", by_line[7][0]["message"])
        # line 8: INT -> BIGINT copies the table; the static guess is replaced by the server's answer
        codes8 = [(f["code"], f["message"]) for f in by_line[8]]
        self.assertEqual(len(codes8), 1, codes8)
        self.assertIn("COPY", codes8[0][1])
        self.assertTrue(codes8[0][1].startswith("probe: MariaDB 1"), codes8)
        if codes8[0][0] == "L101":
            self.assertEqual(by_line[8][0]["severity"], "warning")
        # the scratch database is empty again
        self.assertEqual(self.tables(), [])
        # the answers are MariaDB's: check two of them on the server directly
        self.admin("CREATE TABLE T (ID INT NOT NULL PRIMARY KEY, A INT NULL, B VARCHAR(20) NULL) ENGINE=InnoDB",
                   self.name)
        with self.assertRaises(self.pymysql.err.MySQLError):
            self.admin("ALTER TABLE T FORCE, ALGORITHM=INSTANT", self.name)
        with self.assertRaises(self.pymysql.err.MySQLError):
            self.admin("ALTER TABLE T MODIFY A BIGINT NULL, ALGORITHM=INPLACE", self.name)
        self.admin("ALTER TABLE T FORCE, ALGORITHM=INPLACE, LOCK=NONE", self.name)
        self.admin("DROP TABLE T", self.name)
        # a large table: the copy is an error
        rc, out, err = self.lint("bb02", "--probe", "--scratch-url", self.url, "--large-table", "T=5M")
        line8 = [f for f in json.loads(out)["findings"] if f["line"] == 8 and f["code"] in ("L101", "L112")]
        if line8[0]["code"] == "L101":
            self.assertEqual((rc, line8[0]["severity"]), (10, "error"))
        # the INSTANT one stays info on a large table
        line5 = [f for f in json.loads(out)["findings"] if f["line"] == 5 and f["code"] == "L112"]
        self.assertEqual(line5[0]["severity"], "info")

    def test_drop_index_and_unclaused_statements(self):
        with open(os.path.join(self.dir, "cc03_c.sql"), "w") as f:
            f.write("-- aurmig:revision cc03\n-- aurmig:down_revision bb02\n-- aurmig:message d\n"
                    "-- aurmig:upgrade mysql\nDROP INDEX TA ON T;\nDROP INDEX IF EXISTS Nope ON T;\n"
                    "RENAME TABLE T TO U;\n-- aurmig:downgrade mysql\nRENAME TABLE U TO T;\nCREATE INDEX TA ON T (A);\n")
        rc, out, err = self.lint("cc03", "--probe", "--scratch-url", self.url)
        got = {f["line"]: f["message"] for f in json.loads(out)["findings"] if f["code"] == "L112"}
        # MariaDB takes no ALGORITHM on DROP INDEX ... ON: probed as ALTER TABLE ... DROP INDEX
        self.assertRegex(got[5], r"ALGORITHM=(INSTANT|NOCOPY), LOCK=NONE")
        self.assertRegex(got[6], r"ALGORITHM=(INSTANT|NOCOPY), LOCK=NONE")
        self.assertNotIn(7, got)       # RENAME TABLE is not an ALTER: run as written, nothing to report
        self.assertEqual(self.tables(), [])

    def test_probe_refuses_a_scratch_database_with_tables(self):
        self.admin("CREATE TABLE Precious (ID INT PRIMARY KEY)", self.name)
        rc, out, err = self.lint("bb02", "--probe", "--scratch-url", self.url)
        self.assertEqual(rc, 1, err)
        self.assertIn("must be empty", err)
        self.assertEqual(self.tables(), ["Precious"])      # nothing dropped
        # not MariaDB
        rc, out, err = self.lint("bb02", "--probe", "--scratch-url", "sqlite:///" + os.path.join(self.tmp, "s.db"))
        self.assertEqual(rc, 1, err)
        self.assertIn("must be MariaDB", err)
        # usage
        rc, out, err = self.lint("bb02", "--probe")
        self.assertEqual(rc, 2)

    def test_failing_statement_stops_the_probe_of_its_revision(self):
        with open(os.path.join(self.dir, "bb02_b.sql"), "w") as f:
            f.write(R2.replace("ALTER TABLE T FORCE;", "ALTER TABLE Missing ADD COLUMN X INT NULL;"))
        rc, out, err = self.lint("bb02", "--probe", "--scratch-url", self.url)
        doc = json.loads(out)
        failed = [f for f in doc["findings"] if f["code"] == "L112" and "failed on the scratch" in f["message"]]
        self.assertEqual([f["line"] for f in failed], [7], doc["findings"])
        self.assertFalse([f for f in doc["findings"] if f["line"] == 8 and f["message"].startswith("probe:")])
        self.assertEqual(self.tables(), [])


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
