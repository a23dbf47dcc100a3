#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurweb's migrations (migrations/) and head schema (migrations/schema/) end to end.

usage: test_aurweb.py AURMIG SOURCE_ROOT sqlite|mysql [unittest options]

On one backend, with real databases and the aurmig CLI:

- 2020 data through the chain and back: the 2020 schema
  (tests/aurweb/data/schema-2020-<dialect>.sql) with rows in every table
  (rows-2020.sql); `upgrade head`, `downgrade base`, `upgrade head`; specific
  rows are asserted after each step, and the schemas are compared with
  `aurmig init`'s and with the 2020 one.
- `aurmig init` against a 2020 database upgraded to head, by introspection
  (tables, columns with type, nullability and default, indexes, primary and
  foreign keys, table options on MariaDB, the seed rows).
- `aurmig init` against aurweb's own schemas in /work/shared/ref (or
  $AURMIG_AURWEB_REF): create_all's fresh schema, and on MariaDB also the
  reconstructed migrated one and the verbatim 2020 file against our 2020
  fixture. Skipped, saying so, when the directory does not exist.
- A database Alembic stamped at 9e3158957fd7 is taken over and upgraded.
- `init` refuses a database that has tables; `upgrade` on an empty database
  points at init.
- The committed schema files are what scripts/gen-head-schema.sh generates.

Every difference a comparison finds must be listed in
migrations/schema/DIFFERENCES.md, in a fenced block tagged
"expected <dialect> <comparison>", one line per difference; a listed line
that no longer occurs fails too. AURWEB_TEST_PRINT=1 prints what each
comparison finds (to update that file), AURWEB_TEST_KEEP=1 keeps the
databases.

MariaDB runs when AURMIG_TEST_MYSQL_URL is set (scripts/test.sh starts a
server and sets it); each test creates its own database (CHARACTER SET utf8,
as aur.archlinux.org) with a name starting aurmig_, and drops it. Without the
URL the mysql run exits 77 (skip).
"""

import difflib
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

SKIP = 77
AURMIG = None
SOURCE = None
BACKEND = None

BASELINE = "f47cad5d6d03"
INTERMEDIATE = "9e3158957fd7"
SEEDS = ["AccountTypes", "DependencyTypes", "RelationTypes", "RequestTypes"]
OURS = {"alembic_version", "aurmig_journal"}  # aurmig's own tables, never compared
REF = os.environ.get("AURMIG_AURWEB_REF", "/work/shared/ref")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
PRINT = bool(os.environ.get("AURWEB_TEST_PRINT"))
KEEP = bool(os.environ.get("AURWEB_TEST_KEEP"))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def head_revision():
    m = re.search(r"^-- aurmig:schema-revision (\S+)", read(os.path.join(SOURCE, "migrations", "schema", "sqlite.sql")),
                  re.M)
    return m.group(1)


def split_statements(text):
    """Statements of our SQL files and aurweb's reference files: `--` lines
    are comments, a statement ends with a line that ends with ';'."""
    out, cur = [], []
    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("--"):
            continue
        cur.append(line)
        if s.endswith(";"):
            out.append("\n".join(cur).rstrip().rstrip(";"))
            cur = []
    if "".join(cur).strip():
        out.append("\n".join(cur))
    return out


def expected_differences():
    """{(dialect, comparison): set(lines)} from the fenced blocks of DIFFERENCES.md."""
    path = os.path.join(SOURCE, "migrations", "schema", "DIFFERENCES.md")
    out, key = {}, None
    for line in read(path).splitlines():
        m = re.match(r"^```expected (\S+) (\S+)\s*$", line)
        if m:
            key = (m.group(1), m.group(2))
            out.setdefault(key, set())
        elif key and line.startswith("```"):
            key = None
        elif key and line.strip():
            out[key].add(line.strip())
    return out


# --------------------------------------------------------------------------
# Introspection: a schema as {fact key: value}.

def sqlite_affinity(decl):
    """SQLite's column affinity rules (datatype3.html, 3.1)."""
    d = (decl or "").upper()
    if "INT" in d:
        return "INTEGER"
    if any(k in d for k in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in d or not d:
        return "BLOB"
    if any(k in d for k in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def put(facts, key, value):
    k, n = key, 2
    while k in facts:
        k = "%s #%d" % (key, n)
        n += 1
    facts[k] = value


def sqlite_facts(con, affinity=False):
    facts = {}
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                        "'sqlite\\_%' ESCAPE '\\' ORDER BY name") if r[0] not in OURS]
    for t in tables:
        cols = con.execute("SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid",
                           (t,)).fetchall()
        facts["table %s" % t] = "%d columns" % len(cols)
        facts["column order %s" % t] = ", ".join(c[1] for c in cols)
        for _, name, decl, notnull, dflt, pk in cols:
            if affinity and dflt == "NULL":
                dflt = None  # the same thing: no default is a NULL default
            facts["column %s.%s" % (t, name)] = "%s %s DEFAULT %s%s" % (
                sqlite_affinity(decl) if affinity else decl, "NOT NULL" if notnull else "NULL",
                "(none)" if dflt is None else dflt, " PRIMARY KEY#%d" % pk if pk else "")
        for _, iname, unique, origin, partial in con.execute("SELECT * FROM pragma_index_list(?)", (t,)).fetchall():
            icols = [r[0] for r in con.execute("SELECT name FROM pragma_index_info(?) ORDER BY seqno", (iname,))]
            what = {"c": "index", "u": "UNIQUE constraint", "pk": "PRIMARY KEY constraint"}[origin]
            key = ("index %s.%s" % (t, iname)) if origin == "c" else "%s %s (%s)" % (what, t, ", ".join(icols))
            put(facts, key, "%s(%s)%s" % ("UNIQUE " if unique else "", ", ".join(icols), " partial" if partial else ""))
        fks = {}
        for fid, seq, rt, frm, to, upd, dele, match in con.execute("SELECT * FROM pragma_foreign_key_list(?)", (t,)):
            fks.setdefault(fid, []).append((seq, rt, frm, to, upd, dele))
        for rows in fks.values():
            rows.sort()
            rt = rows[0][1]
            put(facts, "foreign key %s (%s) -> %s" % (t, ", ".join(r[2] for r in rows), rt),
                "%s(%s) ON UPDATE %s ON DELETE %s" % (rt, ", ".join(str(r[3]) for r in rows), rows[0][4], rows[0][5]))
    for t in SEEDS:
        if t in tables:
            for row in con.execute("SELECT * FROM %s ORDER BY 1" % t):
                facts["row %s %s" % (t, row[0])] = repr(tuple(row[1:]))
    return facts


