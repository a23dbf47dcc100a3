#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Schema introspection: `aurmig schema dump` and `aurmig schema diff`.

Usage: test_schema.py AURMIG
SQLite always; MariaDB when AURMIG_TEST_MYSQL_URL is set, PostgreSQL when
AURMIG_TEST_PGSQL_URL is set (tests/servers/start.sh exports both). Every
test makes databases of its own (the test user may create databases named
AURMIG_TEST_DB_PREFIX...).

- a schema with every modelled feature reads as the expected model (the
  portable dump is compared as text, the --json model spot-checked);
- `schema dump --dialect <backend>` loaded into an empty database of the
  same backend reads back identically (diff exit 0, same dump);
- the same schema created on SQLite, MariaDB and PostgreSQL diffs equal
  modulo the documented mapping;
- a changed column, index and foreign key are reported (exit 6, --json);
- `schema diff --declared` against <migrations>/schema/<dialect>.sql;
- libaurmig's own tables are left out unless --all;
- SQLite names holding "from" (which hang libdbd-sqlite3 when spelled in a
  query) are read.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import urllib.parse
import uuid

AURMIG = None
MYSQL_URL = os.environ.get("AURMIG_TEST_MYSQL_URL")
PGSQL_URL = os.environ.get("AURMIG_TEST_PGSQL_URL")
PREFIX = os.environ.get("AURMIG_TEST_DB_PREFIX") or "aurmig_"


class Database:
    """A new, empty database of one backend, dropped again by drop()."""

    def __init__(self, kind, tmp):
        self.kind = kind
        self.name = PREFIX + "s" + uuid.uuid4().hex[:12]
        if kind == "sqlite":
            self.path = os.path.join(tmp, self.name + ".db")
            self.url = "sqlite:///" + self.path
            sqlite3.connect(self.path).close()
            return
        base = MYSQL_URL if kind == "mysql" else PGSQL_URL
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.user = urllib.parse.unquote(u.username)
        self.password = urllib.parse.unquote(u.password or "")
        self.base_db = u.path.lstrip("/")
        self.admin("CREATE DATABASE " + self.name +
                   (" CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" if kind == "mysql" else ""))
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.rsplit("@", 1)[0], u.hostname, u.port, self.name)

    def connect(self, db):
        if self.kind == "mysql":
            import pymysql
            return pymysql.connect(host=self.host, port=self.port, user=self.user, password=self.password,
                                   database=db, autocommit=True)
        import psycopg2
        con = psycopg2.connect(host=self.host, port=self.port, user=self.user, password=self.password, dbname=db)
        con.autocommit = True
        return con

    def admin(self, sql):
        con = self.connect(self.base_db)
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def run(self, statements):
        """Run statements (a list, or a script of ';\\n'-terminated ones)."""
        if isinstance(statements, str):
            statements = [s for s in statements.split(";\n") if s.strip()]
        if self.kind == "sqlite":
            con = sqlite3.connect(self.path)
            try:
                for s in statements:
                    con.execute(s)
                con.commit()
            finally:
                con.close()
            return
        con = self.connect(self.name)
        try:
            cur = con.cursor()
            for s in statements:
                cur.execute(s)
        finally:
            con.close()

    def drop(self):
        if self.kind == "sqlite":
            return
        try:
            self.admin("DROP DATABASE IF EXISTS %s%s" % (self.name, " WITH (FORCE)" if self.kind == "pgsql" else ""))
        except Exception as e:  # a leftover database is no test failure
            print("warning: could not drop %s: %s" % (self.name, e), file=sys.stderr)


