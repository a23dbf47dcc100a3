#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A check that cannot compute its answer says so (issue 14, point 2): a
pending migration that cannot be planned for the database's dialect (only
`-- aurmig:upgrade mysql` sections against SQLite, an unterminated quote)
makes `check`, `validate` and the status API fail with the file (and line),
never "up to date"; a pending migration with config steps is pending (exit
3), not "up to date", even without --config-file.

Usage: test_unplannable.py AURMIG BUILD_ROOT SOURCE_ROOT (SQLite only)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

AURMIG = BUILD = SOURCE = None

R1 = ("-- aurmig:revision r1\n-- aurmig:message one\n-- aurmig:upgrade\nCREATE TABLE t (x INTEGER);\n"
      "-- aurmig:downgrade\nDROP TABLE t;\n")
HEAD = "-- aurmig:revision r2\n-- aurmig:down_revision r1\n-- aurmig:message two\n"
MYSQL_ONLY = HEAD + "-- aurmig:upgrade mysql\nCREATE TABLE u (x INTEGER);\n-- aurmig:downgrade mysql\nDROP TABLE u;\n"
QUOTE = HEAD + "-- aurmig:upgrade\nINSERT INTO t VALUES (1);\nINSERT INTO t VALUES ('abc);\n" \
               "-- aurmig:downgrade\nDELETE FROM t;\n"
CONFIG = HEAD + "-- aurmig:upgrade\nINSERT INTO t VALUES (1);\n-- aurmig:config set options cache = redis\n" \
                "-- aurmig:downgrade\nDELETE FROM t;\n"

PY_STATUS = r"""
import sys, aurmig
try:
    st = aurmig.status(sys.argv[1], sys.argv[2])
    print("state", st.state, " ".join(st.pending))
except aurmig.Error as e:
    print("error", type(e).__name__, e.file, e.line, str(e).splitlines()[0])
"""


class UnplannableTests(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-unplannable-")
        self.mig = os.path.join(self.tmp, "m")
        os.mkdir(self.mig)
        self.url = "sqlite:///" + os.path.join(self.tmp, "t.db")
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}
        self.env.update({"PYTHONPATH": os.path.join(SOURCE, "bindings", "python"), "PYTHONDONTWRITEBYTECODE": "1",
                         "AURMIG_LIBRARY": os.path.join(BUILD, "lib", "libaurmig.so.0")})
        self.write("r1.sql", R1)
        self.assertEqual(self.aurmig("upgrade", "r1")[0], 0)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, text):
        with open(os.path.join(self.mig, name), "w") as f:
            f.write(text)

    def aurmig(self, *args):
        p = subprocess.run([AURMIG, "--dir", self.mig, "--url", self.url] + list(args),
                           capture_output=True, text=True, timeout=60, env=self.env)
        return p.returncode, p.stdout, p.stderr

    def py_status(self):
        p = subprocess.run([sys.executable, "-c", PY_STATUS, self.mig, self.url], capture_output=True,
                           text=True, timeout=60, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.strip()

    def assert_cannot_tell(self, where, says):
        for verb in ("check", "validate"):
            rc, out, err = self.aurmig(verb)
            self.assertEqual(rc, 1, "%s: %s%s" % (verb, out, err))
            self.assertNotIn("up to date", out)
            self.assertNotIn("agree", out)
            self.assertIn(where, err)
            self.assertIn(says, err)
        rc, out, err = self.aurmig("--json", "check")
        self.assertEqual(rc, 1, out + err)
        doc = json.loads(out)
        self.assertEqual(doc["error"]["exit_code"], 1, doc)
        self.assertIn("r2.sql", doc["error"]["file"])
        self.assertNotIn("state", doc)
        st = self.py_status()
        self.assertTrue(st.startswith("error ScriptError"), st)
        self.assertIn(os.path.join(self.mig, "r2.sql"), st)

    def test_only_other_dialect_sections(self):
        self.write("r2.sql", MYSQL_ONLY)
        self.assert_cannot_tell("r2.sql", "no upgrade section for this database")

    def test_unterminated_quote(self):
        self.write("r2.sql", QUOTE)
        self.assert_cannot_tell("r2.sql:6:", "unterminated single-quoted string")
        self.assertIn(" 6 ", self.py_status())

    def test_pending_config_steps_are_pending(self):
        self.write("r2.sql", CONFIG)
        rc, out, err = self.aurmig("check")
        self.assertEqual(rc, 3, out + err)
        self.assertIn("1 migration pending", out)
        rc, out, err = self.aurmig("validate")
        self.assertEqual(rc, 3, out + err)
        self.assertIn("r2 is pending", out)
        self.assertEqual(self.py_status(), "state behind r2")


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    BUILD, SOURCE = os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[4:])
