#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The operator's seams (issue 17): read-only verbs and SQLite files, the
first deploy on an empty database, aurweb's config as the config steps'
file, Alembic and empty scripts directories. Real SQLite files.

Usage: test_operator.py AURMIG_BINARY SOURCE_ROOT
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


def fixture(name="branched"):
    return os.path.join(ROOT, "tests", "data", "graphs", name)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="aurmig-op-")
        os.chmod(self.tmp, 0o755)
        self.db = os.path.join(self.tmp, "t.db")
        self.url = "sqlite:///" + self.db
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("AURMIG_URL", "AUR_CONFIG", "AUR_CONFIG_DEFAULTS", "AURMIG_CONFIG")}

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def aurmig(self, *args, dir=None, url=None, pre=(), env=None):
        cmd = list(pre) + [AURMIG, "--dir", dir or fixture()]
        if url is not False:
            cmd += ["--url", url or self.url]
        cmd += list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, env=env or self.env, timeout=120)
        return p.returncode, p.stdout, p.stderr


class ReadOnlyVerbs(Base):
    """current, check, schema dump/diff never create an SQLite file."""

    def test_missing_file_is_not_created(self):
        typo = os.path.join(self.tmp, "typo.db")
        for verb in (["current"], ["check"], ["schema", "dump"], ["history", "--indicate-current"]):
            rc, out, err = self.aurmig(*verb, url="sqlite:///" + typo)
            self.assertEqual(rc, 1, (verb, out, err))
            self.assertIn("no such database file: " + typo, err, verb)
            self.assertFalse(os.path.exists(typo), verb)

    def test_schema_diff_other_missing(self):
        self.assertEqual(self.aurmig("upgrade", "heads")[0], 0)
        other = os.path.join(self.tmp, "other.db")
        rc, _, err = self.aurmig("schema", "diff", "sqlite:///" + other)
        self.assertEqual(rc, 1, err)
        self.assertIn("no such database file: " + other, err)
        self.assertFalse(os.path.exists(other))

    def test_missing_directory_named(self):
        path = os.path.join(self.tmp, "nodir", "x.db")
        for verb in ("current", "upgrade"):
            rc, _, err = self.aurmig(verb, url="sqlite:///" + path)
            self.assertEqual(rc, 1, err)
            self.assertIn("cannot open SQLite database " + path, err)
            self.assertIn("directory " + os.path.join(self.tmp, "nodir") + ": No such file or directory", err)
            self.assertNotIn("libdbi could not establish", err)

    def test_not_a_database_named(self):
        with open(self.db, "w") as f:
            f.write("this is not a database, it is a text file\n")
        rc, _, err = self.aurmig("current")
        self.assertEqual(rc, 1, err)
        self.assertIn(self.db + " is not an SQLite database", err)

    def test_directory_named(self):
        os.mkdir(self.db)
        rc, _, err = self.aurmig("upgrade", "heads")
        self.assertEqual(rc, 1, err)
        self.assertIn("cannot open SQLite database " + self.db + ": it is a directory", err)

    def as_nobody(self):
        if os.geteuid() != 0:
            return ()
        if not shutil.which("setpriv"):
            self.skipTest("needs setpriv to drop root")
        return ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")

    def test_read_only_file_named(self):
        pre = self.as_nobody()
        os.chmod(self.tmp, 0o777)
        self.assertEqual(self.aurmig("upgrade", "heads", pre=pre)[0], 0)
        self.assertEqual(self.aurmig("downgrade", "base", pre=pre)[0], 0)
        os.chmod(self.db, 0o444)
        rc, _, err = self.aurmig("upgrade", "heads", pre=pre)
        self.assertEqual(rc, 1, err)
        self.assertIn("the SQLite database " + self.db + " is read-only", err)
        self.assertNotIn("INSERT INTO", err)
        self.assertNotIn("statement:", err)

    def test_permission_denied_named(self):
        pre = self.as_nobody()
        locked = os.path.join(self.tmp, "locked")
        os.mkdir(locked, 0o555)
        path = os.path.join(locked, "x.db")
        rc, _, err = self.aurmig("upgrade", "heads", url="sqlite:///" + path, pre=pre)
        self.assertEqual(rc, 1, err)
        self.assertIn("cannot create SQLite database " + path + ": directory " + locked
                      + ": Permission denied", err)


