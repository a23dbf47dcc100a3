# SPDX-License-Identifier: GPL-2.0-or-later
"""Throwaway server databases for the binding tests.

tests/servers/start.sh (run by scripts/test.sh) exports
AURMIG_TEST_MYSQL_URL and AURMIG_TEST_PGSQL_URL; their user may create and
drop databases named aurmig_*. Each test run makes its own database with the
servers' command-line clients (mariadb, psql: no Python driver needed),
named aurmig_<tag>_<pid>_<n>, and drops it afterwards. Without the variables
the backends are skipped.
"""
import itertools
import os
import subprocess
import urllib.parse

ENV = {"mysql": "AURMIG_TEST_MYSQL_URL", "pgsql": "AURMIG_TEST_PGSQL_URL"}
_seq = itertools.count(1)


def available():
    """{backend: base URL} of the servers this run may use."""
    return {k: os.environ[v] for k, v in ENV.items() if os.environ.get(v)}


def _parts(url):
    u = urllib.parse.urlsplit(url)
    q = dict(urllib.parse.parse_qsl(u.query))
    return u, q


def _run_sql(kind, url, sql):
    u, q = _parts(url)
    env = dict(os.environ)
    user = urllib.parse.unquote(u.username or "")
    password = urllib.parse.unquote(u.password or "")
    if kind == "mysql":
        argv = ["mariadb", "--no-defaults", "--batch", "-u", user]
        if q.get("unix_socket"):
            argv += ["--socket", q["unix_socket"]]
        else:
            argv += ["-h", u.hostname or "127.0.0.1", "-P", str(u.port or 3306), "--protocol=TCP"]
        env["MYSQL_PWD"] = password
        argv += ["-e", sql]
    else:
        argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", user,
                "-h", q.get("host") or u.hostname or "127.0.0.1", "-p", str(u.port or 5432),
                "-d", u.path.lstrip("/") or "postgres", "-c", sql]
        env["PGPASSWORD"] = password
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                       timeout=60)
    if p.returncode:
        raise RuntimeError("%s: %s failed: %s" % (kind, sql, p.stderr.strip()))


def create(kind, base_url, tag):
    """A new empty database on the server of base_url; returns its URL."""
    name = "aurmig_%s_%d_%d" % (tag, os.getpid(), next(_seq))
    drop(kind, base_url, name)
    _run_sql(kind, base_url, "CREATE DATABASE %s" % name
             + (" CHARACTER SET utf8mb4" if kind == "mysql" else ""))
    u, _ = _parts(base_url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, "")), name


def drop(kind, base_url, name):
    _run_sql(kind, base_url, "DROP DATABASE IF EXISTS %s" % name + (" WITH (FORCE)" if kind == "pgsql" else ""))


def portable_graph(src, dest):
    """A copy of a test graph (same ids, parents, labels, dependencies) that
    also runs on MariaDB and PostgreSQL.

    tests/data/graphs/branched is written for SQLite: its INSERTs leave the
    `id INTEGER PRIMARY KEY` column to SQLite's rowid, which other databases
    do not fill in. The copy adds `mysql` and `pgsql` upgrade sections with
    AUTO_INCREMENT / SERIAL keys; the SQLite run keeps using the original.
    """
    import re
    os.makedirs(dest, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".sql"):
            continue
        with open(os.path.join(src, name), encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        section = re.compile(r"^\s*--\s*aurmig:(upgrade|downgrade)\b(.*)$")
        up, cur = [], None
        for line in lines:
            m = section.match(line)
            if m:
                cur = (m.group(1), m.group(2).strip())
                continue
            if cur == ("upgrade", ""):
                up.append(line)
        body = "\n".join(up).strip("\n")
        extra = ""
        if "INTEGER PRIMARY KEY" in body:
            extra = ("\n-- aurmig:upgrade mysql\n" + body.replace("INTEGER PRIMARY KEY",
                                                                  "INTEGER AUTO_INCREMENT PRIMARY KEY")
                     + "\n\n-- aurmig:upgrade pgsql\n" + body.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")
                     + "\n")
        with open(os.path.join(dest, name), "w", encoding="utf-8") as f:
            f.write(text.rstrip("\n") + "\n" + extra)
    return dest
