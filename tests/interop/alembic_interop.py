#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Interoperability test: libaurmig's `alembic_version` table against Alembic.

For every --graph directory of aurmig `.sql` scripts this test

 1. writes an equivalent Alembic project (env.py + one versions/<rev>_x.py per
    script, same revision / down_revision / branch_labels / depends_on, and
    upgrade() / downgrade() running the same SQL statements through
    op.execute);
 2. replays one sequence of upgrade / downgrade / stamp commands against two
    fresh SQLite files, one driven by the aurmig CLI, one by Alembic's command
    API (in process), and after every command compares the set of
    alembic_version rows and the set of schema objects in sqlite_master;
    where Alembic raises, aurmig must fail too;
 3. hands databases across: Alembic-made ones to aurmig (`current`,
    `upgrade heads`, `check`) and aurmig-made ones to Alembic (`current`,
    `upgrade heads`), and compares the CREATE TABLE text of alembic_version
    written by each tool.

Exit status: 0 all matched, 1 a mismatch (with a diff on stdout), 77 when
/usr/bin/python3 cannot import alembic (meson's "skip").

Alembic is the reference: a difference is reported as aurmig's, unless the
step's own expectation (written into the sequences below from reading
Alembic 1.8.1) says Alembic itself did not do what the step is there to cover;
that is reported as a FIXTURE failure so lost coverage cannot pass silently.
"""

import argparse
import contextlib
import io
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import traceback

SKIP = 77
REFERENCE_PYTHON = "/usr/bin/python3"


# --------------------------------------------------------------------------
# aurmig script format (lib/script.c): `-- aurmig:<key> <value>` header lines,
# then `-- aurmig:upgrade [dialect]` / `-- aurmig:downgrade [dialect]` sections.

_BLANK = " \t\r\f\v"
_DIRECTIVE = re.compile(r"^[ \t\r\f\v]*--[ \t\r\f\v]*aurmig:([^ \t\r\f\v]*)[ \t\r\f\v]*(.*)$")


class Script:
    def __init__(self, path):
        self.path = path
        self.id = None
        self.down = []
        self.deps = []
        self.labels = []
        self.message = ""
        self.sections = {}  # (direction, dialect) -> text

    def sql(self, direction, dialect="sqlite"):
        """The section aurmig would run: the dialect's own, else the generic one."""
        if (direction, dialect) in self.sections:
            return self.sections[(direction, dialect)]
        return self.sections.get((direction, ""))


def _parse_list(value):
    value = value.strip(_BLANK)
    if value.startswith("(") and value.endswith(")"):
        value = value[1:-1]
    return [v for v in re.split(r"[ \t\r\f\v,]+", value) if v]


def parse_script(path):
    s = Script(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    current = None
    for line in text.split("\n"):
        m = _DIRECTIVE.match(line)
        if not m:
            if current is not None:
                s.sections[current] += line + "\n"
            continue
        key, value = m.group(1), m.group(2).strip(_BLANK)
        if key in ("upgrade", "downgrade"):
            current = (key, value)
            if current in s.sections:
                raise ValueError("%s: section %s given twice" % (path, current))
            s.sections[current] = ""
        elif current is not None:
            raise ValueError("%s: header %s after the first section" % (path, key))
        elif key == "revision":
            s.id = value
        elif key == "down_revision":
            s.down = _parse_list(value)
        elif key == "depends_on":
            s.deps = _parse_list(value)
        elif key == "branch_labels":
            s.labels = _parse_list(value)
        elif key == "message":
            s.message = value
        elif key in ("create_date", "transaction"):
            pass
        else:
            raise ValueError("%s: unknown header key %r" % (path, key))
    if not s.id:
        raise ValueError("%s: no revision header" % path)
    return s


def load_graph(directory):
    scripts = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".sql"):
            scripts.append(parse_script(os.path.join(directory, name)))
    if not scripts:
        raise ValueError("%s: no .sql scripts" % directory)
    return {s.id: s for s in scripts}


def _has_code(chunk):
    chunk = re.sub(r"/\*.*?\*/", " ", chunk, flags=re.S)
    chunk = re.sub(r"--[^\n]*", " ", chunk)
    return chunk.strip(" \t\r\n\f\v;") != ""


