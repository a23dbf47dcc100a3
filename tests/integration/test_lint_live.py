#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurmig lint --live (docs/lint.md, "Live"; issue 16): the target database
says how big a table is and how many rows a UNIQUE, NOT NULL, FOREIGN KEY,
PRIMARY KEY or CHECK would fail on. Each finding fires with a count (error)
or with 0 (info), a rule that cannot know says why (table absent, timeout),
live sizes replace --large-table guesses, and nothing is written.

Usage: test_lint_live.py AURMIG_BINARY
SQLite always; MariaDB and PostgreSQL when their test URLs are set.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_processes import Backend  # noqa: E402

AURMIG = None

# P(ID) holds 1; T: A has one duplicate group of 3 rows, B two NULLs, PID one
# orphan (5), A = 2 once; U: K has a duplicate pair and a NULL; E is empty.
SETUP = [
    "CREATE TABLE P (ID INTEGER NOT NULL PRIMARY KEY)",
    "CREATE TABLE T (ID INTEGER NOT NULL PRIMARY KEY, A INTEGER NULL, B VARCHAR(20) NULL, PID INTEGER NULL)",
    "CREATE TABLE U (ID INTEGER NOT NULL, K INTEGER NULL)",
    "CREATE TABLE E (ID INTEGER NOT NULL PRIMARY KEY, A INTEGER NULL)",
    "INSERT INTO P (ID) VALUES (1)",
    "INSERT INTO T (ID, A, B, PID) VALUES (1, 1, 'x', 1), (2, 1, NULL, 1), (3, 1, NULL, NULL), (4, 2, 'y', 5)",
    "INSERT INTO U (ID, K) VALUES (1, 7), (2, 7), (3, NULL), (4, 8)",
]

# statement -> (code, severity, text in the message); one statement a line
COMMON = [
    ("CREATE UNIQUE INDEX TA ON T (A);", "M101", "error", "live: 3 rows would violate this (1 group of duplicates)"),
    ("CREATE UNIQUE INDEX TB ON T (B);", "M101", "info", "live: 0 rows would violate this now (of 4)"),
    ("CREATE UNIQUE INDEX TQ ON Q (A);", "M101", "warning", "live: not known: table q is not in the database"),
    ("CREATE UNIQUE INDEX TE ON E (A);", "M101", "info", "live: 0 rows would violate this now (of 0)"),
]
MYSQL = COMMON + [
    ("ALTER TABLE T MODIFY B VARCHAR(20) NOT NULL;", "M103", "error", "live: 2 rows would violate this"),
    ("ALTER TABLE T MODIFY A INT NOT NULL;", "M103", "info", "live: 0 rows would violate this now"),
    ("ALTER TABLE T ADD CONSTRAINT F1 FOREIGN KEY (PID) REFERENCES P (ID);", "M104", "error",
     "live: 1 row would violate this"),
    ("ALTER TABLE P ADD CONSTRAINT F2 FOREIGN KEY (ID) REFERENCES T (ID);", "M104", "info",
     "live: 0 rows would violate this now (of 1)"),
    ("ALTER TABLE T ADD CONSTRAINT C1 CHECK (A < 2);", "M106", "error", "live: 1 row would violate this"),
    ("ALTER TABLE T ADD CONSTRAINT C2 CHECK (A > 0);", "M106", "info", "live: 0 rows would violate this now"),
    ("ALTER TABLE U ADD PRIMARY KEY (K);", "M105", "error",
     "live: 3 rows would violate this (1 group of duplicates; 1 with a NULL key)"),
]
PGSQL = COMMON + [
    ("ALTER TABLE T ALTER COLUMN B SET NOT NULL;", "M103", "error", "live: 2 rows would violate this"),
    ("ALTER TABLE T ALTER COLUMN A SET NOT NULL;", "M103", "info", "live: 0 rows would violate this now"),
    ("ALTER TABLE T ADD CONSTRAINT F1 FOREIGN KEY (PID) REFERENCES P (ID);", "M104", "error",
     "live: 1 row would violate this"),
    ("ALTER TABLE T ADD CONSTRAINT C1 CHECK (A < 2);", "M106", "error", "live: 1 row would violate this"),
    ("ALTER TABLE T ADD CONSTRAINT C2 CHECK (A > 0);", "M106", "info", "live: 0 rows would violate this now"),
    ("ALTER TABLE T ADD COLUMN N INTEGER NOT NULL;", "M102", "error",
     "live: the table holds 4 rows, which would fail this"),
    ("ALTER TABLE E ADD COLUMN N INTEGER NOT NULL;", "M102", "info", "live: the table is empty now"),
    ("ALTER TABLE U ADD PRIMARY KEY (K);", "M105", "error",
     "live: 3 rows would violate this (1 group of duplicates; 1 with a NULL key)"),
]
SQLITE = COMMON

