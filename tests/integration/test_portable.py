#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Portable DDL (`-- aurmig:upgrade portable`) on every backend there is.

Usage: test_portable.py AURMIG SOURCE_ROOT
SQLite always; MariaDB when AURMIG_TEST_MYSQL_URL is set, PostgreSQL when
AURMIG_TEST_PGSQL_URL is set (tests/servers/start.sh exports both).

- tests/data/portable (every operation of the subset) upgrades one revision
  at a time on each backend; after every step the schemas of all backends
  are equal (`schema diff`, modulo the documented mapping); downgrading one
  revision at a time gives back, on each backend, the schema it had at that
  revision on the way up (portable dump, text); rows survive, including
  rows referenced by foreign keys of other tables while SQLite rebuilds
  their table, and `PRAGMA foreign_key_check` finds nothing;
- the head schema dumped for each backend loads into an empty database of
  each backend and reads back equal;
- offline SQL (--sql base:head) run by sqlite3 makes the same schema;
- a rebuild that cannot copy the rows (NULLs into NOT NULL) and a foreign
  key the rows break fail the step and leave schema and version untouched;
- bad portable DDL is refused before anything runs, naming file:line and
  the offending token; statements outside the subset pass through.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_schema import Database, MYSQL_URL, PGSQL_URL  # noqa: E402
import test_schema  # noqa: E402

AURMIG = None
CORPUS = None
REVS = ["p01", "p02", "p03", "p04", "p05"]


def aurmig(*args, timeout=120):
    return subprocess.run([AURMIG] + list(args), capture_output=True, text=True, timeout=timeout)


def kinds():
    return ["sqlite"] + (["mysql"] if MYSQL_URL else []) + (["pgsql"] if PGSQL_URL else [])