class AurwebConfig(Base):
    """One option for aurweb's config: the connection (defaults file read
    first, as aurweb does) and the file config steps edit."""

    def write_migration(self):
        d = os.path.join(self.tmp, "mig")
        os.mkdir(d)
        with open(os.path.join(d, "aaaa_sso.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:message SSO\n-- aurmig:upgrade\n"
                    "CREATE TABLE users (id INTEGER);\n"
                    "-- aurmig:config set if-unset sso openid = https://example.org/oidc\n"
                    "-- aurmig:downgrade\nDROP TABLE users;\n"
                    "-- aurmig:config remove sso openid\n")
        return d

    def test_overrides_only_and_config_steps(self):
        d = self.write_migration()
        cfg = os.path.join(self.tmp, "config")
        with open(cfg + ".defaults", "w") as f:
            f.write("[database]\nbackend = sqlite\nname = %s\n\n[options]\ncache = none\n" % self.db)
        # only the override, with a ';' and '#' configparser keeps
        with open(cfg, "w") as f:
            f.write("[options]\ncache = redis ;fast #1\n")
        rc, out, err = self.aurmig("--aurweb-config", cfg, "upgrade", "heads", dir=d, url=False)
        self.assertEqual(rc, 0, err)
        text = open(cfg).read()
        self.assertIn("openid = https://example.org/oidc", text)
        self.assertIn("cache = redis ;fast #1", text)
        self.assertNotIn("openid", open(cfg + ".defaults").read())
        rc, out, err = self.aurmig("--aurweb-config", cfg, "check", dir=d, url=False)
        self.assertEqual(rc, 0, out + err)
        # --config-file still names another file
        other = os.path.join(self.tmp, "other.ini")
        with open(other, "w") as f:
            f.write("[aurmig]\nrevision = aaaa\n")
        rc, out, err = self.aurmig("--aurweb-config", cfg, "--config-file", other, "downgrade", "base",
                                   dir=d, url=False)
        self.assertEqual(rc, 0, err)
        self.assertIn("openid = https://example.org/oidc", open(cfg).read())

    def test_defaults_from_environment(self):
        cfg = os.path.join(self.tmp, "config")
        defaults = os.path.join(self.tmp, "elsewhere.defaults")
        with open(defaults, "w") as f:
            f.write("[database]\nbackend = sqlite\nname = %s\n" % self.db)
        with open(cfg, "w") as f:
            f.write("[options]\nx = 1\n")
        env = dict(self.env, AUR_CONFIG_DEFAULTS=defaults)
        rc, out, err = self.aurmig("--aurweb-config", cfg, "upgrade", "heads", url=False, env=env)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.aurmig("--aurweb-config", cfg, "current", url=False)
        self.assertEqual(rc, 1)
        self.assertIn("no [database] section", err)


class FirstDeploy(Base):
    """upgrade on an empty database: built from the declared schema when the
    migrations ship one (as init), the chain otherwise; check says which."""

    def aurweb(self):
        return os.path.join(ROOT, "migrations")

    def rows(self):
        con = sqlite3.connect(self.db)
        try:
            return sorted(r[0] for r in con.execute("SELECT version_num FROM alembic_version"))
        finally:
            con.close()

    def test_upgrade_builds_a_new_file_from_the_schema(self):
        rc, heads, _ = self.aurmig("heads", dir=self.aurweb(), url=False)
        head = heads.split()[0]
        rc, out, err = self.aurmig("upgrade", dir=self.aurweb())
        self.assertEqual(rc, 0, err)
        self.assertIn("building it at head from the declared schema "
                      + os.path.join(self.aurweb(), "schema", "sqlite.sql"), out)
        self.assertIn("stamped " + head, out)
        self.assertEqual(self.rows(), [head])
        self.assertEqual(self.aurmig("check", dir=self.aurweb())[0], 0)
        self.assertEqual(self.aurmig("validate", dir=self.aurweb())[0], 0)
        # a second upgrade has nothing to do
        rc, out, err = self.aurmig("upgrade", dir=self.aurweb())
        self.assertEqual(rc, 0, err)
        self.assertNotIn("declared schema", out)

    def test_check_says_what_upgrade_does(self):
        sqlite3.connect(self.db).close()
        rc, out, err = self.aurmig("check", dir=self.aurweb())
        self.assertEqual(rc, 3, err)
        self.assertIn("Database is empty: 'aurmig upgrade heads' builds it at head from the declared schema", out)
        rc, out, err = self.aurmig("--json", "check", dir=self.aurweb())
        self.assertEqual(rc, 3, err)
        self.assertIn('"init": "' + os.path.join(self.aurweb(), "schema", "sqlite.sql"), out)
        rc, out, err = self.aurmig("--json", "upgrade", dir=self.aurweb())
        self.assertEqual(rc, 0, err)
        self.assertIn('"changed": true', out)
        # without a declared schema: the usual message, and upgrade runs the chain
        os.unlink(self.db)
        sqlite3.connect(self.db).close()
        rc, out, err = self.aurmig("check")
        self.assertEqual(rc, 3)
        self.assertIn("7 migrations pending", out)
        rc, out, err = self.aurmig("upgrade")
        self.assertEqual(rc, 0, err)
        self.assertNotIn("declared schema", out)
        self.assertEqual(self.rows(), ["5000eeee0001"])

    def test_sql_of_an_init_plan_refused(self):
        sqlite3.connect(self.db).close()
        rc, out, err = self.aurmig("upgrade", "--sql", "heads", dir=self.aurweb())
        self.assertEqual((rc, out), (1, ""), err)
        self.assertIn("builds it from " + os.path.join(self.aurweb(), "schema", "sqlite.sql"), err)

    def test_other_targets_refused(self):
        rc, out, err = self.aurmig("upgrade", "be7adae47ac3", dir=self.aurweb())
        self.assertEqual(rc, 1, err)
        self.assertIn("'aurmig upgrade heads' (or 'aurmig init') builds it", err)

    def test_schema_behind_heads_runs_the_rest(self):
        d = os.path.join(self.tmp, "mig")
        os.makedirs(os.path.join(d, "schema"))
        with open(os.path.join(d, "aaaa_a.sql"), "w") as f:
            f.write("-- aurmig:revision aaaa\n-- aurmig:message A\n-- aurmig:upgrade\n"
                    "CREATE TABLE a (id INTEGER);\n-- aurmig:downgrade\nDROP TABLE a;\n")
        with open(os.path.join(d, "bbbb_b.sql"), "w") as f:
            f.write("-- aurmig:revision bbbb\n-- aurmig:down_revision aaaa\n-- aurmig:message B\n"
                    "-- aurmig:upgrade\nCREATE TABLE b (id INTEGER);\n-- aurmig:downgrade\nDROP TABLE b;\n")
        with open(os.path.join(d, "schema", "sqlite.sql"), "w") as f:
            f.write("-- aurmig:schema-revision aaaa\nCREATE TABLE a (id INTEGER);\n")
        rc, out, err = self.aurmig("upgrade", dir=d)
        self.assertEqual(rc, 0, err)
        self.assertIn("declared schema", out)
        self.assertEqual(self.rows(), ["bbbb"])
        con = sqlite3.connect(self.db)
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        con.close()
        self.assertTrue({"a", "b"} <= tables, tables)

    def test_aurweb_config_untouched_without_config_steps(self):
        cfg = os.path.join(self.tmp, "config")
        text = "[database]\nbackend = sqlite\nname = %s\n" % self.db
        with open(cfg, "w") as f:
            f.write(text)
        rc, out, err = self.aurmig("--aurweb-config", cfg, "upgrade", dir=self.aurweb(), url=False)
        self.assertEqual(rc, 0, err)
        self.assertEqual(open(cfg).read(), text)
        rc, out, err = self.aurmig("--aurweb-config", cfg, "check", dir=self.aurweb(), url=False)
        self.assertEqual(rc, 0, out + err)


class ScriptDirectories(Base):
    def test_alembic_directory_named(self):
        d = os.path.join(self.tmp, "alembic")
        os.makedirs(os.path.join(d, "versions"))
        open(os.path.join(d, "env.py"), "w").close()
        open(os.path.join(d, "script.py.mako"), "w").close()
        with open(os.path.join(d, "versions", "9e3158957fd7_x.py"), "w") as f:
            f.write('revision = "9e3158957fd7"\ndown_revision = None\n')
        con = sqlite3.connect(self.db)
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version VALUES ('9e3158957fd7')")
        con.commit()
        con.close()
        for verb in (["upgrade"], ["check"], ["heads"]):
            rc, out, err = self.aurmig(*verb, dir=d)
            self.assertEqual(rc, 1, (verb, out, err))
            self.assertIn("this is an Alembic scripts directory", err)
            self.assertIn("not aurmig SQL scripts", err)
            self.assertNotIn("newer than", err)

    def test_heads_of_an_empty_directory(self):
        d = os.path.join(self.tmp, "empty")
        os.mkdir(d)
        rc, out, err = self.aurmig("heads", dir=d, url=False)
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("no migrations in " + d, err)
        rc, out, err = self.aurmig("--json", "heads", dir=d, url=False)
        self.assertEqual(rc, 1)
        # the first revision can still be written there
        rc, out, err = self.aurmig("revision", "-m", "first", dir=d, url=False)
        self.assertEqual(rc, 0, err)
        rc, out, err = self.aurmig("heads", dir=d, url=False)
        self.assertEqual(rc, 0, err)
        self.assertIn("(head)", out)


if __name__ == "__main__":
    AURMIG = os.path.abspath(sys.argv.pop(1))
    ROOT = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