def mysql_facts(cur, fk_names=True):
    facts = {}

    def q(sql):
        cur.execute(sql)
        return cur.fetchall()

    tables = [r for r in q("SELECT TABLE_NAME, ENGINE, TABLE_COLLATION, CREATE_OPTIONS FROM information_schema.TABLES "
                           "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")
              if r[0] not in OURS]
    names = {r[0] for r in tables}
    for t, engine, coll, opts in tables:
        facts["table %s" % t] = "ENGINE=%s COLLATE=%s%s" % (engine, coll, (" " + opts) if opts else "")
    order = {}
    for t, c, pos, ctype, nullable, dflt, extra, cs, coll in q(
            "SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
            "CHARACTER_SET_NAME, COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "ORDER BY TABLE_NAME, ORDINAL_POSITION"):
        if t not in names:
            continue
        order.setdefault(t, []).append(c)
        facts["column %s.%s" % (t, c)] = "%s %s DEFAULT %s%s%s" % (
            ctype, "NULL" if nullable == "YES" else "NOT NULL", "(none)" if dflt is None else dflt,
            (" " + extra) if extra else "", (" COLLATE " + coll) if coll else "")
    for t, cols in order.items():
        facts["column order %s" % t] = ", ".join(cols)
    idx = {}
    for t, name, non_unique, col, sub, itype in q(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE FROM "
            "information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, "
            "SEQ_IN_INDEX"):
        if t in names:
            e = idx.setdefault((t, name), [non_unique, itype, []])
            e[2].append(col + ("(%s)" % sub if sub is not None else ""))
    for (t, name), (non_unique, itype, cols) in idx.items():
        kind = "PRIMARY KEY" if name == "PRIMARY" else "KEY" if int(non_unique) else "UNIQUE KEY"
        facts["index %s.%s" % (t, name)] = "%s (%s) %s" % (kind, ", ".join(cols), itype)
    fks = {}
    for t, name, col, rt, rcol, upd, dele in q(
            "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, "
            "k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
            "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA "
            "AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME "
            "WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL "
            "ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"):
        if t in names:
            e = fks.setdefault((t, name), [rt, upd, dele, [], []])
            e[3].append(col)
            e[4].append(rcol)
    for (t, name), (rt, upd, dele, cols, rcols) in sorted(fks.items()):
        put(facts, "foreign key %s (%s) -> %s" % (t, ", ".join(cols), rt), "%s(%s) ON UPDATE %s ON DELETE %s%s" % (
            rt, ", ".join(rcols), upd, dele, (" CONSTRAINT " + name) if fk_names else ""))
    for t, name, clause in q("SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                             "WHERE CONSTRAINT_SCHEMA = DATABASE()"):
        if t in names:
            facts["check %s.%s" % (t, name)] = clause
    for t in SEEDS:
        if t in names:
            for row in q("SELECT * FROM `%s` ORDER BY 1" % t):
                facts["row %s %s" % (t, row[0])] = repr(tuple(row[1:]))
    return facts


def differences(a_label, a, b_label, b):
    out = []
    for k in sorted(set(a) | set(b)):
        if k not in b:
            out.append("%s: only in %s: %s" % (k, a_label, a[k]))
        elif k not in a:
            out.append("%s: only in %s: %s" % (k, b_label, b[k]))
        elif a[k] != b[k]:
            out.append("%s: %s '%s' | %s '%s'" % (k, a_label, a[k], b_label, b[k]))
    return out


# --------------------------------------------------------------------------
# Databases

class SqliteDB:
    dialect = "sqlite"

    def __init__(self, work, name):
        self.path = os.path.join(work, name + ".db")
        self.url = "sqlite:///" + self.path
        self.sa_url = "sqlite:///" + self.path

    def connect(self):
        return sqlite3.connect(self.path)

    def run_script(self, text):
        con = self.connect()
        try:
            con.executescript(text)
            con.commit()
        finally:
            con.close()

    def query(self, sql):
        con = self.connect()
        try:
            return [tuple(r) for r in con.execute(sql)]
        finally:
            con.close()

    def tables(self):
        return sorted(r[0] for r in self.query("SELECT name FROM sqlite_master WHERE type = 'table'"))

    def facts(self, loose=False):
        con = self.connect()
        try:
            return sqlite_facts(con, affinity=loose)
        finally:
            con.close()

    def drop(self):
        pass


class MysqlServer:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        qs = urllib.parse.parse_qs(u.query)
        self.user = urllib.parse.unquote(u.username or "")
        self.password = urllib.parse.unquote(u.password or "")
        self.host = u.hostname or "localhost"
        self.port = u.port or 3306
        self.socket = qs.get("unix_socket", [None])[0]
        self.url = url
        self.serial = 0

    def connect(self, db=None):
        import pymysql
        kw = dict(user=self.user, password=self.password, autocommit=True, charset="utf8mb4")
        if self.socket:
            kw["unix_socket"] = self.socket
        else:
            kw.update(host=self.host, port=self.port)
        if db:
            kw["database"] = db
        return pymysql.connect(**kw)

    def url_for(self, db):
        u = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, ""))

    def sa_url_for(self, db):
        auth = "%s:%s" % (urllib.parse.quote(self.user, safe=""), urllib.parse.quote(self.password, safe=""))
        if self.socket:
            return "mysql+pymysql://%s@/%s?unix_socket=%s&charset=utf8mb4" % (auth, db, self.socket)
        return "mysql+pymysql://%s@%s:%d/%s?charset=utf8mb4" % (auth, self.host, self.port, db)

    def version(self):
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute("SELECT VERSION()")
                return cur.fetchone()[0]
        finally:
            con.close()


