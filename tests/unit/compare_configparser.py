#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""aurmig reads aurweb's configuration as aurweb does: the same files given
to Python's configparser (RawConfigParser with aurweb's optionxform, the
defaults file first and the config on top, as aurweb/config.py) and to
aurmig's reader (tests/unit/settings_dump.c) must give the same [database]
values, or both refuse the files.

Usage: compare_configparser.py SETTINGS_DUMP
"""
import configparser
import os
import subprocess
import sys
import tempfile
import unittest

DUMP = None
KEYS = ("backend", "host", "socket", "port", "name", "user", "password")
BACKENDS = {"mysql": "mysql", "sqlite": "sqlite", "postgres": "postgres",
            "postgresql": "postgres", "pgsql": "postgres"}

# name -> (config text, defaults text or None)
CASES = {
    "inline semicolon and hash": (
        "[database]\nbackend = mysql\nname = aurweb\nuser = aur\n"
        "password = pa ;ss#1\nhost = localhost ; primary\n", None),
    "comment lines": (
        "; leading comment\n# another\n[database]\n  ; indented comment\nbackend = mysql\n"
        "name = aurweb\n#password = old\npassword = new\n", None),
    "percent signs": (
        "[database]\nbackend = postgres\nname = aur%db\nuser = %(user)s\n"
        "password = 100%% %(x)s %\nport = 5432\n", None),
    "continuation lines elsewhere": (
        "[options]\nmotd = first line\n    second line\n\n    after a blank\n"
        "[database]\nbackend = mysql\nname = aurweb\npassword = s3cret\n", None),
    "continuation in [database]": (
        "[database]\nbackend = mysql\nname = aurweb\npassword = first\n\tsecond\n", None),
    "colon delimiter and extra delimiters": (
        "[database]\nbackend: mysql\nname:aurweb\npassword = a=b:c\nuser : u:v\n", None),
    "spacing and empty values": (
        "[database]\n  backend   =   mysql  \nname=aurweb\nhost =\nsocket =   \n"
        "password =\t tab\t\n", None),
    "text after the section's bracket": (
        "[database] ; comment\nbackend = mysql\nname = aurweb\n", None),
    "key case is kept": (
        "[database]\nbackend = mysql\nname = aurweb\nPassword = upper\npassword = lower\n", None),
    "mysql port hides the socket": (
        "[database]\nbackend = mysql\nname = aurweb\nsocket = /run/mysqld/mysqld.sock\nport = 3306\n"
        "host = 127.0.0.1\n", None),
    "sqlite": ("[database]\nbackend = sqlite\nname = /srv/aurweb/aurweb.sqlite3\n", None),
    "defaults layer: overrides only": (
        "[database]\npassword = Over ;ride\n",
        "[database]\nbackend = mysql\nhost = localhost\nsocket = /var/run/mysqld/mysqld.sock\n"
        "name = AUR\nuser = aur\npassword = aur\n[options]\nx = 1\n"),
    "defaults layer: [DEFAULT] loses to the defaults' [database]": (
        "[DEFAULT]\nhost = from-config-default\n[database]\nname = aurweb\n",
        "[DEFAULT]\nuser = default-user\n[database]\nbackend = postgres\nhost = from-defaults\n"),
    "defaults layer: [DEFAULT] fills in": (
        "[DEFAULT]\nport = 5433\n[database]\nname = aurweb\n",
        "[database]\nbackend = postgres\n"),
    "defaults layer: section only in the defaults": (
        "[options]\naur_location = https://aur.example\n",
        "[database]\nbackend = mysql\nname = AUR\n"),
    "no [database] anywhere": ("[options]\nx = 1\n", None),
    "duplicate key": ("[database]\nbackend = mysql\nname = a\nname = b\n", None),
    "duplicate key across files is an override": (
        "[database]\nname = b\n", "[database]\nbackend = mysql\nname = a\n"),
    "line without a delimiter": ("[database]\nbackend = mysql\nname = a\njunk\n", None),
    "key before any section": ("backend = mysql\n[database]\nname = a\n", None),
    "bad backend": ("[database]\nbackend = oracle\nname = a\n", None),
    "missing name": ("[database]\nbackend = mysql\n", None),
}


def python_view(config, defaults):
    """What aurweb's config.py would hand to its database code, as the
    fields aurmig builds from it; None when it cannot be used."""
    p = configparser.RawConfigParser()
    p.optionxform = lambda option: option
    try:
        if defaults and os.path.isfile(defaults):
            with open(defaults) as f:
                p.read_file(f)
        with open(config) as f:
            p.read_file(f)
    except configparser.Error:
        return None
    if not p.has_section("database"):
        return None
    v = {k: p.get("database", k, fallback=None) for k in KEYS}
    if any(x is not None and "\n" in x for x in v.values()):
        return None          # aurmig refuses multi-line [database] values
    if v["backend"] not in BACKENDS or not v["name"]:
        return None
    out = {"backend": BACKENDS[v["backend"]], "name": v["name"]}
    if out["backend"] == "sqlite":
        return out
    for k in ("host", "socket", "user", "password"):
        if v[k]:
            out[k] = v[k]
    if v["port"]:
        out["port"] = str(int(v["port"]))
    if out["backend"] == "mysql" and "port" in out:
        out.pop("socket", None)
    return out


def aurmig_view(config, defaults):
    args = [DUMP, config] + ([defaults] if defaults else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError("settings_dump failed: " + p.stderr)
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition("\t")
        out[k] = v
    return None if "error" in out else out


class CompareWithConfigparser(unittest.TestCase):
    def test_cases(self):
        with tempfile.TemporaryDirectory(prefix="aurmig-cfg-") as tmp:
            for i, (name, (config, defaults)) in enumerate(CASES.items()):
                with self.subTest(name):
                    cpath = os.path.join(tmp, "config%d" % i)
                    with open(cpath, "w") as f:
                        f.write(config)
                    dpath = None
                    if defaults is not None:
                        # aurweb's default name for it: <config>.defaults
                        dpath = cpath + ".defaults"
                        with open(dpath, "w") as f:
                            f.write(defaults)
                    want = python_view(cpath, dpath)
                    self.assertEqual(aurmig_view(cpath, None), want)
                    if dpath:
                        # the same through an explicit path (AUR_CONFIG_DEFAULTS)
                        other = os.path.join(tmp, "explicit%d" % i)
                        os.rename(dpath, other)
                        self.assertEqual(aurmig_view(cpath, other), want)

    def test_cases_are_tricky(self):
        # the set holds values libinih would have cut, and files Python refuses
        with tempfile.TemporaryDirectory(prefix="aurmig-cfg-") as tmp:
            path = os.path.join(tmp, "c")
            with open(path, "w") as f:
                f.write(CASES["inline semicolon and hash"][0])
            self.assertEqual(python_view(path, None)["password"], "pa ;ss#1")
            with open(path, "w") as f:
                f.write(CASES["duplicate key"][0])
            self.assertIsNone(python_view(path, None))


if __name__ == "__main__":
    DUMP = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