def features(kind, changed=False):
    """The schema with every modelled feature, written for one backend.
    changed: a wider column, an index on other columns, no ON UPDATE CASCADE."""
    my, pg = kind == "mysql", kind == "pgsql"
    opts = " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci" if my else ""
    idtype = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "mysql": "INT NOT NULL AUTO_INCREMENT PRIMARY KEY",
              "pgsql": "SERIAL PRIMARY KEY"}[kind]
    flags = "SMALLINT" if pg else "TINYINT UNSIGNED"
    big = "BIGINT" if pg else "BIGINT UNSIGNED"
    blob = "BYTEA" if pg else "BLOB"
    double = "DOUBLE PRECISION" if pg else "DOUBLE"
    created = "TIMESTAMP" if pg else "DATETIME"
    active = "BOOLEAN NOT NULL DEFAULT TRUE" if pg else "BOOLEAN NOT NULL DEFAULT 1"
    since = "TIMESTAMP NULL" if my else "TIMESTAMP"
    on_update = "" if changed else " ON UPDATE CASCADE"
    stmts = [
        "CREATE TABLE accounts (\n"
        "  id %s,\n"
        "  name VARCHAR(%d) NOT NULL DEFAULT '',\n"
        "  email VARCHAR(254) NOT NULL,\n"
        "  flags %s NOT NULL DEFAULT 0,\n"
        "  active %s,\n"
        "  balance DECIMAL(10,2) DEFAULT 0.00,\n"
        "  score %s,\n"
        "  bio TEXT,\n"
        "  avatar %s,\n"
        "  created %s NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
        "  big %s,\n"
        "  code CHAR(3) DEFAULT 'd''e',\n"
        "  UNIQUE (email)\n"
        ")%s" % (idtype, 80 if changed else 64, flags, active, double, blob, created, big, opts),
        "CREATE TABLE teams (\n"
        "  name VARCHAR(32) NOT NULL PRIMARY KEY,\n"
        "  parent VARCHAR(32),\n"
        "  note TEXT,\n"
        "  FOREIGN KEY (parent) REFERENCES teams (name)\n"
        ")%s" % opts,
        "CREATE TABLE memberships (\n"
        "  account_id INTEGER NOT NULL,\n"
        "  team VARCHAR(32) NOT NULL,\n"
        "  since %s,\n"
        "  PRIMARY KEY (account_id, team),\n"
        "  CONSTRAINT fk_m_account FOREIGN KEY (account_id) REFERENCES accounts (id)"
        " ON DELETE CASCADE%s,\n"
        "  CONSTRAINT fk_m_team FOREIGN KEY (team) REFERENCES teams (name)\n"
        ")%s" % (since, on_update, opts),
        "CREATE INDEX ix_accounts_name ON accounts (name, created DESC)" if not changed else
        "CREATE INDEX ix_accounts_name ON accounts (name)",
        "CREATE INDEX ix_memberships_team ON memberships (team)",
    ]
    return stmts


def aurmig(*args, timeout=60):
    return subprocess.run([AURMIG] + list(args), capture_output=True, text=True, timeout=timeout)


class SchemaTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-schema-test-")
        self.dbs = []

    def tearDown(self):
        for db in self.dbs:
            db.drop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def db(self, kind=None):
        d = Database(kind or self.kind, self.tmp)
        self.dbs.append(d)
        return d

    def dump(self, db, *args):
        p = aurmig("--url", db.url, "schema", "dump", *args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, "")
        return p.stdout

    def diff(self, a, b, *args):
        return aurmig("--url", a.url, "schema", "diff", *args, b.url)

    def test_features_dump(self):
        d = self.db()
        d.run(features(self.kind))
        self.assertEqual(self.dump(d), EXPECTED_DUMP[self.kind])
        model = json.loads(aurmig("--json", "--url", d.url, "schema", "dump").stdout)
        tables = {t["name"]: t for t in model["tables"]}
        self.assertEqual(sorted(tables), ["accounts", "memberships", "teams"])
        acc = {c["name"]: c for c in tables["accounts"]["columns"]}
        self.assertEqual([c["name"] for c in tables["accounts"]["columns"]],
                         ["id", "name", "email", "flags", "active", "balance", "score", "bio", "avatar", "created",
                          "big", "code"])
        self.assertTrue(acc["id"]["auto_increment"])
        self.assertFalse(acc["id"]["nullable"])
        self.assertEqual(acc["name"]["type"], "varchar(64)")
        self.assertEqual(acc["name"]["default"], "''")
        self.assertEqual(acc["active"]["type"], "boolean")
        self.assertEqual(acc["active"]["default"], "TRUE")
        self.assertEqual(acc["balance"]["type"], "decimal(10,2)")
        self.assertEqual(acc["balance"]["default"], "0")
        self.assertEqual(acc["code"]["default"], "'d''e'")
        self.assertEqual(acc["created"]["default"], "CURRENT_TIMESTAMP")
        self.assertTrue(acc["bio"]["nullable"])
        self.assertIsNone(acc["bio"]["default"])
        mem = tables["memberships"]
        self.assertEqual(mem["primary_key"], ["account_id", "team"])
        fks = {tuple(f["columns"]): f for f in mem["foreign_keys"]}
        self.assertEqual(fks[("account_id",)]["ref_table"], "accounts")
        self.assertEqual(fks[("account_id",)]["on_delete"], "CASCADE")
        self.assertEqual(fks[("account_id",)]["on_update"], "CASCADE")
        self.assertEqual(fks[("account_id",)]["name"], None if self.kind == "sqlite" else "fk_m_account")
        idx = {i["name"]: i for i in tables["accounts"]["indexes"]}
        self.assertEqual(idx["ix_accounts_name"]["columns"], ["name", "created DESC"])
        self.assertFalse(idx["ix_accounts_name"]["unique"])
        self.assertEqual([i["columns"] for i in tables["accounts"]["indexes"] if i["unique"]], [["email"]])
        if self.kind == "mysql":
            self.assertEqual(tables["teams"]["charset"], "utf8mb4")
            self.assertEqual(tables["teams"]["collation"], "utf8mb4_general_ci")
        else:
            self.assertIsNone(tables["teams"]["charset"])

    def test_dump_loads_back_identically(self):
        a, b = self.db(), self.db()
        a.run(features(self.kind))
        ddl = self.dump(a, "--dialect", self.kind)
        b.run(ddl)
        p = self.diff(a, b)
        self.assertEqual((p.returncode, p.stdout), (0, "The schemas are equal.\n"), p.stderr)
        self.assertEqual(self.dump(b, "--dialect", self.kind), ddl)
        self.assertEqual(self.dump(b), self.dump(a))

    def test_changes_are_reported(self):
        a, b = self.db(), self.db()
        a.run(features(self.kind))
        b.run(features(self.kind, changed=True))
        p = self.diff(a, b)
        self.assertEqual(p.returncode, 6, p.stderr + p.stdout)
        lines = p.stdout.splitlines()
        self.assertEqual(len(lines), 3, p.stdout)
        self.assertIn("column accounts.name differs: varchar(64) NOT NULL DEFAULT '' in %s, "
                      "varchar(80) NOT NULL DEFAULT '' in %s" % (masked(a.url), masked(b.url)), lines)
        j = json.loads(aurmig("--json", "--url", a.url, "schema", "diff", b.url).stdout)
        self.assertFalse(j["equal"])
        self.assertEqual(j["exit_code"], 6)
        got = sorted((x["kind"], x["change"], x["table"], x["object"]) for x in j["differences"])
        fk = None if self.kind == "sqlite" else "fk_m_account"
        self.assertEqual(got, [("column", "changed", "accounts", "name"),
                               ("foreign_key", "changed", "memberships", fk),
                               ("index", "changed", "accounts", "ix_accounts_name")])
        item = [x for x in j["differences"] if x["kind"] == "index"][0]
        self.assertEqual((item["a"], item["b"]), ("INDEX ix_accounts_name (name, created DESC)",
                                                  "INDEX ix_accounts_name (name)"))
        item = [x for x in j["differences"] if x["kind"] == "foreign_key"][0]
        self.assertTrue(item["a"].endswith("ON DELETE CASCADE ON UPDATE CASCADE"), item["a"])
        self.assertTrue(item["b"].endswith("ON DELETE CASCADE"), item["b"])
        # a table on one side only
        b.run(["CREATE TABLE extra (x INTEGER)"])
        j = json.loads(aurmig("--json", "--url", a.url, "schema", "diff", b.url).stdout)
        extra = [x for x in j["differences"] if x["kind"] == "table"]
        self.assertEqual([(x["change"], x["table"], x["a"]) for x in extra], [("only_b", "extra", None)])
        self.assertTrue(extra[0]["b"].startswith("CREATE TABLE extra (\n  x int"))

    def test_check_schema_needs_scratch_url_named_by_check(self):
        # issue 17: the error names the command that was run, not 'schema'
        if self.kind == "sqlite":
            self.skipTest("SQLite needs no scratch database")
        d = self.db()
        mig = os.path.join(self.tmp, "migrations")
        os.makedirs(os.path.join(mig, "schema"))
        with open(os.path.join(mig, "schema", self.kind + ".sql"), "w") as f:
            f.write("-- aurmig:schema-revision 0000aaaa0001\nCREATE TABLE t (a INT);\n")
        with open(os.path.join(mig, "0000aaaa0001_base.sql"), "w") as f:
            f.write("-- aurmig:revision 0000aaaa0001\n-- aurmig:upgrade\nCREATE TABLE t (a INT);\n"
                    "-- aurmig:downgrade\nDROP TABLE t;\n")
        p = aurmig("-d", mig, "--url", d.url, "upgrade", "heads")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = aurmig("-d", mig, "--url", d.url, "check", "--schema")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("aurmig check: check --schema on MySQL/MariaDB or PostgreSQL needs --scratch-url", p.stderr)
        self.assertIn("see aurmig check --help", p.stderr)
        self.assertNotIn("aurmig schema", p.stderr)
        p = aurmig("-d", mig, "--url", d.url, "check", "--schema", "--scratch-url", self.db().url)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_declared_schema(self):
        d = self.db()
        mig = os.path.join(self.tmp, "migrations")
        os.makedirs(os.path.join(mig, "schema"))
        with open(os.path.join(mig, "schema", self.kind + ".sql"), "w") as f:
            f.write("-- aurmig:schema-revision 0000aaaa0001\n")
            f.write("".join(s + ";\n" for s in features(self.kind)))
        d.run(features(self.kind))
        extra = []
        if self.kind != "sqlite":
            scratch = self.db()
            p = aurmig("-d", mig, "--url", d.url, "schema", "diff", "--declared")
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("--scratch-url", p.stderr)
            extra = ["--scratch-url", scratch.url]
        p = aurmig("-d", mig, "--url", d.url, "schema", "diff", "--declared", *extra)
        self.assertEqual((p.returncode, p.stdout), (0, "The schemas are equal.\n"), p.stderr)
        if self.kind != "sqlite":
            # the scratch database is empty again
            p = aurmig("--url", scratch.url, "schema", "dump")
            self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)
        d.run(["CREATE INDEX ix_extra ON teams (note%s)" % ("(10)" if self.kind == "mysql" else "")])
        p = aurmig("-d", mig, "--url", d.url, "schema", "diff", "--declared", *extra)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertEqual(p.stdout, "index ix_extra of table teams exists only in %s: INDEX ix_extra (note%s)\n"
                         % (masked(d.url), "(10)" if self.kind == "mysql" else ""))
        # no declared schema
        os.unlink(os.path.join(mig, "schema", self.kind + ".sql"))
        p = aurmig("-d", mig, "--url", d.url, "schema", "diff", "--declared", *extra)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("no declared schema", p.stderr)

    def test_own_tables_left_out(self):
        mig = os.path.join(self.tmp, "migrations")
        os.makedirs(mig)
        with open(os.path.join(mig, "0000aaaa0001_one.sql"), "w") as f:
            f.write("-- aurmig:revision 0000aaaa0001\n-- aurmig:message one\n"
                    "-- aurmig:upgrade\nCREATE TABLE t1 (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE t1;\n")
        for vt in (None, "my_versions"):
            d = self.db()
            args = ["--version-table", vt] if vt else []
            p = aurmig("-d", mig, "--url", d.url, *args, "upgrade", "heads")
            self.assertEqual(p.returncode, 0, p.stderr)
            p = aurmig("--url", d.url, *args, "schema", "dump")
            opts = " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci" if self.kind == "mysql" else ""
            self.assertEqual(p.stdout, "CREATE TABLE t1 (\n  x %s\n)%s;\n"
                             % ("integer" if self.kind == "sqlite" else "int", opts), p.stderr)
            p = aurmig("--url", d.url, *args, "schema", "dump", "--all")
            names = [line.split()[2] for line in p.stdout.splitlines() if line.startswith("CREATE TABLE")]
            self.assertIn(vt or "alembic_version", names)
            # one journal per version table (issue 19.3)
            self.assertIn("aurmig_journal_" + vt if vt else "aurmig_journal", names)