# D105 (type changes): R's current definition is read from the database.
# V holds one value of 150 characters, N one above SMALLINT, S one that
# latin1 cannot hold, E two 'x'; W is widened.
LONG = "x" * 150
RETYPE_SETUP = {
    "mysql": ["CREATE TABLE R (ID INT NOT NULL PRIMARY KEY, V VARCHAR(255) NULL, N INT NULL, "
              "S VARCHAR(20) CHARACTER SET utf8mb4 NULL, E ENUM('a','b','x') NULL, W VARCHAR(20) NULL, "
              "X VARCHAR(20) NULL) DEFAULT CHARSET=utf8mb4",
              "INSERT INTO R VALUES (1, 'abc', 1, 'abc', 'a', 'w', '1'), (2, '%s', 40000, '\u0416uk', 'x', 'w', 'a'), "
              "(3, NULL, NULL, NULL, 'x', NULL, NULL)" % LONG],
    "pgsql": ["CREATE TABLE R (ID INTEGER NOT NULL PRIMARY KEY, V VARCHAR(255) NULL, N INTEGER NULL, "
              "W VARCHAR(20) NULL, X TEXT NULL)",
              "INSERT INTO R VALUES (1, 'abc', 1, 'w', '1'), (2, '%s', 40000, 'w', 'a'), (3, NULL, NULL, NULL, NULL)"
              % LONG],
    "sqlite": ["CREATE TABLE R (ID INTEGER NOT NULL PRIMARY KEY, V VARCHAR(255) NULL, N INTEGER NULL, "
               "W VARCHAR(20) NULL, X TEXT NULL)",
               "INSERT INTO R VALUES (1, 'abc', 1, 'w', '1'), (2, '%s', 40000, 'w', 'a')" % LONG],
}
# statement -> (severity, text in the message, damaged rows or None)
RETYPE = {
    "mysql": [
        ("ALTER TABLE R MODIFY V VARCHAR(100) NULL;", "error",
         "VARCHAR(255) -> VARCHAR(100): values longer than 100 characters are cut; live: 1 row would lose data", 1),
        ("ALTER TABLE R MODIFY N SMALLINT NULL;", "error",
         "INT -> SMALLINT: values outside -32768..32767 fail or are cut; live: 1 row would lose data", 1),
        ("ALTER TABLE R MODIFY S VARCHAR(20) CHARACTER SET latin1 NULL;", "error",
         "utf8mb4 -> latin1: characters outside latin1 are lost; live: 1 row would lose data", 1),
        ("ALTER TABLE R MODIFY E ENUM('a','b') NULL;", "error", "ENUM loses value 'x'; live: 2 rows would lose data", 2),
        ("ALTER TABLE R MODIFY W VARCHAR(50) NULL;", "info", "widens (varchar(20) -> VARCHAR(50)", None),
        ("ALTER TABLE R MODIFY X INT NULL;", "error", "the type family changes (text -> integer", None),
        # the old type from the section's earlier statements; rows still counted
        ("ALTER TABLE R MODIFY V VARCHAR(200) NULL;", "info", "widens (VARCHAR(100) -> VARCHAR(200)): no data lost", None),
        ("ALTER TABLE R MODIFY W VARCHAR(5) NULL;", "warning",
         "VARCHAR(50) -> VARCHAR(5): values longer than 5 characters are cut; live: 0 rows would lose data now", 0),
    ],
    "pgsql": [
        ("ALTER TABLE R ALTER COLUMN V TYPE VARCHAR(100);", "error",
         "VARCHAR(255) -> VARCHAR(100): values longer than 100 characters are cut; live: 1 row would lose data", 1),
        ("ALTER TABLE R ALTER COLUMN N TYPE SMALLINT;", "error",
         "INT -> SMALLINT: values outside -32768..32767 fail or are cut; live: 1 row would lose data", 1),
        ("ALTER TABLE R ALTER COLUMN W TYPE VARCHAR(50);", "info",
         "widens (character varying(20) -> VARCHAR(50)", None),
        ("ALTER TABLE R ALTER COLUMN X TYPE INTEGER USING X::integer;", "error",
         "the type family changes (text -> integer", None),
        ("ALTER TABLE R ALTER COLUMN V TYPE VARCHAR(200);", "info", "widens (VARCHAR(100) -> VARCHAR(200)): no data lost",
         None),
        ("ALTER TABLE R ALTER COLUMN W TYPE VARCHAR(5);", "warning",
         "VARCHAR(50) -> VARCHAR(5): values longer than 5 characters are cut; live: 0 rows would lose data now", 0),
    ],
    "sqlite": [
        ("ALTER TABLE R MODIFY COLUMN V VARCHAR(100) NULL;", "info",
         "(VARCHAR(255) -> VARCHAR(100)); SQLite's types are affinity only (TEXT both): no value is cut", None),
        ("ALTER TABLE R MODIFY COLUMN N SMALLINT NULL;", "info", "affinity only (INTEGER both)", None),
        ("ALTER TABLE R MODIFY COLUMN W VARCHAR(50) NULL;", "info", "affinity only (TEXT both)", None),
        ("ALTER TABLE R MODIFY COLUMN X INT NULL;", "warning", "but the affinity changes (TEXT -> INTEGER)", None),
    ],
}