class Portable(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-portable-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def new_db(self, kind):
        db = Database(kind, self.tmp)
        self.addCleanup(db.drop)
        return db

    def run_ok(self, db, *args, d=None):
        p = aurmig("--url", db.url, "-d", d or CORPUS, *args)
        self.assertEqual(p.returncode, 0, "%s %s: %s%s" % (db.kind, args, p.stdout, p.stderr))
        return p

    def dump(self, db):
        p = aurmig("--url", db.url, "schema", "dump")
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def assert_same_everywhere(self, dbs, when):
        ks = list(dbs)
        for i, x in enumerate(ks):
            for y in ks[i + 1:]:
                p = aurmig("--url", dbs[x].url, "schema", "diff", dbs[y].url)
                self.assertEqual(p.returncode, 0, "%s: %s vs %s:\n%s%s" % (when, x, y, p.stdout, p.stderr))

    def rows(self, db, sql):
        if db.kind == "sqlite":
            con = sqlite3.connect(db.path)
            try:
                return [tuple(r) for r in con.execute(sql)]
            finally:
                con.close()
        con = db.connect(db.name)
        try:
            cur = con.cursor()
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]
        finally:
            con.close()

    def test_chain_up_and_down_on_every_backend(self):
        dbs = {k: self.new_db(k) for k in kinds()}
        up = {k: {} for k in dbs}
        for rev in REVS:
            for k, db in dbs.items():
                self.run_ok(db, "upgrade", "+1")
                self.assertIn(rev, self.run_ok(db, "current").stdout)
                up[k][rev] = self.dump(db)
            self.assert_same_everywhere(dbs, "after upgrade to " + rev)
        for k, db in dbs.items():
            # rows survived the rebuilds, and what the steps did to them
            self.assertEqual(self.rows(db, "SELECT id, name, nickname, level FROM users ORDER BY id"),
                             [(1, "alice", "alice", 5), (2, "bob", "bob", 5)], k)
            self.assertEqual(self.rows(db, "SELECT id, user_id, headline FROM articles ORDER BY id"),
                             [(1, 1, "hello"), (2, 2, "world")], k)
            self.assertEqual(self.rows(db, "SELECT name, post_id FROM tags"), [("greeting", 1)], k)
            if k == "sqlite":
                self.assertEqual(self.rows(db, "SELECT * FROM pragma_foreign_key_check"), [])
                # the foreign keys still work after the rebuilds
                con = sqlite3.connect(db.path)
                con.execute("PRAGMA foreign_keys = ON")
                with self.assertRaises(sqlite3.IntegrityError):
                    con.execute("INSERT INTO articles (user_id, headline) VALUES (99, 'orphan')")
                con.close()
        for i in range(len(REVS) - 1, 0, -1):
            for k, db in dbs.items():
                self.run_ok(db, "downgrade", "-1")
                self.assertEqual(self.dump(db), up[k][REVS[i - 1]],
                                 "%s: schema after downgrade to %s differs from the way up" % (k, REVS[i - 1]))
            self.assert_same_everywhere(dbs, "after downgrade to " + REVS[i - 1])
        for k, db in dbs.items():
            self.assertEqual(self.rows(db, "SELECT name FROM users ORDER BY id"), [("alice",), ("bob",)], k)
            self.run_ok(db, "downgrade", "base")
            self.assertEqual(self.dump(db), "", k)

    def test_head_dump_loads_into_every_backend(self):
        ks = kinds()
        for src in ks:
            a = self.new_db(src)
            self.run_ok(a, "upgrade", "head")
            for dst in ks:
                b = self.new_db(dst)
                ddl = aurmig("--url", a.url, "schema", "dump", "--dialect", dst)
                self.assertEqual(ddl.returncode, 0, ddl.stderr)
                b.run(ddl.stdout)
                p = aurmig("--url", a.url, "schema", "diff", b.url)
                self.assertEqual(p.returncode, 0, "%s -> %s:\n%s%s" % (src, dst, p.stdout, p.stderr))

    def test_offline_sql_makes_the_same_schema(self):
        online = self.new_db("sqlite")
        self.run_ok(online, "upgrade", "head")
        p = aurmig("-d", CORPUS, "upgrade", "base:head", "--sql", "--dialect", "sqlite")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("_aurmig_new_users", p.stdout)   # the rebuild, written out
        path = os.path.join(self.tmp, "offline.db")
        r = subprocess.run(["sqlite3", path], input=p.stdout, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        d = aurmig("--url", online.url, "schema", "diff", "sqlite:///" + path)
        self.assertEqual(d.returncode, 0, d.stdout + d.stderr)

    def write(self, d, name, text):
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    def project(self, extra):
        d = tempfile.mkdtemp(dir=self.tmp, prefix="m")
        for f in os.listdir(CORPUS):
            shutil.copy(os.path.join(CORPUS, f), d)
        for name, text in extra.items():
            self.write(d, name, text)
        return d

    def test_failed_rebuild_and_broken_foreign_key_change_nothing(self):
        bad_rows = ("-- aurmig:revision x1\n-- aurmig:down_revision p05\n-- aurmig:upgrade portable\n"
                    "ALTER TABLE users ADD COLUMN extra INT NULL;\n"
                    "ALTER TABLE users MODIFY COLUMN extra INT NOT NULL;\n"
                    "-- aurmig:downgrade portable\nALTER TABLE users DROP COLUMN extra;\n")
        bad_fk = ("-- aurmig:revision x1\n-- aurmig:down_revision p05\n-- aurmig:upgrade portable\n"
                  "INSERT INTO tags (name, post_id) VALUES ('dangling', 77);\n"
                  "ALTER TABLE tags ADD CONSTRAINT tags_post2 FOREIGN KEY (post_id) REFERENCES articles (id);\n"
                  "-- aurmig:downgrade portable\nALTER TABLE tags DROP FOREIGN KEY tags_post2;\n")
        for kind in kinds():
            for name, text in (("rows", bad_rows), ("fk", bad_fk)):
                d = self.project({"x1_bad.sql": text})
                db = self.new_db(kind)
                self.run_ok(db, "upgrade", "p05", d=d)
                before = self.dump(db)
                p = aurmig("--url", db.url, "-d", d, "upgrade", "head")
                self.assertNotEqual(p.returncode, 0, "%s %s: %s" % (kind, name, p.stdout))
                self.assertIn("x1_bad.sql", p.stderr)
                if kind != "mysql":   # MySQL commits DDL at once: the journal says what remains
                    self.assertEqual(self.dump(db), before, "%s %s" % (kind, name))
                    self.assertIn("p05", self.run_ok(db, "current", d=d).stdout)
                    self.assertEqual(self.rows(db, "SELECT count(*) FROM tags"), [(1,)], kind)

    def test_sqlite_rebuild_checks_the_table_and_its_referencing_tables_only(self):
        # The check after a rebuild looks at the rebuilt table and at the
        # tables whose foreign keys name it (pragma_foreign_key_check(NAME)),
        # not the whole database: a dangling row in a table referencing the
        # rebuilt one fails the step; one in an unrelated table does not.
        head = "-- aurmig:revision x1\n-- aurmig:down_revision p05\n-- aurmig:upgrade portable\n"
        rebuild = "ALTER TABLE articles MODIFY COLUMN headline VARCHAR(120) NOT NULL;\n"
        down = "-- aurmig:downgrade portable\nALTER TABLE articles MODIFY COLUMN headline VARCHAR(100) NOT NULL;\n"
        child = head + "INSERT INTO tags (name, post_id) VALUES ('dangling', 77);\n" + rebuild + down
        unrelated = (head + "CREATE TABLE notes (id INT NOT NULL PRIMARY KEY, user_id INT UNSIGNED NULL,"
                     " FOREIGN KEY (user_id) REFERENCES USERS (id));\n"
                     "INSERT INTO notes (id, user_id) VALUES (1, 999);\n" + rebuild + down)
        d = self.project({"x1_bad.sql": child})
        db = self.new_db("sqlite")
        self.run_ok(db, "upgrade", "p05", d=d)
        before = self.dump(db)
        p = aurmig("--url", db.url, "-d", d, "upgrade", "head")
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("rows of tags break a foreign key to articles", p.stderr)
        self.assertEqual(self.dump(db), before)
        d = self.project({"x1_ok.sql": unrelated})
        db = self.new_db("sqlite")
        self.run_ok(db, "upgrade", "head", d=d)
        self.assertIn("VARCHAR(120)", self.rows(db, "SELECT sql FROM sqlite_master WHERE name = 'articles'")[0][0])
        self.assertEqual(self.rows(db, "SELECT \"table\" FROM pragma_foreign_key_check"), [("notes",)])

    def test_online_sql_rebuilds_a_table_the_database_has(self):
        # `upgrade --sql` without START on SQLite renders a rebuild of a table
        # made by plain SQL earlier (not known to the offline model) from the
        # live database's definition; sqlite3 running it gives what aurmig's
        # own upgrade gives.
        x1 = ("-- aurmig:revision x1\n-- aurmig:down_revision p05\n-- aurmig:upgrade sqlite\n"
              "CREATE TABLE plain (id INTEGER NOT NULL PRIMARY KEY, v VARCHAR(10) NULL, w INT NULL);\n"
              "CREATE INDEX plain_w ON plain (w);\n"
              "INSERT INTO plain (id, v, w) VALUES (1, 'a', 2);\n"
              "-- aurmig:downgrade sqlite\nDROP TABLE plain;\n")
        x2 = ("-- aurmig:revision x2\n-- aurmig:down_revision x1\n-- aurmig:upgrade portable\n"
              "ALTER TABLE plain MODIFY COLUMN v VARCHAR(10) NOT NULL;\n"
              "-- aurmig:downgrade portable\nALTER TABLE plain MODIFY COLUMN v VARCHAR(10) NULL;\n")
        d = self.project({"x1_plain.sql": x1, "x2_rebuild.sql": x2})
        online, raw = self.new_db("sqlite"), self.new_db("sqlite")
        for db in (online, raw):
            self.run_ok(db, "upgrade", "x1", d=d)
        sql = self.run_ok(raw, "upgrade", "--sql", "head", d=d).stdout
        self.assertIn('CREATE TABLE "_aurmig_new_plain"', sql)
        p = subprocess.run(["sqlite3", raw.path], input=sql, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.run_ok(online, "upgrade", "head", d=d)
        self.assertEqual(self.dump(raw), self.dump(online))
        self.assertEqual(self.rows(raw, "SELECT id, v, w FROM plain"), [(1, "a", 2)])
        self.assertIn("plain_w", self.dump(raw))

    def test_bad_portable_ddl_names_file_line_and_token(self):
        cases = [
            ("CREATE TABLE t (\n  id INT NOT NULL,\n  doc JSONB NULL\n);\n", ":6:", "type 'JSONB' is not portable"),
            ("ALTER TABLE users\n  FROBNICATE x;\n", ":5:", "unexpected 'FROBNICATE'"),
            ("CREATE TABLE t (id INT NOT NULL DEFAULT);\n", ":4:", "unexpected ')' where a default value"),
            ("CREATE TABLE t (id INT NOT NULL\n", ":4:", "the statement ends"),
            ("DROP INDEX users_name_key;\n", ":4:", "ON <table>"),
            ("CREATE TABLE t (id INT, name VARCHAR NOT NULL);\n", ":4:", "type 'VARCHAR' is not portable"),
            ("ALTER TABLE users ADD COLUMN c INT AFTER id;\n", ":4:", "'AFTER'"),
        ]
        for body, where, what in cases:
            d = self.project({"x1_bad.sql": "-- aurmig:revision x1\n-- aurmig:down_revision p05\n"
                                            "-- aurmig:upgrade portable\n" + body +
                                            "-- aurmig:downgrade portable\n"})
            db = self.new_db("sqlite")
            self.run_ok(db, "upgrade", "p05", d=d)
            before = self.dump(db)
            p = aurmig("--url", db.url, "-d", d, "upgrade", "head")
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            self.assertIn("x1_bad.sql" + where, p.stderr, body)
            self.assertIn(what, p.stderr, body)
            self.assertEqual(self.dump(db), before)
            # and offline too
            p = aurmig("-d", d, "upgrade", "p05:head", "--sql", "--dialect", "mysql")
            self.assertNotEqual(p.returncode, 0)
            self.assertIn(what, p.stderr)

    def test_autogenerate_then_check_schema(self):
        for kind in kinds():
            d = self.project({})
            os.makedirs(os.path.join(d, "schema"))
            db = self.new_db(kind)
            scratch = [] if kind == "sqlite" else ["--scratch-url", self.new_db(kind).url]
            self.run_ok(db, "upgrade", "head", d=d)
            before = self.dump(db)
            # the declared schema: the head's, as portable DDL
            declared = os.path.join(d, "schema", "portable.sql")
            with open(declared, "w") as f:
                f.write("-- aurmig:portable\n" + before)
            p = aurmig("--url", db.url, "-d", d, "check", "--schema", *scratch)
            self.assertEqual(p.returncode, 0, "%s: %s%s" % (kind, p.stdout, p.stderr))
            # change it: a column, a changed column, an index, a new table
            text = before.replace("  nickname varchar(64) NOT NULL DEFAULT 'x',\n",
                                  "  nickname varchar(80) NOT NULL DEFAULT 'y',\n")
            self.assertNotEqual(text, before, kind)
            text += ("CREATE TABLE badges (\n  id int NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
                     "  user_id int unsigned NOT NULL REFERENCES users (id),\n  label varchar(20) NOT NULL\n);\n"
                     "CREATE INDEX badges_label ON badges (label);\n"
                     "ALTER TABLE users ADD COLUMN karma int NOT NULL DEFAULT 0;\n")
            with open(declared, "w") as f:
                f.write("-- aurmig:portable\n" + text)
            p = aurmig("--url", db.url, "-d", d, "check", "--schema", *scratch)
            self.assertEqual(p.returncode, 8, "%s: %s%s" % (kind, p.stdout, p.stderr))
            self.assertIn("users.nickname", p.stdout)
            self.assertIn("badges", p.stdout)
            p = aurmig("--json", "--url", db.url, "-d", d, "check", "--schema", *scratch)
            j = json.loads(p.stdout)
            self.assertEqual((p.returncode, j["equal"], j["exit_code"]), (8, False, 8), kind)
            self.assertIn(("table", "only_b", "badges"), [(x["kind"], x["change"], x["table"]) for x in j["differences"]])
            p = aurmig("--url", db.url, "-d", d, "revision", "--autogenerate", "-m", "badges", *scratch)
            self.assertEqual(p.returncode, 0, "%s: %s%s" % (kind, p.stdout, p.stderr))
            new = [f for f in os.listdir(d) if f.endswith("_badges.sql")]
            self.assertEqual(len(new), 1)
            with open(os.path.join(d, new[0])) as f:
                script = f.read()
            self.assertIn("-- aurmig:upgrade portable", script)
            self.assertIn("CREATE TABLE badges", script)
            self.run_ok(db, "upgrade", "head", d=d)
            p = aurmig("--url", db.url, "-d", d, "check", "--schema", *scratch)
            self.assertEqual(p.returncode, 0, "%s: %s%s\n%s" % (kind, p.stdout, p.stderr, script))
            self.run_ok(db, "downgrade", "-1", d=d)
            self.assertEqual(self.dump(db), before, "%s: the downgrade did not restore the schema\n%s" % (kind, script))
            p = aurmig("--url", db.url, "-d", d, "check", "--schema", *scratch)
            self.assertEqual(p.returncode, 3, kind)   # not at head

    def test_init_from_one_portable_declaration(self):
        # tables in any order (foreign keys to tables declared later), on
        # every backend: init equals the upgraded database, and passes
        # check --schema
        for kind in kinds():
            d = self.project({})
            os.makedirs(os.path.join(d, "schema"))
            shutil.copy(os.path.join(os.path.dirname(CORPUS), "portable-schema", "portable.sql"),
                        os.path.join(d, "schema"))
            fresh, upgraded = self.new_db(kind), self.new_db(kind)
            scratch = [] if kind == "sqlite" else ["--scratch-url", self.new_db(kind).url]
            p = aurmig("--url", fresh.url, "-d", d, "init")
            self.assertEqual(p.returncode, 0, "%s: %s%s" % (kind, p.stdout, p.stderr))
            self.assertIn("p05", self.run_ok(fresh, "current", d=d).stdout)
            self.assertEqual(self.rows(fresh, "SELECT name FROM users"), [("root",)], kind)
            self.run_ok(upgraded, "upgrade", "head")   # the corpus has no declared schema
            p = aurmig("--url", fresh.url, "schema", "diff", upgraded.url)
            self.assertEqual(p.returncode, 0, "%s: init vs upgraded:\n%s%s" % (kind, p.stdout, p.stderr))
            for db in (fresh, upgraded):
                p = aurmig("--url", db.url, "-d", d, "check", "--schema", *scratch)
                self.assertEqual(p.returncode, 0, "%s: %s%s" % (kind, p.stdout, p.stderr))
            # a per-dialect schema file wins over the portable one
            with open(os.path.join(d, "schema", "%s.sql" % kind), "w") as f:
                f.write("-- aurmig:schema-revision p05\nCREATE TABLE other (x INT);\n")
            p = aurmig("--url", upgraded.url, "-d", d, "check", "--schema", *scratch)
            self.assertEqual(p.returncode, 8, "%s: %s%s" % (kind, p.stdout, p.stderr))
        # bad portable DDL in the declaration: file:line, nothing created
        d = self.project({})
        os.makedirs(os.path.join(d, "schema"))
        self.write(os.path.join(d, "schema"), "portable.sql",
                   "-- aurmig:portable\n-- aurmig:schema-revision p05\nCREATE TABLE a (id INT);\n"
                   "CREATE TABLE b (id SERIAL);\n")
        db = self.new_db("sqlite")
        p = aurmig("--url", db.url, "-d", d, "init")
        self.assertEqual(p.returncode, 1)
        self.assertIn("portable.sql:4: portable DDL: type 'SERIAL' is not portable", p.stderr)
        self.assertEqual(self.dump(db), "")

    def test_plain_sections_keep_their_meaning(self):
        # the same DDL in a plain section is not rendered: SQLite keeps the
        # MySQL spelling as its declared type and no rebuild happens
        d = os.path.join(self.tmp, "plain")
        self.write(d, "a1_plain.sql", "-- aurmig:revision a1\n-- aurmig:upgrade\n"
                   "CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY);\n"
                   "-- aurmig:downgrade\nDROP TABLE t;\n")
        db = self.new_db("sqlite")
        p = aurmig("--url", db.url, "-d", d, "upgrade", "head")
        self.assertNotEqual(p.returncode, 0)   # SQLite has no AUTO_INCREMENT keyword
        self.write(d, "a1_plain.sql", "-- aurmig:revision a1\n-- aurmig:upgrade portable\n"
                   "CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY);\n"
                   "-- aurmig:downgrade portable\nDROP TABLE t;\n")
        self.run_ok(db, "upgrade", "head", d=d)
        self.assertIn("id integer NOT NULL AUTO_INCREMENT", self.dump(db))


if __name__ == "__main__":
    AURMIG = sys.argv.pop(1)
    CORPUS = os.path.join(sys.argv.pop(1), "tests", "data", "portable")
    test_schema.AURMIG = AURMIG
    unittest.main(verbosity=2)
