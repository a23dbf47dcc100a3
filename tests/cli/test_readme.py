#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The README's C and Python examples work as written on a fresh database
(issue 17): each is taken out of README.md, compiled (C) and run in a new
directory where migrations/ is aurweb's and aur.db does not exist yet.

Usage: test_readme.py SOURCE_ROOT BUILD_ROOT CC
"""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

ROOT = BUILD = CC = None


def block(lang, after):
    """The first ```lang block of README.md after the heading `after`."""
    text = open(os.path.join(ROOT, "README.md")).read()
    start = text.index(after)
    m = re.compile(r"^```" + lang + r"\n(.*?)^```", re.S | re.M).search(text, start)
    if not m:
        raise AssertionError("no %s block after %r in README.md" % (lang, after))
    return m.group(1)


class ReadmeExamples(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-readme-")
        os.symlink(os.path.join(ROOT, "migrations"), os.path.join(self.tmp, "migrations"))
        self.db = os.path.join(self.tmp, "aur.db")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AUR")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def head(self):
        con = sqlite3.connect(self.db)
        try:
            return [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
        finally:
            con.close()

    def want_head(self):
        p = subprocess.run([os.path.join(BUILD, "cli", "aurmig"), "--dir", os.path.join(ROOT, "migrations"),
                            "heads"], capture_output=True, text=True, check=True)
        return [p.stdout.split()[0]]

    def test_c_example(self):
        src = os.path.join(self.tmp, "example.c")
        with open(src, "w") as f:
            f.write(block("c", "## C API"))
        exe = os.path.join(self.tmp, "example")
        lib = os.path.join(BUILD, "lib")
        p = subprocess.run([CC, "-std=c99", "-Wall", "-Wextra", "-Werror", "-o", exe, src,
                            "-I", os.path.join(ROOT, "include"), "-I", os.path.join(BUILD, "include"),
                            "-L", lib, "-laurmig", "-Wl,-rpath," + lib], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([exe], cwd=self.tmp, capture_output=True, text=True, env=self.env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("building the database from migrations/schema/sqlite.sql", p.stdout)
        self.assertEqual(self.head(), self.want_head())
        # once more: at head, nothing to print
        p = subprocess.run([exe], cwd=self.tmp, capture_output=True, text=True, env=self.env, timeout=120)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)

    def test_python_example(self):
        script = os.path.join(self.tmp, "example.py")
        with open(script, "w") as f:
            f.write(block("python", "### Python"))
        env = dict(self.env, PYTHONPATH=os.path.join(ROOT, "bindings", "python"),
                   AURMIG_BUILD_ROOT=BUILD, PYTHONDONTWRITEBYTECODE="1")
        p = subprocess.run([sys.executable, script], cwd=self.tmp, capture_output=True, text=True,
                           env=env, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.head(), self.want_head())
        p = subprocess.run([sys.executable, script], cwd=self.tmp, capture_output=True, text=True,
                           env=env, timeout=120)
        self.assertEqual((p.returncode, p.stdout), (0, ""), p.stderr)


if __name__ == "__main__":
    ROOT = os.path.abspath(sys.argv.pop(1))
    BUILD = os.path.abspath(sys.argv.pop(1))
    CC = sys.argv.pop(1)
    unittest.main(verbosity=2)
