#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurmig test (issue 21): single head, upgrade, the stairway and the
declared schema, on a temporary SQLite file always and on MariaDB and
PostgreSQL scratch databases when tests/servers/start.sh exported their
URLs (AURMIG_TEST_MYSQL_URL, AURMIG_TEST_PGSQL_URL). The stairway must find
a downgrade that forgets to drop a column; the project's own migrations/
must pass, fast.

Usage: test_verify.py AURMIG_BINARY SOURCE_ROOT
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

AURMIG = None
ROOT = None
MYSQL_URL = os.environ.get("AURMIG_TEST_MYSQL_URL")
PGSQL_URL = os.environ.get("AURMIG_TEST_PGSQL_URL")
PREFIX = os.environ.get("AURMIG_TEST_DB_PREFIX") or "aurmig_"

# (BIGINT: SQLite's INTEGER PRIMARY KEY is a rowid alias, auto-increment, which the
# dialects check would rightly find different from MariaDB's and PostgreSQL's plain key)
R1 = """-- aurmig:revision aa01
-- aurmig:message first
-- aurmig:upgrade
CREATE TABLE Users (ID BIGINT NOT NULL PRIMARY KEY, Name VARCHAR(20) NULL);
-- aurmig:downgrade
DROP TABLE Users;
"""
R2 = """-- aurmig:revision bb02
-- aurmig:down_revision aa01
-- aurmig:upgrade
ALTER TABLE Users ADD COLUMN Email VARCHAR(50) NULL;
ALTER TABLE Users ADD COLUMN Nick VARCHAR(20) NULL;
-- aurmig:downgrade
ALTER TABLE Users DROP COLUMN Nick;
{forgotten}"""
GOOD_DOWN = "ALTER TABLE Users DROP COLUMN Email;\n"
R3 = """-- aurmig:revision cc03
-- aurmig:down_revision bb02
-- aurmig:upgrade
CREATE INDEX UsersName ON Users (Name);
-- aurmig:downgrade mysql
DROP INDEX UsersName ON Users;
-- aurmig:downgrade
DROP INDEX UsersName;
"""


