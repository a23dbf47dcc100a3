#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile input through the aurmig command line (issue 10).

- The password of a URL or of aurweb's configuration never appears on
  stdout or stderr, in plain, verbose or JSON output, whatever fails
  (unreachable server, malformed URL, bad port, stray '@', bad escapes).
- --version-table refuses names that are not plain identifiers, before
  anything touches the database.
- Scripts the loader refuses (NUL, invalid UTF-8, control characters in a
  message) give exit code 1 and a file:line message, also as JSON.

Usage: test_cli_hostile.py AURMIG_BINARY SOURCE_ROOT
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

AURMIG = None
ROOT = None
SECRET = "Xy7s3cr3tPw9"


def fixture(name="branched"):
    return os.path.join(ROOT, "tests", "data", "graphs", name)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-hostile-")
        self.db = os.path.join(self.tmp, "t.db")
        self.url = "sqlite:///" + self.db
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_cli(self, *args, env=None):
        p = subprocess.run([AURMIG] + list(args), capture_output=True, text=True, errors="replace",
                           env=env or self.env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def tables(self):
        if not os.path.exists(self.db):
            return set()
        con = sqlite3.connect(self.db)
        try:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()


class PasswordTest(Base):
    """The secret must not show, whatever the command and whatever goes wrong."""

    VERBS = (["current"], ["-v", "current"], ["check"], ["validate", "-v"], ["upgrade", "heads"],
             ["upgrade", "--sql", "heads"], ["history", "-i"], ["downgrade", "base"], ["stamp", "heads"],
             ["resume"])

    def assert_hidden(self, args, env=None, want_fail=True):
        for json_flag in ([], ["--json"]):
            rc, out, err = self.run_cli(*(["--dir", fixture()] + json_flag + args), env=env)
            if want_fail:
                self.assertNotEqual(rc, 0, (args, out, err))
            self.assertNotIn(SECRET, out + err, args)
            # nor percent-encoded, nor split by a masking that went wrong
            self.assertNotIn(SECRET[:6], out + err, args)
            if json_flag and out.strip():
                doc = json.loads(out)           # still one valid document
                self.assertNotIn(SECRET, json.dumps(doc))

    def test_unreachable_servers(self):
        for url in ("mysql://aur:%s@127.0.0.1:1/aurweb" % SECRET,
                    "mariadb://aur:%s@127.0.0.1:1/aurweb?charset=x" % SECRET,
                    "pgsql://aur:%s@127.0.0.1:1/aurweb" % SECRET,
                    "postgresql://aur:%s@127.0.0.1:1/aurweb?host=/nonexistent" % SECRET,
                    "mysql://aur:%s@/aurweb?unix_socket=/nonexistent/mysqld.sock" % SECRET):
            for verb in self.VERBS:
                self.assert_hidden(["--url", url] + verb)

    def test_malformed_urls(self):
        for url in ("mysql://aur:%s@host@other/aurweb" % SECRET,          # stray '@'
                    "mysql://aur:%s%%ZZ@h/aurweb" % SECRET,               # bad escape in the password
                    "mysql://aur:%s%%00@h/aurweb" % SECRET,               # NUL escape
                    "mysql://aur:%s@h:99999/aurweb" % SECRET,             # bad port
                    "mysql://aur:%s@h:12ab/aurweb" % SECRET,
                    "mysql://aur:%s@[::1/aurweb" % SECRET,                # unclosed IPv6
                    "mysql://aur:%s@h/" % SECRET,                         # no database
                    "mysql://aur:%s@h/a/b" % SECRET,                      # '/' in the database
                    "mysql://aur:%s@h/db?bad=1" % SECRET,                 # unknown parameter
                    "mysql://aur:%s@h/db?x@y=1" % SECRET,
                    "mysql://aur:%s@h/db?unix_socket=" % SECRET,
                    "oracle://aur:%s@h/db" % SECRET,
                    "mysql://aur:%s\t@h/db" % SECRET,                     # control character
                    "mysql:/aur:%s@h/db" % SECRET):                       # no scheme separator
            self.assert_hidden(["--url", url, "current"])

    def test_environment_url(self):
        env = dict(self.env, AURMIG_URL="mysql://aur:%s@127.0.0.1:1/aurweb" % SECRET)
        self.assert_hidden(["current"], env=env)
        self.assert_hidden(["-v", "upgrade", "heads"], env=env)

    def write_config(self, body):
        path = os.path.join(self.tmp, "config")
        with open(path, "w") as f:
            f.write(body)
        return path

    def test_aurweb_config(self):
        configs = (
            "[database]\nbackend = mysql\nhost = 127.0.0.1\nport = 1\nname = aurweb\nuser = aur\npassword = %s\n",
            "[database]\nbackend = postgres\nhost = 127.0.0.1\nport = 1\nname = aurweb\nuser = aur\npassword = %s\n",
            "[database]\nbackend = mysql\nsocket = /nonexistent.sock\nname = aurweb\nuser = aur\npassword = %s\n",
            # broken files: the password line is read before the error
            "[database]\nbackend = mysql\nname = aurweb\npassword = %s\nport = x1\n",
            "[database]\nbackend = mysql\nname = aurweb\npassword = %s\npassword = %s\n",
            "[database]\nbackend = oracle\nname = aurweb\npassword = %s\n",
            "[database]\nbackend = mysql\npassword = %s\n",
            "[database]\nbackend = mysql\nname = aurweb\npassword = %s\n  continued\n",
            "[database]\nbackend = mysql\nname = aurweb\npassword = %s\nthis is not ini\n",
            "[database]\nbackend = mysql\nname = aurweb\npassword = %s" + "x" * 300 + "\n",
        )
        for body in configs:
            path = self.write_config(body.replace("%s", SECRET))
            for verb in (["current"], ["-v", "check"], ["upgrade", "heads"]):
                self.assert_hidden(["--aurweb-config", path] + verb)
            self.assert_hidden(["current"], env=dict(self.env, AUR_CONFIG=path))


class VersionTableTest(Base):
    def test_names_with_quotes_are_refused(self):
        for name in ('alembic_version"; DROP TABLE t_a; --', "x'y", "a b", "a.b", "1abc", "", "t`x`",
                     "a" * 49):
            for verb in (["upgrade", "heads"], ["current"], ["stamp", "heads"]):
                rc, out, err = self.run_cli("--dir", fixture(), "--url", self.url, "--version-table", name, *verb)
                self.assertEqual(rc, 1, (name, verb, err))
                self.assertIn("version table name", err)
                self.assertEqual(self.tables(), set(), name)       # nothing was created
            rc, out, err = self.run_cli("--dir", fixture(), "--url", self.url, "--json", "--version-table", name,
                                        "current")
            self.assertEqual(rc, 1)
            self.assertIn("version table name", json.loads(out)["error"]["message"])

    def test_plain_name_works(self):
        rc, out, err = self.run_cli("--dir", fixture(), "--url", self.url, "--version-table", "My_Versions_2",
                                    "upgrade", "heads")
        self.assertEqual(rc, 0, err)
        self.assertIn("My_Versions_2", self.tables())
        self.assertNotIn("alembic_version", self.tables())


class ScriptTest(Base):
    def write(self, name, data):
        d = os.path.join(self.tmp, "m")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        return d

    def test_refused_scripts(self):
        cases = (
            (b"-- aurmig:revision aaaa\n-- aurmig:message a\0b\n-- aurmig:upgrade\n", ":2:", "NUL byte"),
            (b"-- aurmig:revision aaaa\n-- aurmig:upgrade\nSELECT '\xff\xfe';\n", ":3:", "invalid UTF-8"),
            (b"-- aurmig:revision aaaa\n-- aurmig:message x\rDROP TABLE t; --\n-- aurmig:upgrade\n", ":2:",
             "control character"),
        )
        for data, where, what in cases:
            d = self.write("aaaa_x.sql", data)
            for verb in (["heads"], ["history"], ["upgrade", "--sql", "heads"]):
                rc, out, err = self.run_cli("--dir", d, "--url", self.url, *verb)
                self.assertEqual(rc, 1, (verb, err))
                self.assertIn("aaaa_x.sql" + where, err)
                self.assertIn(what, err)
            rc, out, err = self.run_cli("--dir", d, "--json", "heads")
            self.assertEqual(rc, 1)
            self.assertIn(what, json.loads(out)["error"]["message"])
            self.assertEqual(self.tables(), set())

    def test_quotes_in_message_stay_in_comments(self):
        msg = "It's \"quoted\" -- not a comment; DROP TABLE t_a;"
        d = self.write("aaaa_q.sql", ("-- aurmig:revision aaaa\n-- aurmig:message %s\n-- aurmig:upgrade\n"
                                      "CREATE TABLE t_a (x TEXT);\n-- aurmig:downgrade\nDROP TABLE t_a;\n" % msg).encode())
        rc, out, err = self.run_cli("--dir", d, "--url", self.url, "upgrade", "heads")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.run_cli("--dir", d, "--url", self.url, "--json", "history")
        self.assertEqual(rc, 0, err)
        self.assertIn(msg, out.replace('\\"', '"'))
        rc, out, err = self.run_cli("--dir", d, "upgrade", "--sql", "base:heads", "--dialect", "pgsql")
        self.assertEqual(rc, 0, err)
        for line in out.splitlines():
            if "DROP TABLE t_a" in line:
                self.assertTrue(line.startswith("-- "), line)


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
