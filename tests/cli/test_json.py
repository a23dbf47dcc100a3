#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""--json: every outcome is one JSON document on stdout (issue 17, Ansible
and scripts): usage errors, unknown options, connection errors, a lock
timeout; a run that failed half-way reports what it committed.

Usage: test_json.py AURMIG_BINARY SOURCE_ROOT
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

AURMIG = None
ROOT = None


class JsonTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-json-")
        self.db = os.path.join(self.tmp, "t.db")
        self.url = "sqlite:///" + self.db
        self.dir = os.path.join(ROOT, "tests", "data", "graphs", "branched")
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_(self, *args):
        p = subprocess.run([AURMIG] + list(args), capture_output=True, text=True, env=self.env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def one_document(self, args, rc_expected=None):
        """Runs aurmig; stdout must be exactly one JSON document."""
        rc, out, err = self.run_(*args)
        try:
            doc = json.loads(out)
        except ValueError as e:
            self.fail("%s: stdout is not one JSON document (%s): %r; stderr %r" % (args, e, out, err))
        self.assertIsInstance(doc, dict, args)
        if rc_expected is not None:
            self.assertEqual(rc, rc_expected, (args, out, err))
        return rc, doc, err

    def assert_error(self, args, rc_expected):
        rc, doc, err = self.one_document(args, rc_expected)
        self.assertIs(doc.get("ok"), False, (args, doc))
        self.assertEqual(doc.get("exit_code"), rc, (args, doc))
        self.assertIs(doc.get("changed"), False, (args, doc))
        self.assertTrue(doc.get("message"), (args, doc))
        self.assertEqual(doc["error"]["exit_code"], rc, (args, doc))
        self.assertEqual(doc["error"]["message"], doc["message"])
        # the message is the one stderr shows
        self.assertIn(doc["message"], err, (args, doc))
        return doc

    def test_usage_errors_are_documents(self):
        url, d = ["--url", self.url], ["-d", self.dir]
        cases = [
            (["--json", "frobnicate"], 2, "unknown command 'frobnicate'"),
            (["--json", "updgrade"] + url, 2, "did you mean 'upgrade'?"),
            (["--json", "--bogus", "current"] + url, 2, "unknown option '--bogus'"),
            (["upgrade", "head", "--json", "--bogus"] + url, 2, "'--bogus'"),
            (["current", "extra", "--json"] + url + d, 2, "takes no arguments"),
            (["--json", "downgrade"] + url + d, 2, "needs a target"),
            (["--json", "upgrade", "a", "b"] + url + d, 2, "takes one target"),
            (["--json", "current"] + d, 2, "no database given"),
            (["--json", "--url"], 2, "'--url' needs a value"),
            (["--json", "--lock-timeout", "soon", "upgrade"] + url, 2, "--lock-timeout takes seconds"),
            (["--json", "check", "--scratch-url", "x"] + url + d, 2, "--scratch-url goes with --schema"),
            (["--json", "schema"] + url + d, 2, "needs a subcommand"),
            (["--json", "test", "--only", "bogus"] + d, 2, "unknown check 'bogus'"),
            (["--json", "hash", "extra"] + d, 2, "takes no arguments"),
            (["--json", "config-stamp"] + url + d, 2, "needs --config-file"),
            (["--json"], 2, "usage"),
        ]
        for args, rc, text in cases:
            doc = self.assert_error(args, rc)
            self.assertIn(text, doc["message"], args)

    def test_errors_from_the_library_are_documents(self):
        # a connection error: the file's directory does not exist
        doc = self.assert_error(["--json", "upgrade", "--url", "sqlite:///" + self.tmp + "/no/such/dir/x.db",
                                 "-d", self.dir], 1)
        self.assertIn("code", doc["error"])
        self.assertEqual(doc["error"]["name"], "ENOTFOUND", doc)
        # a read-only verb on a missing file
        doc = self.assert_error(["--json", "current", "--url", self.url, "-d", self.dir], 1)
        self.assertIn("no such database file", doc["message"])
        # an unknown target
        doc = self.assert_error(["--json", "upgrade", "nosuchrev", "--url", self.url, "-d", self.dir], 1)
        # a missing migrations directory
        self.assert_error(["--json", "heads", "-d", os.path.join(self.tmp, "none")], 1)

    def test_refused_drift_is_a_failure_document(self):
        mig = os.path.join(ROOT, "migrations")
        base = ["--url", self.url, "-d", mig]
        self.assertEqual(self.run_(*base, "init", "-q")[0], 0)
        self.assertEqual(self.run_(*base, "downgrade", "-1", "-q")[0], 0)
        con = sqlite3.connect(self.db)
        con.execute("ALTER TABLE Users ADD COLUMN Drifted INTEGER")
        con.commit()
        con.close()
        rc, doc, err = self.one_document(["--json", *base, "upgrade", "--check-drift"], 8)
        self.assertIs(doc.get("ok"), False, doc)
        self.assertIs(doc.get("changed"), False, doc)
        self.assertIs(doc.get("drift"), True, doc)
        self.assertIn("nothing was run", doc.get("message", ""))
        self.assertTrue(any(d["object"] == "Drifted" for d in doc["differences"]), doc)

    def test_successes_without_a_document_before(self):
        rc, doc, err = self.one_document(["--json", "upgrade", "--url", self.url, "-d", self.dir], 0)
        self.assertIs(doc["changed"], True)
        self.assertIs(doc["ok"], True)
        rc, doc, err = self.one_document(["--json", "validate", "--accept", "--url", self.url, "-d", self.dir], 0)
        self.assertIs(doc["changed"], True)
        rc, doc, err = self.one_document(["--json", "upgrade", "--sql", "base:heads", "--dialect", "sqlite",
                                          "-d", self.dir], 0)
        self.assertIn("CREATE TABLE", doc["sql"])
        rc, doc, err = self.one_document(["--json", "--version"], 0)
        self.assertRegex(doc["version"], r"^\d+\.\d+\.\d+$")
        rc, doc, err = self.one_document(["help", "--json"], 0)
        self.assertIn("upgrade", [c["name"] for c in doc["commands"]])

    def script(self, d, rev, down, body):
        with open(os.path.join(d, rev + "_s.sql"), "w") as f:
            f.write("-- aurmig:revision %s\n-- aurmig:down_revision %s\n-- aurmig:upgrade\n%s\n"
                    "-- aurmig:downgrade\nSELECT 1;\n" % (rev, down, body))

    def test_half_failed_upgrade_reports_what_committed(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        self.script(d, "aaaa", "", "CREATE TABLE one (a INT);")
        self.script(d, "bbbb", "aaaa", "CREATE TABLE two (a INT);\nSELEC nonsense;")
        rc, doc, err = self.one_document(["--json", "upgrade", "heads", "--url", self.url, "-d", d], 1)
        self.assertIs(doc["ok"], False)
        self.assertEqual(doc["exit_code"], 1)
        self.assertIs(doc["changed"], True, doc)
        self.assertEqual([s["revision"] for s in doc["steps"]], ["aaaa"], doc)
        self.assertEqual(doc["from"], [])
        self.assertEqual(doc["to"], ["aaaa"])
        self.assertIn("bbbb", doc["message"])
        self.assertIn("SELEC nonsense", doc["error"]["statement"])
        con = sqlite3.connect(self.db)
        self.assertEqual(con.execute("SELECT version_num FROM alembic_version").fetchall(), [("aaaa",)])
        con.close()
        # the same in one transaction: nothing committed, nothing changed
        url2 = "sqlite:///" + os.path.join(self.tmp, "t2.db")
        rc, doc, err = self.one_document(["--json", "upgrade", "heads", "--one-transaction", "--url", url2,
                                          "-d", d], 1)
        self.assertIs(doc["changed"], False, doc)
        self.assertEqual(doc["steps"], [])
        # a failure before any step: nothing changed
        self.assertEqual(doc["to"], [])
        # a failure before any step commits: nothing changed
        rc, doc, err = self.one_document(["--json", "upgrade", "heads", "--url", self.url, "-d", d], 1)
        self.assertIs(doc["changed"], False, doc)
        self.assertEqual(doc["from"], ["aaaa"])

    def test_lock_timeout_and_hook_output(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        self.script(d, "aaaa", "", "CREATE TABLE one (a INT);\n-- aurmig:hook slow")
        started = os.path.join(self.tmp, "started")
        hook = "slow=echo hook output on stdout; touch %s; sleep 4" % started
        holder = subprocess.Popen([AURMIG, "--json", "--hook", hook, "upgrade", "--url", self.url, "-d", d],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env)
        try:
            t0 = time.monotonic()
            while not os.path.exists(started) and time.monotonic() - t0 < 30:
                time.sleep(0.05)
            self.assertTrue(os.path.exists(started))
            doc = self.assert_error(["--json", "--lock-timeout", "0.2", "--hook", hook, "upgrade", "--url", self.url,
                                     "-d", d], 4)
            self.assertIn("lock", doc["message"])
        finally:
            out, err = holder.communicate(timeout=60)
        self.assertEqual(holder.returncode, 0, err)
        # the hook's own stdout went to stderr: stdout is still one document
        self.assertIs(json.loads(out)["changed"], True)
        self.assertIn("hook output on stdout", err)


if __name__ == "__main__":
    AURMIG, ROOT = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
