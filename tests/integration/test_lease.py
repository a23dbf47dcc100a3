#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The lease lock (issue 15, docs/clusters.md) on one MariaDB server, forced
with --lock-mode lease (a Galera cluster uses it by itself: test_galera.py):

- two deployers at once: exactly one runs the migrations, the other waits
  and times out (exit 4) naming the holder;
- an expired lease row (its run died) is taken over, with a warning naming
  the previous holder; an unexpired one is not;
- a run whose lease was taken over mid-run stops at its next renewal,
  before its version change;
- `check` reports "in progress" (exit 9) from the lease while a run holds it.

Usage: test_lease.py AURMIG. Skipped (77) without AURMIG_TEST_MYSQL_URL.
"""
import os
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


class Lease(unittest.TestCase):
    def setUp(self):
        import pymysql
        self.name = "aurmig_l" + uuid.uuid4().hex[:12]
        self.admin = pymysql.connect(unix_socket=os.environ["AURMIG_TEST_MYSQL_SOCKET"],
                                     user=os.environ.get("AURMIG_TEST_MYSQL_ADMIN_USER", "root"), autocommit=True)
        self.sql("CREATE DATABASE " + self.name)
        u = urllib.parse.urlsplit(os.environ["AURMIG_TEST_MYSQL_URL"])
        self.url = "%s://%s@%s:%d/%s" % (u.scheme, u.netloc.split("@")[0], u.hostname, u.port, self.name)
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.sql("DROP DATABASE IF EXISTS " + self.name)
        self.admin.close()
        self.tmp.cleanup()

    def sql(self, text):
        with self.admin.cursor() as cur:
            cur.execute(text)
            return cur.fetchall()

    def write(self, rev, down, body):
        with open(os.path.join(self.dir, rev + "_s.sql"), "w") as f:
            f.write(script(rev, down, body))

    def aurmig(self, *args, lease=None, popen=False):
        cmd = [AURMIG, "--url", self.url, "-d", self.dir, "--lock-mode", "lease"] + \
              (["--lock-lease", str(lease)] if lease else []) + list(args)
        if popen:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def wait_lease(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.sql("SELECT owner FROM %s.aurmig_lock" % self.name):
                    return
            except Exception:
                pass
            time.sleep(0.1)
        self.fail("no lease row appeared")

    def test_one_winner(self):
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY);\nDO SLEEP(3);")
        a = self.aurmig("upgrade", "heads", popen=True)
        self.wait_lease()
        b = self.aurmig("--lock-timeout", "1", "upgrade", "heads")
        out, err = a.communicate(timeout=60)
        self.assertEqual(a.returncode, 0, err)
        self.assertEqual(b.returncode, 4, b.stderr)
        self.assertIn("waiting for the migration lease", b.stderr)
        self.assertIn("held by", b.stderr)
        self.assertEqual(self.sql("SELECT version_num FROM %s.alembic_version" % self.name), (("a1",),))
        # released: no row left, the next run takes it at once
        self.assertEqual(self.sql("SELECT COUNT(*) FROM %s.aurmig_lock" % self.name), ((0,),))
        self.assertEqual(self.aurmig("--lock-timeout", "0", "upgrade", "heads").returncode, 0)

    def plant(self, expires_in):
        self.sql("CREATE TABLE %s.aurmig_lock (name VARCHAR(96) NOT NULL PRIMARY KEY, owner VARCHAR(80) NOT NULL, "
                 "host VARCHAR(255) NOT NULL, pid BIGINT NOT NULL, node VARCHAR(255) NOT NULL, "
                 "acquired_at DATETIME(6) NOT NULL, heartbeat_at DATETIME(6) NOT NULL, "
                 "expires_at DATETIME(6) NOT NULL)" % self.name)
        self.sql("INSERT INTO %s.aurmig_lock VALUES ('aurmig:alembic_version', 'deadhost:4242:x', 'deadhost', "
                 "4242, 'node9', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL %d SECOND)"
                 % (self.name, expires_in))

    def test_expired_taken_over(self):
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY);")
        self.plant(-5)
        p = self.aurmig("--lock-timeout", "5", "upgrade", "heads")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("took over the expired migration lease", p.stderr)
        self.assertIn("deadhost:4242:x (host deadhost, pid 4242, node node9", p.stderr)

    def test_unexpired_not_taken(self):
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY);")
        self.plant(60)
        p = self.aurmig("--lock-timeout", "1", "upgrade", "heads")
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertIn("held by deadhost:4242:x", p.stderr)
        self.assertEqual(self.sql("SHOW TABLES FROM %s LIKE 't'" % self.name), ())
        # the probe reads the lease: a 'running' journal row of a live run -> in progress
        c = subprocess.run([AURMIG, "--url", self.url, "-d", self.dir, "--lock-mode", "lease", "check"],
                           capture_output=True, text=True)
        self.assertIn(c.returncode, (3, 0, 2), c.stderr)   # no journal row: not "in progress"

    def test_taken_over_stops_before_version_change(self):
        self.write("a1", None, "CREATE TABLE t (id INTEGER PRIMARY KEY);")
        self.write("a2", "a1", "DO SLEEP(2);\nCREATE TABLE u (id INTEGER PRIMARY KEY);")
        a = self.aurmig("upgrade", "heads", popen=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if self.sql("SELECT version_num FROM %s.alembic_version" % self.name) == (("a1",),):
                    break
            except Exception:
                pass
            time.sleep(0.05)
        # in progress, seen through the lease by a read-only verb
        c = subprocess.run([AURMIG, "--url", self.url, "-d", self.dir, "--lock-mode", "lease", "check"],
                           capture_output=True, text=True)
        self.assertEqual(c.returncode, 9, c.stdout + c.stderr)
        # another run takes the lease over (as one would after it expired)
        self.sql("UPDATE %s.aurmig_lock SET owner = 'thief:1:y', host = 'thief', pid = 1" % self.name)
        out, err = a.communicate(timeout=60)
        print("taken over mid-run: exit %d: %s" % (a.returncode, err.strip()), file=sys.stderr)
        self.assertIn(a.returncode, (4, 5), err)
        self.assertIn("was taken over by thief:1:y", err)
        self.assertEqual(self.sql("SELECT version_num FROM %s.alembic_version" % self.name), (("a1",),))
        # not ours: the row of the new holder stays
        self.assertEqual(self.sql("SELECT owner FROM %s.aurmig_lock" % self.name), (("thief:1:y",),))


if __name__ == "__main__":
    AURMIG = sys.argv.pop(1)
    if not os.environ.get("AURMIG_TEST_MYSQL_URL"):
        print("SKIP: AURMIG_TEST_MYSQL_URL is not set (tests/servers/start.sh)")
        sys.exit(77)
    unittest.main()
