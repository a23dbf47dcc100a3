#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The command line parses like other GNU tools (issue 17): global options
before or after the command, "--", bundled short options, --opt=value,
errors that name the option, the nearest command for a typo.

Usage: test_parse.py AURMIG_BINARY SOURCE_ROOT
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

AURMIG = None
ROOT = None


class ParseTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-parse-")
        self.db = os.path.join(self.tmp, "t.db")
        self.url = "sqlite:///" + self.db
        self.dir = os.path.join(ROOT, "tests", "data", "graphs", "branched")
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_(self, *args):
        p = subprocess.run([AURMIG] + list(args), capture_output=True, text=True, env=self.env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def rows(self):
        con = sqlite3.connect(self.db)
        try:
            return sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
        finally:
            con.close()

    def test_global_options_after_the_command(self):
        rc, out, err = self.run_("upgrade", "head", "--url", self.url, "--dir", self.dir)
        self.assertEqual(rc, 0, err)
        self.assertTrue(self.rows())
        rc, out, err = self.run_("current", "--json", "--url=" + self.url, "-d", self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn('"rows"', out)
        rc, out, err = self.run_("--url", self.url, "check", "--dir=" + self.dir, "-q")
        self.assertEqual((rc, out), (0, ""), err)

    def test_bundled_short_options_and_equals(self):
        self.assertEqual(self.run_("upgrade", "--url", self.url, "-d", self.dir)[0], 0)
        # -qv: quiet and verbose, bundled; -d glued to its value
        rc, out, err = self.run_("-qv", "-d" + self.dir, "--url=" + self.url, "check")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, "")
        rc, out, err = self.run_("--dir", self.dir, "history", "-vi", "--url", self.url)
        self.assertEqual(rc, 0, err)
        self.assertIn("(current)", out)
        self.assertIn("Path:", out)   # -v: the verbose block

    def test_relative_revisions_are_arguments(self):
        self.assertEqual(self.run_("upgrade", "2000bbbb0001", "--url", self.url, "-d", self.dir)[0], 0)
        rc, out, err = self.run_("downgrade", "-1", "--url", self.url, "-d", self.dir)
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.rows(), ["1000aaaa0001"])
        rc, out, err = self.run_("-d", self.dir, "history", "-r", "-1:", "--url", self.url)
        self.assertEqual(rc, 0, err)

    def test_double_dash(self):
        # after "--" nothing is an option: "--json" is then a revision
        rc, out, err = self.run_("-d", self.dir, "show", "--", "--json")
        self.assertNotEqual(rc, 0)
        self.assertNotIn('"ok"', out)
        rc, out, err = self.run_("-d", self.dir, "show", "--", "5000eeee0001")
        self.assertEqual(rc, 0, err)

    def test_errors_name_the_option(self):
        rc, out, err = self.run_("upgrade", "head", "--bogus", "--url", self.url)
        self.assertEqual(rc, 2)
        self.assertIn("'--bogus'", err)
        rc, out, err = self.run_("current", "--one-transaction", "--url", self.url, "-d", self.dir)
        self.assertEqual(rc, 2)
        self.assertIn("aurmig current: unknown option '--one-transaction'", err)
        rc, out, err = self.run_("--url")
        self.assertEqual(rc, 2)
        self.assertIn("'--url' needs a value", err)
        rc, out, err = self.run_("--json=yes", "current")
        self.assertEqual(rc, 2)
        self.assertIn("'--json' takes no value", err)
        rc, out, err = self.run_("-x", "current")
        self.assertEqual(rc, 2)
        self.assertIn("'-x'", err)
        rc, out, err = self.run_("--lock", "current")
        self.assertEqual(rc, 2)
        self.assertIn("'--lock' is ambiguous", err)
        self.assertIn("--lock-timeout", err)
        rc, out, err = self.run_("--jsn", "current")
        self.assertEqual(rc, 2)
        self.assertIn("did you mean '--json'?", err)

    def test_dialect_names_agree_across_verbs(self):
        """Every --dialect takes the library's names and aliases (issue 18:
        four copies disagreed: sqlite3 only for schema, postgres not for lint)."""
        mig = os.path.join(ROOT, "migrations")
        for name in ("sqlite", "sqlite3", "SQLite", "mysql", "mariadb", "pgsql", "postgresql", "postgres"):
            rc, out, err = self.run_("-d", mig, "lint", "--all", "--dialect", name, "--format", "json")
            self.assertIn(rc, (0, 10), "lint --dialect %s: %s" % (name, err))
            rc, out, err = self.run_("-d", self.dir, "upgrade", "--sql", "base:heads", "--dialect", name)
            self.assertEqual(rc, 0, "upgrade --sql --dialect %s: %s" % (name, err))
            self.assertIn("alembic_version", out)
        self.assertEqual(self.run_("upgrade", "--url", self.url, "-d", self.dir)[0], 0)
        for name in ("portable", "sqlite3", "postgres", "mariadb"):
            rc, out, err = self.run_("--url", self.url, "-d", self.dir, "schema", "dump", "--dialect", name)
            self.assertEqual(rc, 0, "schema dump --dialect %s: %s" % (name, err))
        # "portable" is a dialect of DDL, not of a database to lint for or to render offline
        for args in (("lint", "--all", "--dialect", "portable"),
                     ("upgrade", "--sql", "base:heads", "--dialect", "portable"),
                     ("upgrade", "--sql", "base:heads", "--dialect", "oracle")):
            rc, out, err = self.run_("-d", self.dir, *args)
            self.assertEqual(rc, 2, "%s: %s" % (args, err))
            self.assertIn("dialect", err)
        # offline SQL takes the dialect from the URL's scheme when no --dialect is given
        rc, out, err = self.run_("--url", "postgresql://u@127.0.0.1:1/x", "-d", self.dir, "upgrade", "--sql", "base:heads")
        self.assertEqual(rc, 0, err)
        self.assertIn("alembic_version", out)

    def test_typo_suggests_the_command(self):
        rc, out, err = self.run_("updgrade", "--url", self.url)
        self.assertEqual(rc, 2)
        self.assertIn("unknown command 'updgrade': did you mean 'upgrade'?", err)
        rc, out, err = self.run_("histroy")
        self.assertIn("did you mean 'history'?", err)
        rc, out, err = self.run_("frobnicate")
        self.assertEqual(rc, 2)
        self.assertNotIn("did you mean", err)
        rc, out, err = self.run_("help", "updgrade")
        self.assertEqual(rc, 2)
        self.assertIn("did you mean 'upgrade'?", err)

    def test_help_anywhere(self):
        for args in (["upgrade", "--help"], ["--help", "upgrade"], ["help", "upgrade"], ["upgrade", "-h", "--url", "x"]):
            rc, out, err = self.run_(*args)
            self.assertEqual(rc, 0, (args, err))
            self.assertTrue(out.startswith("usage: aurmig [global options] upgrade"), (args, out))
            self.assertIn("--one-transaction", out)
            self.assertIn("Exit codes:", out)
        # a value that looks like -h is a value
        rc, out, err = self.run_("-d", self.tmp, "revision", "-m", "-h", "--rev-id", "abc123")
        self.assertEqual(rc, 0, err)
        self.assertTrue(any(f.startswith("abc123_") for f in os.listdir(self.tmp)))

    def test_verb_options_keep_working(self):
        self.assertEqual(self.run_("upgrade", "--url", self.url, "-d", self.dir)[0], 0)
        rc, out, err = self.run_("-d", self.dir, "upgrade", "--sql", "base:head", "--dialect=sqlite")
        self.assertEqual(rc, 0, err)
        self.assertIn("CREATE TABLE", out)
        rc, out, err = self.run_("schema", "--all", "dump", "--url", self.url, "-d", self.dir)
        self.assertEqual(rc, 0, err)
        self.assertIn("alembic_version", out)
        rc, out, err = self.run_("--url", self.url, "-d", self.dir, "stamp", "--purge", "base")
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    AURMIG, ROOT = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