def split_sql(text):
    """Statements of a section, cut where sqlite3 says a statement is complete
    (so `;` inside literals, comments and trigger bodies does not cut)."""
    out, buf = [], ""
    for ch in text or "":
        buf += ch
        if ch == ";" and sqlite3.complete_statement(buf):
            if _has_code(buf):
                out.append(buf.strip())
            buf = ""
    if _has_code(buf):
        out.append(buf.strip())
    return out


# --------------------------------------------------------------------------
# The generated Alembic project

ENV_PY = '''\
# Generated by tests/interop/alembic_interop.py
from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

if context.is_offline_mode():
    raise SystemExit("the interop test runs online only")

engine = create_engine(context.config.get_main_option("sqlalchemy.url"),
                       poolclass=NullPool)
try:
    with engine.connect() as connection:
        context.configure(connection=connection,
                          transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
finally:
    engine.dispose()
'''


def _py_ids(ids):
    if not ids:
        return "None"
    if len(ids) == 1:
        return repr(ids[0])
    return "(" + ", ".join(repr(i) for i in ids) + ")"


def _escape_for_text(stmt):
    # op.execute(str) goes through sqlalchemy.text(): `:word` would be a bind.
    return re.sub(r":(?=\w)", r"\\:", stmt)


def _py_function(name, stmts, missing):
    if missing:
        return "def %s():\n    raise RuntimeError(%r)\n" % (name, missing)
    body = "".join("    op.execute(%r)\n" % _escape_for_text(s) for s in stmts)
    return "def %s():\n%s" % (name, body or "    pass\n")


def write_alembic_project(graph, dest):
    if os.path.exists(dest):
        shutil.rmtree(dest)
    versions = os.path.join(dest, "versions")
    os.makedirs(versions)
    with open(os.path.join(dest, "env.py"), "w", encoding="utf-8") as f:
        f.write(ENV_PY)
    for rev, s in graph.items():
        up, down = s.sql("upgrade"), s.sql("downgrade")
        text = (
            "# Generated from %s\n"
            '"""%s"""\n'
            "from alembic import op\n\n"
            "revision = %r\n"
            "down_revision = %s\n"
            "branch_labels = %s\n"
            "depends_on = %s\n\n\n"
            "%s\n\n%s"
        ) % (
            os.path.basename(s.path),
            s.message.replace('"""', "'''").replace("\\", "\\\\"),
            rev,
            _py_ids(s.down),
            _py_ids(s.labels),
            _py_ids(s.deps),
            _py_function("upgrade", split_sql(up), None if up is not None else "no upgrade section"),
            _py_function("downgrade", split_sql(down), None if down is not None else "no downgrade section"),
        )
        with open(os.path.join(versions, "%s_x.py" % rev), "w", encoding="utf-8") as f:
            f.write(text)


# --------------------------------------------------------------------------
# Database inspection

def db_state(path):
    """(rows, objects, version_table_sql); rows is None when there is no table."""
    if not os.path.exists(path):
        return (None, frozenset(), None)
    con = sqlite3.connect(path)
    try:
        objs = con.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
        objects = frozenset("%s %s" % (t, n) for t, n, _ in objs)
        vsql = [q for t, n, q in objs if t == "table" and n == "alembic_version"]
        if vsql:
            rows = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
            if len(rows) != len(set(rows)):
                rows.append("<<duplicate rows: %r>>" % sorted(rows))
            return (frozenset(rows), objects, vsql[0])
        return (None, objects, None)
    finally:
        con.close()


def fmt_rows(rows):
    if rows is None:
        return "(no alembic_version table)"
    return "{" + ", ".join(sorted(rows)) + "}"


# --------------------------------------------------------------------------
# The two tools