def masked(url):
    """The URL as aurmig shows it: the password replaced by ***."""
    u = urllib.parse.urlsplit(url)
    if not u.password:
        return url
    return url.replace(":" + u.password + "@", ":***@", 1)


class SQLiteSchema(SchemaTests, unittest.TestCase):
    kind = "sqlite"

    def test_names_with_from(self):
        # libdbd-sqlite3 hangs on a query that spells such a name
        d = self.db()
        d.run(['CREATE TABLE from_t (from_c INTEGER PRIMARY KEY, "select" TEXT, "From Me" TEXT REFERENCES from_t)',
               "CREATE INDEX from_ix ON from_t (from_c)"])
        p = aurmig("--url", d.url, "schema", "dump", "--dialect", "sqlite", timeout=20)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout,
                         'CREATE TABLE "from_t" (\n'
                         '  "from_c" INTEGER NOT NULL PRIMARY KEY,\n'
                         '  "select" TEXT,\n'      # SQLite to SQLite: declared types as declared
                         '  "From Me" TEXT,\n'
                         '  FOREIGN KEY ("From Me") REFERENCES "from_t" ("from_c")\n'
                         ');\n'
                         'CREATE INDEX "from_ix" ON "from_t" ("from_c");\n')

    def test_usage(self):
        d = self.db()
        for args, code in ((["schema"], 2), (["schema", "nope"], 2), (["schema", "dump", "x"], 2),
                           (["schema", "dump", "--dialect", "oracle"], 2), (["schema", "diff"], 2),
                           (["schema", "diff", "--declared", d.url], 2), (["schema", "diff", "a", "b"], 2)):
            p = aurmig("--url", d.url, *args)
            self.assertEqual(p.returncode, code, (args, p.stderr))
        p = aurmig("schema", "--help")
        self.assertEqual(p.returncode, 0)
        self.assertIn("schema diff", p.stdout)


