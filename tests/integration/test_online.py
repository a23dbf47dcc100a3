#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Online DDL at deploy time on the test MariaDB (docs/script-format.md,
"Online DDL on MariaDB"): `upgrade --online` runs an INSTANT, a NOCOPY and
an INPLACE statement with the clauses MariaDB accepted (seen in the server's
general log) and refuses a COPY one before it runs (exit 1, the step rolled
back, file:line, the table and MariaDB's words); the script header
`-- aurmig:online required` does the same; without --online the COPY one
runs after a warning with its estimate (stderr, and `warnings` in --json);
a later COPY statement in the step leaves it for recovery (exit 5, resume
without --online completes it); downgrade --online; SQLite accepts the
option and is unchanged.

Usage: test_online.py AURMIG_BINARY  (needs AURMIG_TEST_MYSQL_URL)
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
ADMIN_URL = os.environ.get("AURMIG_TEST_MYSQL_ADMIN_URL")
PREFIX = os.environ.get("AURMIG_TEST_DB_PREFIX") or "aurmig_"

R1 = """-- aurmig:revision aa01
-- aurmig:message a table with rows
-- aurmig:upgrade
CREATE TABLE {t} (ID INT NOT NULL PRIMARY KEY, A INT NULL, B VARCHAR(20) NULL);
INSERT INTO {t} VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c');
-- aurmig:downgrade
DROP TABLE {t};
"""
# INSTANT (after a comment), NOCOPY, INPLACE
R2 = """-- aurmig:revision bb02
-- aurmig:down_revision aa01
-- aurmig:message online ones
-- aurmig:upgrade
-- a comment before a statement
ALTER TABLE {t} ADD COLUMN C INT NULL;
CREATE INDEX {t}A ON {t} (A);
ALTER TABLE {t} ADD COLUMN D INT NULL, ADD UNIQUE KEY {t}D (D);
-- aurmig:downgrade
ALTER TABLE {t} DROP COLUMN D;
DROP INDEX {t}A ON {t};
ALTER TABLE {t} DROP COLUMN C;
"""
R3 = """-- aurmig:revision cc03
-- aurmig:down_revision bb02
-- aurmig:message a copy
{header}-- aurmig:upgrade
ALTER TABLE {t} MODIFY A BIGINT NULL;
-- aurmig:downgrade
ALTER TABLE {t} MODIFY A INT NULL;
"""


@unittest.skipUnless(MYSQL_URL, "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class OnlineTest(unittest.TestCase):
    def setUp(self):
        import pymysql
        self.pymysql = pymysql
        self.u = urllib.parse.urlsplit(MYSQL_URL)
        self.name = PREFIX + "o" + uuid.uuid4().hex[:12]
        # a table name of its own: the general log is the whole server's
        self.t = "T" + uuid.uuid4().hex[:8]
        self.admin("CREATE DATABASE " + self.name)
        u = self.u
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.rsplit("@", 1)[0], u.hostname, u.port, self.name)
        self.tmp = tempfile.mkdtemp(prefix="aurmig-online-")
        self.dir = os.path.join(self.tmp, "m")
        os.mkdir(self.dir)
        self.write(header="")
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}

    def write(self, header):
        for name, text in (("aa01_a.sql", R1), ("bb02_b.sql", R2), ("cc03_c.sql", R3)):
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text.format(t=self.t, header=header))

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
            cur = con.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            con.close()

    def column_type(self, col):
        rows = self.admin("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                          "AND TABLE_NAME = '%s' AND COLUMN_NAME = '%s'" % (self.t, col), self.name)
        return rows[0][0] if rows else None

    def aurmig(self, *args, url=None):
        p = subprocess.run([AURMIG, "--dir", self.dir, "--url", url or self.url, *args], capture_output=True,
                           text=True, env=self.env, timeout=120)
        return p.returncode, p.stdout, p.stderr

    def journal_last(self):
        rows = self.admin("SELECT revision, outcome, statements_done FROM aurmig_journal ORDER BY id DESC LIMIT 1",
                          self.name)
        return rows[0] if rows else None

    def general_log(self):
        """The ALTER/CREATE statements the server received for this test's table (mysql.general_log)."""
        rows = self.admin_root("SELECT argument FROM mysql.general_log WHERE command_type = 'Query' AND "
                               "argument LIKE '%%%s%%' ORDER BY event_time" % self.t)
        return [r[0].decode() if isinstance(r[0], bytes) else r[0] for r in rows]

    def admin_root(self, sql):
        a = urllib.parse.urlsplit(ADMIN_URL)
        q = urllib.parse.parse_qs(a.query)
        con = self.pymysql.connect(unix_socket=q["unix_socket"][0], user=a.username or "root", database="mysql",
                                   autocommit=True)
        try:
            cur = con.cursor()
            cur.execute(sql)
            return cur.fetchall()
        finally:
            con.close()

    def test_online_upgrade(self):
        logging = False
        if ADMIN_URL and "unix_socket" in ADMIN_URL:
            self.admin_root("SET GLOBAL log_output = 'TABLE'")
            self.admin_root("SET GLOBAL general_log = 1")
            logging = True
        try:
            rc, out, err = self.aurmig("upgrade", "aa01")
            self.assertEqual(rc, 0, err)
            # the INSTANT, NOCOPY and INPLACE statements pass
            rc, out, err = self.aurmig("upgrade", "--online", "bb02")
            self.assertEqual(rc, 0, err)
            self.assertEqual(self.column_type("D"), "int(11)")
            # the COPY one is refused before it runs: nothing of the step remains
            rc, out, err = self.aurmig("upgrade", "--online", "heads")
            self.assertEqual(rc, 1, err)
            self.assertIn("cc03_c.sql:5:", err)
            self.assertIn("online DDL: MariaDB cannot change table %s without blocking writes" % self.t, err)
            self.assertIn("ALGORITHM=COPY", err)
            self.assertIn("Nothing of the statement ran", err)
            self.assertIn("nothing of it remains", err)
            self.assertEqual(self.column_type("A"), "int(11)")
            self.assertEqual(self.journal_last()[:2], ("cc03", "rolled-back"))
            rc, out, err = self.aurmig("current")
            self.assertEqual(out.split()[0], "bb02")
        finally:
            if logging:
                self.admin_root("SET GLOBAL general_log = 0")
        if logging:
            log = self.general_log()
            t = self.t
            # what aurmig sent: the first form MariaDB accepted ran, the refused ones changed nothing
            self.assertIn("ALTER TABLE %s ADD COLUMN C INT NULL, ALGORITHM=INSTANT" % t, log)
            self.assertIn("CREATE INDEX %sA ON %s (A) ALGORITHM=INSTANT" % (t, t), log)
            self.assertIn("CREATE INDEX %sA ON %s (A) ALGORITHM=NOCOPY LOCK=NONE" % (t, t), log)
            self.assertIn("ALTER TABLE %s ADD COLUMN D INT NULL, ADD UNIQUE KEY %sD (D), "
                          "ALGORITHM=INPLACE, LOCK=NONE" % (t, t), log)
            self.assertIn("ALTER TABLE %s MODIFY A BIGINT NULL, ALGORITHM=COPY, LOCK=NONE" % t, log)
            self.assertNotIn("ALTER TABLE %s MODIFY A BIGINT NULL" % t, log)   # never as written
        # without --online: the copy runs, announced with its estimate (every blocking statement: 0)
        rc, out, err = self.aurmig("upgrade", "--warn-blocking", "0", "heads")
        self.assertEqual(rc, 0, err)
        self.assertRegex(err, r"aurmig: warning: .*cc03_c.sql:5: %s: ALGORITHM=COPY, writes blocked "
                              r"\u2248[0-9.]+ s \([0-9,]+ rows, [0-9]+ [kM]B\)" % self.t)
        self.assertEqual(self.column_type("A"), "bigint(20)")
        # downgrade --online: the copy back is refused too; without it, warned in --json
        rc, out, err = self.aurmig("downgrade", "--online", "bb02")
        self.assertEqual(rc, 1, err)
        self.assertIn("cc03_c.sql:7:", err)
        self.assertEqual(self.column_type("A"), "bigint(20)")
        rc, out, err = self.aurmig("--json", "downgrade", "--warn-blocking", "0", "bb02")
        self.assertEqual(rc, 0, err)
        doc = json.loads(out)
        self.assertEqual([(w["revision"], w["line"], w["table"], w["algorithm"]) for w in doc["warnings"]],
                         [("cc03", 7, self.t, "COPY")], doc)
        self.assertIn("Try ALGORITHM=COPY", doc["warnings"][0]["refusal"])
        self.assertEqual(err, "")
        # the default threshold (1 s): a table of 3 rows is not worth a warning
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual((rc, err), (0, ""))

    def test_script_header_and_recovery(self):
        self.write(header="-- aurmig:online required\n")
        rc, out, err = self.aurmig("upgrade", "bb02")
        self.assertEqual(rc, 0, err)
        # the script asks for it: refused without --online
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 1, err)
        self.assertIn("cc03_c.sql:6:", err)
        self.assertIn("without blocking writes", err)
        # a copy after a statement that ran: the step awaits recovery (exit 5), resume completes it
        with open(os.path.join(self.dir, "cc03_c.sql"), "w") as f:
            f.write(R3.format(t=self.t, header="").replace(
                "-- aurmig:upgrade\n", "-- aurmig:upgrade\nALTER TABLE %s ADD COLUMN E INT NULL;\n" % self.t))
        rc, out, err = self.aurmig("--no-sum-check", "upgrade", "--online", "heads")
        self.assertEqual(rc, 5, err)
        self.assertIn("aurmig resume", err)
        self.assertEqual(self.column_type("E"), "int(11)")
        self.assertEqual(self.column_type("A"), "int(11)")
        rc, out, err = self.aurmig("resume")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.column_type("A"), "bigint(20)")
        rc, out, err = self.aurmig("current")
        self.assertEqual(out.split()[0], "cc03")

    def test_bad_header_and_usage(self):
        self.write(header="-- aurmig:online maybe\n")
        rc, out, err = self.aurmig("upgrade", "bb02")
        self.assertEqual(rc, 1, err)
        self.assertIn("online takes 'required'", err)
        self.write(header="")
        rc, out, err = self.aurmig("upgrade", "--online", "--sql", "heads")
        self.assertEqual(rc, 2, err)
        rc, out, err = self.aurmig("upgrade", "--warn-blocking", "soon", "heads")
        self.assertEqual(rc, 2, err)

    def test_sqlite_accepts_it(self):
        d = os.path.join(self.tmp, "lite")
        os.mkdir(d)
        with open(os.path.join(d, "aa01_a.sql"), "w") as f:
            f.write(R1.format(t=self.t))
        with open(os.path.join(d, "bb02_b.sql"), "w") as f:
            f.write(R2.format(t=self.t).replace(", ADD UNIQUE KEY %sD (D)" % self.t, ""))
        db = "sqlite:///" + os.path.join(self.tmp, "s.db")
        p = subprocess.run([AURMIG, "--dir", d, "--url", db, "upgrade", "--online", "heads"], capture_output=True,
                           text=True, env=self.env, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([AURMIG, "--dir", d, "--url", db, "current"], capture_output=True, text=True,
                           env=self.env, timeout=60)
        self.assertEqual(p.stdout.split()[0], "bb02")


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    unittest.main(argv=sys.argv[:1], verbosity=2)
