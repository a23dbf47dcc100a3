#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Process-level safety tests, on every backend the environment provides:
concurrent deployers, the lock timeout, SIGKILL at statement boundaries,
SQL errors in statement k of n, recovery commands, checksums.

Usage: test_processes.py AURMIG CRASH_HELPER
SQLite always; MariaDB when AURMIG_TEST_MYSQL_URL is set, PostgreSQL when
AURMIG_TEST_PGSQL_URL is set (tests/servers/start.sh sets both). Each test
gets a database of its own.
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

AURMIG = CRASH = None

SLOW = {
    "sqlite": "CREATE TABLE slow_{n} AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
              "WHERE x < 1500000) SELECT x FROM c;",
    "mysql": "DO SLEEP(0.6);",
    "pgsql": "SELECT pg_sleep(0.6);",
}


class Backend:
    """A fresh database of one kind, and a way to look inside it."""

    def __init__(self, kind, tmp):
        self.kind = kind
        self.name = "aurmig_t_" + uuid.uuid4().hex[:12]
        if kind == "sqlite":
            self.path = os.path.join(tmp, "t.db")
            self.url = "sqlite:///" + self.path
            return
        base = os.environ["AURMIG_TEST_MYSQL_URL" if kind == "mysql" else "AURMIG_TEST_PGSQL_URL"]
        u = urllib.parse.urlsplit(base)
        self.params = dict(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                           password=urllib.parse.unquote(u.password or ""))
        self.base_db = u.path.lstrip("/")
        self._admin("CREATE DATABASE " + self.name)
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.split("@")[0], u.hostname, u.port, self.name)

    def _connect(self, db):
        if self.kind == "mysql":
            import pymysql
            return pymysql.connect(database=db, autocommit=True, **self.params)
        import psycopg2
        con = psycopg2.connect(dbname=db, **self.params)
        con.autocommit = True
        return con

    def _admin(self, sql):
        con = self._connect(self.base_db)
        try:
            con.cursor().execute(sql)
        finally:
            con.close()

    def query(self, sql):
        if self.kind == "sqlite":
            con = sqlite3.connect(self.path, timeout=30)
            try:
                rows = con.execute(sql).fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        con = self._connect(self.name)
        try:
            cur = con.cursor()
            cur.execute(sql)
            return cur.fetchall() if cur.description else []
        finally:
            con.close()

    def tables(self):
        if self.kind == "sqlite":
            q = "SELECT name FROM sqlite_master WHERE type='table'"
        elif self.kind == "mysql":
            q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
        else:
            q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        return {r[0].lower() for r in self.query(q)}

    def rows(self):
        if "alembic_version" not in self.tables():
            return set()
        return {r[0] for r in self.query("SELECT version_num FROM alembic_version")}

    def journal(self):
        if "aurmig_journal" not in self.tables():
            return []
        return self.query("SELECT revision, operation, outcome, statements_done, statements_total "
                          "FROM aurmig_journal ORDER BY id")

    def apply_sql(self, text):
        """Run a script with the database's own command-line client."""
        if self.kind == "sqlite":
            cmd, env = ["sqlite3", "-bail", self.path], None
        elif self.kind == "mysql":
            cmd = ["mariadb", "-h", self.params["host"], "-P", str(self.params["port"]), "-u", self.params["user"],
                   "-p" + self.params["password"], self.name]
            env = None
        else:
            cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", self.params["host"], "-p",
                   str(self.params["port"]), "-U", self.params["user"], "-d", self.name]
            env = dict(os.environ, PGPASSWORD=self.params["password"])
        p = subprocess.run(cmd, input=text, capture_output=True, text=True, env=env, timeout=120)
        if p.returncode:
            raise AssertionError("%s failed: %s" % (cmd[0], p.stderr))

    def drop(self):
        if self.kind != "sqlite":
            for _ in range(20):
                try:
                    if self.kind == "pgsql":
                        self._admin("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
                    else:
                        self._admin("DROP DATABASE IF EXISTS " + self.name)
                    return
                except Exception:
                    time.sleep(0.2)


CONFIG_UP = ("-- aurmig:config add-section sso\n"
             "-- aurmig:config set if-unset sso openid = https://example.org/oidc\n"
             "-- aurmig:config rename-key options old_key new_key\n"
             "-- aurmig:config set if-equal=none options cache = redis\n")
CONFIG_DOWN = ("-- aurmig:config rename-key options new_key old_key\n"
               "-- aurmig:config set options cache = none\n"
               "-- aurmig:config remove sso openid\n"
               "-- aurmig:config remove-section if-empty sso\n")
CONFIG_BEFORE = b"; aurweb\n[database]\nbackend = mysql\n\n[options]\n# kept\nold_key = 42\ncache  =  none\n"
CONFIG_R2 = (b"; aurweb\n[database]\nbackend = mysql\n\n[options]\n# kept\nnew_key = 42\ncache  =  redis\n"
             b"\n[sso]\nopenid = https://example.org/oidc\n\n[aurmig]\nrevision = r2\n")
CONFIG_R3 = CONFIG_R2.replace(b"revision = r2", b"revision = r3")


def write_migrations(d, kind, tx_off=False, fail_at=None, config=False):
    """r1 (2 statements), r2 (5 statements, slow ones at 2 and 4), r3 (1).
    config: r2 carries config steps (CONFIG_UP, CONFIG_DOWN)."""
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))

    def w(name, text):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

    w("r1_one.sql", "-- aurmig:revision r1\n-- aurmig:message one\n-- aurmig:upgrade\n"
      "CREATE TABLE p1 (x INTEGER);\nINSERT INTO p1 VALUES (1);\n"
      "-- aurmig:downgrade\nDROP TABLE p1;\n")
    body = ["CREATE TABLE p2a (x INTEGER);", SLOW[kind].format(n="a"), "CREATE TABLE p2b (x INTEGER);",
            SLOW[kind].format(n="b"), "INSERT INTO p2a VALUES (2);"]
    if fail_at:
        body[fail_at - 1] = "INSERT INTO no_such_table VALUES (1);"
    w("r2_two.sql", "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:message two\n" +
      ("-- aurmig:transaction off\n" if tx_off else "") + "-- aurmig:upgrade %s\n" % kind +
      "\n".join(body) + "\n" + (CONFIG_UP if config else "") +
      "-- aurmig:downgrade\nDROP TABLE p2b;\nDROP TABLE p2a;\n" + (CONFIG_DOWN if config else ""))
    w("r3_three.sql", "-- aurmig:revision r3\n-- aurmig:down_revision r2\n-- aurmig:message three\n"
      "-- aurmig:upgrade\nCREATE TABLE p3 (x INTEGER);\n-- aurmig:downgrade\nDROP TABLE p3;\n")


