#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurmig lock [--break [--force]] (issue 15 point 2): the deploy lock's
holder on SQLite (flock), MariaDB (GET_LOCK, and the lease forced with
--lock-mode lease), PostgreSQL (advisory lock), each held by a real holder
(another session or process taking the same lock aurmig takes, or a real
aurmig run); --break refuses a live lock (exit 9), removes an expired
lease naming its holder, --force kills the holding session or deletes a
live lease (whose run then stops before its version change).

Usage: test_lockverb.py AURMIG. MariaDB / PostgreSQL parts are skipped
without AURMIG_TEST_MYSQL_URL / AURMIG_TEST_PGSQL_URL.
"""
import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import uuid

AURMIG = None


def script(rev, down, body):
    return ("-- aurmig:revision %s\n%s-- aurmig:message step %s\n-- aurmig:upgrade\n%s\n"
            % (rev, "-- aurmig:down_revision %s\n" % down if down else "", rev, body))


class Base:
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "m")
        os.mkdir(self.dir)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rev, down, body):
        with open(os.path.join(self.dir, rev + "_s.sql"), "w") as f:
            f.write(script(rev, down, body))

    def cmd(self, *args, extra=()):
        return [AURMIG, "--url", self.url, "-d", self.dir] + list(extra) + list(args)

    def aurmig(self, *args, extra=()):
        return subprocess.run(self.cmd(*args, extra=extra), capture_output=True, text=True, timeout=120)

    def info(self, extra=()):
        p = subprocess.run([AURMIG, "--json", "--url", self.url, "-d", self.dir] + list(extra) + ["lock"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)


class Sqlite(Base, unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.tmp.name, "l.db")
        self.url = "sqlite:///" + self.path
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY);")
        p = self.aurmig("upgrade", "heads")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_flock_holder(self):
        j = self.info()
        self.assertEqual((j["kind"], j["held"], j["holder"]), ("flock", False, None))
        self.assertTrue(j["name"].endswith("l.db.lock"), j)
        fd = os.open(self.path + ".lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            j = self.info()
            self.assertTrue(j["held"], j)
            self.assertEqual(j["holder"]["pid"], os.getpid())   # from /proc/locks
            p = self.aurmig("lock")
            self.assertIn("state: held", p.stdout)
            self.assertIn("pid: %d" % os.getpid(), p.stdout)
            p = self.aurmig("lock", "--break")
            self.assertEqual(p.returncode, 9, p.stderr)
            self.assertIn("process %d" % os.getpid(), p.stderr)
            p = self.aurmig("lock", "--break", "--force")
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertIn("cannot be broken from outside", p.stderr)
            self.assertTrue(self.info()["held"])
        finally:
            os.close(fd)
        self.assertFalse(self.info()["held"])
        p = self.aurmig("lock", "--break")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("nothing to break", p.stdout)

    def test_usage(self):
        self.assertEqual(self.aurmig("lock", "--force").returncode, 2)
        self.assertEqual(self.aurmig("lock", "extra").returncode, 2)


class Mysql(Base, unittest.TestCase):
    def setUp(self):
        if not os.environ.get("AURMIG_TEST_MYSQL_URL"):
            self.skipTest("no AURMIG_TEST_MYSQL_URL")
        import pymysql
        super().setUp()
        self.name = "aurmig_k" + uuid.uuid4().hex[:12]
        self.admin = pymysql.connect(unix_socket=os.environ["AURMIG_TEST_MYSQL_SOCKET"],
                                     user=os.environ.get("AURMIG_TEST_MYSQL_ADMIN_USER", "root"), autocommit=True)
        self.admin.cursor().execute("CREATE DATABASE " + self.name)
        u = urllib.parse.urlsplit(os.environ["AURMIG_TEST_MYSQL_URL"])
        self.u = u
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.split("@")[0], u.hostname, u.port, self.name)
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY);")

    def tearDown(self):
        self.admin.cursor().execute("DROP DATABASE IF EXISTS " + self.name)
        self.admin.close()
        super().tearDown()

    def user_session(self):
        import pymysql
        u = self.u
        return pymysql.connect(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                               password=urllib.parse.unquote(u.password or ""), database=self.name,
                               autocommit=True)

    def test_get_lock_holder(self):
        j = self.info()
        self.assertEqual((j["kind"], j["name"], j["held"]), ("get_lock", "aurmig:alembic_version", False))
        s = self.user_session()
        cur = s.cursor()
        cur.execute("SELECT GET_LOCK(CONCAT('aurmig:alembic_version@', DATABASE()), 0), CONNECTION_ID()")
        got, conn_id = cur.fetchone()
        self.assertEqual(got, 1)
        j = self.info()
        self.assertTrue(j["held"], j)
        self.assertEqual(j["holder"]["connection"], conn_id)
        self.assertIn("user", j["holder"])
        # a session lock's run is alive: refused without --force
        p = self.aurmig("lock", "--break")
        self.assertEqual(p.returncode, 9, p.stderr)
        self.assertIn("connection %d" % conn_id, p.stderr)
        cur.execute("SELECT 1")   # still alive
        p = self.aurmig("lock", "--break", "--force")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("killed the session of connection %d" % conn_id, p.stderr)
        self.assertFalse(self.info()["held"])
        with self.assertRaises(Exception):
            cur.execute("SELECT 1")
        # and a deploy goes through at once
        p = self.aurmig("upgrade", "heads", extra=["--lock-timeout", "0"])
        self.assertEqual(p.returncode, 0, p.stderr)

    def lease_rows(self):
        cur = self.admin.cursor()
        try:
            cur.execute("SELECT owner, pid FROM %s.aurmig_lock" % self.name)
            return cur.fetchall()
        except Exception:
            return ()

    def wait_lease(self):
        deadline = time.time() + 30
        while time.time() < deadline and not self.lease_rows():
            time.sleep(0.05)
        self.assertTrue(self.lease_rows(), "no lease row appeared")

    def test_lease_holder_and_break(self):
        lease = ["--lock-mode", "lease", "--lock-lease", "2"]
        self.assertEqual(self.info(lease), dict(kind="lease", name="aurmig:alembic_version", held=False,
                                                expired=False, holder=None, url=self.info(lease)["url"]))
        self.write("a2", "a1", "DO SLEEP(30);")
        run = subprocess.Popen(self.cmd("upgrade", "heads", extra=lease), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        try:
            self.wait_lease()
            j = self.info(lease)
            self.assertTrue(j["held"], j)
            h = j["holder"]
            self.assertEqual(h["pid"], run.pid)
            self.assertEqual(h["host"], socket.gethostname())
            for k in ("owner", "node", "acquired_at", "heartbeat_at", "expires_at"):
                self.assertTrue(h.get(k), (k, j))
            # held: refused, whoever asks
            p = self.aurmig("lock", "--break", extra=lease)
            self.assertEqual(p.returncode, 9, p.stderr)
            self.assertIn("pid %d" % run.pid, p.stderr)
            # expired (renewal is between statements; this one sleeps 30 s), but
            # its process runs on this host: still refused
            time.sleep(2.5)
            j = self.info(lease)
            self.assertEqual((j["held"], j["expired"]), (False, True), j)
            p = self.aurmig("lock", "--break", extra=lease)
            self.assertEqual(p.returncode, 9, p.stderr)
            self.assertIn("still running on this host", p.stderr)
            self.assertTrue(self.lease_rows())
            # --force: gone; the run stops at its next renewal, before its version change
            p = self.aurmig("--json", "lock", "--break", "--force", extra=lease)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("broke the expired migration lease", p.stderr)
            self.assertEqual(json.loads(p.stdout)["holder"]["pid"], run.pid)
            self.assertFalse(self.lease_rows())
            cur = self.admin.cursor()
            cur.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'DO SLEEP(30)%'")
            for (qid,) in cur.fetchall():
                cur.execute("KILL QUERY %d" % qid)
            out, err = run.communicate(timeout=60)
            self.assertIn(run.returncode, (4, 5), err)
            self.assertIn("was taken over", err)
            cur = self.admin.cursor()
            cur.execute("SELECT version_num FROM %s.alembic_version" % self.name)
            self.assertEqual(cur.fetchall(), (("a1",),))
        finally:
            if run.poll() is None:
                run.kill()
                run.wait()

    def test_dead_lease_broken(self):
        lease = ["--lock-mode", "lease", "--lock-lease", "1"]
        self.write("a2", "a1", "DO SLEEP(30);")
        run = subprocess.Popen(self.cmd("upgrade", "heads", extra=lease), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
        self.wait_lease()
        run.kill()
        run.communicate()
        time.sleep(1.5)
        p = self.aurmig("lock", extra=lease)
        self.assertIn("state: expired", p.stdout)
        p = self.aurmig("lock", "--break", extra=lease)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("pid %d" % run.pid, p.stderr)   # names the previous holder
        self.assertIn("Broke the deploy lock", p.stdout)
        self.assertFalse(self.lease_rows())


class Pgsql(Base, unittest.TestCase):
    def setUp(self):
        if not os.environ.get("AURMIG_TEST_PGSQL_URL"):
            self.skipTest("no AURMIG_TEST_PGSQL_URL")
        import psycopg2
        super().setUp()
        u = urllib.parse.urlsplit(os.environ["AURMIG_TEST_PGSQL_URL"])
        self.u = u
        self.name = "aurmig_k" + uuid.uuid4().hex[:12]
        self.admin = psycopg2.connect(host=os.environ["AURMIG_TEST_PGSQL_SOCKET_DIR"],
                                      port=int(os.environ["AURMIG_TEST_PGSQL_PORT"]),
                                      user=os.environ.get("AURMIG_TEST_PGSQL_ADMIN_USER", "postgres"),
                                      dbname="postgres")
        self.admin.autocommit = True
        self.admin.cursor().execute("CREATE DATABASE %s OWNER %s" % (self.name, urllib.parse.unquote(u.username)))
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.split("@")[0], u.hostname, u.port, self.name)

    def tearDown(self):
        self.admin.cursor().execute("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        self.admin.close()
        super().tearDown()

    def test_advisory_holder(self):
        import psycopg2
        j = self.info()
        self.assertEqual((j["kind"], j["held"]), ("advisory", False))
        key = int(j["name"])
        u = self.u
        s = psycopg2.connect(host=u.hostname, port=u.port, user=urllib.parse.unquote(u.username),
                             password=urllib.parse.unquote(u.password or ""), dbname=self.name)
        s.autocommit = True
        cur = s.cursor()
        cur.execute("SELECT pg_advisory_lock(%d), pg_backend_pid()" % key)
        pid = cur.fetchone()[1]
        j = self.info()
        self.assertTrue(j["held"], j)
        self.assertEqual(j["holder"]["connection"], pid)
        self.assertEqual(j["holder"]["user"], urllib.parse.unquote(u.username))
        p = self.aurmig("lock", "--break")
        self.assertEqual(p.returncode, 9, p.stderr)
        self.assertIn("backend %d" % pid, p.stderr)
        p = self.aurmig("lock", "--break", "--force")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(self.info()["held"])
        with self.assertRaises(Exception):
            cur.execute("SELECT 1")
        s.close()


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
