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

AURMIG = SOURCE_ROOT = None
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

# X102: two dialects. aa01 agrees (INT, not SQLite's INTEGER PRIMARY KEY rowid
# alias, which schema diff reports as auto-increment); bb02's sqlite section
# forgets C; cc03 and dd04 agree.
X1 = """-- aurmig:revision aa01
-- aurmig:message a table
-- aurmig:upgrade mysql
CREATE TABLE T (ID INT NOT NULL PRIMARY KEY, A INT NULL) ENGINE=InnoDB;
-- aurmig:upgrade sqlite
CREATE TABLE T (ID INT NOT NULL PRIMARY KEY, A INT NULL);
-- aurmig:downgrade
DROP TABLE T;
"""
X2 = """-- aurmig:revision bb02
-- aurmig:down_revision aa01
-- aurmig:message two columns, sqlite forgets one
-- aurmig:upgrade mysql
ALTER TABLE T ADD COLUMN B VARCHAR(20) NULL, ADD COLUMN C INT NULL;
-- aurmig:upgrade sqlite
ALTER TABLE T ADD COLUMN B VARCHAR(20) NULL;
-- aurmig:downgrade mysql
ALTER TABLE T DROP COLUMN C, DROP COLUMN B;
-- aurmig:downgrade sqlite
ALTER TABLE T DROP COLUMN B;
"""
X3 = """-- aurmig:revision cc03
-- aurmig:down_revision bb02
-- aurmig:message an index, written per dialect
-- aurmig:upgrade mysql
CREATE INDEX TA ON T (A);
-- aurmig:upgrade sqlite
CREATE INDEX TA ON T (A);
-- aurmig:downgrade mysql
DROP INDEX TA ON T;
-- aurmig:downgrade sqlite
DROP INDEX TA;
"""
X4 = """-- aurmig:revision dd04
-- aurmig:down_revision cc03
-- aurmig:message another index
-- aurmig:upgrade mysql
CREATE INDEX TB ON T (B);
-- aurmig:upgrade sqlite
CREATE INDEX TB ON T (B);
-- aurmig:downgrade mysql
DROP INDEX TB ON T;
-- aurmig:downgrade sqlite
DROP INDEX TB;
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

    def lint(self, *args, d=None):
        p = subprocess.run([AURMIG, "--dir", d or self.dir, "lint", "--format", "json", *args], capture_output=True,
                           text=True, env=self.env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def two_dialects(self):
        d = os.path.join(self.tmp, "x")
        os.mkdir(d)
        for name, text in (("aa01_a.sql", X1), ("bb02_b.sql", X2), ("cc03_c.sql", X3), ("dd04_d.sql", X4)):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        return d

    def test_x102_mysql_and_sqlite_sections_compared(self):
        d = self.two_dialects()
        # without the probe X102 cannot know
        rc, out, err = self.lint("--all", d=d)
        self.assertFalse([f for f in json.loads(out)["findings"] if f["code"] == "X102"])
        rc, out, err = self.lint("--all", "--probe", "--scratch-url", self.url, d=d)
        self.assertIn(rc, (0, 10), err)
        x = [f for f in json.loads(out)["findings"] if f["code"] == "X102"]
        # bb02's sqlite section forgets column C; aa01, cc03 and dd04 agree (dd04 does not
        # re-report bb02's difference, which was there before it)
        self.assertEqual([(f["revision"], f["line"], f["severity"]) for f in x], [("bb02", 4, "warning")], x)
        self.assertEqual(x[0]["dialects"], ["sqlite", "mysql"])
        self.assertIn("column T.C exists only in mysql", x[0]["message"])
        self.assertEqual(self.tables(), [])
        self.assertFalse([n for n in os.listdir(tempfile.gettempdir()) if n.startswith("aurmig-x102-")])
        # a sqlite section that fails on SQLite
        with open(os.path.join(d, "ee05_e.sql"), "w") as f:
            f.write(X4.replace("dd04", "ee05").replace("cc03", "dd04").replace(
                "CREATE INDEX TB ON T (B);\n-- aurmig:downgrade mysql", "CREATE INDEX TB ON Nope (B);\n"
                "-- aurmig:downgrade mysql", 1).replace("TB", "TE"))
        rc, out, err = self.lint("ee05", "--probe", "--scratch-url", self.url, d=d)
        x = [f for f in json.loads(out)["findings"] if f["code"] == "X102"]
        self.assertEqual(len(x), 1, x)
        self.assertIn("the sqlite section fails on a scratch SQLite database", x[0]["message"])
        # switched off
        rc, out, err = self.lint("bb02", "--probe", "--scratch-url", self.url, "--ignore", "X102", d=d)
        self.assertFalse([f for f in json.loads(out)["findings"] if f["code"] == "X102"])

    def test_x102_on_aurweb_history(self):
        # aurweb's mysql and sqlite sections differ on purpose in four revisions
        # (docs/aurweb-migrations.md, "Lint findings"); migrations/lint.ini
        # suppresses them with the reason, so --werror passes
        mig = os.path.join(SOURCE_ROOT, "migrations")
        rc, out, err = self.lint("--all", "--werror", "--probe", "--scratch-url", self.url, d=mig)
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        x = {}
        for f in doc["findings"]:
            if f["code"] == "X102":
                self.assertTrue(f["suppressed"] and f["reason"], f)
                x[f["revision"]] = x.get(f["revision"], 0) + 1
        self.assertEqual(x, {"be7adae47ac3": 4, "d64e5571bc8d": 1, "7d65d35fae45": 4, "f2701a76f4a9": 1})
        self.assertEqual(self.tables(), [])

    def test_probe_of_a_file_outside_the_graph(self):
        outside = os.path.join(self.tmp, "ff06_new.sql")
        with open(outside, "w") as f:
            f.write("-- aurmig:revision ff06\n-- aurmig:down_revision bb02\n-- aurmig:message new\n"
                    "-- aurmig:upgrade mysql\nALTER TABLE T ADD COLUMN D INT NULL;\n"
                    "-- aurmig:downgrade mysql\nALTER TABLE T DROP COLUMN D;\n")
        rc, out, err = self.lint(outside, "--probe", "--scratch-url", self.url)
        self.assertIn(rc, (0, 10), err)
        got = [f for f in json.loads(out)["findings"] if f["code"] == "L112"]
        # upgraded to bb02 (which added C), so ADD COLUMN D is probed on a real T
        self.assertEqual([f["line"] for f in got], [5], got)
        self.assertIn("ALGORITHM=INSTANT, LOCK=NONE", got[0]["message"])
        self.assertEqual(self.tables(), [])
        # a parent the directory does not have: said, not guessed
        with open(outside, "w") as f:
            f.write("-- aurmig:revision ff06\n-- aurmig:down_revision zz99\n-- aurmig:message new\n"
                    "-- aurmig:upgrade mysql\nALTER TABLE T ADD COLUMN D INT NULL;\n"
                    "-- aurmig:downgrade mysql\nALTER TABLE T DROP COLUMN D;\n")
        rc, out, err = self.lint(outside, "--probe", "--scratch-url", self.url)
        got = [f for f in json.loads(out)["findings"] if f["code"] == "L112"]
        self.assertEqual([(f["line"], f["severity"]) for f in got], [(2, "warning")], got)
        self.assertIn("not probed: its down_revision zz99 is not a revision", got[0]["message"])
        self.assertEqual(self.tables(), [])

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
    SOURCE_ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