class AlembicRunner:
    def __init__(self, project_dir, db_path):
        from alembic.config import Config  # noqa: F401 (checked importable)
        self.project_dir = project_dir
        self.db_path = db_path
        self.log = []

    def config(self, stdout=None):
        from alembic.config import Config
        cfg = Config(stdout=stdout if stdout is not None else io.StringIO())
        cfg.set_main_option("script_location", self.project_dir.replace("%", "%%"))
        cfg.set_main_option("sqlalchemy.url", ("sqlite:///" + self.db_path).replace("%", "%%"))
        return cfg

    def run(self, verb, args, purge=False):
        """Returns (ok, message)."""
        from alembic import command
        handler = _ListHandler()
        logger = logging.getLogger("alembic")
        logger.addHandler(handler)
        old = logger.level
        logger.setLevel(logging.INFO)
        try:
            cfg = self.config()
            if verb == "upgrade":
                command.upgrade(cfg, args[0] if args else "heads")
            elif verb == "downgrade":
                command.downgrade(cfg, args[0])
            elif verb == "stamp":
                command.stamp(cfg, list(args) if len(args) > 1 else args[0], purge=purge)
            else:
                raise ValueError(verb)
            return True, "\n".join(handler.lines)
        except Exception as e:  # Alembic raising is a result, not a crash
            return False, "%s: %s%s" % (type(e).__name__, e, "\n" + "\n".join(handler.lines) if handler.lines else "")
        finally:
            logger.removeHandler(handler)
            logger.setLevel(old)

    def current(self):
        from alembic import command
        out = io.StringIO()
        command.current(self.config(stdout=out))
        return out.getvalue()


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append("    alembic: " + record.getMessage())


class AurmigRunner:
    def __init__(self, cli, graph_dir, db_path):
        self.cli = cli
        self.graph_dir = graph_dir
        self.db_path = db_path

    def run(self, verb, args, purge=False):
        argv = [self.cli, "--dir", self.graph_dir, "--url", "sqlite:///" + self.db_path, verb]
        if purge:
            argv.append("--purge")
        argv.extend(args)
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True, timeout=60)
        text = (p.stdout + p.stderr).rstrip()
        return p.returncode, "\n".join("    aurmig: " + l for l in text.split("\n") if l)


def ids_of_current(text):
    return sorted(line.split()[0] for line in text.splitlines() if line.strip())


# --------------------------------------------------------------------------
# Steps

class Step:
    """One command run on both databases.

    expect: "ok" / "error" / None (either): what Alembic 1.8.1 does here.
    rows:   the alembic_version rows Alembic is expected to leave (a set), or
            None; both are there so a step cannot silently stop covering
            the case it was written for.
    """

    def __init__(self, verb, *args, purge=False, expect="ok", rows=None, why=""):
        self.verb = verb
        self.args = list(args)
        self.purge = purge
        self.expect = expect
        self.rows = frozenset(rows) if rows is not None else None
        self.why = why

    def __str__(self):
        return " ".join([self.verb] + (["--purge"] if self.purge else []) + self.args)


def S(verb, *args, **kw):
    return Step(verb, *args, **kw)


A_, B1, B2, C1, C2, M_, D_ = ("1000aaaa0001", "2000bbbb0001", "2000bbbb0002",
                              "3000cccc0001", "3000cccc0002", "4000dddd0001", "5000eeee0001")