class ProcessTests:
    kind = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-proc-")
        self.mig = os.path.join(self.tmp, "m")
        self.db = Backend(self.kind, self.tmp)
        write_migrations(self.mig, self.kind)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}

    def tearDown(self):
        self.db.drop()
        shutil.rmtree(self.tmp)

    def aurmig(self, *args, timeout=120):
        p = subprocess.run([AURMIG, "--dir", self.mig, "--url", self.db.url] + list(args),
                           capture_output=True, text=True, timeout=timeout, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def crash(self, *args):
        return subprocess.run([CRASH, self.db.url, self.mig] + list(args), capture_output=True,
                              text=True, timeout=120, env=self.env)

    def atomic(self):
        return self.kind != "mysql"

    # ---- concurrency --------------------------------------------------------------
    def test_eight_concurrent_deployers(self):
        procs = [subprocess.Popen([AURMIG, "--dir", self.mig, "--url", self.db.url, "upgrade", "head"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
                 for _ in range(8)]
        results = [p.communicate(timeout=180) + (p.returncode,) for p in procs]
        for out, err, rc in results:
            self.assertEqual(rc, 0, err)
        ran = [out for out, _, _ in results if out]
        self.assertEqual(len(ran), 1, "exactly one process runs the migrations")
        self.assertEqual(ran[0].count("Running upgrade"), 3)
        self.assertEqual(self.db.rows(), {"r3"})
        self.assertEqual(self.db.query("SELECT COUNT(*) FROM p1")[0][0], 1)
        ups = [j for j in self.db.journal() if j[1] == "upgrade" and j[2] == "success"]
        self.assertEqual(sorted(j[0] for j in ups), ["r1", "r2", "r3"])

    def test_lock_timeout(self):
        holder = subprocess.Popen([CRASH, self.db.url, self.mig, "pause-before", "1", "30"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "paused")
            t0 = time.monotonic()
            rc, out, err = self.aurmig("--lock-timeout", "0.5", "upgrade", "heads")
            self.assertEqual(rc, 4, err)
            self.assertIn("timed out after 0.5 s waiting for the migration lock", err)
            self.assertLess(time.monotonic() - t0, 15)
            self.assertEqual(out, "")
        finally:
            holder.kill()
            holder.wait()
        # the lock died with its holder
        rc, out, err = self.aurmig("--lock-timeout", "5", "upgrade", "heads")
        if not self.atomic():
            # MySQL: the killed run had begun r1 outside a transaction; the
            # journal says so, and nothing of it ran (paused before statement 1)
            self.assertEqual(rc, 5, err)
            self.assertIn("Statements 1..0 of it are applied", err)
            self.assertEqual(self.aurmig("mark-rolled-back", "r1")[0], 0)
            rc, out, err = self.aurmig("--lock-timeout", "5", "upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})

    # ---- crashes ------------------------------------------------------------------------
    def killed_at(self, n):
        p = self.crash("kill-before", str(n))
        self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)

    def test_kill_at_each_statement_boundary(self):
        # statements of the run: r1: 1-2, r2: 3-7, r3: 8
        for n in (2, 3, 4, 5, 6, 7, 8):
            with self.subTest(kill_before=n):
                self.db.drop()
                self.db = Backend(self.kind, self.tmp) if self.kind != "sqlite" else self.db
                if self.kind == "sqlite" and os.path.exists(self.db.path):
                    os.unlink(self.db.path)
                self.killed_at(n)
                in_r2 = 3 <= n <= 7
                if self.atomic():
                    # nothing of the killed migration remains
                    self.assertEqual(self.db.rows(), {"r1"} if n > 2 and n <= 7 else ({"r2"} if n == 8 else set()))
                    if in_r2:
                        self.assertNotIn("p2a", self.db.tables())
                    rc, out, err = self.aurmig("upgrade", "heads")
                    self.assertEqual(rc, 0, err)
                    self.assertIn("interrupted", err)
                else:
                    rc, out, err = self.aurmig("upgrade", "heads")
                    if n in (3, 8) or n == 2:
                        # killed before the first statement of a migration, or
                        # within r1 whose DDL is done: still a refusal when
                        # statements ran, else the run continues
                        pass
                    if rc == 5:
                        self.assertIn("was interrupted", err)
                        # statements of the interrupted migration that finished
                        done = n - 3 if in_r2 else (n - 1 if n <= 2 else 0)
                        self.assertIn("Statements 1..%d of it are applied" % done, err)
                        rc, out, err = self.aurmig("resume")
                        self.assertEqual(rc, 0, err)
                        rc, out, err = self.aurmig("upgrade", "heads")
                    self.assertEqual(rc, 0, err)
                self.assertEqual(self.db.rows(), {"r3"})
                self.assertEqual(self.db.query("SELECT COUNT(*) FROM p2a")[0][0], 1)
                self.assertEqual(self.db.query("SELECT COUNT(*) FROM p1")[0][0], 1)

    def test_untransactional_kill_needs_recovery(self):
        if self.kind == "mysql":
            self.skipTest("covered by test_kill_at_each_statement_boundary on MySQL")
        write_migrations(self.mig, self.kind, tx_off=True)
        self.killed_at(5)   # r2 ran statements 1-2 outside a transaction
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 5)
        self.assertIn("upgrade of revision r2 was interrupted", err)
        self.assertIn("Statements 1..2 of it are applied", err)
        self.assertIn("aurmig resume", err)
        self.assertEqual(self.aurmig("check")[0], 5)
        rc, out, err = self.aurmig("mark-rolled-back", "r2")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r1"})
        # the operator undid it by hand; now a normal run finishes
        for t in ("p2a", "slow_a"):
            if t in self.db.tables():
                self.db.query("DROP TABLE " + t)
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})

    def test_kill_during_config_write(self):
        """SIGKILL after r2's database part commits, at each point of writing
        the configuration file: the file is whole (old or new bytes), check
        reports the pending config step, the next upgrade finishes it."""
        write_migrations(self.mig, self.kind, config=True)
        etc = os.path.join(self.tmp, "etc")
        os.mkdir(etc)
        conf = os.path.join(etc, "config")
        expect = {"after-commit": CONFIG_BEFORE, "before-write": CONFIG_BEFORE,
                  "before-rename": CONFIG_BEFORE, "after-rename": CONFIG_R2}
        for point, after_kill in expect.items():
            with self.subTest(point=point):
                self.db.drop()
                self.db = Backend(self.kind, self.tmp) if self.kind != "sqlite" else self.db
                if self.kind == "sqlite" and os.path.exists(self.db.path):
                    os.unlink(self.db.path)
                for f in os.listdir(etc):
                    os.unlink(os.path.join(etc, f))
                with open(conf, "wb") as f:
                    f.write(CONFIG_BEFORE)
                os.chmod(conf, 0o640)
                p = self.crash("kill-config", point, conf)
                self.assertEqual(p.returncode, -signal.SIGKILL, p.stderr)
                # the database part of r2 committed; r3 did not run
                self.assertEqual(self.db.rows(), {"r2"})
                self.assertIn("p2b", self.db.tables())
                with open(conf, "rb") as f:
                    self.assertEqual(f.read(), after_kill)
                self.assertEqual(os.stat(conf).st_mode & 0o7777, 0o640)
                # what a kill can leave: the backup, and a temporary file
                # (.config.XXXXXX, mode 0600 or the file's own, read by nobody)
                for f in {f for f in os.listdir(etc) if not f.startswith("config.aurmig-bak")} - {"config"}:
                    self.assertRegex(f, r"^\.config\.[A-Za-z0-9]{6}$")
                    self.assertIn(os.stat(os.path.join(etc, f)).st_mode & 0o777, (0o600, 0o640))
                self.assertEqual([j[2] for j in self.db.journal() if j[1] == "config-upgrade"], ["pending"])
                rc, out, err = self.aurmig("--config-file", conf, "check")
                self.assertEqual(rc, 6, out + err)
                self.assertIn("a config step is pending", err)
                self.assertIn("run 'aurmig --config-file %s upgrade' to finish it" % conf, err)
                rc, out, err = self.aurmig("--config-file", conf, "upgrade", "heads")
                self.assertEqual(rc, 0, err)
                self.assertIn("finishing the pending config step of r2", err)
                self.assertEqual(self.db.rows(), {"r3"})
                with open(conf, "rb") as f:
                    self.assertEqual(f.read(), CONFIG_R3)
                self.assertEqual(os.stat(conf).st_mode & 0o7777, 0o640)
                rc, out, err = self.aurmig("--config-file", conf, "check")
                self.assertEqual(rc, 0, out + err)
                self.assertNotIn("pending", [j[2] for j in self.db.journal() if j[1].startswith("config-")])
        # and back down: the file returns to its bytes before r2 (with the marker)
        rc, out, err = self.aurmig("--config-file", conf, "downgrade", "r1")
        self.assertEqual(rc, 0, err)
        with open(conf, "rb") as f:
            self.assertEqual(f.read(), CONFIG_BEFORE + b"\n[aurmig]\nrevision = r1\n")

    # ---- SQL errors ------------------------------------------------------------------------
    def test_error_in_statement_k(self):
        for k in (1, 3, 5):
            with self.subTest(k=k):
                self.db.drop()
                self.db = Backend(self.kind, self.tmp) if self.kind != "sqlite" else self.db
                if self.kind == "sqlite" and os.path.exists(self.db.path):
                    os.unlink(self.db.path)
                write_migrations(self.mig, self.kind, fail_at=k)
                rc, out, err = self.aurmig("upgrade", "heads")
                self.assertIn("r2_two.sql:%d:" % (4 + k), err)
                self.assertIn("failed at statement %d of 5" % k, err)
                self.assertEqual(self.db.rows(), {"r1"})
                if self.atomic() or k == 1:
                    self.assertEqual(rc, 1, err)
                    self.assertNotIn("p2a", self.db.tables())
                    self.assertEqual(self.db.journal()[-1][2], "rolled-back")
                else:
                    self.assertEqual(rc, 5, err)
                    self.assertIn("Statements 1..%d of it were applied" % (k - 1), err)
                    self.assertIn("p2a", self.db.tables())
                    self.assertEqual(self.db.journal()[-1][2:4], ("failed", k - 1))
                    # fix the script, then resume from statement k
                    write_migrations(self.mig, self.kind)
                    self.assertEqual(self.aurmig("upgrade", "heads")[0], 5)
                    rc, out, err = self.aurmig("resume")
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(self.db.rows(), {"r2"})
                write_migrations(self.mig, self.kind)
                rc, out, err = self.aurmig("upgrade", "heads")
                self.assertEqual(rc, 0, err)
                self.assertEqual(self.db.rows(), {"r3"})
                self.assertEqual(self.db.query("SELECT COUNT(*) FROM p2a")[0][0], 1)

    def test_mark_applied(self):
        if self.atomic():
            write_migrations(self.mig, self.kind, tx_off=True, fail_at=3)
        else:
            write_migrations(self.mig, self.kind, fail_at=3)
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 5)
        self.assertEqual(self.aurmig("mark-applied", "r1")[0], 1)    # not the failed one
        rc, out, err = self.aurmig("mark-applied")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r2"})
        self.assertEqual(self.aurmig("resume")[0], 1)                # nothing left to recover
        write_migrations(self.mig, self.kind)
        rc, out, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.db.rows(), {"r3"})

    # ---- offline SQL ---------------------------------------------------------------------
    def test_offline_sql_matches_online(self):
        rc, script, err = self.aurmig("upgrade", "--sql", "base:heads", "--dialect", self.kind)
        self.assertEqual(rc, 0, err)
        self.assertIn("-- Running upgrade r1 -> r2, two", script)
        offline = Backend(self.kind, os.path.join(self.tmp, "off")) if self.kind != "sqlite" else None
        if self.kind == "sqlite":
            os.mkdir(os.path.join(self.tmp, "off"))
            offline = Backend("sqlite", os.path.join(self.tmp, "off"))
        try:
            offline.apply_sql(script)
            rc, out, err = self.aurmig("upgrade", "heads")
            self.assertEqual(rc, 0, err)
            self.assertEqual(offline.rows(), self.db.rows())
            self.assertEqual(offline.tables(), self.db.tables())
            for t in ("p1", "p2a"):
                self.assertEqual(offline.query("SELECT COUNT(*) FROM " + t), self.db.query("SELECT COUNT(*) FROM " + t))
            # the journal made offline counts as applied: validate agrees
            p = subprocess.run([AURMIG, "--dir", self.mig, "--url", offline.url, "validate"],
                               capture_output=True, text=True, env=self.env)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            # and back down, offline, from the known state
            rc, script, err = self.aurmig("downgrade", "--sql", "r3:base", "--dialect", self.kind)
            self.assertEqual(rc, 0, err)
            offline.apply_sql(script)
            self.assertEqual(offline.rows(), set())
            self.assertEqual(offline.tables() - {"slow_a", "slow_b"}, {"alembic_version", "aurmig_journal"})
            rc, script, err = self.aurmig("stamp", "--sql", "base:r2", "--dialect", self.kind)
            self.assertEqual(rc, 0, err)
            offline.apply_sql(script)
            self.assertEqual(offline.rows(), {"r2"})
        finally:
            offline.drop()

    # ---- checksums and unknown revisions ---------------------------------------------------
    def test_merge_of_a_thousand_heads(self):
        # the merge step's journal row lists 1000 revisions (33 kB)
        wide = os.path.join(self.tmp, "wide")
        os.makedirs(wide)
        ids = ["w%04d" % i for i in range(1000)]
        for i in ids:
            with open(os.path.join(wide, i + "_b.sql"), "w") as f:
                f.write("-- aurmig:revision %s\n-- aurmig:upgrade\n-- aurmig:downgrade\n" % i)
        with open(os.path.join(wide, "merge_m.sql"), "w") as f:
            f.write("-- aurmig:revision merge\n-- aurmig:down_revision %s\n-- aurmig:upgrade\n"
                    "-- aurmig:downgrade\n" % " ".join(ids))
        p = subprocess.run([AURMIG, "--dir", wide, "--url", self.db.url, "upgrade", "--one-transaction", "heads"],
                           capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(self.db.rows(), {"merge"})
        p = subprocess.run([AURMIG, "--dir", wide, "--url", self.db.url, "downgrade", "w0000"],
                           capture_output=True, text=True, timeout=300, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        self.assertEqual(len(self.db.rows()), 1000)

    def test_edited_migration_and_unknown_revision(self):
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
        self.assertEqual(self.aurmig("validate")[0], 0)
        # whitespace and line endings do not count
        p = os.path.join(self.mig, "r1_one.sql")
        text = open(p).read()
        with open(p, "w", newline="") as f:
            f.write(text.replace("\n", "  \r\n") + "\n\n")
        self.assertEqual(self.aurmig("validate")[0], 0)
        with open(p, "a") as f:
            f.write("CREATE INDEX p1_x ON p1 (x);\n")
        rc, out, err = self.aurmig("validate")
        self.assertEqual(rc, 6, out + err)
        self.assertIn("r1 was edited after it was applied", out)
        self.assertEqual(self.aurmig("check")[0], 6)
        self.assertEqual(self.aurmig("validate", "--accept", "r1")[0], 0)
        self.assertEqual(self.aurmig("validate")[0], 0)
        self.db.query("UPDATE alembic_version SET version_num = 'f00dfeed'")
        rc, out, err = self.aurmig("check")
        self.assertEqual(rc, 7)
        self.assertIn("newer than these migrations", err)
        rc, out, err = self.aurmig("validate")
        self.assertEqual(rc, 7)
        self.assertIn("f00dfeed", out)


class SQLiteProcessTests(ProcessTests, unittest.TestCase):
    kind = "sqlite"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_MYSQL_URL"), "no MariaDB test server (AURMIG_TEST_MYSQL_URL)")
class MySQLProcessTests(ProcessTests, unittest.TestCase):
    kind = "mysql"


@unittest.skipUnless(os.environ.get("AURMIG_TEST_PGSQL_URL"), "no PostgreSQL test server (AURMIG_TEST_PGSQL_URL)")
class PgSQLProcessTests(ProcessTests, unittest.TestCase):
    kind = "pgsql"


if __name__ == "__main__":
    AURMIG, CRASH = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
