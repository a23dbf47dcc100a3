#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurmig lint end to end: exit codes (0, 10, 1, 2), the four formats,
suppression in the script and in the configuration, the selection of
revisions (arguments, --all, --since, the baseline, --pending against a
real SQLite database), and the findings on aurweb's own migrations/
(docs/lint.md, docs/aurweb-migrations.md).

Usage: test_lint.py AURMIG_BINARY SOURCE_ROOT
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

AURMIG = None
ROOT = None

R1 = """-- aurmig:revision aa01
-- aurmig:message first
-- aurmig:upgrade
CREATE TABLE Users (ID INTEGER PRIMARY KEY, Nick VARCHAR(20) NULL);
-- aurmig:downgrade
DROP TABLE Users;
"""
# a warning (C102 rename) and nothing worse
R2 = """-- aurmig:revision bb02
-- aurmig:down_revision aa01
-- aurmig:upgrade
ALTER TABLE Users RENAME COLUMN Nick TO Name;
-- aurmig:downgrade
ALTER TABLE Users RENAME COLUMN Name TO Nick;
"""
# an error (D102 drop column), suppressed or not
R3 = """-- aurmig:revision cc03
-- aurmig:down_revision bb02
-- aurmig:irreversible the Name values are not restored
-- aurmig:upgrade
{nolint}ALTER TABLE Users DROP COLUMN Name;
-- aurmig:downgrade
ALTER TABLE Users ADD COLUMN Name VARCHAR(20) NULL;
"""


class LintTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-lint-")
        self.dir = os.path.join(self.tmp, "m")
        os.mkdir(self.dir)
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG", "AURMIG_CONFIG")}
        self.env["NO_COLOR"] = "1"

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def scripts(self, nolint=""):
        self.write("aa01_first.sql", R1)
        self.write("bb02_rename.sql", R2)
        return self.write("cc03_drop.sql", R3.format(nolint=nolint))

    def lint(self, *args, dir=None, glob=()):
        cmd = [AURMIG, "--dir", dir or self.dir, *glob, "lint", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def json(self, *args, **kw):
        rc, out, err = self.lint("--format", "json", *args, **kw)
        return rc, json.loads(out)

    # ---- exit codes --------------------------------------------------------
    def test_exit_codes(self):
        self.scripts()
        rc, out, err = self.lint("aa01")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.lint("bb02")          # a warning only
        self.assertEqual(rc, 0, err)
        self.assertIn("C102", out)
        rc, out, err = self.lint("bb02", "--werror")
        self.assertEqual(rc, 10, err)
        rc, out, err = self.lint("--all")          # D102 is an error
        self.assertEqual(rc, 10, err)
        self.assertIn("1 error(s)", err)
        rc, out, err = self.lint("--all", "--warning", "D102")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.lint("--all", "--ignore", "D,C")
        self.assertEqual((rc, out), (0, ""), err)
        rc, out, err = self.lint("bb02", "--error", "C102")
        self.assertEqual(rc, 10, err)
        # a script that cannot be read or parsed: 1
        bad = self.write("dd04_bad.sql", "-- aurmig:revision dd04\nSELECT 1;\n")
        rc, out, err = self.lint(bad, dir=self.tmp)
        self.assertEqual(rc, 1, err)
        self.assertIn("SQL outside a section", err)
        os.unlink(bad)
        rc, out, err = self.lint(os.path.join(self.dir, "missing.sql"))
        self.assertNotEqual(rc, 0)
        # usage: 2
        for args in (["--format", "xml"], ["--all", "--since", "aa01"], ["--error", "Q123"], ["--bogus"],
                     ["--dialect", "oracle"]):
            rc, out, err = self.lint(*args)
            self.assertEqual(rc, 2, (args, err))

    # ---- formats -----------------------------------------------------------
    def test_formats(self):
        path = self.scripts()
        rc, out, err = self.lint("cc03")
        self.assertEqual(rc, 10)
        self.assertIn("%s:5: error: D102 [sqlite,mysql,pgsql] column Users.Name is dropped with its values" % path, out)
        self.assertIn("  statement: ALTER TABLE Users DROP COLUMN Name", out)
        self.assertIn("  good: ", out)
        rc, out, err = self.lint("cc03", "--format", "gcc")
        self.assertEqual(out.splitlines()[0],
                         "%s:5:1: error: [sqlite,mysql,pgsql] column Users.Name is dropped with its values [aurmig:D102]"
                         % path)
        rc, out, err = self.lint("cc03", "--format", "github")
        line = out.splitlines()[0]
        self.assertTrue(line.startswith("::error file=%s,line=5,col=1,title=aurmig D102::" % path.replace(":", "%3A")),
                        line)
        rc, doc = self.json("cc03")
        self.assertEqual(rc, 10)
        self.assertEqual(doc["exit_code"], 10)
        self.assertEqual(doc["counts"], {"error": 1, "warning": 0, "info": 0, "suppressed": 0})
        f = doc["findings"][0]
        self.assertEqual({k: f[k] for k in ("code", "class", "severity", "revision", "file", "line", "column",
                                            "dialects", "suppressed", "reason")},
                         {"code": "D102", "class": "D", "severity": "error", "revision": "cc03", "file": path,
                          "line": 5, "column": 1, "dialects": ["sqlite", "mysql", "pgsql"], "suppressed": False,
                          "reason": None})
        for k in ("statement", "message", "why", "good"):
            self.assertTrue(f[k], k)
        # the global --json is the same document
        p = subprocess.run([AURMIG, "--dir", self.dir, "--json", "lint", "cc03"], capture_output=True, text=True,
                           env=self.env)
        self.assertEqual(json.loads(p.stdout), doc)
        # --list-rules
        rc, out, err = self.lint("--list-rules")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"(?m)^D101  error ")
        rc, rules = self.json("--list-rules")
        self.assertGreaterEqual(len(rules), 30)

    # ---- suppression ---------------------------------------------------------
    def test_nolint_in_script(self):
        self.scripts(nolint="-- aurmig:nolint D102 -- Name was never read\n")
        rc, doc = self.json("cc03")
        self.assertEqual(rc, 0)
        self.assertEqual(doc["counts"]["suppressed"], 1)
        f = doc["findings"][0]
        self.assertEqual((f["code"], f["suppressed"], f["reason"]), ("D102", True, "Name was never read"))
        rc, out, err = self.lint("cc03")
        self.assertEqual((rc, out), (0, ""))      # text hides suppressed findings ...
        p = subprocess.run([AURMIG, "--dir", self.dir, "-v", "lint", "cc03"], capture_output=True, text=True,
                           env=self.env)
        self.assertIn("suppressed: Name was never read", p.stdout)   # ... unless -v
        # a nolint that suppresses nothing is itself a finding
        self.write("bb02_rename.sql", R2.replace("ALTER TABLE Users RENAME", "-- aurmig:nolint D101\nALTER TABLE Users RENAME", 1))
        rc, doc = self.json("bb02")
        self.assertIn("X104", [f["code"] for f in doc["findings"]])

    def test_probe_only_suppression_is_not_unused_without_the_probe(self):
        # X102 and L112 come only from --probe: lint alone cannot use a suppression of them
        self.scripts()
        with open(os.path.join(self.dir, "lint.ini"), "w") as f:
            f.write("[lint]\ndialects = mysql\nignore.aa01 = X102 -- sections differ on purpose\n"
                    "ignore.bb02 = X102, L112\nignore.cc03 = X102 T102 -- not only the probe's\n")
        rc, doc = self.json("--all")
        x104 = [f["revision"] for f in doc["findings"] if f["code"] == "X104"]
        self.assertEqual(x104, ["cc03"], doc["findings"])

    def test_online_required_header_lints_as_online(self):
        # a script that must run online (-- aurmig:online required) is linted
        # as with --online: its rename is an outage for the running release
        self.scripts()
        rc, doc = self.json("bb02")
        self.assertEqual(rc, 0)
        self.assertEqual({f["severity"] for f in doc["findings"] if f["code"] == "C102"}, {"warning"})
        self.write("bb02_rename.sql", R2.replace("-- aurmig:upgrade", "-- aurmig:online required\n-- aurmig:upgrade", 1))
        rc, doc = self.json("bb02")
        self.assertEqual(rc, 10, doc)
        self.assertEqual({f["severity"] for f in doc["findings"] if f["code"] == "C102"}, {"error"})

    def test_configuration(self):
        self.scripts()
        with open(os.path.join(self.dir, "lint.ini"), "w") as f:
            f.write("[lint]\ndialects = mysql\nbaseline = bb02\nignore.cc03 = D102 -- archived first\n")
        rc, doc = self.json()                      # no database: what follows the baseline
        self.assertEqual(rc, 0)
        self.assertEqual([(f["revision"], f["code"], f["dialects"], f["reason"]) for f in doc["findings"]],
                         [("cc03", "D102", ["mysql"], "archived first")])
        rc, doc = self.json("--all")
        self.assertEqual({f["revision"] for f in doc["findings"]}, {"bb02", "cc03"})
        rc, doc = self.json("--since", "aa01", "--dialect", "sqlite")
        self.assertEqual({(f["revision"], tuple(f["dialects"])) for f in doc["findings"]},
                         {("bb02", ("sqlite",)), ("cc03", ("sqlite",))})
        # --config comes after DIR/lint.ini
        cfg = os.path.join(self.tmp, "aurmig.ini")
        with open(cfg, "w") as f:
            f.write("[hooks]\n[lint]\nerror = C\n")
        rc, doc = self.json("bb02", glob=("--config", cfg))
        self.assertEqual((rc, doc["findings"][0]["severity"]), (10, "error"))
        with open(cfg, "w") as f:
            f.write("[lint]\nno-such-key = 1\n")
        rc, out, err = self.lint("bb02", glob=("--config", cfg))
        self.assertEqual(rc, 1)
        self.assertIn("unknown key 'no-such-key'", err)
        self.assertIn(cfg + ":2:", err)            # file and line of the key
        # INI files are read by configparser's rules, as aurweb's config: a
        # long reason is one line (libinih split lines at 200 bytes and then
        # read the tail as a malformed line), ';' and '#' in a value are text
        reason = "kept on purpose; " + "the reason is long " * 20 + "# and ends here"
        with open(os.path.join(self.dir, "lint.ini"), "w") as f:
            f.write("[lint]\ndialects = mysql\nignore.cc03 = D102 -- %s\n" % reason)
        rc, doc = self.json("cc03")
        self.assertEqual(rc, 0, doc)
        self.assertEqual([(f["code"], f["reason"]) for f in doc["findings"]], [("D102", reason)])
        with open(cfg, "w") as f:
            f.write("[lint]\nerror = C\n  junk without a key\n[lint\n")
        rc, out, err = self.lint("bb02", glob=("--config", cfg))
        self.assertEqual(rc, 1)
        self.assertIn(cfg + ":4:", err)

    def test_pending_against_database(self):
        self.scripts()
        db = os.path.join(self.tmp, "t.db")
        p = subprocess.run([AURMIG, "--dir", self.dir, "--url", "sqlite:///" + db, "upgrade", "bb02"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        rc, doc = self.json(glob=("--url", "sqlite:///" + db))
        self.assertEqual(rc, 10)
        # only the pending revision, for the database's dialect
        self.assertEqual({(f["revision"], tuple(f["dialects"])) for f in doc["findings"]}, {("cc03", ("sqlite",))})

    def test_autogenerate_prints_findings(self):
        self.write("aa01_first.sql", R1)
        db = os.path.join(self.tmp, "t.db")
        url = "sqlite:///" + db
        p = subprocess.run([AURMIG, "--dir", self.dir, "--url", url, "upgrade", "head"], capture_output=True,
                           text=True, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)
        os.mkdir(os.path.join(self.dir, "schema"))
        self.write(os.path.join("schema", "portable.sql"),
                   "-- aurmig:portable\nCREATE TABLE Users (\n  ID int NOT NULL PRIMARY KEY\n);\n")
        p = subprocess.run([AURMIG, "--dir", self.dir, "--url", url, "revision", "--autogenerate", "-m", "no nick"],
                           capture_output=True, text=True, env=self.env)
        self.assertEqual(p.returncode, 0, p.stderr)          # findings do not fail the command
        self.assertRegex(p.stderr, r"_no_nick\.sql:\d+:1: error: .*Users\.Nick is dropped .*\[aurmig:D102\]")
        self.assertIn("review the findings above", p.stderr)
        self.assertIn("Generated revision", p.stdout)

    # ---- version, size, rolling deploy, GitLab ----------------------------------
    R4 = """-- aurmig:revision dd04
-- aurmig:down_revision cc03
-- aurmig:upgrade mysql
ALTER TABLE Packages ADD COLUMN Seen INT NULL AFTER Name;
UPDATE Packages SET Seen = 0 WHERE Seen IS NULL;
-- aurmig:downgrade mysql
ALTER TABLE Packages DROP COLUMN Seen;
"""

    def codes(self, doc):
        return sorted((f["code"], f["severity"]) for f in doc["findings"] if f["revision"] == "dd04")

    def test_server_version_large_table_online(self):
        self.scripts()
        self.write("dd04_seen.sql", self.R4)
        rc, doc = self.json("dd04")
        self.assertEqual(self.codes(doc), [("L104", "info"), ("T104", "warning")])
        # 10.11 adds a column anywhere INSTANT: no L104
        rc, doc = self.json("dd04", "--server-version", "mariadb:10.11")
        self.assertEqual(self.codes(doc), [("T104", "warning")])
        # 10.3: a column at a position rebuilds
        rc, doc = self.json("dd04", "--server-version", "mariadb:10.3")
        self.assertIn(("L101", "warning"), self.codes(doc))
        # a large table: L101 an error, and the UPDATE in one transaction L111
        rc, doc = self.json("dd04", "--server-version", "mariadb:10.3", "--large-table", "packages=2M")
        self.assertEqual(rc, 10)
        self.assertIn(("L101", "error"), self.codes(doc))
        self.assertIn(("L111", "warning"), self.codes(doc))
        l101 = [f for f in doc["findings"] if f["code"] == "L101"][0]
        self.assertIn("large table: 2000000 rows", l101["message"])
        # below the threshold it is not large
        rc, doc = self.json("dd04", "--large-table", "Packages=2000", "--large-table-rows", "10k")
        self.assertEqual((rc, self.codes(doc)), (0, [("L104", "info"), ("T104", "warning")]))
        # rolling deploy: L103 (no ALGORITHM/LOCK) and L104 warnings
        rc, doc = self.json("dd04", "--online")
        self.assertEqual(self.codes(doc), [("L103", "warning"), ("L104", "warning"), ("T104", "warning")])
        rc, doc = self.json("bb02", "--online")
        self.assertEqual((rc, [f["severity"] for f in doc["findings"] if f["code"] == "C102"]), (10, ["error"]))
        # the same from [lint]
        with open(os.path.join(self.dir, "lint.ini"), "w") as f:
            f.write("[lint]\nserver-version = mariadb:10.3 postgresql:15\nlarge-tables = Packages=2M, Users\n"
                    "large-table-rows = 1000\nonline = yes\n")
        rc, doc = self.json("dd04")
        self.assertIn(("L101", "error"), self.codes(doc))
        self.assertIn(("L111", "error"), self.codes(doc))     # --online makes L111 an error
        # usage errors
        for bad in (["--server-version", "oracle:19"], ["--large-table", "T=many"], ["--large-table-rows", "x"]):
            rc, out, err = self.lint("dd04", *bad)
            self.assertEqual(rc, 2, bad)
        with open(os.path.join(self.dir, "lint.ini"), "w") as f:
            f.write("[lint]\nlarge-tables = =5\n")
        rc, out, err = self.lint("dd04")
        self.assertEqual(rc, 1)
        self.assertIn("NAME[=ROWS]", err)

    def test_gitlab_format(self):
        self.scripts()
        self.write("dd04_seen.sql", self.R4)
        rc, out, err = self.lint("--all", "--format", "gitlab")
        self.assertEqual(rc, 10)
        doc = json.loads(out)
        self.assertIsInstance(doc, list)
        for o in doc:
            self.assertEqual(set(o), {"description", "check_name", "fingerprint", "severity", "location"})
            self.assertIn(o["severity"], ("info", "minor", "major", "critical", "blocker"))
            self.assertTrue(o["location"]["path"].endswith(".sql"))
            self.assertGreaterEqual(o["location"]["lines"]["begin"], 1)
        self.assertEqual(len({o["fingerprint"] for o in doc}), len(doc))
        by = {o["check_name"]: o for o in doc}
        self.assertEqual(by["D102"]["severity"], "critical")
        self.assertEqual(by["C102"]["severity"], "major")
        self.assertEqual(by["L104"]["severity"], "info")
        self.assertIn("do instead:", by["D102"]["description"])
        # the fingerprint does not move with the line
        with open(os.path.join(self.dir, "dd04_seen.sql"), "w") as f:
            f.write(self.R4.replace("-- aurmig:upgrade mysql\n", "-- aurmig:upgrade mysql\n-- a comment\n\n"))
        rc, out, err = self.lint("--all", "--format", "gitlab")
        again = {o["check_name"]: o for o in json.loads(out)}
        self.assertEqual(again["L104"]["fingerprint"], by["L104"]["fingerprint"])
        self.assertEqual(again["L104"]["location"]["lines"]["begin"], by["L104"]["location"]["lines"]["begin"] + 2)
        # suppressed findings are not in the report
        self.scripts(nolint="-- aurmig:nolint D102 -- on purpose\n")
        rc, out, err = self.lint("--all", "--format", "gitlab")
        self.assertNotIn("D102", {o["check_name"] for o in json.loads(out)})

    # ---- aurweb's history ------------------------------------------------------
    # The codes per revision lint reports on migrations/ (all suppressed in
    # migrations/lint.ini, each with its reason). A change of rules shows here.
    AURWEB = {
        "ef39fcd6e1cd": {"L105": 1},
        "f47cad5d6d03": {"P101": 18, "P105": 2, "P112": 18, "T104": 1, "T106": 1},
        "56e2ce8e2ffa": {"L101": 23, "M101": 1},
        "be7adae47ac3": {"D105": 4, "L101": 1},
        "d64e5571bc8d": {"D105": 2, "L101": 1, "L110": 1, "T104": 1},
        "6441d3b65270": {"D106": 2, "T104": 1, "X103": 2},
        "7d65d35fae45": {"C101": 4, "C102": 1},
        "f2701a76f4a9": {"L101": 1, "L110": 1, "M105": 1, "T104": 1},
        "a3f1c2d4e5b6": {"L105": 1, "T104": 1},
        "b7c419f0a2d1": {"M101": 2, "T104": 1, "X103": 4, "X105": 3},
        "38e5b9982eea": {"T102": 1},
        "d9b3f27c8e51": {"T102": 1},
    }

    def test_aurweb_history(self):
        mig = os.path.join(ROOT, "migrations")
        rc, doc = self.json("--all", "--werror", dir=mig)
        self.assertEqual(rc, 0, doc["counts"])
        self.assertEqual(doc["counts"]["error"] + doc["counts"]["warning"] + doc["counts"]["info"], 0)
        got = collections.defaultdict(collections.Counter)
        for f in doc["findings"]:
            self.assertTrue(f["suppressed"] and f["reason"], f)
            got[f["revision"]][f["code"]] += 1
        self.assertEqual({k: dict(v) for k, v in got.items()}, self.AURWEB)
        # the known risks, where they are
        by = {(f["revision"], f["code"], f["line"]) for f in doc["findings"]}
        self.assertIn(("f2701a76f4a9", "M105", 36), by)          # PK redefined after the mass DELETE
        self.assertIn(("b7c419f0a2d1", "M101", 97), by)          # UNIQUE index after a hook
        l101 = [f for f in doc["findings"] if f["revision"] == "56e2ce8e2ffa" and f["code"] == "L101"]
        self.assertEqual(len({f["line"] for f in l101}), 23)   # one per converted table
        # CI (no database, no argument): after the baseline, nothing
        rc, doc = self.json("--werror", dir=mig)
        self.assertEqual((rc, doc["findings"]), (0, []))
        # without the project's configuration the findings are live
        bare = os.path.join(self.tmp, "aurweb")
        shutil.copytree(mig, bare)
        os.unlink(os.path.join(bare, "lint.ini"))
        rc, doc = self.json("--all", "--dialect", "mysql", "--dialect", "sqlite", dir=bare)
        self.assertEqual(rc, 0)                        # warnings only
        self.assertEqual(doc["counts"]["suppressed"], 0)
        self.assertEqual(doc["counts"]["warning"] + doc["counts"]["info"], sum(sum(v.values()) for v in self.AURWEB.values()))


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv[1])
    ROOT = os.path.abspath(sys.argv[2])
    unittest.main(argv=sys.argv[:1], verbosity=2)