class MysqlDB:
    dialect = "mysql"

    def __init__(self, server, name):
        server.serial += 1
        self.server = server
        self.name = ("aurmig_aw%d_%d_%s" % (os.getpid(), server.serial, name))[:64]
        con = server.connect()
        try:
            with con.cursor() as cur:
                cur.execute("DROP DATABASE IF EXISTS `%s`" % self.name)
                # as aur.archlinux.org: the 2020 tables take this default
                cur.execute("CREATE DATABASE `%s` CHARACTER SET utf8 COLLATE utf8_general_ci" % self.name)
        finally:
            con.close()
        self.url = server.url_for(self.name)
        self.sa_url = server.sa_url_for(self.name)

    def connect(self):
        return self.server.connect(self.name)

    def run_script(self, text):
        con = self.connect()
        try:
            with con.cursor() as cur:
                for stmt in split_statements(text):
                    cur.execute(stmt)
        finally:
            con.close()

    def query(self, sql):
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute(sql)
                return [tuple(r) for r in cur.fetchall()]
        finally:
            con.close()

    def tables(self):
        return sorted(r[0] for r in self.query("SELECT TABLE_NAME FROM information_schema.TABLES "
                                               "WHERE TABLE_SCHEMA = DATABASE()"))

    def facts(self, loose=False):
        con = self.connect()
        try:
            with con.cursor() as cur:
                return mysql_facts(cur, fk_names=not loose)
        finally:
            con.close()

    def drop(self):
        con = self.server.connect()
        try:
            with con.cursor() as cur:
                cur.execute("DROP DATABASE IF EXISTS `%s`" % self.name)
        finally:
            con.close()


# --------------------------------------------------------------------------

def aurmig(db, *args, migrations=None, check=True):
    cmd = [AURMIG, "--no-color", "--dir", migrations or os.path.join(SOURCE, "migrations"), "--url", db.url] + list(args)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=600)
    if check and r.returncode != 0:
        raise AssertionError("%s failed (exit %d):\n%s%s" % (" ".join(cmd[1:]).replace(db.url, "URL"), r.returncode,
                                                             r.stdout, r.stderr))
    return r


def as_str(v):
    """Timestamps and decimals as the text both backends agree on."""
    return None if v is None else str(v)


class AurwebTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="aurmig-aurweb-")
        cls.head = head_revision()
        cls.expected = expected_differences()
        if BACKEND == "mysql":
            cls.server = MysqlServer(os.environ["AURMIG_TEST_MYSQL_URL"])
        # migrations/ without schema/: upgrading an empty database runs the chain
        cls.chain_dir = os.path.join(cls.work, "chain")
        os.mkdir(cls.chain_dir)
        for f in os.listdir(os.path.join(SOURCE, "migrations")):
            if f.endswith(".sql"):
                shutil.copy(os.path.join(SOURCE, "migrations", f), cls.chain_dir)

    @classmethod
    def tearDownClass(cls):
        if not KEEP:
            shutil.rmtree(cls.work, ignore_errors=True)
        else:
            print("kept %s" % cls.work, file=sys.stderr)

    def setUp(self):
        self.dbs = []

    def tearDown(self):
        if not KEEP:
            for db in self.dbs:
                db.drop()

    def new_db(self, name):
        db = SqliteDB(self.work, "%s-%s" % (self.id().rsplit(".", 1)[-1], name)) if BACKEND == "sqlite" else \
            MysqlDB(self.server, name)
        self.dbs.append(db)
        return db

    def db_2020(self, name, rows=True):
        db = self.new_db(name)
        db.run_script(read(os.path.join(DATA, "schema-2020-%s.sql" % BACKEND)))
        if rows:
            db.run_script(read(os.path.join(DATA, "rows-2020.sql")))
        return db

    def db_init(self, name):
        db = self.new_db(name)
        aurmig(db, "init")
        return db

    def assert_differences(self, comparison, found):
        """Every difference found is listed in DIFFERENCES.md for this
        comparison, and every listed one is found."""
        if PRINT:
            print("\n```expected %s %s" % (BACKEND, comparison), file=sys.stderr)
            for line in found:
                print(line, file=sys.stderr)
            print("```", file=sys.stderr)
        want = self.expected.get((BACKEND, comparison), set())
        unlisted = [line for line in found if line not in want]
        stale = sorted(want - set(found))
        msg = []
        if unlisted:
            msg.append("differences not listed in migrations/schema/DIFFERENCES.md (block 'expected %s %s'):\n  %s"
                       % (BACKEND, comparison, "\n  ".join(unlisted)))
        if stale:
            msg.append("listed in DIFFERENCES.md ('expected %s %s') but not found:\n  %s"
                       % (BACKEND, comparison, "\n  ".join(stale)))
        if msg:
            self.fail("\n".join(msg))

    # ------------------------------------------------------------------
    # rows

    def q(self, db, sql):
        return db.query(sql)

    def assert_rows_everywhere(self, db, at_head):
        """Rows no revision touches (tables named as at head or at base)."""
        q = lambda sql: self.q(db, sql)
        self.assertEqual(q("SELECT ID, Name, NumVotes, OutOfDateTS, FlaggerComment, SubmittedTS, ModifiedTS, "
                           "FlaggerUID, SubmitterUID, MaintainerUID, PackagerUID FROM PackageBases ORDER BY ID"),
                         [(1, "foo", 2, None, "", 1400000000, 1500000000, None, 1, 1, 1),
                          (2, "bar", 1, 1550000000, "version 2.0 is out", 1410000000, 1510000000, 5, 2, 2, None)],
                         "PackageBases (NumVotes recounted by 6441d3b65270)")
        self.assertEqual([float(r[0]) for r in q("SELECT Popularity FROM PackageBases ORDER BY ID")], [1.5, 0.25])
        self.assertEqual(q("SELECT PackageBaseID, Keyword FROM PackageKeywords ORDER BY 1, 2"),
                         [(1, "editor"), (1, "terminal"), (2, "library")])
        self.assertEqual(q("SELECT ID, PackageBaseID, Name, Version, Description, URL FROM Packages ORDER BY ID"),
                         [(1, 1, "foo", "1.0-1", "The foo editor", "https://foo.example.org/"),
                          (2, 1, "foo-docs", "1.0-1", "Documentation for foo", None),
                          (3, 2, "bar", "1.9-2", None, None)])
        self.assertEqual(q("SELECT ID, Name FROM Licenses ORDER BY ID"), [(1, "GPL"), (2, "MIT")])
        self.assertEqual(q("SELECT PackageID, LicenseID FROM PackageLicenses ORDER BY 1"), [(1, 1), (3, 2)])
        self.assertEqual(q("SELECT ID, Name FROM `Groups`"), [(1, "editors")])
        self.assertEqual(q("SELECT PackageID, GroupID FROM PackageGroups"), [(1, 1)])
        self.assertEqual(q("SELECT PackageID, DepTypeID, DepName, DepDesc, DepCondition, DepArch FROM PackageDepends "
                           "ORDER BY DepTypeID"),
                         [(1, 1, "glibc", None, ">=2.30", None), (1, 4, "bar", "for the bar plugin", "", "x86_64")])
        self.assertEqual(q("SELECT PackageID, RelTypeID, RelName, RelCondition, RelArch FROM PackageRelations "
                           "ORDER BY RelTypeID"),
                         [(1, 1, "foo-git", "", None), (1, 2, "editor", "=1.0", None)])
        self.assertEqual(q("SELECT PackageID, Source, SourceArch FROM PackageSources ORDER BY PackageID"),
                         [(1, "https://foo.example.org/foo-1.0.tar.gz", None), (3, "bar.patch", "x86_64")])
        self.assertEqual(q("SELECT UsersID, PackageBaseID, VoteTS FROM PackageVotes ORDER BY 1, 2"),
                         [(1, 1, 1560000000), (2, 2, 1560000001), (5, 1, 0)],
                         "PackageVotes (NULL VoteTS set to 0 by d64e5571bc8d, and it stays 0)")
        self.assertEqual(q("SELECT ID, PackageBaseID, UsersID, Comments, RenderedComment, CommentTS, EditedTS, "
                           "EditedUsersID, DelTS, DelUsersID, PinnedTS FROM PackageComments ORDER BY ID"),
                         [(1, 1, 4, "Builds fine here.", "<p>Builds fine here.</p>", 1570000000, None, None, None,
                           None, 0),
                          (2, 1, 1, "Pinned: read the wiki 'first'.", "", 1570000100, 1570000200, 5, None, None,
                           1570000300),
                          (3, 2, 2, "deleted comment", "", 1570000400, None, None, 1570000500, 5, 0)])
        self.assertEqual(q("SELECT UsersID, PackageBaseID, Priority FROM PackageComaintainers ORDER BY Priority"),
                         [(2, 1, 1), (5, 1, 2)])
        self.assertEqual(q("SELECT PackageBaseID, UserID FROM PackageNotifications ORDER BY 1"), [(1, 2), (2, 1)])
        self.assertEqual(q("SELECT ID, Name FROM PackageBlacklist"), [(1, "linux")])
        self.assertEqual(q("SELECT ID, Name, Repo, Provides FROM OfficialProviders ORDER BY ID"),
                         [(1, "glibc", "core", "glibc"), (2, "vim", "extra", "editor")])
        self.assertEqual(q("SELECT ID, ReqTypeID, PackageBaseID, PackageBaseName, MergeBaseName, UsersID, Comments, "
                           "ClosureComment, RequestTS, ClosedTS, ClosedUID, Status FROM PackageRequests ORDER BY ID"),
                         [(1, 1, 2, "bar", None, 1, "bar is dead upstream", "accepted", 1580000500, 1580000600, 5, 2),
                          (2, 3, 1, "foo", "foo-git", 2, "please merge", "", 1580000700, None, None, 0)])
        self.assertEqual([(r[0], as_str(r[1])) for r in q("SELECT IPAddress, BanTS FROM Bans")],
                         [("192.0.2.66", "2020-01-15 08:30:00")])
        self.assertEqual(q("SELECT ID, Description, URL, Revision FROM Terms"),
                         [(1, "AUR submission guidelines", "https://wiki.example.org/AUR_submission_guidelines", 2)])
        self.assertEqual(q("SELECT IP, Requests, WindowStart FROM ApiRateLimit"), [("192.0.2.10", 42, 1580000000)])
        self.assertEqual(q("SELECT ID, Name FROM DependencyTypes ORDER BY ID"),
                         [(1, "depends"), (2, "makedepends"), (3, "checkdepends"), (4, "optdepends")])
        self.assertEqual(q("SELECT ID, Name FROM RelationTypes ORDER BY ID"),
                         [(1, "conflicts"), (2, "provides"), (3, "replaces")])
        # Users: the spammer (3) is gone, carol (suspended, but with a comment) stays
        self.assertEqual(q("SELECT ID, AccountTypeID, Suspended, Username, Email, BackupEmail, Passwd, RealName, "
                           "Homepage, PGPKey, LastLogin, CommentNotify, UpdateNotify, OwnershipNotify FROM Users "
                           "ORDER BY ID"),
                         [(1, 2, 0, "alice", "alice@example.org", "alice.backup@example.org", "$2y$10$alicehash",
                           "Alice A.", "https://alice.example.org/", "0123456789ABCDEF0123456789ABCDEF01234567",
                           1580000000, 1, 0, 1),
                          (2, 1, 0, "bob", "bob@example.org", None, "", "", None, None, 0, 1, 0, 1),
                          (4, 1, 1, "carol", "carol@example.org", None, "$2y$10$carolhash", "", None, None, 0, 1, 0,
                           1),
                          (5, 4, 0, "dave", "dave@example.org", None, "$2y$10$davehash", "", None, None, 0, 0, 1, 0)],
                         "Users (spam account 3 purged by b7c419f0a2d1)")
        self.assertEqual([as_str(r[0]) for r in q("SELECT RegistrationTS FROM Users WHERE ID = 1")],
                         ["2015-03-01 10:00:00"])
        # its session, SSH key and accepted terms went with it; one session per user
        self.assertEqual(q("SELECT UsersID, SessionID, LastUpdateTS FROM Sessions ORDER BY UsersID"),
                         [(1, "b" * 32, 1580000200), (2, "c" * 32, 1580000300)],
                         "Sessions (f2701a76f4a9 keeps the greatest SessionID per user)")
        self.assertEqual(q("SELECT UserID, Fingerprint FROM SSHPubKeys"),
                         [(1, "SHA256:alicekeyfingerprint0123456789abcdefgh")])
        self.assertEqual(q("SELECT UsersID, TermsID, Revision FROM AcceptedTerms"), [(1, 1, 2)])
        vi, votes, active = ("VoteInfo", "Votes", "ActiveUsers") if at_head else ("TU_VoteInfo", "TU_Votes", "ActiveTUs")
        self.assertEqual(q("SELECT ID, Agenda, User, Submitted, `End`, SubmitterID, Yes, No, Abstain, %s FROM %s"
                           % (active, vi)),
                         [(1, "Make bob a TU", "bob", 1575000000, 1575604800, 1, 2, 0, 1, 200)])
        self.assertEqual([float(r[0]) for r in q("SELECT Quorum FROM %s" % vi)], [0.66])
        self.assertEqual(q("SELECT VoteID, UserID FROM %s ORDER BY UserID" % votes), [(1, 1), (1, 5)])

    def assert_rows_head(self, db):
        q = lambda sql: self.q(db, sql)
        self.assert_rows_everywhere(db, at_head=True)
        self.assertEqual(q("SELECT version_num FROM alembic_version"), [(self.head,)])
        self.assertEqual(q("SELECT ID, AccountType FROM AccountTypes ORDER BY ID"),
                         [(1, "User"), (2, "Package Maintainer"), (3, "Developer"),
                          (4, "Package Maintainer & Developer")], "AccountTypes renamed by 6a64dd126029")
        self.assertEqual(q("SELECT ID, Name FROM RequestTypes ORDER BY ID"),
                         [(1, "deletion"), (2, "orphan"), (3, "merge"), (4, "adoption")])
        self.assertEqual(q("SELECT ID, SSOAccountID, HideDeletedComments, EmailVerified, EmailVerificationToken, "
                           "EmailVerificationExpiry, NormalizedEmail FROM Users ORDER BY ID"),
                         [(1, None, 0, 1, None, None, None), (2, None, 0, 0, None, None, None),
                          (4, None, 0, 1, None, None, None), (5, None, 0, 1, None, None, None)],
                         "EmailVerified grandfathered where Passwd is set (a3f1c2d4e5b6)")
        self.assertEqual([as_str(r[0])[:19] for r in q("SELECT PopularityUpdated FROM PackageBases ORDER BY ID")],
                         ["1970-01-01 00:00:01"] * 2)

    def assert_rows_base(self, db):
        q = lambda sql: self.q(db, sql)
        self.assert_rows_everywhere(db, at_head=False)
        self.assertEqual(q("SELECT version_num FROM alembic_version"), [])
        self.assertEqual(q("SELECT ID, AccountType FROM AccountTypes ORDER BY ID"),
                         [(1, "User"), (2, "Trusted User"), (3, "Developer"), (4, "Trusted User & Developer")])
        self.assertEqual(q("SELECT ID, Name FROM RequestTypes ORDER BY ID"),
                         [(1, "deletion"), (2, "orphan"), (3, "merge")])

    # ------------------------------------------------------------------
    # tests

    def test_2020_data_upgrade_downgrade_upgrade(self):
        """2020 schema with rows in every table: upgrade head, downgrade base, upgrade head."""
        db = self.db_2020("roundtrip")
        start = db.facts()
        aurmig(db, "upgrade", "head")
        self.assert_rows_head(db)
        fresh = self.db_init("init").facts()
        self.assert_differences("init-vs-upgraded", differences("init", fresh, "upgraded", db.facts()))
        aurmig(db, "downgrade", "base")
        self.assert_rows_base(db)
        # the schema is the 2020 one again (the seed rows too: the renames and
        # the adoption type are undone)
        self.assert_differences("2020-vs-downgraded", differences("2020", start, "downgraded", db.facts()))
        aurmig(db, "upgrade", "head")
        self.assert_rows_head(db)
        self.assert_differences("init-vs-upgraded", differences("init", fresh, "upgraded", db.facts()))
        self.assertEqual(aurmig(db, "check").returncode, 0)

    def test_init_equals_upgraded_2020(self):
        """aurmig init against an empty 2020 database upgraded to head."""
        init = self.db_init("init")
        up = self.db_2020("upgraded", rows=False)
        aurmig(up, "upgrade", "head")
        self.assert_differences("init-vs-upgraded", differences("init", init.facts(), "upgraded", up.facts()))
        # and against the chain run from an empty database (what the generator dumps)
        chain = self.new_db("chain")
        aurmig(chain, "upgrade", "heads", migrations=self.chain_dir)
        self.assert_differences("init-vs-upgraded", differences("init", init.facts(), "upgraded", chain.facts()))

    def test_init(self):
        """init on an empty database: the head schema, the seed rows, the stamp, a journal row."""
        db = self.new_db("init")
        r = aurmig(db, "init")
        self.assertIn("stamped %s" % self.head, r.stdout)
        self.assertEqual(db.query("SELECT version_num FROM alembic_version"), [(self.head,)])
        # one row per revision the schema stands for, with its checksum (and,
        # where DDL commits at once, init's own progress row without one)
        journal = db.query("SELECT operation, outcome, revision FROM aurmig_journal WHERE checksum IS NOT NULL "
                           "ORDER BY id")
        self.assertEqual({(o, r) for o, r in db.query("SELECT operation, outcome FROM aurmig_journal")},
                         {("init", "success")})
        self.assertEqual({(o, r) for o, r, _ in journal}, {("init", "success")})
        self.assertEqual(len(journal), 17)
        self.assertEqual(journal[-1][2], self.head)
        self.assertEqual(aurmig(db, "validate", "-v").returncode, 0)
        self.assertEqual(aurmig(db, "check").returncode, 0)
        self.assertIn(self.head, aurmig(db, "current").stdout)
        self.assertEqual(len([t for t in db.tables() if t not in OURS]), 30)
        self.assertEqual(db.query("SELECT ID, AccountType FROM AccountTypes ORDER BY ID"),
                         [(1, "User"), (2, "Package Maintainer"), (3, "Developer"),
                          (4, "Package Maintainer & Developer")])
        self.assertEqual(db.query("SELECT ID, Name FROM RequestTypes ORDER BY ID"),
                         [(1, "deletion"), (2, "orphan"), (3, "merge"), (4, "adoption")])
        self.assertEqual(db.query("SELECT COUNT(*) FROM DependencyTypes"), [(4,)])
        self.assertEqual(db.query("SELECT COUNT(*) FROM RelationTypes"), [(3,)])
        # an init'ed database is an ordinary one: it downgrades to base and comes back
        aurmig(db, "downgrade", "base")
        self.assertEqual(db.query("SELECT ID, Name FROM RequestTypes ORDER BY ID"),
                         [(1, "deletion"), (2, "orphan"), (3, "merge")])
        aurmig(db, "upgrade", "heads")
        self.assertEqual(aurmig(db, "check").returncode, 0)

    def test_init_refuses_non_empty_database(self):
        db = self.new_db("other")
        db.run_script("CREATE TABLE unrelated (x INTEGER);")
        r = aurmig(db, "init", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("not empty", r.stderr)
        self.assertIn("unrelated", r.stderr)
        self.assertEqual(db.tables(), ["unrelated"], "a refused init writes nothing")
        # a 2020 database, and an init'ed one
        for db in (self.db_2020("2020", rows=False), self.db_init("twice")):
            before = db.tables()
            r = aurmig(db, "init", check=False)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("the database is not empty", r.stderr)
            self.assertEqual(db.tables(), before)

    def test_upgrade_on_empty_database_builds_it_as_init(self):
        """The first deploy is one command: upgrade (to the heads) on an empty
        database builds it from the declared schema, as init does (issue 17)."""
        schema = os.path.join("schema", "%s.sql" % BACKEND)
        built = self.new_db("built")
        r = aurmig(built, "upgrade", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("building it at head from the declared schema", r.stdout)
        self.assertIn(schema, r.stdout)
        init = self.new_db("init")
        self.assertEqual(aurmig(init, "init").returncode, 0)
        self.assertEqual(built.tables(), init.tables())
        self.assertEqual(aurmig(built, "current").stdout, aurmig(init, "current").stdout)
        # another target than the heads: history is for existing databases
        db = self.new_db("empty")
        r = aurmig(db, "upgrade", "be7adae47ac3", check=False)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("aurmig init", r.stderr)
        self.assertIn(schema, r.stderr)
        self.assertEqual(db.tables(), [], "a refused upgrade writes nothing")

    def test_alembic_stamped_intermediate_revision(self):
        """A database Alembic stamped at 9e3158957fd7, holding that revision's schema and data."""
        db = self.db_2020("alembic")
        aurmig(db, "upgrade", INTERMEDIATE)
        # as if aurmig had never been there: no journal, no version table
        con = db.connect()
        try:
            cur = con.cursor()
            cur.execute("DROP TABLE aurmig_journal")
            cur.execute("DROP TABLE alembic_version")
            con.commit()
        finally:
            con.close()
        how = stamp_with_alembic(db, self.work, INTERMEDIATE)
        self.assertEqual(db.query("SELECT version_num FROM alembic_version"), [(INTERMEDIATE,)], how)
        r = aurmig(db, "check", check=False)
        self.assertEqual(r.returncode, 3, "check: behind (%s)\n%s%s" % (how, r.stdout, r.stderr))
        r = aurmig(db, "upgrade", "head")
        self.assertIn("Running upgrade %s -> e4e49ffce091" % INTERMEDIATE, r.stdout)
        ran = re.findall(r"^Running upgrade (\S+) -> (\S+)", r.stdout, re.M)
        self.assertEqual(len(ran), 10, "only the ten revisions after the stamped one run:\n" + r.stdout)
        self.assertNotIn(INTERMEDIATE, [to for _, to in ran], "nothing up to the stamped revision runs again")
        self.assert_rows_head(db)
        self.assertEqual(aurmig(db, "check").returncode, 0)
        self.assert_differences("init-vs-upgraded",
                                differences("init", self.db_init("init").facts(), "upgraded", db.facts()))
        if how == "alembic":
            self.assertEqual(alembic_heads(db), (self.head,), "Alembic reads aurmig's result")

    def test_against_aurweb_create_all(self):
        """aurmig init against aurweb's fresh schema (create_all + seeds)."""
        name = "aurweb-schema-latest.sql" if BACKEND == "mysql" else "aurweb-schema-latest-sqlite.sql"
        ref = os.path.join(REF, name)
        if not os.path.exists(ref):
            self.skipTest("%s does not exist (set AURMIG_AURWEB_REF to aurweb's reference schemas)" % ref)
        theirs = self.new_db("aurweb")
        theirs.run_script(read(ref))
        if BACKEND == "sqlite":
            # that file has create_all's tables only; initdb inserts the same
            # seed rows on every backend: take them from the MySQL file
            mysql_ref = read(os.path.join(REF, "aurweb-schema-latest.sql"))
            theirs.run_script("\n".join(line for line in mysql_ref.splitlines() if line.startswith("INSERT INTO ")))
        ours = self.db_init("init")
        self.assert_differences("init-vs-aurweb-create-all",
                                differences("aurmig init", ours.facts(loose=True), "aurweb create_all",
                                            theirs.facts(loose=True)))

    def test_against_aurweb_migrated(self):
        """MariaDB: aurmig init against aurweb's chain replayed on MariaDB (reconstruction)."""
        if BACKEND != "mysql":
            self.skipTest("the reconstruction is MariaDB only")
        ref = os.path.join(REF, "aurweb-schema-migrated-mariadb.sql")
        if not os.path.exists(ref):
            self.skipTest("%s does not exist (set AURMIG_AURWEB_REF to aurweb's reference schemas)" % ref)
        theirs = self.new_db("migrated")
        theirs.run_script(read(ref))
        # the reconstruction is tables only (no seed rows): compare the schema
        schema = lambda facts: {k: v for k, v in facts.items() if not k.startswith("row ")}
        self.assert_differences("init-vs-aurweb-migrated",
                                differences("aurmig init", schema(self.db_init("init").facts(loose=True)),
                                            "aurweb migrated", schema(theirs.facts(loose=True))))

    def test_2020_fixture_against_aurweb_2020(self):
        """MariaDB: our 2020 fixture (the baseline's SQL) against aurweb's verbatim 2020 schema file."""
        if BACKEND != "mysql":
            self.skipTest("aurweb's 2020 file is MySQL only")
        ref = os.path.join(REF, "aurweb-schema-2020.sql")
        if not os.path.exists(ref):
            self.skipTest("%s does not exist (set AURMIG_AURWEB_REF to aurweb's reference schemas)" % ref)
        theirs = self.new_db("aurweb2020")
        theirs.run_script(read(ref))
        self.assert_differences("2020-vs-aurweb-2020",
                                differences("aurmig 2020", self.db_2020("ours", rows=False).facts(loose=True),
                                            "aurweb 2020", theirs.facts(loose=True)))

    def test_schema_files_are_generated(self):
        """The committed files are what scripts/gen-head-schema.sh makes now."""
        out = os.path.join(self.work, "gen")
        env = dict(os.environ, AURMIG=AURMIG)
        cmd = [os.path.join(SOURCE, "scripts", "gen-head-schema.sh"), "--out", out, "--dialects", BACKEND]
        if BACKEND == "mysql":
            want = re.search(r"^-- Dumped from MariaDB (\S+)\.$",
                             read(os.path.join(SOURCE, "migrations", "schema", "mysql.sql")), re.M)
            have = self.server.version()
            if not want or want.group(1) != have:
                self.skipTest("migrations/schema/mysql.sql was dumped from MariaDB %s, the test server is %s"
                              % (want.group(1) if want else "?", have))
            if not self.server.socket and not os.environ.get("AURMIG_TEST_MYSQL_SOCKET"):
                self.skipTest("no MariaDB socket to run scripts/gen-head-schema.sh against")
            cmd += ["--mysql-socket", self.server.socket or os.environ["AURMIG_TEST_MYSQL_SOCKET"],
                    "--mysql-user", self.server.user]
            env["MYSQL_PWD"] = self.server.password
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                           timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout)
        for rel in ("migrations/schema/%s.sql" % BACKEND, "tests/aurweb/data/schema-2020-%s.sql" % BACKEND):
            have, made = read(os.path.join(SOURCE, rel)), read(os.path.join(out, rel))
            if have != made:
                diff = difflib.unified_diff(have.splitlines(True), made.splitlines(True), rel, "generated now")
                self.fail("%s is not what scripts/gen-head-schema.sh generates: run it again\n%s"
                          % (rel, "".join(list(diff)[:60])))


# --------------------------------------------------------------------------
# Alembic

def alembic_available():
    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
        return True
    except ImportError:
        return False


def migration_headers():
    """(revision, down_revision or None) of every script in migrations/."""
    out = []
    d = os.path.join(SOURCE, "migrations")
    for f in sorted(os.listdir(d)):
        if not f.endswith(".sql"):
            continue
        text = read(os.path.join(d, f))
        rev = re.search(r"^-- aurmig:revision[ \t]+(\S+)", text, re.M).group(1)
        down = re.search(r"^-- aurmig:down_revision[ \t]*(\S*)", text, re.M)
        out.append((rev, down.group(1) if down and down.group(1) else None))
    return out


def stamp_with_alembic(db, work, rev):
    """Stamp REV the way Alembic does: with Alembic 1.8 on a generated project
    whose revisions carry our ids (and no code), when /usr/bin/python3 has it;
    else by writing the table with the DDL SQLAlchemy emits for it."""
    if not alembic_available():
        ddl = ("CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\t"
               "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)")
        db.run_script("%s;\nINSERT INTO alembic_version (version_num) VALUES ('%s');\n" % (ddl, rev))
        return "written by hand (alembic cannot be imported)"
    from alembic import command
    from alembic.config import Config
    proj = os.path.join(work, "alembic-%s" % os.path.basename(getattr(db, "path", db.url)))
    shutil.rmtree(proj, ignore_errors=True)
    os.makedirs(os.path.join(proj, "versions"))
    with open(os.path.join(proj, "env.py"), "w") as f:
        f.write("from alembic import context\n"
                "from sqlalchemy import create_engine\n"
                "engine = create_engine(context.config.get_main_option('sqlalchemy.url'))\n"
                "with engine.connect() as connection:\n"
                "    context.configure(connection=connection, target_metadata=None)\n"
                "    with context.begin_transaction():\n"
                "        context.run_migrations()\n")
    for r, down in migration_headers():
        with open(os.path.join(proj, "versions", "%s_rev.py" % r), "w") as f:
            f.write("revision = %r\ndown_revision = %r\nbranch_labels = None\ndepends_on = None\n\n"
                    "def upgrade():\n    raise RuntimeError('stamp only')\n\n"
                    "def downgrade():\n    raise RuntimeError('stamp only')\n" % (r, down))
    cfg = Config()
    cfg.set_main_option("script_location", proj)
    cfg.set_main_option("sqlalchemy.url", db.sa_url.replace("%", "%%"))
    command.stamp(cfg, rev)
    return "alembic"


def alembic_heads(db):
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine
    engine = create_engine(db.sa_url)
    try:
        with engine.connect() as conn:
            return tuple(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def main(argv):
    global AURMIG, SOURCE, BACKEND
    if len(argv) < 4 or argv[3] not in ("sqlite", "mysql"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    AURMIG, SOURCE, BACKEND = os.path.abspath(argv[1]), os.path.abspath(argv[2]), argv[3]
    if BACKEND == "mysql":
        if not os.environ.get("AURMIG_TEST_MYSQL_URL"):
            print("SKIP: AURMIG_TEST_MYSQL_URL is not set (scripts/test.sh starts a MariaDB and sets it)")
            return SKIP
        try:
            import pymysql  # noqa: F401
        except ImportError:
            print("SKIP: /usr/bin/python3 cannot import pymysql (python3-pymysql)")
            return SKIP
    if not os.path.isdir(REF):
        print("note: %s does not exist: the comparisons with aurweb's own schemas are skipped" % REF)
    prog = unittest.main(argv=[argv[0]] + argv[4:], exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