BRANCHED = {
    "ids": {A_, B1, B2, C1, C2, M_, D_},
    "steps": [
        # --- head maintenance on upgrade, one explicit revision at a time
        S("upgrade", A_, rows={A_}, why="base: insert"),
        S("upgrade", B1, rows={B1}, why="update"),
        S("upgrade", C1, rows={B1, C1}, why="new branch from a non-head parent: insert"),
        S("upgrade", C2, rows={C2},
          why="merge through depends_on: C2's normalized down revisions are (C1, B1), both heads"),
        S("upgrade", B2, rows={B2, C2}, why="new branch: B1 is implied by C2, not a row"),
        S("upgrade", M_, rows={M_}, why="merge of two heads"),
        S("upgrade", D_, rows={D_}, why="update after the merge"),
        # --- downgrades
        S("downgrade", "-1", rows={M_}, why="relative downgrade from a single head"),
        S("downgrade", "-1", rows={B2, C2}, why="unmerge"),
        S("downgrade", B1, why="downgrade to a revision that C2 depends on"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", C1, why="downgrade to the c branch below the merge"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", B2, why="downgrade to the b branch below the merge"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", "-2", rows={B2, C2}, why="two steps through the merge"),
        S("downgrade", "bee@-1", expect=None, why="label-relative downgrade while the dependency is held"),
        S("downgrade", C1, expect=None, why="unmerge of the dependency: C2 -> C1 and B1"),
        S("upgrade", "bee@+1", expect=None, why="label-relative upgrade"),
        S("upgrade", "+1", expect=None, why="relative upgrade with several heads (Alembic: ambiguous?)"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", "bee@base", expect=None, why="downgrade a labelled branch to base"),
        S("downgrade", "base", expect="ok", rows=set(), why="everything off"),
        # --- relative and label targets upwards from base
        S("upgrade", "+1", rows={A_}, why="relative upgrade from nothing"),
        S("upgrade", "bee@+1", rows={B1}, why="label-relative upgrade"),
        S("upgrade", "%s+1" % B1, expect=None, why="rev+N"),
        S("upgrade", "bee@head", expect=None, why="label@head: the bee branch up to its head"),
        S("downgrade", "%s@base" % B1, expect=None, why="rev@base"),
        S("downgrade", "base", rows=set()),
        S("upgrade", "3000c", rows={C1}, why="unique prefix"),
        S("upgrade", "2000", expect="error", why="ambiguous prefix"),
        S("upgrade", "deadbeef", expect="error", why="unknown revision"),
        S("downgrade", "+1", expect="error", why="relative upgrade given to downgrade"),
        S("upgrade", "-1", expect="error", why="relative downgrade given to upgrade"),
        S("upgrade", "head", rows={D_}, why="single head"),
        S("upgrade", "head", rows={D_}, why="no-op at head"),
        S("downgrade", "%s-1" % D_, rows={M_}, why="rev-N"),
        S("upgrade", "+1", rows={D_}),
        S("downgrade", "base", rows=set()),
        # --- stamp
        S("stamp", B2, rows={B2}, why="stamp a middle revision on an empty table"),
        S("stamp", M_, rows={M_}, why="stamp upwards"),
        S("stamp", C1, rows={C1}, why="stamp downwards below a merge"),
        S("stamp", "base", rows=set(), why="stamp base"),
        S("stamp", B2, C1, rows={B2, C1}, why="stamp two heads at once on an empty table"),
        S("stamp", "heads", rows={D_}, why="stamp up from two branches: a stamp merge"),
        S("stamp", "base", rows=set()),
        S("stamp", A_, rows={A_}),
        S("stamp", B2, C1, rows={B2, C1}, why="stamp two heads at once from their common base"),
        S("stamp", B1, expect=None, why="stamp a revision below one of two heads"),
        S("stamp", C2, purge=True, rows={C2}, why="stamp --purge"),
        S("stamp", "base", purge=True, rows=set(), why="stamp --purge base"),
        S("upgrade", "heads", rows={D_}),
        S("stamp", B1, purge=True, rows={B1}),
        S("upgrade", "heads", rows={D_}, why="upgrade from a stamped middle revision"),
        S("downgrade", "base", rows=set()),
    ],
    # middle states for the cross-direction tests: targets applied in order
    "middles": [[B1], [B1, C1], [B2, C1], [C2], [B2, C2], [M_]],
}

a1, a2, b1, b2, c1, d1, e1, f1, w1 = ("a1f0000001", "a2f0000002", "b1f0000001", "b2f0000002",
                                      "c1f0000003", "d1f0000003", "e1f0000004", "f1f0000005",
                                      "w1f0000001")

MULTIBASE = {
    "ids": {a1, a2, b1, b2, c1, d1, e1, f1, w1},
    "steps": [
        S("upgrade", a1, rows={a1}, why="first base"),
        S("upgrade", b1, rows={a1, b1}, why="second, independent base: insert"),
        S("upgrade", w1, rows={b1, w1},
          why="base revision with depends_on: its only normalized down revision a1 is a head: update"),
        S("upgrade", a2, rows={b1, w1, a2}, why="a1 implied by w1: insert"),
        S("upgrade", d1, rows={w1, d1}, why="merge through depends_on across bases"),
        S("upgrade", c1, rows={w1, d1, c1}, why="branch point: insert"),
        S("upgrade", b2, rows={w1, d1, c1, b2}, why="b1 implied by d1: insert"),
        S("upgrade", e1, rows={w1, e1}, why="three-way merge"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", "-1", expect=None, why="relative downgrade with two heads"),
        S("downgrade", e1, rows={w1, e1}),
        S("downgrade", "-1", expect=None, why="relative downgrade with two heads"),
        S("downgrade", a2, expect=None, why="downgrade into the branch point"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", "alpha@-1", expect=None, why="label-relative downgrade, label shared by a merge"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", "wren@base", expect=None, why="downgrade a dependent base branch"),
        S("downgrade", "yew@base", expect=None, why="downgrade a base whose descendants merged"),
        S("downgrade", "alpha@base", expect=None),
        S("downgrade", "base", rows=set()),
        S("upgrade", "wren@head", rows={w1}, why="a dependency-only base pulls its dependency"),
        S("upgrade", "yew@head", expect=None, why="label@head through a three-way merge"),
        S("upgrade", "alpha@+1", expect=None),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", c1, expect=None),
        S("downgrade", d1, expect=None),
        S("downgrade", b1, expect=None, why="downgrade to a revision another head depends on"),
        S("downgrade", "base", rows=set()),
        S("upgrade", "+2", expect=None, why="relative upgrade from nothing with three bases"),
        S("downgrade", "base", rows=set()),
        S("upgrade", c1, rows={c1}, why="c1 pulls a1, a2"),
        S("upgrade", "yew@+1", expect=None),
        S("upgrade", e1, rows={e1}, why="merge of three where not all are rows yet"),
        S("downgrade", "-1", expect=None, why="three-way unmerge"),
        S("downgrade", "base", rows=set()),
        # --- stamp
        S("stamp", e1, rows={e1}),
        S("stamp", "heads", rows={f1, w1}, why="stamp up one head and a new branch"),
        S("stamp", "base", rows=set()),
        S("stamp", c1, d1, b2, rows={c1, d1, b2}, why="stamp three heads at once"),
        S("stamp", f1, rows={f1}, why="stamp-merge of three rows"),
        S("stamp", w1, rows={f1, w1}, why="stamp of an unrelated base: new branch"),
        S("stamp", a2, expect=None, why="stamp below a merge and a dependent"),
        S("stamp", b1, purge=True, rows={b1}),
        S("upgrade", "heads", rows={f1, w1}, why="upgrade from a stamped base"),
        S("stamp", "base", rows=set()),
    ],
    "middles": [[a1], [a1, b1], [w1], [w1, b1], [d1], [d1, c1], [c1, b2], [e1]],
}

KNOWN = {"branched": BRANCHED, "multibase": MULTIBASE}


def generic_plan(graph):
    """For a graph this file does not know: every revision in order, then
    heads, downgrade base, and stamps."""
    order, seen = [], set()

    def visit(r):
        if r in seen:
            return
        seen.add(r)
        for p in graph[r].down + graph[r].deps:
            visit(p)
        order.append(r)

    for r in sorted(graph):
        visit(r)
    steps = [S("upgrade", r) for r in order]
    steps += [S("upgrade", "heads"), S("downgrade", "base", rows=set())]
    steps += [S("stamp", r) for r in order]
    steps += [S("stamp", "base", rows=set()), S("stamp", "heads"), S("stamp", order[0], purge=True)]
    return {"ids": set(graph), "steps": steps,
            "middles": [[order[0]], [order[len(order) // 2]]]}


# --------------------------------------------------------------------------
# The test proper

class Report:
    def __init__(self):
        self.failures = []
        self.notes = []
        self.checks = 0

    def ok(self, line):
        self.checks += 1
        print("  ok    " + line)

    def fail(self, title, detail):
        self.checks += 1
        self.failures.append((title, detail))
        print("  FAIL  " + title)
        for l in detail.rstrip().split("\n"):
            print("        " + l)

    def note(self, line):
        self.notes.append(line)
        print("  note  " + line)


def diff_states(label_a, sa, label_b, sb):
    out = []
    ra, oa, _ = sa
    rb, ob, _ = sb
    if ra != rb:
        out.append("alembic_version rows: %s %s, %s %s" % (label_a, fmt_rows(ra), label_b, fmt_rows(rb)))
        if ra is not None and rb is not None:
            if ra - rb:
                out.append("  only in %s: %s" % (label_a, ", ".join(sorted(ra - rb))))
            if rb - ra:
                out.append("  only in %s: %s" % (label_b, ", ".join(sorted(rb - ra))))
    if oa != ob:
        out.append("schema objects differ:")
        if oa - ob:
            out.append("  only in %s: %s" % (label_a, ", ".join(sorted(oa - ob))))
        if ob - oa:
            out.append("  only in %s: %s" % (label_b, ", ".join(sorted(ob - oa))))
    return out


def fresh(path):
    for suffix in ("", "-journal", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def run_sequence(name, plan, graph_dir, project, work, cli, rep):
    print("\n== %s: command sequence (%d steps)" % (name, len(plan["steps"])))
    adb = os.path.join(work, "seq-alembic.db")
    udb = os.path.join(work, "seq-aurmig.db")
    fresh(adb)
    fresh(udb)
    alembic = AlembicRunner(project, adb)
    aurmig = AurmigRunner(cli, graph_dir, udb)
    vsql_seen = {}
    for n, step in enumerate(plan["steps"], 1):
        title = "[%s #%02d] %s" % (name, n, step)
        a_ok, a_msg = alembic.run(step.verb, step.args, step.purge)
        u_rc, u_msg = aurmig.run(step.verb, step.args, step.purge)
        sa, su = db_state(adb), db_state(udb)
        for who, st in (("alembic", sa), ("aurmig", su)):
            if st[2] is not None:
                vsql_seen.setdefault(who, st[2])

        problems = []
        if step.expect == "ok" and not a_ok:
            problems.append("FIXTURE: Alembic was expected to succeed but raised " + a_msg.split("\n")[0])
        if step.expect == "error" and a_ok:
            problems.append("FIXTURE: Alembic was expected to raise but succeeded")
        if a_ok and step.rows is not None and sa[0] != step.rows and not (sa[0] is None and not step.rows):
            problems.append("FIXTURE: Alembic left %s, the step was written for %s"
                            % (fmt_rows(sa[0]), fmt_rows(step.rows)))
        if not a_ok:
            if u_rc == 0:
                problems.append("Alembic raised (%s) but aurmig exited 0 leaving %s"
                                % (a_msg.split("\n")[0], fmt_rows(su[0])))
            verdict = "both fail (alembic: %s; aurmig exit %d)" % (a_msg.split("\n")[0], u_rc)
        else:
            if u_rc != 0:
                problems.append("aurmig exited %d; Alembic succeeded with %s" % (u_rc, fmt_rows(sa[0])))
            else:
                problems.extend(diff_states("alembic", sa, "aurmig", su))
            verdict = "rows %s" % fmt_rows(sa[0])
        if problems:
            detail = "\n".join(problems)
            if step.why:
                detail += "\n(step: %s)" % step.why
            detail += "\nalembic ran:\n%s\naurmig ran:\n%s" % (a_msg or "    (nothing logged)",
                                                                u_msg or "    (no output)")
            rep.fail(title, detail)
            # Start the next step from Alembic's state so one disagreement
            # is reported once, not again by every later step.
            fresh(udb)
            if os.path.exists(adb):
                shutil.copyfile(adb, udb)
        else:
            rep.ok("%s  -> %s" % (title, verdict))
    if "alembic" in vsql_seen and "aurmig" in vsql_seen:
        check_version_sql(rep, name + " sequence", vsql_seen["alembic"], vsql_seen["aurmig"])


def check_version_sql(rep, where, alembic_sql, aurmig_sql):
    title = "[%s] sqlite_master.sql of alembic_version" % where
    if alembic_sql == aurmig_sql:
        rep.ok(title + " identical")
    else:
        rep.fail(title, "Alembic wrote:\n%r\naurmig wrote:\n%r" % (alembic_sql, aurmig_sql))


def run_cross(name, plan, graph_dir, project, work, cli, rep):
    print("\n== %s: databases handed across" % name)
    for k, middle in enumerate(plan["middles"], 1):
        tag = "%s x%d %s" % (name, k, "+".join(middle))

        # (a) Alembic-made database handed to aurmig
        x = os.path.join(work, "x%d-alembic-made.db" % k)      # Alembic, then aurmig
        y = os.path.join(work, "x%d-alembic-only.db" % k)      # Alembic throughout
        # (b) aurmig-made database handed to Alembic
        z = os.path.join(work, "x%d-aurmig-made.db" % k)       # aurmig, then Alembic
        w = os.path.join(work, "x%d-aurmig-only.db" % k)       # aurmig throughout
        for p in (x, y, z, w):
            fresh(p)
        ax, ay, az = AlembicRunner(project, x), AlembicRunner(project, y), AlembicRunner(project, z)
        ux, uz, uw = (AurmigRunner(cli, graph_dir, x), AurmigRunner(cli, graph_dir, z),
                      AurmigRunner(cli, graph_dir, w))

        setup_ok = True
        for t in middle:
            for who, r in (("alembic", ax), ("alembic", ay)):
                ok, msg = r.run("upgrade", [t])
                if not ok:
                    rep.fail("[%s] setup: alembic upgrade %s" % (tag, t), msg)
                    setup_ok = False
            for r in (uz, uw):
                rc, msg = r.run("upgrade", [t])
                if rc != 0:
                    rep.fail("[%s] setup: aurmig upgrade %s" % (tag, t), msg)
                    setup_ok = False
        if not setup_ok:
            continue
        d = diff_states("alembic", db_state(x), "aurmig", db_state(z))
        if d:
            rep.fail("[%s] middle state made by each tool" % tag, "\n".join(d))
        else:
            rep.ok("[%s] middle state made by each tool: %s" % (tag, fmt_rows(db_state(x)[0])))
        check_version_sql(rep, tag, db_state(x)[2], db_state(z)[2])

        # (a) aurmig reads and finishes an Alembic-made database
        want = ids_of_current(ax.current())
        argv = [cli, "--dir", graph_dir, "--url", "sqlite:///" + x, "current"]
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        got = ids_of_current(p.stdout)
        if p.returncode != 0 or want != got:
            rep.fail("[%s] aurmig current on Alembic's db" % tag,
                     "alembic current: %s\naurmig current (exit %d): %s\n%s"
                     % (want, p.returncode, got, p.stderr.strip()))
        else:
            rep.ok("[%s] aurmig current on Alembic's db: %s" % (tag, " ".join(got)))
            a_lines = sorted(ax.current().splitlines())
            u_lines = sorted(p.stdout.splitlines())
            if a_lines != u_lines:
                rep.note("[%s] same ids, different `current` line text: alembic %r, aurmig %r"
                         % (tag, a_lines, u_lines))
        p = subprocess.run([cli, "--dir", graph_dir, "--url", "sqlite:///" + x, "check"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        at_head = db_state(x)[0] == db_state_after_heads(plan, graph_dir)
        if p.returncode != (0 if at_head else 3):
            rep.fail("[%s] aurmig check on Alembic's db" % tag,
                     "expected exit %d, got %d: %s" % (0 if at_head else 3, p.returncode,
                                                       (p.stdout + p.stderr).strip()))
        else:
            rep.ok("[%s] aurmig check on Alembic's db exits %d" % (tag, p.returncode))
        rc, msg = ux.run("upgrade", ["heads"])
        ok, amsg = ay.run("upgrade", ["heads"])
        if rc != 0 or not ok:
            rep.fail("[%s] upgrade heads: aurmig on Alembic's db / Alembic on its own" % tag,
                     "aurmig exit %d\n%s\nalembic: %s" % (rc, msg, amsg if not ok else "ok"))
        else:
            d = diff_states("alembic", db_state(y), "aurmig", db_state(x))
            if d:
                rep.fail("[%s] aurmig upgrade heads on Alembic's db vs Alembic's own" % tag,
                         "\n".join(d) + "\n" + msg)
            else:
                rep.ok("[%s] aurmig finishes Alembic's db: %s" % (tag, fmt_rows(db_state(x)[0])))

        # (b) Alembic reads and finishes an aurmig-made database
        p = subprocess.run([cli, "--dir", graph_dir, "--url", "sqlite:///" + z, "current"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        want = ids_of_current(p.stdout)
        try:
            got = ids_of_current(az.current())
            err = None
        except Exception as e:
            got, err = None, "%s: %s" % (type(e).__name__, e)
        if err or want != got or p.returncode != 0:
            rep.fail("[%s] alembic current on aurmig's db" % tag,
                     "aurmig current (exit %d): %s\nalembic current: %s"
                     % (p.returncode, want, err or got))
        else:
            rep.ok("[%s] alembic current on aurmig's db: %s" % (tag, " ".join(got)))
        ok, amsg = az.run("upgrade", ["heads"])
        rc, msg = uw.run("upgrade", ["heads"])
        if not ok or rc != 0:
            rep.fail("[%s] upgrade heads: Alembic on aurmig's db / aurmig on its own" % tag,
                     "alembic: %s\naurmig exit %d\n%s" % (amsg if not ok else "ok", rc, msg))
        else:
            d = diff_states("alembic", db_state(z), "aurmig", db_state(w))
            if d:
                rep.fail("[%s] Alembic upgrade heads on aurmig's db vs aurmig's own" % tag,
                         "\n".join(d) + "\n" + amsg)
            else:
                rep.ok("[%s] Alembic finishes aurmig's db: %s" % (tag, fmt_rows(db_state(z)[0])))


_heads_cache = {}


def db_state_after_heads(plan, graph_dir):
    """The rows at `heads` (the graph's heads: revisions nobody names as
    down_revision or depends_on)."""
    if graph_dir not in _heads_cache:
        g = load_graph(graph_dir)
        named = set()
        for s in g.values():
            named.update(s.down)
            named.update(s.deps)
        _heads_cache[graph_dir] = frozenset(r for r in g if r not in named)
    return _heads_cache[graph_dir]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aurmig", required=True, help="path to the aurmig CLI")
    ap.add_argument("--graph", action="append", required=True, help="directory of .sql scripts")
    ap.add_argument("--workdir", required=True, help="scratch directory (recreated)")
    args = ap.parse_args(argv)

    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
        from alembic import command  # noqa: F401
    except ImportError as e:
        if os.path.realpath(sys.executable) != os.path.realpath(REFERENCE_PYTHON) \
                and os.access(REFERENCE_PYTHON, os.X_OK):
            os.execv(REFERENCE_PYTHON, [REFERENCE_PYTHON, os.path.abspath(__file__)] + argv)
        print("SKIP: %s cannot import alembic/sqlalchemy: %s" % (sys.executable, e))
        return SKIP
    print("alembic %s, sqlalchemy %s, python %s, sqlite %s" % (
        alembic.__version__, sqlalchemy.__version__, sys.version.split()[0], sqlite3.sqlite_version))

    sys.dont_write_bytecode = True
    cli = os.path.abspath(args.aurmig)
    work = os.path.abspath(args.workdir)
    if os.path.exists(work):
        shutil.rmtree(work)
    os.makedirs(work)

    rep = Report()
    names = set()
    for graph_dir in args.graph:
        graph_dir = os.path.abspath(graph_dir)
        base = os.path.basename(graph_dir.rstrip("/"))
        name = base
        i = 2
        while name in names:
            name, i = "%s%d" % (base, i), i + 1
        names.add(name)
        gwork = os.path.join(work, name)
        os.makedirs(gwork)
        try:
            graph = load_graph(graph_dir)
        except (OSError, ValueError) as e:
            rep.fail("[%s] reading the scripts" % name, str(e))
            continue
        plan = KNOWN.get(base)
        if plan is None or plan["ids"] != set(graph):
            if plan is not None:
                rep.note("[%s] revisions differ from the known %s graph; using the generic sequence"
                         % (name, base))
            plan = generic_plan(graph)
        project = os.path.join(gwork, "alembic")
        write_alembic_project(graph, project)
        print("\n== %s: %d revisions from %s, Alembic project in %s" % (name, len(graph), graph_dir, project))
        try:
            run_sequence(name, plan, graph_dir, project, gwork, cli, rep)
            run_cross(name, plan, graph_dir, project, gwork, cli, rep)
        except Exception:
            rep.fail("[%s] test harness error" % name, traceback.format_exc())

    print("\n== summary: %d checks, %d failed, %d notes" % (rep.checks, len(rep.failures), len(rep.notes)))
    for title, detail in rep.failures:
        print("FAIL " + title)
        for l in detail.rstrip().split("\n"):
            print("     " + l)
    return 1 if rep.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