@unittest.skipUnless(MYSQL_URL, "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLSchema(SchemaTests, unittest.TestCase):
    kind = "mysql"

    def test_charset_and_mysql_types(self):
        a, b = self.db(), self.db()
        ddl = ["CREATE TABLE t (\n"
               "  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
               "  flag TINYINT(1) NOT NULL DEFAULT 0,\n"
               "  small TINYINT(3) NOT NULL DEFAULT 5,\n"
               "  name VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT 'a\\\\b',\n"
               "  body MEDIUMTEXT,\n"
               "  changed TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n"
               "  price DECIMAL(8,3) UNSIGNED DEFAULT '1.500',\n"
               "  KEY ix_name (name(10))\n"
               ") DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"]
        a.run(ddl)
        self.assertEqual(self.dump(a),
                         "CREATE TABLE t (\n"
                         "  id int unsigned NOT NULL AUTO_INCREMENT,\n"
                         "  flag boolean NOT NULL DEFAULT FALSE,\n"
                         "  small tinyint NOT NULL DEFAULT 5,\n"
                         "  name varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci NOT NULL DEFAULT 'a\\b',\n"
                         "  body mediumtext,\n"
                         "  changed timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n"
                         "  price decimal(8,3) unsigned DEFAULT 1.5,\n"
                         "  PRIMARY KEY (id)\n"
                         ") DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;\n"
                         "CREATE INDEX ix_name ON t (name(10));\n")
        b.run(self.dump(a, "--dialect", "mysql"))
        p = self.diff(a, b)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        b.run(["ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"])
        p = self.diff(a, b)
        self.assertEqual(p.returncode, 6, p.stderr)
        self.assertIn("table options of table t differ: CHARSET=utf8mb4 COLLATE=utf8mb4_bin in", p.stdout)
        self.assertIn("column t.name differs: varchar(20) CHARACTER SET latin1 COLLATE latin1_swedish_ci", p.stdout)


@unittest.skipUnless(PGSQL_URL, "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLSchema(SchemaTests, unittest.TestCase):
    kind = "pgsql"


class CrossBackend(unittest.TestCase):
    """The same schema on every backend there is: equal modulo the mapping."""

    def setUp(self):
        if not MYSQL_URL and not PGSQL_URL:
            self.skipTest("no MariaDB or PostgreSQL test server")
        self.tmp = tempfile.mkdtemp(prefix="aurmig-schema-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.dbs = {}
        for kind, url in (("sqlite", True), ("mysql", MYSQL_URL), ("pgsql", PGSQL_URL)):
            if url:
                self.dbs[kind] = Database(kind, self.tmp)
                self.addCleanup(self.dbs[kind].drop)

    def test_same_schema_everywhere(self):
        for kind, db in self.dbs.items():
            db.run(features(kind))
        kinds = list(self.dbs)
        for i, x in enumerate(kinds):
            for y in kinds[i + 1:]:
                for a, b in ((x, y), (y, x)):
                    p = aurmig("--url", self.dbs[a].url, "schema", "diff", self.dbs[b].url)
                    self.assertEqual((p.returncode, p.stdout), (0, "The schemas are equal.\n"),
                                     "%s vs %s: %s" % (a, b, p.stderr))

    def test_changes_across_backends(self):
        kinds = list(self.dbs)
        self.dbs[kinds[0]].run(features(kinds[0]))
        for kind in kinds[1:]:
            self.dbs[kind].run(features(kind, changed=True))
            j = json.loads(aurmig("--json", "--url", self.dbs[kinds[0]].url, "schema", "diff",
                                  self.dbs[kind].url).stdout)
            got = sorted((x["kind"], x["change"], x["table"]) for x in j["differences"])
            # indexes are matched by their columns across backends: the
            # changed one is missing on one side and new on the other
            self.assertEqual(got, [("column", "changed", "accounts"), ("foreign_key", "changed", "memberships"),
                                   ("index", "only_a", "accounts"), ("index", "only_b", "accounts")],
                             json.dumps(j, indent=1))

    def test_dumps_load_into_other_backends(self):
        kinds = list(self.dbs)
        src = kinds[0]
        self.dbs[src].run(features(src))
        for kind in kinds[1:]:
            target = Database(kind, self.tmp)
            try:
                ddl = aurmig("--url", self.dbs[src].url, "schema", "dump", "--dialect", kind).stdout
                target.run(ddl)
                p = aurmig("--url", self.dbs[src].url, "schema", "diff", target.url)
                self.assertEqual(p.returncode, 0, "%s -> %s: %s%s" % (src, kind, p.stdout, p.stderr))
            finally:
                target.drop()


EXPECTED_DUMP = {
    "sqlite": (
        'CREATE TABLE accounts (\n'
        '  id integer NOT NULL AUTO_INCREMENT,\n'
        "  name varchar(64) NOT NULL DEFAULT '',\n"
        '  email varchar(254) NOT NULL,\n'
        '  flags tinyint unsigned NOT NULL DEFAULT 0,\n'
        '  active boolean NOT NULL DEFAULT TRUE,\n'
        '  balance decimal(10,2) DEFAULT 0,\n'
        '  score double,\n'
        '  bio text,\n'
        '  avatar blob,\n'
        '  created datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,\n'
        '  big bigint unsigned,\n'
        "  code char(3) DEFAULT 'd''e',\n"
        '  PRIMARY KEY (id),\n'
        '  UNIQUE (email)\n'
        ');\n'
        'CREATE INDEX ix_accounts_name ON accounts (name, created DESC);\n'
        'CREATE TABLE memberships (\n'
        '  account_id integer NOT NULL,\n'
        '  team varchar(32) NOT NULL,\n'
        '  since timestamp,\n'
        '  PRIMARY KEY (account_id, team),\n'
        '  FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE CASCADE,\n'
        '  FOREIGN KEY (team) REFERENCES teams (name)\n'
        ');\n'
        'CREATE INDEX ix_memberships_team ON memberships (team);\n'
        'CREATE TABLE teams (\n'
        '  name varchar(32) NOT NULL,\n'
        '  parent varchar(32),\n'
        '  note text,\n'
        '  PRIMARY KEY (name),\n'
        '  FOREIGN KEY (parent) REFERENCES teams (name)\n'
        ');\n'
    ),
    "mysql": (
        'CREATE TABLE accounts (\n'
        '  id int NOT NULL AUTO_INCREMENT,\n'
        "  name varchar(64) NOT NULL DEFAULT '',\n"
        '  email varchar(254) NOT NULL,\n'
        '  flags tinyint unsigned NOT NULL DEFAULT 0,\n'
        '  active boolean NOT NULL DEFAULT TRUE,\n'
        '  balance decimal(10,2) DEFAULT 0,\n'
        '  score double,\n'
        '  bio text,\n'
        '  avatar blob,\n'
        '  created datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,\n'
        '  big bigint unsigned,\n'
        "  code char(3) DEFAULT 'd''e',\n"
        '  PRIMARY KEY (id)\n'
        ') DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n'
        'CREATE UNIQUE INDEX email ON accounts (email);\n'
        'CREATE INDEX ix_accounts_name ON accounts (name, created DESC);\n'
        'CREATE TABLE memberships (\n'
        '  account_id int NOT NULL,\n'
        '  team varchar(32) NOT NULL,\n'
        '  since timestamp,\n'
        '  PRIMARY KEY (account_id, team),\n'
        '  CONSTRAINT fk_m_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE CASCADE,\n'
        '  CONSTRAINT fk_m_team FOREIGN KEY (team) REFERENCES teams (name)\n'
        ') DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n'
        'CREATE INDEX ix_memberships_team ON memberships (team);\n'
        'CREATE TABLE teams (\n'
        '  name varchar(32) NOT NULL,\n'
        '  parent varchar(32),\n'
        '  note text,\n'
        '  PRIMARY KEY (name),\n'
        '  CONSTRAINT teams_ibfk_1 FOREIGN KEY (parent) REFERENCES teams (name)\n'
        ') DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\n'
        'CREATE INDEX parent ON teams (parent);\n'
    ),
    "pgsql": (
        'CREATE TABLE accounts (\n'
        '  id int NOT NULL AUTO_INCREMENT,\n'
        "  name varchar(64) NOT NULL DEFAULT '',\n"
        '  email varchar(254) NOT NULL,\n'
        '  flags smallint NOT NULL DEFAULT 0,\n'
        '  active boolean NOT NULL DEFAULT TRUE,\n'
        '  balance decimal(10,2) DEFAULT 0,\n'
        '  score double,\n'
        '  bio text,\n'
        '  avatar blob,\n'
        '  created timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,\n'
        '  big bigint,\n'
        "  code char(3) DEFAULT 'd''e',\n"
        '  PRIMARY KEY (id)\n'
        ');\n'
        'CREATE UNIQUE INDEX accounts_email_key ON accounts (email);\n'
        'CREATE INDEX ix_accounts_name ON accounts (name, created DESC);\n'
        'CREATE TABLE memberships (\n'
        '  account_id int NOT NULL,\n'
        '  team varchar(32) NOT NULL,\n'
        '  since timestamp,\n'
        '  PRIMARY KEY (account_id, team),\n'
        '  CONSTRAINT fk_m_account FOREIGN KEY (account_id) REFERENCES accounts (id) ON DELETE CASCADE ON UPDATE CASCADE,\n'
        '  CONSTRAINT fk_m_team FOREIGN KEY (team) REFERENCES teams (name)\n'
        ');\n'
        'CREATE INDEX ix_memberships_team ON memberships (team);\n'
        'CREATE TABLE teams (\n'
        '  name varchar(32) NOT NULL,\n'
        '  parent varchar(32),\n'
        '  note text,\n'
        '  PRIMARY KEY (name),\n'
        '  CONSTRAINT teams_parent_fkey FOREIGN KEY (parent) REFERENCES teams (name)\n'
        ');\n'
    ),
}


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