class Server:
    """A new empty database on a test server, dropped by drop()."""

    def __init__(self, kind):
        self.kind = kind
        base = MYSQL_URL if kind == "mysql" else PGSQL_URL
        u = urllib.parse.urlsplit(base)
        self.u = u
        self.name = PREFIX + "v" + uuid.uuid4().hex[:12]
        self.admin("CREATE DATABASE " + self.name)
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.rsplit("@", 1)[0], u.hostname, u.port, self.name)

    def connect(self, db):
        u = self.u
        user, pw = urllib.parse.unquote(u.username), urllib.parse.unquote(u.password or "")
        if self.kind == "mysql":
            import pymysql
            return pymysql.connect(host=u.hostname, port=u.port, user=user, password=pw, database=db, autocommit=True)
        import psycopg2
        con = psycopg2.connect(host=u.hostname, port=u.port, user=user, password=pw, dbname=db)
        con.autocommit = True
        return con

    def admin(self, sql):
        con = self.connect(self.u.path.lstrip("/"))
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def tables(self):
        con = self.connect(self.name)
        try:
            cur = con.cursor()
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = " +
                        ("DATABASE()" if self.kind == "mysql" else "current_schema()"))
            return [r[0] for r in cur.fetchall()]
        finally:
            con.close()

    def drop(self):
        self.admin("DROP DATABASE IF EXISTS " + self.name)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-verify-")
        self.dir = os.path.join(self.tmp, "m")
        os.mkdir(self.dir)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}
        self.env["NO_COLOR"] = "1"
        self.env["TMPDIR"] = self.tmp

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def graph(self, broken=False, mysql_index=False):
        for name, text in (("aa01_first.sql", R1),
                           ("bb02_second.sql", R2.format(forgotten="" if broken else GOOD_DOWN)),
                           ("cc03_third.sql", R3)):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)

    def run_test(self, *args, d=None):
        p = subprocess.run([AURMIG, "-d", d or self.dir] + list(args), env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def leftovers(self):
        return [n for n in os.listdir(self.tmp) if n != "m"]



class VerifyTest(Base):
    def test_good_graph_passes(self):
        self.graph()
        rc, out, err = self.run_test("test")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("ok   stairway sqlite: 3 of 3 revisions", out)
        self.assertIn("ok   upgrade sqlite: base -> heads in 3 steps", out)
        self.assertIn("skip declared sqlite", out)   # no schema/ directory
        self.assertEqual(self.leftovers(), [], "the scratch file is removed")

    def test_broken_downgrade_found(self):
        self.graph(broken=True)
        rc, out, err = self.run_test("test")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("FAIL stairway sqlite: bb02: the downgrade does not restore the schema", err)
        self.assertIn("Email", err)
        rc, out, err = self.run_test("--json", "test")
        self.assertEqual(rc, 1, out + err)
        doc = json.loads(out)
        self.assertFalse(doc["ok"])
        self.assertEqual(doc["exit_code"], 1)
        fails = [r for r in doc["results"] if r["status"] == "failed"]
        self.assertEqual([(r["check"], r["revision"], r["dialect"]) for r in fails], [("stairway", "bb02", "sqlite")])
        # without the stairway the graph upgrades fine
        rc, out, err = self.run_test("test", "--only", "upgrade,single-head")
        self.assertEqual(rc, 0, out + err)
        self.assertNotIn("stairway", out)

    def test_two_heads(self):
        self.graph()
        with open(os.path.join(self.dir, "dd04_side.sql"), "w") as f:
            f.write("-- aurmig:revision dd04\n-- aurmig:down_revision aa01\n-- aurmig:upgrade\n"
                    "CREATE TABLE Side (ID INTEGER NOT NULL PRIMARY KEY);\n-- aurmig:downgrade\nDROP TABLE Side;\n")
        rc, out, err = self.run_test("--json", "test")
        self.assertEqual(rc, 1, out + err)
        doc = json.loads(out)
        sh = [r for r in doc["results"] if r["check"] == "single-head"]
        self.assertEqual(sh[0]["status"], "failed")
        self.assertIn("2 heads", sh[0]["message"])
        up = [r for r in doc["results"] if r["check"] == "upgrade"]
        self.assertEqual(up[0]["status"], "passed", up)

    def test_declared_differs(self):
        self.graph()
        os.mkdir(os.path.join(self.dir, "schema"))
        with open(os.path.join(self.dir, "schema", "sqlite.sql"), "w") as f:
            f.write("CREATE TABLE Users (ID INTEGER NOT NULL PRIMARY KEY, Name VARCHAR(20) NULL);\n")
        rc, out, err = self.run_test("test", "--only", "declared")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("FAIL declared sqlite", err)
        self.assertIn("Email", err)

    def test_fixtures(self):
        self.graph()
        os.mkdir(os.path.join(self.dir, "tests"))
        fx = os.path.join(self.dir, "tests", "bb02.sql")

        def write(expect_total, extra=""):
            with open(fx, "w") as f:
                f.write("-- rows the step meets\n"
                        "-- aurmig:fixture before\n"
                        "INSERT INTO Users (ID, Name) VALUES (1, 'a');\n"
                        "INSERT INTO Users (ID, Name) VALUES (2, 'b');\n"
                        "-- aurmig:expect\n"
                        "SELECT COUNT(*) = 2 FROM Users WHERE Email IS NULL AND Nick IS NULL;\n"
                        "SELECT COUNT(*) = %d, 'all users kept' FROM Users;\n"
                        "-- aurmig:expect mysql\n"
                        "SELECT 0, 'only on MariaDB';\n%s" % (expect_total, extra))
        write(3)
        rc, out, err = self.run_test("test")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("FAIL fixtures sqlite: bb02: %s:7: the expectation does not hold: all users kept: "
                      "SELECT COUNT(*) = 3, 'all users kept' FROM Users" % fx, err)
        self.assertIn("ok   stairway sqlite: 3 of 3", out)   # the data checks do not stop the others
        write(2)
        rc, out, err = self.run_test("test")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("ok   fixtures sqlite: bb02: 2 fixture statements before the upgrade, 2 expectations after it held", out)
        # a fixture statement that fails stops the run there
        write(2, "-- aurmig:fixture before\nINSERT INTO Users (ID, Nope) VALUES (3, 1);\n")
        rc, out, err = self.run_test("--json", "test")
        self.assertEqual(rc, 1, out + err)
        res = {(r["check"], r["status"]) for r in json.loads(out)["results"]}
        self.assertIn(("fixtures", "failed"), res)
        self.assertIn(("upgrade", "skipped"), res)
        msg = [r["message"] for r in json.loads(out)["results"] if r["check"] == "fixtures"][0]
        self.assertIn("%s:11: the fixture statement failed" % fx, msg)
        # without the check the file is not read
        rc, out, err = self.run_test("test", "--only", "upgrade,stairway")
        self.assertEqual(rc, 0, out + err)

    def test_usage(self):
        self.graph()
        rc, out, err = self.run_test("test", "--only", "nonsense")
        self.assertEqual(rc, 2)
        self.assertIn("unknown check", err)

    def test_project_migrations(self):
        t0 = time.monotonic()
        rc, out, err = self.run_test("--json", "test", d=os.path.join(ROOT, "migrations"))
        seconds = time.monotonic() - t0
        self.assertEqual(rc, 0, out + err)
        doc = json.loads(out)
        checks = {(r["check"], r["status"]) for r in doc["results"] if r["revision"] is None or r["check"] == "single-head"}
        for c in ("single-head", "upgrade", "stairway", "declared"):
            self.assertIn((c, "passed"), checks, doc)
        print("aurmig test on migrations/ (17 revisions, SQLite): %.2f s" % seconds, file=sys.stderr)
        self.assertLess(seconds, 10)

    def server_case(self, kind):
        self.graph(broken=False, mysql_index=kind == "mysql")
        s = Server(kind)
        try:
            rc, out, err = self.run_test("test", "--scratch-url", s.url)
            self.assertEqual(rc, 0, out + err)
            self.assertIn("ok   stairway %s: 3 of 3 revisions" % kind, out)
            self.assertIn("ok   dialects %s: the schema at heads is equivalent to the one on sqlite" % kind, out)
            self.assertEqual(s.tables(), [], "the scratch database is emptied again")
            # a dialect section that ends elsewhere than the others
            with open(os.path.join(self.dir, "dd04_dialect.sql"), "w") as f:
                f.write("-- aurmig:revision dd04\n-- aurmig:down_revision cc03\n"
                        "-- aurmig:upgrade %s\nALTER TABLE Users ADD COLUMN Only%s INTEGER NULL;\n"
                        "-- aurmig:upgrade\nALTER TABLE Users ADD COLUMN Common INTEGER NULL;\n"
                        "-- aurmig:downgrade %s\nALTER TABLE Users DROP COLUMN Only%s;\n"
                        "-- aurmig:downgrade\nALTER TABLE Users DROP COLUMN Common;\n" % (kind, kind, kind, kind))
            rc, out, err = self.run_test("--json", "test", "--scratch-url", s.url, "--only", "dialects")
            self.assertEqual(rc, 1, out + err)
            res = [(r["check"], r["status"], r["dialect"]) for r in json.loads(out)["results"]]
            self.assertEqual(res, [("dialects", "failed", kind)], out)
            rc, out, err = self.run_test("test", "--scratch-url", s.url, "--only", "dialects")
            self.assertIn("FAIL dialects %s: the schema at heads on %s is not equivalent to the one on sqlite" % (kind, kind), err)
            self.assertIn("only%s" % kind, err.lower())
            self.assertIn("common", err.lower())
            os.unlink(os.path.join(self.dir, "dd04_dialect.sql"))
            self.assertEqual(s.tables(), [])
            # fixtures on the server, a section for MariaDB only
            os.mkdir(os.path.join(self.dir, "tests"))
            with open(os.path.join(self.dir, "tests", "bb02.sql"), "w") as f:
                f.write("-- aurmig:fixture before\nINSERT INTO Users (ID, Name) VALUES (1, 'a');\n"
                        "-- aurmig:expect\nSELECT COUNT(*) = 1 FROM Users WHERE Email IS NULL;\n"
                        "-- aurmig:expect mysql\nSELECT 0, 'only on MariaDB';\n")
            rc, out, err = self.run_test("test", "--scratch-url", s.url, "--only", "fixtures")
            if kind == "mysql":
                self.assertEqual(rc, 1, out + err)
                self.assertIn("FAIL fixtures mysql: bb02:", err)
                self.assertIn("only on MariaDB", err)
                self.assertIn("ok   fixtures sqlite: bb02: 1 fixture statement before the upgrade, 1 expectation", out)
            else:
                self.assertEqual(rc, 0, out + err)
                self.assertIn("ok   fixtures pgsql: bb02: 1 fixture statement before the upgrade, 1 expectation", out)
            shutil.rmtree(os.path.join(self.dir, "tests"))
            self.assertEqual(s.tables(), [])
            self.graph(broken=True, mysql_index=kind == "mysql")
            rc, out, err = self.run_test("test", "--scratch-url", s.url, "--only", "stairway")
            self.assertEqual(rc, 1, out + err)
            self.assertIn("FAIL stairway %s: bb02: the downgrade does not restore" % kind, err)
            self.assertEqual(s.tables(), [])
            # a scratch database that holds a table is refused
            s.admin("SELECT 1")
            con = s.connect(s.name)
            con.cursor().execute("CREATE TABLE Keep (ID INTEGER NOT NULL PRIMARY KEY)")
            con.close()
            rc, out, err = self.run_test("test", "--scratch-url", s.url)
            self.assertEqual(rc, 1, out + err)
            self.assertIn("is not empty", err)
            self.assertEqual(s.tables(), ["keep"] if kind == "pgsql" else ["Keep"])
        finally:
            s.drop()

    @unittest.skipUnless(MYSQL_URL, "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
    def test_mariadb(self):
        self.server_case("mysql")

    @unittest.skipUnless(PGSQL_URL, "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
    def test_postgresql(self):
        self.server_case("pgsql")


class SumTest(Base):
    """DIR/aurmig.sum: written by hash, revision and merge; checked by every
    command that loads the migrations, before any database is touched."""

    def sum_lines(self):
        with open(os.path.join(self.dir, "aurmig.sum")) as f:
            return f.read().splitlines()

    def db_untouched(self, *args):
        db = os.path.join(self.tmp, "x.db")
        rc, out, err = self.run_test("--url", "sqlite:///" + db, *args)
        self.assertFalse(os.path.exists(db), "no database is touched")
        return rc, out, err

    def test_sum(self):
        self.graph()
        # no sum file: nothing is checked
        rc, out, err = self.run_test("heads")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_test("hash")
        self.assertEqual(rc, 0, err)
        lines = self.sum_lines()
        self.assertTrue(lines[0].startswith("total v1:"), lines)
        self.assertEqual([l.split()[0] for l in lines[1:]], ["aa01_first.sql", "bb02_second.sql", "cc03_third.sql"])
        self.assertTrue(all(l.split()[1].startswith("v1:") for l in lines))
        rc, out, err = self.run_test("--url", "sqlite:///" + os.path.join(self.tmp, "y.db"), "upgrade", "heads")
        self.assertEqual(rc, 0, err)
        # edited
        with open(os.path.join(self.dir, "bb02_second.sql"), "a") as f:
            f.write("-- a comment changes the checksum\n")
        rc, out, err = self.db_untouched("upgrade", "heads")
        self.assertEqual(rc, 1, err)
        self.assertIn("edited: bb02_second.sql", err)
        self.assertNotIn("aa01", err)
        rc, out, err = self.run_test("--no-sum-check", "heads")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_test("hash")
        self.assertEqual((rc, self.run_test("heads")[0]), (0, 0))
        # removed (renamed: removed and added)
        os.rename(os.path.join(self.dir, "cc03_third.sql"), os.path.join(self.dir, "cc03_renamed.sql"))
        rc, out, err = self.db_untouched("current")
        self.assertEqual(rc, 1, err)
        self.assertIn("removed or renamed: cc03_third.sql", err)
        self.assertIn("added (not in the sum): cc03_renamed.sql", err)
        os.unlink(os.path.join(self.dir, "cc03_renamed.sql"))
        rc, out, err = self.run_test("heads")
        self.assertEqual(rc, 1, err)
        self.assertIn("removed or renamed: cc03_third.sql", err)
        self.assertNotIn("added", err)
        # added
        self.run_test("hash")
        with open(os.path.join(self.dir, "cc03_third.sql"), "w") as f:
            f.write(R3)
        rc, out, err = self.run_test("history")
        self.assertEqual(rc, 1, err)
        self.assertIn("added (not in the sum): cc03_third.sql", err)
        self.run_test("hash")
        # revision and merge keep it up to date
        rc, out, err = self.run_test("revision", "-m", "fourth")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.sum_lines()), 5)
        rc, out, err = self.run_test("heads")
        self.assertEqual(rc, 0, err)
        # a hand-edited total line
        lines = self.sum_lines()
        lines[0] = "total v1:" + "0" * 64
        with open(os.path.join(self.dir, "aurmig.sum"), "w") as f:
            f.write("\n".join(lines) + "\n")
        rc, out, err = self.run_test("heads")
        self.assertEqual(rc, 1, err)
        self.assertIn("total line", err)

    def test_sum_is_the_reference_for_alembic_revisions(self):
        import sqlite3
        self.graph()
        db = os.path.join(self.tmp, "al.db")
        url = ["--url", "sqlite:///" + db]
        self.assertEqual(self.run_test("hash")[0], 0)
        rc, out, err = self.run_test(*url, "upgrade", "heads")
        self.assertEqual(rc, 0, out + err)
        # as Alembic leaves a database: the version row, no checksum recorded
        con = sqlite3.connect(db)
        con.execute("DROP TABLE aurmig_journal")
        con.commit()
        con.close()
        rc, out, err = self.run_test(*url, "validate", "-v")
        self.assertEqual(rc, 0, out + err)
        for rev in ("aa01", "bb02", "cc03"):
            self.assertIn("%s is applied but no checksum was recorded for it (applied by another tool?); "
                          "its script matches the committed aurmig.sum" % rev, out)
        # an edited script (the sum check bypassed): it differs from the reference
        with open(os.path.join(self.dir, "bb02_second.sql"), "a") as f:
            f.write("-- edited after Alembic applied it\n")
        rc, out, err = self.run_test("--no-sum-check", *url, "validate", "-v")
        self.assertEqual(rc, 6, out + err)
        self.assertIn("bb02 is applied but no checksum was recorded", out)
        self.assertIn("bb02_second.sql differs from the committed aurmig.sum", out)
        self.assertIn("aa01 is applied but no checksum was recorded for it (applied by another tool?); its script matches", out)
        rc, out, err = self.run_test("--no-sum-check", "--json", *url, "validate")
        self.assertEqual(rc, 6, out + err)
        kinds = {i["revision"]: i["kind"] for i in json.loads(out)["issues"]}
        self.assertEqual(kinds, {"aa01": "unrecorded", "bb02": "changed", "cc03": "unrecorded"})
        # without a sum: only listed as unrecorded, as before
        os.unlink(os.path.join(self.dir, "aurmig.sum"))
        rc, out, err = self.run_test(*url, "validate", "-v")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("bb02 is applied but no checksum was recorded for it (applied by another tool?)\n", out)
        self.assertNotIn("aurmig.sum", out)

    def test_project_sum_is_current(self):
        rc, out, err = self.run_test("heads", d=os.path.join(ROOT, "migrations"))
        self.assertEqual(rc, 0, err)
        self.assertTrue(os.path.exists(os.path.join(ROOT, "migrations", "aurmig.sum")))


A1 = """-- aurmig:revision aa01
-- aurmig:upgrade
CREATE TABLE Users (ID INTEGER NOT NULL PRIMARY KEY, Email VARCHAR(50) NULL);
INSERT INTO Users (ID, Email) VALUES (1, 'a@x');
INSERT INTO Users (ID, Email) VALUES (2, 'a@x');
-- aurmig:downgrade
DROP TABLE Users;
"""
A2 = """-- aurmig:revision bb02
-- aurmig:down_revision aa01
-- aurmig:upgrade
-- aurmig:assert SELECT 0 FROM Users WHERE ID < 0
-- aurmig:assert SELECT COUNT(*) = 0 FROM (SELECT Email FROM Users GROUP BY Email HAVING COUNT(*) > 1) d
CREATE TABLE Marker (ID INTEGER NOT NULL PRIMARY KEY);
CREATE UNIQUE INDEX UsersEmail ON Users (Email);
-- aurmig:downgrade
DROP TABLE Marker;
"""


class AssertTest(Base):
    """-- aurmig:assert: checked before the step's first statement; a
    failure is exit 12, nothing of the step ran, the journal row says so."""

    def case(self, url, tables, query):
        for name, text in (("aa01_a.sql", A1), ("bb02_b.sql", A2)):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        rc, out, err = self.run_test("--url", url, "upgrade", "heads")
        self.assertEqual(rc, 12, out + err)
        self.assertIn("bb02_b.sql:5: upgrade of revision bb02 refused: the precondition on line 5 failed", err)
        self.assertIn("nothing of it ran", err)
        self.assertNotIn("marker", [t.lower() for t in tables()], "the step's first statement did not run")
        self.assertEqual(query("SELECT version_num FROM alembic_version"), [("aa01",)])
        rows = query("SELECT revision, outcome, error FROM aurmig_journal ORDER BY started_at, seq")
        self.assertEqual(rows[-1][:2], ("bb02", "rolled-back"), rows)
        self.assertIn("precondition on line 5 failed", rows[-1][2])
        # nothing awaits recovery: fix the data and run again
        rc, out, err = self.run_test("--url", url, "check")
        self.assertEqual(rc, 3, out + err)
        query("DELETE FROM Users WHERE ID = 2")
        rc, out, err = self.run_test("--url", url, "upgrade", "heads")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("marker", [t.lower() for t in tables()])

    def test_sqlite(self):
        import sqlite3
        db = os.path.join(self.tmp, "a.db")

        def query(sql):
            con = sqlite3.connect(db)
            try:
                rows = con.execute(sql).fetchall()
                con.commit()
                return [tuple(r) for r in rows]
            finally:
                con.close()
        self.case("sqlite:///" + db,
                  lambda: [r[0] for r in query("SELECT name FROM sqlite_master WHERE type = 'table'")], query)

    def server(self, kind):
        s = Server(kind)
        try:
            def query(sql):
                con = s.connect(s.name)
                try:
                    cur = con.cursor()
                    cur.execute(sql)
                    return [tuple(r) for r in cur.fetchall()] if cur.description else []
                finally:
                    con.close()
            self.case(s.url, s.tables, query)
        finally:
            s.drop()

    @unittest.skipUnless(MYSQL_URL, "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
    def test_mariadb(self):
        self.server("mysql")

    @unittest.skipUnless(PGSQL_URL, "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
    def test_postgresql(self):
        self.server("pgsql")


D4 = """-- aurmig:revision dd04
-- aurmig:down_revision cc03
-- aurmig:upgrade
-- aurmig:hook slow default
UPDATE Users SET Name = Name;
-- aurmig:end-hook
ALTER TABLE Users ADD COLUMN Late VARCHAR(10) NULL;
-- aurmig:downgrade
ALTER TABLE Users DROP COLUMN Late;
"""


def fnv_key(name):
    """The PostgreSQL advisory lock key of a lock name (db/lock.c)."""
    h = 1469598103934665603
    for b in name.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return h & 0x7FFFFFFFFFFFFFFF


class DriftTest(Base):
    """check --schema behind head: the database compared with the
    migrations replayed on a scratch database to its own version rows (exit
    8 on drift), never while a run holds the deploy lock (exit 9); upgrade
    --check-drift refuses a drifted database before running anything."""

    def case(self, url, exec_sql, hold_lock, scratch=()):
        self.graph()
        with open(os.path.join(self.dir, "dd04_fourth.sql"), "w") as f:
            f.write(D4)
        db = ["--url", url]
        sc = list(scratch)
        rc, out, err = self.run_test(*db, "upgrade", "bb02")
        self.assertEqual(rc, 0, out + err)
        # behind head, no drift: exit 3 as check says, and the schema is the one at bb02
        rc, out, err = self.run_test(*db, "check", "--schema", *sc)
        self.assertEqual(rc, 3, out + err)
        self.assertIn("its schema is the one of the migrations at its revision (bb02)", out)
        # a hand-made column at a middle revision is drift
        exec_sql("ALTER TABLE Users ADD COLUMN Extra INTEGER NULL")
        rc, out, err = self.run_test(*db, "check", "--schema", *sc)
        self.assertEqual(rc, 8, out + err)
        self.assertIn("Database is at bb02 (2 migrations pending), but its schema is not", out)
        self.assertIn("column users.extra exists only in", out.lower())
        rc, out, err = self.run_test("--json", *db, "check", "--schema", *sc)
        self.assertEqual(rc, 8, out + err)
        doc = json.loads(out)
        self.assertEqual((doc["state"], doc["revision"], doc["drift"], doc["exit_code"]), ("behind", "bb02", True, 8))
        self.assertEqual([(d["kind"], d["table"].lower(), d["object"].lower(), d["change"]) for d in doc["differences"]],
                         [("column", "users", "extra", "only_a")], doc)
        # upgrade --check-drift refuses, nothing runs
        rc, out, err = self.run_test(*db, "upgrade", "--check-drift", *sc, "heads")
        self.assertEqual(rc, 8, out + err)
        self.assertIn("refusing to upgrade", err)
        self.assertIn("users.extra", err.lower())
        self.assertEqual(self.run_test(*db, "current")[1].split()[0], "bb02")
        exec_sql("ALTER TABLE Users DROP COLUMN Extra")
        # a run that holds the deploy lock (between two steps, say): in progress, not drift
        with hold_lock():
            rc, out, err = self.run_test(*db, "check", "--schema", *sc)
            self.assertEqual(rc, 9, out + err)
            self.assertIn("a migration is in progress", err)
            rc, out, err = self.run_test(*db, "--lock-timeout", "1", "upgrade", "--check-drift", *sc)
            self.assertEqual(rc, 4, out + err)
        # an upgrade running in another process (in dd04's hook): in progress, exit 9
        p = subprocess.Popen([AURMIG, "-d", self.dir, *db, "--hook", "slow=sleep 4", "upgrade", "--check-drift",
                              *sc, "heads"], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while self.run_test(*db, "check")[0] != 9:
                self.assertIsNone(p.poll(), "the upgrade ended before it was seen running")
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            rc, out, err = self.run_test(*db, "check", "--schema", *sc)
            self.assertEqual(rc, 9, out + err)
            self.assertIn("in progress", err)
            self.assertNotIn("exists only", out + err)
        finally:
            out, err = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, out + err)
        # at head without a declared schema: the replay to head; the replay runs
        # the hook's SQL default, never the command (it would act on the real database)
        marker = os.path.join(self.tmp, "hook-ran")
        rc, out, err = self.run_test(*db, "--hook", "slow=touch " + marker, "check", "--schema", *sc)
        self.assertEqual(rc, 0, out + err)
        self.assertFalse(os.path.exists(marker), "the replay called the hook command")
        self.assertIn("the one of the migrations at head", out)
        exec_sql("CREATE INDEX Hand ON Users (Late)")
        rc, out, err = self.run_test(*db, "check", "--schema", *sc)
        self.assertEqual(rc, 8, out + err)
        self.assertIn("hand", out.lower())

    def test_sqlite(self):
        import contextlib
        import fcntl
        import sqlite3
        db = os.path.join(self.tmp, "d.db")

        def exec_sql(sql):
            con = sqlite3.connect(db)
            try:
                con.execute(sql)
                con.commit()
            finally:
                con.close()

        @contextlib.contextmanager
        def hold_lock():
            with open(db + ".lock", "a") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                yield
        self.case("sqlite:///" + db, exec_sql, hold_lock)
        self.assertEqual(self.leftovers(), ["d.db", "d.db.lock"], "the scratch files are removed")

    def server(self, kind):
        import contextlib
        s, scratch = Server(kind), Server(kind)
        try:
            def exec_sql(sql):
                con = s.connect(s.name)
                try:
                    con.cursor().execute(sql)
                finally:
                    con.close()

            @contextlib.contextmanager
            def hold_lock():
                con = s.connect(s.name)
                try:
                    if kind == "mysql":
                        con.cursor().execute("SELECT GET_LOCK(CONCAT('aurmig:alembic_version', '@', DATABASE()), 5)")
                    else:
                        con.cursor().execute("SELECT pg_advisory_lock(%d)" % fnv_key("aurmig:alembic_version"))
                    yield
                finally:
                    con.close()
            self.case(s.url, exec_sql, hold_lock, ("--scratch-url", scratch.url))
            self.assertEqual(scratch.tables(), [], "the scratch database is emptied again")
            rc, out, err = self.run_test("--url", s.url, "check", "--schema")
            self.assertEqual(rc, 2, out + err)
            self.assertIn("needs --scratch-url", err)
        finally:
            s.drop()
            scratch.drop()

    @unittest.skipUnless(MYSQL_URL, "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
    def test_mariadb(self):
        self.server("mysql")

    @unittest.skipUnless(PGSQL_URL, "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
    def test_postgresql(self):
        self.server("pgsql")


if __name__ == "__main__":
    AURMIG, ROOT = sys.argv[1], sys.argv[2]
    del sys.argv[1:3]
    unittest.main(verbosity=2)