def revision(dialect, statements, rev="aa01", parent=None):
    head = "-- aurmig:revision %s\n" % rev
    if parent:
        head += "-- aurmig:down_revision %s\n" % parent
    head += "-- aurmig:message live\n"
    return head + "-- aurmig:upgrade %s\n%s\n-- aurmig:downgrade %s\nSELECT 1;\n" % (
        dialect, "\n".join(statements), dialect)


class LiveTests:
    kind = None
    cases = ()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-live-")
        self.dir = os.path.join(self.tmp, "m")
        os.mkdir(self.dir)
        self.db = Backend(self.kind, self.tmp)
        for q in SETUP:
            self.db.query(q)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def write(self, text, name="aa01_live.sql"):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def lint(self, *args, url=True):
        cmd = [AURMIG, "-d", self.dir] + (["--url", self.db.url] if url else []) + ["lint"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def findings(self, *args):
        rc, out, err = self.lint("--format", "json", *args)
        self.assertIn(rc, (0, 10), err)
        return rc, json.loads(out)["findings"]

    def snapshot(self):
        if self.kind == "sqlite":
            with open(self.db.path, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest(), sorted(self.db.tables())
        return [sorted(self.db.query("SELECT * FROM %s" % t)) for t in ("P", "T", "U", "E")], sorted(self.db.tables())

    def test_counts_fire_and_stay_quiet(self):
        self.write(revision(self.kind, [c[0] for c in self.cases]))
        before = self.snapshot()
        rc, fs = self.findings("--live", "aa01")
        self.assertEqual(rc, 10)
        for i, (stmt, code, sev, text) in enumerate(self.cases):
            line = 4 + i
            hit = [f for f in fs if f["line"] == line and f["code"] == code]
            self.assertEqual(len(hit), 1, (stmt, [(f["line"], f["code"], f["message"]) for f in fs]))
            self.assertEqual(hit[0]["severity"], sev, (stmt, hit[0]["message"]))
            self.assertIn(text, hit[0]["message"], stmt)
            live = hit[0]["live"]
            self.assertIsNotNone(live, stmt)
            if "not known" in text:
                self.assertIsNone(live["violations"])
                self.assertIn("not in the database", live["unknown"])
            elif code != "M102":
                self.assertEqual(live["violations"], int(text.split("live: ")[1].split()[0]), stmt)
                self.assertIsNone(live["unknown"])
        # without --live: the rule's own severity, no count
        rc, fs = self.findings("aa01")
        for f in fs:
            self.assertNotIn("live:", f["message"])
            self.assertIsNone(f["live"])
        m101 = [f for f in fs if f["code"] == "M101"]
        self.assertEqual({f["severity"] for f in m101}, {"warning"})
        # read-only: nothing written, no table made
        self.assertEqual(self.snapshot(), before)

    def test_type_change_reads_the_old_definition(self):
        for q in RETYPE_SETUP[self.kind]:
            self.db.query(q)
        cases = RETYPE[self.kind]
        text = revision(self.kind, [c[0] for c in cases])
        if self.kind == "sqlite":
            # SQLite has no MODIFY: portable DDL, which it runs as a rebuild
            text = text.replace("-- aurmig:upgrade sqlite", "-- aurmig:upgrade portable")
        self.write(text)
        before = self.snapshot()
        rc, fs = self.findings("--live", "--dialect", self.kind, "aa01")
        for i, (stmt, sev, msg, damaged) in enumerate(cases):
            hit = [f for f in fs if f["line"] == 4 + i and f["code"] == "D105"]
            self.assertEqual(len(hit), 1, (stmt, [(f["line"], f["code"], f["message"]) for f in fs]))
            self.assertEqual(hit[0]["severity"], sev, (stmt, hit[0]["message"]))
            self.assertIn(msg, hit[0]["message"], stmt)
            if damaged is not None:
                self.assertEqual(hit[0]["live"]["violations"], damaged, stmt)
            self.assertNotIn("cannot see the old definition", hit[0]["message"])
        # without --live: the old definition is not known (today's warning, saying why)
        rc, fs = self.findings("--dialect", self.kind, "aa01")
        d105 = [f for f in fs if f["code"] == "D105"]
        self.assertEqual(d105[0]["severity"], "warning")
        self.assertIn("cannot see the old definition (no earlier statement of this section defines it",
                      d105[0]["message"])
        self.assertEqual(self.snapshot()[1], before[1])

    def test_text_output_and_user_severity(self):
        self.write(revision(self.kind, [self.cases[0][0], self.cases[1][0]]))
        rc, out, err = self.lint("--live", "aa01")
        self.assertEqual(rc, 10, err)
        self.assertIn("error: M101 [%s] a UNIQUE index is added to existing table T; live: 3 rows would violate "
                      "this (1 group of duplicates)" % self.kind, out)
        self.assertIn("info: M101", out)
        # the user's severity still wins over the count
        rc, out, err = self.lint("--live", "--warning", "M101", "aa01")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("error:", out)

    def test_live_size_replaces_the_large_table_guess(self):
        big = {"mysql": "ALTER TABLE T FORCE;", "pgsql": "CREATE INDEX TI ON T (A);",
               "sqlite": "UPDATE T SET A = A WHERE ID > 0;"}[self.kind]
        code = {"mysql": "L101", "pgsql": "L106", "sqlite": "L111"}[self.kind]
        self.write(revision(self.kind, [big]))
        # listed as large (no rows): without --live an error
        large_sev = "warning" if code == "L111" else "error"   # L111 is about large tables only: a warning
        rc, fs = self.findings("--large-table", "T", "aa01")
        hit = [f for f in fs if f["code"] == code]
        self.assertEqual([f["severity"] for f in hit], [large_sev], fs)
        # measured: 4 rows, below the default threshold -> not large
        rc, fs = self.findings("--live", "--large-table", "T", "aa01")
        hit = [f for f in fs if f["code"] == code]
        if self.kind == "sqlite":
            self.assertEqual(hit, [], fs)   # L111 is only about large tables
        else:
            self.assertEqual(len(hit), 1, fs)
            self.assertNotEqual(hit[0]["severity"], "error")
            self.assertIn("(live: 4 rows)", hit[0]["message"])
            self.assertEqual(hit[0]["live"]["rows"], 4)
        # a threshold below the measured size: large, from the measure
        rc, fs = self.findings("--live", "--large-table-rows", "3", "aa01")
        hit = [f for f in fs if f["code"] == code]
        self.assertEqual(len(hit), 1, fs)
        self.assertEqual(hit[0]["severity"], large_sev)
        self.assertIn("live", hit[0]["message"])
        self.assertEqual(hit[0]["live"]["rows"], 4)
        if self.kind != "sqlite":
            self.assertIn("(large table: 4 rows, live)", hit[0]["message"])

    def test_live_needs_a_database(self):
        self.write(revision(self.kind, [self.cases[0][0]]))
        rc, out, err = self.lint("--live", "aa01", url=False)
        self.assertEqual(rc, 2)
        self.assertIn("--live needs the target database", err)

    def test_config_keys(self):
        self.write(revision(self.kind, [self.cases[0][0]]))
        with open(os.path.join(self.dir, "lint.ini"), "w") as f:
            f.write("[lint]\nlive = yes\nlive-timeout = 20\n")
        rc, fs = self.findings("aa01")
        self.assertIn("live: 3 rows would violate this", fs[0]["message"])


class SQLiteLive(LiveTests, unittest.TestCase):
    kind = "sqlite"
    cases = SQLITE

    def test_missing_file_is_not_created(self):
        self.write(revision(self.kind, [self.cases[0][0]]))
        os.unlink(self.db.path)
        rc, out, err = self.lint("--live", "aa01")
        self.assertEqual(rc, 1)
        self.assertIn("no such database file", err)
        self.assertFalse(os.path.exists(self.db.path))


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLLive(LiveTests, unittest.TestCase):
    kind = "mysql"
    cases = MYSQL

    def test_timeout_says_so(self):
        self.write(revision(self.kind, ["ALTER TABLE T ADD CONSTRAINT C3 CHECK (SLEEP(1) = 0);",
                                        "CREATE UNIQUE INDEX TA ON T (A);"]))
        rc, fs = self.findings("--live", "--live-timeout", "1.5", "aa01")
        m106 = [f for f in fs if f["code"] == "M106"][0]
        self.assertIn("live: not known: the query ran past", m106["message"])
        self.assertEqual(m106["severity"], "warning")
        m101 = [f for f in fs if f["code"] == "M101"][0]
        self.assertIn("live: not known: the --live-timeout of 1.5 s is used up", m101["message"])

    @unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_SOCKET"), "no admin socket")
    def test_no_privilege_says_so(self):
        import pymysql
        import urllib.parse
        user = "ro" + self.db.name[-10:]
        admin = pymysql.connect(unix_socket=os.environ["AURMIG_TEST_MYSQL_SOCKET"],
                                user=os.environ.get("AURMIG_TEST_MYSQL_ADMIN_USER", "root"), autocommit=True)
        try:
            cur = admin.cursor()
            cur.execute("CREATE USER '%s'@'127.0.0.1' IDENTIFIED BY 'pw'" % user)
            # T is visible (a column privilege), its column A is not readable
            cur.execute("GRANT SELECT (ID) ON %s.T TO '%s'@'127.0.0.1'" % (self.db.name, user))
            self.write(revision(self.kind, ["CREATE UNIQUE INDEX TA ON T (A);"]))
            u = urllib.parse.urlsplit(self.db.url)
            url = "mysql://%s:pw@%s:%d/%s" % (user, u.hostname, u.port, self.db.name)
            p = subprocess.run([AURMIG, "-d", self.dir, "--url", url, "lint", "--format", "json", "--live", "aa01"],
                               capture_output=True, text=True, env=self.env, timeout=120)
            self.assertIn(p.returncode, (0, 10), p.stderr)
            m101 = [f for f in json.loads(p.stdout)["findings"] if f["code"] == "M101"][0]
            self.assertIn("live: not known: no privilege to read it", m101["message"])
            self.assertEqual(m101["severity"], "warning")
            self.assertIn("denied", m101["live"]["unknown"])
        finally:
            admin.cursor().execute("DROP USER IF EXISTS '%s'@'127.0.0.1'" % user)
            admin.close()


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLLive(LiveTests, unittest.TestCase):
    kind = "pgsql"
    cases = PGSQL

    def test_timeout_says_so(self):
        self.write(revision(self.kind, ["ALTER TABLE T ADD CONSTRAINT C3 CHECK (pg_sleep(1)::text = '');",
                                        "CREATE UNIQUE INDEX TA ON T (A);"]))
        rc, fs = self.findings("--live", "--live-timeout", "1.5", "aa01")
        m106 = [f for f in fs if f["code"] == "M106"][0]
        self.assertIn("live: not known: the query ran past", m106["message"])
        m101 = [f for f in fs if f["code"] == "M101"][0]
        self.assertIn("live: not known: the --live-timeout of 1.5 s is used up", m101["message"])


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[2:])
