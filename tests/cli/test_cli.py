#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""End-to-end tests of the aurmig command line on real SQLite files.

Usage: test_cli.py AURMIG_BINARY SOURCE_ROOT
"""
import json
import os
import pty
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unittest

AURMIG = None
ROOT = None


def fixture(name="branched"):
    return os.path.join(ROOT, "tests", "data", "graphs", name)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-cli-")
        self.db = os.path.join(self.tmp, "t.db")
        self.url = "sqlite:///" + self.db
        self.env = {k: v for k, v in os.environ.items() if k not in ("AURMIG_URL", "AUR_CONFIG")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def aurmig(self, *args, env=None, dir=None, url=True):
        cmd = [AURMIG, "--dir", dir or fixture()]
        if url:
            cmd += ["--url", self.url]
        cmd += list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env or self.env, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def rows(self):
        con = sqlite3.connect(self.db)
        try:
            return sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
        finally:
            con.close()

    def tables(self):
        con = sqlite3.connect(self.db)
        try:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            con.close()


class CliTest(Base):
    # ---- help and usage -------------------------------------------------
    def test_help_for_every_verb(self):
        verbs = ["upgrade", "downgrade", "stamp", "current", "check", "heads", "branches", "history", "show"]
        rc, out, _ = self.aurmig("--help", url=False)
        self.assertEqual(rc, 0)
        for v in verbs:
            self.assertIn(v, out)
            rc, vout, _ = self.aurmig(v, "--help", url=False)
            self.assertEqual(rc, 0, v)
            self.assertTrue(vout.startswith("usage: aurmig [global options] " + v), vout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.aurmig("frobnicate")[0], 2)
        self.assertEqual(self.aurmig("--bogus", "current")[0], 2)
        self.assertEqual(self.aurmig("downgrade")[0], 2)
        self.assertEqual(self.aurmig("stamp")[0], 2)
        self.assertEqual(self.aurmig("upgrade", "a", "b")[0], 2)
        rc, _, err = self.aurmig("current", url=False)
        self.assertEqual(rc, 2)
        self.assertIn("no database given", err)

    def test_version(self):
        rc, out, _ = self.aurmig("--version", url=False)
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"^aurmig \d+\.\d+\.\d+\n$")

    # ---- migrating ----------------------------------------------------------
    def test_upgrade_then_idempotent(self):
        rc, out, err = self.aurmig("upgrade", "head")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.count("Running upgrade"), 7)
        self.assertIn("Running upgrade <base> -> 1000aaaa0001, Base table", out)
        self.assertEqual(self.rows(), ["5000eeee0001"])
        rc, out, err = self.aurmig("upgrade", "head")
        self.assertEqual((rc, out, err), (0, "", ""))

    def test_current_check_and_read_only(self):
        # a missing file is an error and stays missing; an empty one is a database
        rc, out, err = self.aurmig("current")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("no such database file", err)
        self.assertFalse(os.path.exists(self.db))
        sqlite3.connect(self.db).close()
        rc, out, _ = self.aurmig("current")
        self.assertEqual((rc, out), (0, ""))
        rc, out, _ = self.aurmig("check")
        self.assertEqual(rc, 3)
        self.assertIn("7 migrations pending", out)
        self.assertNotIn("alembic_version", self.tables())
        self.aurmig("upgrade", "2000bbbb0002")
        rc, out, _ = self.aurmig("current")
        self.assertEqual((rc, out), (0, "2000bbbb0002 (bee)\n"))
        self.assertEqual(self.aurmig("check")[0], 3)
        self.aurmig("upgrade", "heads")
        rc, out, _ = self.aurmig("current")
        self.assertEqual(out, "5000eeee0001 (bee) (head)\n")
        rc, out, _ = self.aurmig("check")
        self.assertEqual(rc, 0)
        rc, out, _ = self.aurmig("-q", "check")
        self.assertEqual((rc, out), (0, ""))

    def test_unknown_revision_in_database(self):
        self.aurmig("upgrade", "1000aaaa0001")
        con = sqlite3.connect(self.db)
        con.execute("UPDATE alembic_version SET version_num='abcdef999999'")
        con.commit()
        con.close()
        rc, _, err = self.aurmig("check")
        self.assertEqual(rc, 7)
        self.assertIn("abcdef999999", err)
        rc, _, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 7)
        self.assertIn("newer than these migrations", err)
        rc, out, _ = self.aurmig("current")
        self.assertEqual(rc, 0)
        self.assertIn("abcdef999999 (unknown revision", out)
        self.assertEqual(self.aurmig("stamp", "--purge", "heads")[0], 0)
        self.assertEqual(self.rows(), ["5000eeee0001"])

    def test_downgrade_relative_and_base(self):
        self.aurmig("upgrade", "heads")
        rc, out, err = self.aurmig("downgrade", "-1")
        self.assertEqual(rc, 0, err)
        self.assertIn("Running downgrade 5000eeee0001 -> 4000dddd0001", out)
        self.assertEqual(self.rows(), ["4000dddd0001"])
        rc, out, err = self.aurmig("downgrade", "base")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.rows(), [])
        self.assertEqual(self.tables(), {"alembic_version", "aurmig_journal"})

    def test_stamp(self):
        rc, out, err = self.aurmig("stamp", "2000bbbb0002", "3000cccc0001")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.rows(), ["2000bbbb0002", "3000cccc0001"])
        self.assertEqual(self.tables(), {"alembic_version", "aurmig_journal"})
        self.assertEqual(self.aurmig("stamp", "base")[0], 0)
        self.assertEqual(self.rows(), [])

    def test_bad_target_messages(self):
        rc, _, err = self.aurmig("upgrade", "2000bbbb")
        self.assertEqual(rc, 1)
        self.assertIn("Multiple revisions start with '2000bbbb'", err)
        self.assertIn("2000bbbb0001", err)
        rc, _, err = self.aurmig("upgrade", "nosuch")
        self.assertEqual(rc, 1)
        self.assertIn("No such revision or branch 'nosuch'", err)

    def test_failing_statement_reports_file_line(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        with open(os.path.join(d, "aaaa_bad.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE ok (a INT);\nSELEC nonsense;\n")
        rc, out, err = self.aurmig("upgrade", "heads", dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("aaaa_bad.sql:4:", err)
        self.assertIn("upgrade of revision aaaa failed at statement 2", err)
        self.assertIn("statement: SELEC nonsense", err)
        self.assertNotIn("ok", self.tables())

    def test_malformed_script_reports_file_line(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        with open(os.path.join(d, "aaaa_bad.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:wat x\n-- aurmig:upgrade\n")
        rc, _, err = self.aurmig("heads", dir=d, url=False)
        self.assertEqual(rc, 1)
        self.assertIn("aaaa_bad.sql:2: unknown header key 'wat'", err)

    # ---- connections ------------------------------------------------------------
    def test_environment_and_aurweb_config(self):
        env = dict(self.env, AURMIG_URL=self.url)
        rc, _, err = self.aurmig("upgrade", "1000aaaa0001", env=env, url=False)
        self.assertEqual(rc, 0, err)
        cfg = os.path.join(self.tmp, "config")
        with open(cfg, "w") as f:
            f.write("[database]\nbackend = sqlite\nname = %s\n" % self.db)
        rc, out, err = self.aurmig("--aurweb-config", cfg, "current", url=False)
        self.assertEqual((rc, out), (0, "1000aaaa0001 (branchpoint)\n"), err)
        env = dict(self.env, AUR_CONFIG=cfg)
        rc, out, err = self.aurmig("current", env=env, url=False)
        self.assertEqual((rc, out), (0, "1000aaaa0001 (branchpoint)\n"), err)

    def test_password_never_printed(self):
        secret = "s3cr3t-Pa55"
        for args in (["--url", "mysql://aur:%s@127.0.0.1:1/aurweb" % secret, "-v", "current"],
                     ["--url", "pgsql://aur:%s@127.0.0.1:1/aurweb" % secret, "current"],
                     ["--url", "mysql://aur:%s@127.0.0.1:99999/aurweb" % secret, "current"]):
            p = subprocess.run([AURMIG, "--dir", fixture()] + args, capture_output=True, text=True, env=self.env)
            self.assertNotEqual(p.returncode, 0)
            self.assertNotIn(secret, p.stdout + p.stderr)
            self.assertIn("error", p.stderr)

    # ---- reading the graph ---------------------------------------------------------
    def test_heads_branches_history_show(self):
        rc, out, _ = self.aurmig("heads", url=False)
        self.assertEqual((rc, out), (0, "5000eeee0001 (bee) (head)\n"))
        rc, out, _ = self.aurmig("branches", url=False)
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith("1000aaaa0001 (branchpoint), Base table\n"))
        self.assertIn("-> 2000bbbb0001 (bee), Branch b first", out)
        self.assertIn("-> 3000cccc0001, Branch c first", out)
        rc, out, _ = self.aurmig("history", url=False)
        lines = out.splitlines()
        self.assertEqual(len(lines), 7)
        self.assertEqual(lines[0], "4000dddd0001 -> 5000eeee0001 (bee) (head), After the merge")
        self.assertEqual(lines[-1], "<base> -> 1000aaaa0001 (branchpoint), Base table")
        self.assertIn("2000bbbb0002, 3000cccc0002 -> 4000dddd0001 (bee) (mergepoint), Merge b and c", lines)
        self.assertIn("3000cccc0001 (2000bbbb0001) -> 3000cccc0002, Branch c second, needs b1", lines)
        rc, out, _ = self.aurmig("history", "-r", "3000cccc0001:4000dddd0001", url=False)
        self.assertEqual([l.split(" -> ")[1].split()[0].rstrip(",") for l in out.splitlines()],
                         ["4000dddd0001", "3000cccc0002", "3000cccc0001"])
        self.aurmig("upgrade", "2000bbbb0002")
        rc, out, _ = self.aurmig("history", "-i", "-r", "current:")
        self.assertIn("2000bbbb0001 -> 2000bbbb0002 (bee) (current), Branch b second", out)
        self.assertNotIn("1000aaaa0001 (", out.replace("<base> -> 1000aaaa0001", ""))
        rc, out, _ = self.aurmig("show", "4000", url=False)
        self.assertEqual(rc, 0)
        self.assertIn("Rev: 4000dddd0001 (mergepoint)", out)
        self.assertIn("Merges: 2000bbbb0002, 3000cccc0002", out)
        self.assertIn("Create Date: 2026-11-27 12:00:00", out)
        rc, out, _ = self.aurmig("show", "current")
        self.assertIn("Rev: 2000bbbb0002 (current)", out)


class OperatorTest(Base):
    """Issue 7: JSON, scaffolding, the head guard, colours, the Ansible task."""

    def j(self, *args, url=True, expect_rc=0, dir=None):
        rc, out, err = self.aurmig("--json", *args, url=url, dir=dir)
        self.assertEqual(rc, expect_rc, err)
        return json.loads(out)

    def test_json_of_every_verb(self):
        sqlite3.connect(self.db).close()   # an empty database: check does not create one
        doc = self.j("check", expect_rc=3)
        self.assertEqual(doc["state"], "behind")
        self.assertEqual(doc["pending"][0], "1000aaaa0001")
        self.assertEqual(len(doc["pending"]), 7)
        doc = self.j("upgrade", "2000bbbb0001")
        self.assertEqual(doc["changed"], True)
        self.assertEqual((doc["from"], doc["to"]), ([], ["2000bbbb0001"]))
        self.assertEqual([(s["revision"], s["direction"]) for s in doc["steps"]],
                         [("1000aaaa0001", "upgrade"), ("2000bbbb0001", "upgrade")])
        self.assertTrue(all(isinstance(s["seconds"], float) and s["seconds"] >= 0 for s in doc["steps"]))
        doc = self.j("current")
        self.assertEqual(doc["rows"], ["2000bbbb0001"])
        self.assertEqual(doc["current"][0]["revision"], "2000bbbb0001")
        self.assertEqual(doc["current"][0]["branches"], ["bee"])
        doc = self.j("heads", url=False)
        self.assertEqual([h["revision"] for h in doc["heads"]], ["5000eeee0001"])
        self.assertTrue(doc["heads"][0]["head"])
        doc = self.j("branches", url=False)
        self.assertEqual(doc["branchpoints"][0]["children"], ["2000bbbb0001", "3000cccc0001"])
        doc = self.j("history")
        self.assertEqual(len(doc["revisions"]), 7)
        self.assertEqual([r["revision"] for r in doc["revisions"] if r["current"]], ["2000bbbb0001"])
        doc = self.j("history", url=False)
        self.assertFalse(any(r["current"] for r in doc["revisions"]))
        doc = self.j("show", "4000", url=False)
        self.assertEqual(doc["parents"], ["2000bbbb0002", "3000cccc0002"])
        self.assertTrue(doc["mergepoint"])
        self.assertTrue(doc["checksum"].startswith("v1:"))
        doc = self.j("validate", expect_rc=3)
        self.assertFalse(doc["ok"])
        self.assertEqual({i["kind"] for i in doc["issues"]}, {"pending"})
        doc = self.j("downgrade", "base")
        self.assertEqual((doc["changed"], doc["to"]), (True, []))
        self.assertEqual(doc["steps"][0]["direction"], "downgrade")
        doc = self.j("stamp", "heads")
        self.assertEqual(doc["steps"][0]["direction"], "stamp")
        self.assertEqual(doc["to"], ["5000eeee0001"])
        doc = self.j("check")
        self.assertEqual((doc["state"], doc["at_head"]), ("at_head", True))
        doc = self.j("upgrade", "head")
        self.assertEqual(doc, {"ok": True, "changed": False, "from": ["5000eeee0001"], "to": ["5000eeee0001"], "steps": [], "warnings": []})
        doc = self.j("upgrade", "nosuch", expect_rc=1)
        self.assertEqual(doc["error"]["code"], -6)
        self.assertIn("nosuch", doc["error"]["message"])

    def test_ansible_command_line(self):
        # docs/ansible.md's task, against a real database
        cfg = os.path.join(self.tmp, "config")
        with open(cfg, "w") as f:
            f.write("[database]\nbackend = sqlite\nname = %s\n" % self.db)
        argv = [AURMIG, "--json", "--aurweb-config", cfg, "--dir", fixture(), "--lock-timeout", "300",
                "upgrade", "head"]
        first = subprocess.run(argv, capture_output=True, text=True, env=self.env)
        self.assertEqual(first.returncode, 0, first.stderr)
        doc = json.loads(first.stdout)
        self.assertIs(doc["changed"], True)
        self.assertEqual(len(doc["steps"]), 7)
        self.assertEqual(doc["steps"][-1]["revision"], "5000eeee0001")
        again = subprocess.run(argv, capture_output=True, text=True, env=self.env)
        self.assertEqual(again.returncode, 0)
        self.assertIs(json.loads(again.stdout)["changed"], False)
        check = subprocess.run(argv[:-2] + ["check"], capture_output=True, text=True, env=self.env)
        self.assertEqual(check.returncode, 0)
        self.assertEqual(json.loads(check.stdout)["state"], "at_head")

    def test_revision_and_merge_round_trip(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        doc = self.j("revision", "-m", "Create things", "--rev-id", "base00000001", url=False, dir=d)
        self.assertEqual(doc["revision"], "base00000001")
        a = self.j("revision", "-m", "Branch A", "--branch-label", "alpha", url=False, dir=d)["revision"]
        self.assertRegex(a, r"^[0-9a-f]{12}$")
        b = self.j("revision", "-m", "Branch B", "--head", "base00000001", url=False, dir=d)["revision"]
        rc, _, err = self.aurmig("revision", "-m", "ambiguous", url=False, dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("Multiple heads are present", err)
        self.assertIn(a, err)
        self.assertIn(b, err)
        rc, _, err = self.aurmig("heads", "--single", url=False, dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("2 heads", err)
        # fill in the generated scripts, then merge and upgrade through it all
        for rev, table in ((a, "ta"), (b, "tb")):
            p = [os.path.join(d, f) for f in os.listdir(d) if f.startswith(rev)][0]
            text = open(p).read().replace("-- aurmig:upgrade\n", "-- aurmig:upgrade\nCREATE TABLE %s (x INT);\n" % table)
            text = text.replace("-- aurmig:downgrade\n", "-- aurmig:downgrade\nDROP TABLE %s;\n" % table)
            open(p, "w").write(text)
        m = self.j("merge", "-m", "Merge A and B", "heads", url=False, dir=d)["revision"]
        self.assertEqual(self.aurmig("heads", "--single", url=False, dir=d)[0], 0)
        doc = self.j("show", m, url=False, dir=d)
        self.assertEqual(sorted(doc["parents"]), sorted([a, b]))
        doc = self.j("upgrade", "heads", dir=d)
        self.assertEqual(len(doc["steps"]), 4)
        self.assertEqual(doc["to"], [m])
        self.assertTrue({"ta", "tb"} <= self.tables())
        self.assertEqual(self.j("downgrade", "base", dir=d)["to"], [])
        rc, _, err = self.aurmig("revision", "-m", "dup", "--rev-id", a, url=False, dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("already in use", err)

    def test_offline_sql_sqlite(self):
        rc, script, err = self.aurmig("upgrade", "--sql", "base:heads", "--dialect", "sqlite", url=False)
        self.assertEqual(rc, 0, err)
        p = subprocess.run(["sqlite3", "-bail", self.db], input=script, text=True, capture_output=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.rows(), ["5000eeee0001"])
        online = os.path.join(self.tmp, "online.db")
        subprocess.run([AURMIG, "--dir", fixture(), "--url", "sqlite:///" + online, "upgrade", "heads"],
                       check=True, capture_output=True)
        def schema(path):
            con = sqlite3.connect(path)
            try:
                return sorted(con.execute("SELECT type, name, sql FROM sqlite_master WHERE name != 'aurmig_journal'"))
            finally:
                con.close()
        self.assertEqual(schema(self.db), schema(online))
        # no start: reads the database, prints, changes nothing
        rc, script, err = self.aurmig("downgrade", "--sql", "-1")
        self.assertEqual(rc, 0, err)
        self.assertIn("DROP TABLE t_d;", script)
        self.assertEqual(self.rows(), ["5000eeee0001"])
        self.assertEqual(self.aurmig("upgrade", "--sql", "base:heads", url=False)[0], 2)  # no dialect

    def test_colours_only_on_a_terminal(self):
        rc, _, err = self.aurmig("upgrade", "nosuch")
        self.assertNotIn("\x1b[", err)
        for no_color, want in ((None, True), ("1", False)):
            env = dict(self.env)
            if no_color:
                env["NO_COLOR"] = no_color
            master, slave = pty.openpty()
            p = subprocess.run([AURMIG, "--dir", fixture(), "--url", self.url, "upgrade", "nosuch"],
                               stdout=subprocess.PIPE, stderr=slave, env=env)
            os.close(slave)
            err = os.read(master, 4096).decode()
            os.close(master)
            self.assertEqual(p.returncode, 1)
            self.assertEqual("\x1b[" in err, want, err)

    def test_hook_commands(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        with open(os.path.join(d, "aaaa_h.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE pkg (p REAL);\n"
                    "INSERT INTO pkg VALUES (0);\n-- aurmig:hook recompute\n"
                    "-- aurmig:downgrade\nDROP TABLE pkg;\n")
        rc, _, err = self.aurmig("upgrade", dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("needs the hook 'recompute'", err)
        self.assertNotIn("alembic_version", self.tables())       # nothing ran
        log = os.path.join(self.tmp, "hook.log")
        # the hook gets the connection through its environment, writes through its own connection
        cmd = ('echo "$AURMIG_HOOK $AURMIG_REVISION $AURMIG_DIRECTION $AURMIG_URL" > %s; '
               'sqlite3 %s "UPDATE pkg SET p = 7"' % (log, self.db))
        rc, out, err = self.aurmig("--hook", "recompute=" + cmd, "upgrade", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertEqual(open(log).read().split(), ["recompute", "aaaa", "upgrade", self.url])
        con = sqlite3.connect(self.db)
        self.assertEqual(con.execute("SELECT p FROM pkg").fetchall(), [(7.0,)])
        con.close()
        # a config file maps hooks too; a failing hook command fails the step
        cfg = os.path.join(self.tmp, "aurmig.ini")
        with open(cfg, "w") as f:
            f.write("[hooks]\nrecompute = exit 3\n")
        self.assertEqual(self.aurmig("downgrade", "base", dir=d)[0], 0)
        rc, out, err = self.aurmig("--config", cfg, "upgrade", dir=d)
        self.assertEqual(rc, 5, err)      # its own connection: statements before it stay
        self.assertIn("hook 'recompute' failed (returned 3)", err)
        self.assertEqual(self.aurmig("--config", cfg, "mark-rolled-back", dir=d)[0], 0)
        # the command is taken literally: a ';' in it is shell, not an inline comment
        # (libinih cut "exit 0 ; exit 4" to "exit 0")
        with open(cfg, "w") as f:
            f.write("[hooks]\nrecompute = true ; exit 4\n")
        con = sqlite3.connect(self.db)
        con.execute("DROP TABLE pkg")      # undone by hand, as mark-rolled-back said
        con.commit()
        con.close()
        rc, out, err = self.aurmig("--config", cfg, "upgrade", dir=d)
        self.assertEqual(rc, 5, err)
        self.assertIn("hook 'recompute' failed (returned 4)", err)
        self.assertEqual(self.aurmig("--config", cfg, "mark-rolled-back", dir=d)[0], 0)
        # a malformed file names its line
        with open(cfg, "w") as f:
            f.write("[hooks]\nrecompute\n")
        rc, out, err = self.aurmig("--config", cfg, "heads", dir=d)
        self.assertEqual(rc, 1)
        self.assertIn(cfg + ":2:", err)

    def test_config_steps(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        with open(os.path.join(d, "aaaa_sso.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:message SSO\n-- aurmig:upgrade\n"
                    "CREATE TABLE users (id INTEGER);\n"
                    "-- aurmig:config add-section sso\n"
                    "-- aurmig:config set if-unset sso openid = https://example.org/oidc\n"
                    "-- aurmig:config rename-key options old_key new_key\n"
                    "-- aurmig:config set if-equal=none options cache = redis\n"
                    "-- aurmig:downgrade\nDROP TABLE users;\n"
                    "-- aurmig:config rename-key options new_key old_key\n"
                    "-- aurmig:config set options cache = none\n"
                    "-- aurmig:config remove sso openid\n")
        conf = os.path.join(self.tmp, "config")
        original = ("; aurweb configuration\n[database]\nbackend = sqlite\n\n"
                    "[options]\n# keep this comment\nold_key = 42\ncache  =  none\nunknown = kept\n")
        with open(conf, "w") as f:
            f.write(original)
        # a plan with config steps and no file fails before anything runs
        rc, _, err = self.aurmig("upgrade", dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("changes the configuration file", err)
        self.assertNotIn("users", self.tables())
        # --sql shows the change as a unified diff
        rc, out, err = self.aurmig("--config-file", conf, "upgrade", "--sql", "base:heads", "--dialect", "sqlite",
                                   url=False, dir=d)
        self.assertEqual(rc, 0, err)
        self.assertIn("-- -old_key = 42\n-- -cache  =  none\n-- +new_key = 42\n-- +cache  =  redis\n", out)
        self.assertEqual(open(conf).read(), original)
        rc, out, err = self.aurmig("--config-file", conf, "upgrade", dir=d)
        self.assertEqual(rc, 0, err)
        upgraded = ("; aurweb configuration\n[database]\nbackend = sqlite\n\n"
                    "[options]\n# keep this comment\nnew_key = 42\ncache  =  redis\nunknown = kept\n"
                    "\n[sso]\nopenid = https://example.org/oidc\n\n[aurmig]\nrevision = aaaa\n")
        self.assertEqual(open(conf).read(), upgraded)
        self.assertEqual(open(conf + ".aurmig-bak").read(), original)
        self.assertEqual(self.aurmig("--config-file", conf, "check", dir=d)[0], 0)
        # a hand edit is reported, config-stamp accepts it
        with open(conf, "a") as f:
            f.write("extra = 1\n")
        rc, _, err = self.aurmig("--config-file", conf, "check", dir=d)
        self.assertEqual(rc, 6)
        self.assertIn("changed since aurmig wrote it", err)
        doc = self.j("--config-file", conf, "check", dir=d, expect_rc=6)   # --json checks the file too
        self.assertEqual((doc["state"], doc["config"]["state"]), ("at_head", "edited"))
        self.assertIn("changed since aurmig wrote it", doc["config"]["message"])
        self.assertEqual(self.aurmig("--config-file", conf, "config-stamp", dir=d)[0], 0)
        self.assertEqual(self.aurmig("--config-file", conf, "check", dir=d)[0], 0)
        self.assertEqual(self.j("--config-file", conf, "check", dir=d)["config"]["state"], "in_sync")
        rc, _, err = self.aurmig("--config-file", conf, "downgrade", "base", dir=d)
        self.assertEqual(rc, 0, err)
        down = open(conf).read()
        self.assertIn("old_key = 42\ncache  =  none\nunknown = kept\n", down)
        self.assertNotIn("openid", down)
        self.assertTrue(down.startswith("; aurweb configuration\n[database]\n"))
        # a failed write: the database part stays, the file stays whole, check
        # reports it, the next run finishes it
        os.unlink(conf + ".aurmig-bak")
        os.mkdir(conf + ".aurmig-bak")           # the backup cannot be put in place
        open(os.path.join(conf + ".aurmig-bak", "x"), "w").close()
        before = open(conf).read()
        rc, _, err = self.aurmig("--config-file", conf, "upgrade", dir=d)
        self.assertEqual(rc, 1)
        self.assertIn("config step is pending", err)
        self.assertEqual(open(conf).read(), before)
        self.assertEqual(self.rows(), ["aaaa"])
        rc, _, err = self.aurmig("--config-file", conf, "check", dir=d)
        self.assertEqual(rc, 6)
        self.assertIn("pending", err)
        shutil.rmtree(conf + ".aurmig-bak")
        rc, _, err = self.aurmig("--config-file", conf, "upgrade", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertIn("finishing the pending config step of aaaa", err)
        self.assertIn("new_key = 42", open(conf).read())
        self.assertEqual(self.aurmig("--config-file", conf, "check", dir=d)[0], 0)

    def test_config_remove_section(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        mig = os.path.join(d, "aaaa_drop_fingerprints.sql")

        def write(up, down):
            with open(mig, "w") as f:
                f.write("-- aurmig:revision aaaa\n-- aurmig:message drop\n-- aurmig:upgrade\n"
                        "CREATE TABLE t (id INTEGER);\n" + up +
                        "-- aurmig:downgrade\nDROP TABLE t;\n" + down)

        conf = os.path.join(self.tmp, "config")
        original = ("[options]\ncache = none\n\n# host keys\n[fingerprints]\nEd25519 = SHA256:x\n\n"
                    "[legacy]\n; nothing here any more\n")
        with open(conf, "w") as f:
            f.write(original)
        # parse errors name the line
        for bad, why in (("remove-section\n", "remove-section needs SECTION"),
                         ("remove-section if-empty\n", "remove-section needs SECTION"),
                         ("remove-section a b\n", "too many words")):
            write("-- aurmig:config " + bad, "")
            rc, _, err = self.aurmig("--config-file", conf, "upgrade", dir=d)
            self.assertEqual(rc, 1, err)
            self.assertIn("aaaa_drop_fingerprints.sql:5: config step: " + why, err)
        self.assertEqual(open(conf).read(), original)
        write("-- aurmig:config remove-section fingerprints\n-- aurmig:config remove-section if-empty legacy\n"
              "-- aurmig:config remove-section if-empty options\n",
              "-- aurmig:config add-section fingerprints\n"
              "-- aurmig:config set if-unset fingerprints Ed25519 = SHA256:x\n")
        rc, out, err = self.aurmig("--config-file", conf, "upgrade", "--sql", "base:heads", "--dialect", "sqlite",
                                   url=False, dir=d)
        self.assertEqual(rc, 0, err)
        self.assertIn("-- -# host keys\n-- -[fingerprints]\n-- -Ed25519 = SHA256:x\n", out)
        rc, _, err = self.aurmig("--config-file", conf, "upgrade", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertEqual(open(conf).read(), "[options]\ncache = none\n\n[aurmig]\nrevision = aaaa\n")
        self.assertEqual(self.aurmig("--config-file", conf, "check", dir=d)[0], 0)
        # the downgrade adds back what its author wrote (the removed lines are not recorded)
        rc, _, err = self.aurmig("--config-file", conf, "downgrade", "base", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertEqual(open(conf).read(), "[options]\ncache = none\n\n[aurmig]\nrevision =\n\n"
                         "[fingerprints]\nEd25519 = SHA256:x\n")

    def test_config_steps_read_only_directory(self):
        """The configuration file's directory is not writable for the user
        aurmig runs as (root ignores permissions: the commands run as
        nobody): the database part applies, the config step is pending, the
        file is untouched, check says so, the next run finishes it."""
        if os.geteuid() != 0:
            self.skipTest("needs root to run aurmig as an unprivileged user (nobody, uid 65534)")
        nobody = dict(user=65534, group=65534, extra_groups=[])
        try:
            subprocess.run(["true"], check=True, **nobody)
        except (OSError, subprocess.SubprocessError) as e:
            self.skipTest("cannot run a command as uid/gid 65534: %s" % e)
        os.chmod(self.tmp, 0o755)
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d, 0o755)
        with open(os.path.join(d, "aaaa_sso.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:message SSO\n-- aurmig:upgrade\n"
                    "CREATE TABLE users (id INTEGER);\n"
                    "-- aurmig:config set if-unset sso openid = https://example.org/oidc\n"
                    "-- aurmig:config set if-equal=none options cache = redis\n"
                    "-- aurmig:downgrade\nDROP TABLE users;\n"
                    "-- aurmig:config set options cache = none\n"
                    "-- aurmig:config remove sso openid\n")
        os.chmod(os.path.join(d, "aaaa_sso.sql"), 0o644)
        # the database (and SQLite's journal and lock files) in a directory nobody owns
        dbdir = os.path.join(self.tmp, "db")
        os.mkdir(dbdir, 0o755)
        os.chown(dbdir, 65534, 65534)
        self.db = os.path.join(dbdir, "t.db")
        self.url = "sqlite:///" + self.db
        # the configuration file belongs to nobody, its directory to root (0755)
        etc = os.path.join(self.tmp, "etc")
        os.mkdir(etc, 0o755)
        conf = os.path.join(etc, "config")
        original = b"[database]\nbackend = sqlite\n\n[options]\ncache = none\n"
        with open(conf, "wb") as f:
            f.write(original)
        os.chown(conf, 65534, 65534)
        os.chmod(conf, 0o640)

        def run(*args):
            p = subprocess.run([AURMIG, "--dir", d, "--url", self.url, "--config-file", conf] + list(args),
                               capture_output=True, text=True, env=self.env, timeout=60, **nobody)
            return p.returncode, p.stdout, p.stderr

        rc, out, err = run("upgrade")
        self.assertEqual(rc, 1, out + err)
        self.assertIn("the database part of aaaa is applied, but writing %s failed" % conf, err)
        self.assertIn("cannot create a temporary file next to it", err)
        self.assertIn("config step is pending", err)
        self.assertEqual(self.rows(), ["aaaa"])
        self.assertIn("users", self.tables())
        with open(conf, "rb") as f:
            self.assertEqual(f.read(), original)
        self.assertEqual(os.listdir(etc), ["config"])
        rc, out, err = run("check")
        self.assertEqual(rc, 6, out + err)
        self.assertIn("a config step is pending", err)
        self.assertIn("run 'aurmig --config-file %s upgrade' to finish it" % conf, err)
        # the operator makes the directory writable; the next run finishes the step
        os.chown(etc, 65534, 65534)
        rc, out, err = run("upgrade")
        self.assertEqual(rc, 0, out + err)
        self.assertIn("finishing the pending config step of aaaa", err)
        with open(conf, "rb") as f:
            self.assertEqual(f.read(), b"[database]\nbackend = sqlite\n\n[options]\ncache = redis\n"
                             b"\n[sso]\nopenid = https://example.org/oidc\n\n[aurmig]\nrevision = aaaa\n")
        st = os.stat(conf)
        self.assertEqual((st.st_uid, st.st_gid, st.st_mode & 0o7777), (65534, 65534, 0o640))
        with open(conf + ".aurmig-bak", "rb") as f:
            self.assertEqual(f.read(), original)
        self.assertEqual(run("check")[0], 0)

    def test_aurweb_hooks_and_irreversible_downgrades(self):
        d = os.path.join(self.tmp, "aurweb")
        os.mkdir(d)
        for f in os.listdir(os.path.join(ROOT, "migrations")):
            if f.endswith(".sql"):
                shutil.copy(os.path.join(ROOT, "migrations", f), d)   # the chain, without schema/
        log = os.path.join(self.tmp, "hooks.log")
        hook = 'echo "$AURMIG_HOOK $AURMIG_REVISION" >> %s' % log
        rc, out, err = self.aurmig("--hook", "normalize_emails=" + hook, "--hook", "dedupe_emails=" + hook,
                                   "--hook", "recompute_popularity=" + hook, "upgrade", "heads", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertEqual(open(log).read().split("\n")[:3], ["recompute_popularity 6441d3b65270",
                         "normalize_emails b7c419f0a2d1", "dedupe_emails b7c419f0a2d1"])
        self.assertEqual(self.rows(), ["d9b3f27c8e51"])
        # without the hooks, their (empty) SQL defaults run: the chain works as is
        rc, out, err = self.aurmig("downgrade", "d64e5571bc8d", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertIn("the downgrade of b7c419f0a2d1 cannot restore: the spam accounts", err)
        self.assertIn("the downgrade of f2701a76f4a9 cannot restore", err)
        rc, out, err = self.aurmig("upgrade", "heads", dir=d)
        self.assertEqual(rc, 0, err)

    def test_man_page_and_completion(self):
        man = os.path.join(ROOT, "doc", "aurmig.1")
        text = open(man).read()
        for word in ("upgrade", "validate", "resume", "EXIT STATUS", "NO_COLOR"):
            self.assertIn(word, text)
        comp = os.path.join(ROOT, "completions", "aurmig.bash")
        self.assertEqual(subprocess.run(["bash", "-n", comp]).returncode, 0)


if __name__ == "__main__":
    AURMIG, ROOT = os.path.abspath(sys.argv[1]), sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
