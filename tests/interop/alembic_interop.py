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
    alembic_version rows, the set of schema objects in sqlite_master and the
    contents of the user tables; where Alembic raises, aurmig must fail too
    (and what the failed command left behind is not compared);
 3. hands databases across: Alembic-made ones to aurmig (`current`,
    `upgrade heads`, `check`) and aurmig-made ones to Alembic (`current`,
    `upgrade heads`), and compares the CREATE TABLE text of alembic_version
    written by each tool.

Exit status: 0 all matched, 1 a mismatch (with a diff on stdout), 77 when
/usr/bin/python3 cannot import alembic (meson's "skip").

Alembic is the reference. Every step also records what Alembic 1.8.1 does
there (succeeds or raises, and the rows it leaves); when Alembic itself does
something else the step is reported as a FIXTURE failure, so a step cannot
silently stop covering the case it was written for. After any failed step the
aurmig database is replaced by a copy of Alembic's, so each disagreement is
reported once.
"""

import argparse
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
# aurmig script format (lib/graph/script.c): `-- aurmig:<key> <value>` header lines,
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
    """(rows, objects, version_table_sql, data): the alembic_version rows (None
    when there is no such table), the schema objects, the CREATE TABLE text
    of alembic_version, and the contents of the other tables."""
    if not os.path.exists(path):
        return (None, frozenset(), None, {})
    con = sqlite3.connect(path)
    try:
        # aurmig_journal is libaurmig's own table beside alembic_version
        # (Alembic neither makes nor reads it); leave it out of the comparison.
        objs = con.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "AND tbl_name != 'aurmig_journal'").fetchall()
        objects = frozenset("%s %s" % (t, n) for t, n, _ in objs)
        data = {}
        for t, n, _ in objs:
            if t == "table" and n != "alembic_version":
                q = 'SELECT * FROM "%s"' % n.replace('"', '""')
                data[n] = sorted(repr(r) for r in con.execute(q))
        vsql = [q for t, n, q in objs if t == "table" and n == "alembic_version"]
        if vsql:
            rows = [r[0] for r in con.execute("SELECT version_num FROM alembic_version")]
            if len(rows) != len(set(rows)):
                rows.append("<<duplicate rows: %r>>" % sorted(rows))
            return (frozenset(rows), objects, vsql[0], data)
        return (None, objects, None, data)
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


def id_diff(alembic_ids, aurmig_ids):
    a, u = set(alembic_ids), set(aurmig_ids)
    out = ""
    if a - u:
        out += "  only alembic shows: %s\n" % ", ".join(sorted(a - u))
    if u - a:
        out += "  only aurmig shows: %s\n" % ", ".join(sorted(u - a))
    return out


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

    def __init__(self, verb, *args, purge=False, expect="ok", rows=None, why="", aurmig_refuses=None):
        # aurmig_refuses: a documented, deliberate difference (README,
        # "Compatibility with Alembic"): Alembic succeeds, aurmig must fail
        # with a message containing this text and change nothing.
        self.aurmig_refuses = aurmig_refuses
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
        S("upgrade", A_, rows={A_}, why="base revision: insert"),
        S("upgrade", B1, rows={B1}, why="plain update"),
        S("upgrade", C1, rows={B1, C1}, why="parent is no longer a row: new-branch insert"),
        S("upgrade", C2, rows={C2},
          why="merge through depends_on: C2's normalized down revisions (C1, B1) are both rows"),
        S("upgrade", B2, rows={B2, C2}, why="B1 is implied by C2, not a row: new-branch insert"),
        S("upgrade", M_, rows={M_}, why="merge of two rows"),
        S("upgrade", D_, rows={D_}, why="update after the merge"),
        # --- downgrades through the merge
        S("downgrade", "-1", rows={M_}, why="relative downgrade from a single head"),
        S("downgrade", "-1", expect="error", why="-1 from a merge point forks: Ambiguous walk"),
        S("downgrade", "bee@-1", expect="error", why="the labelled walk forks at the merge too"),
        S("downgrade", B2, rows={B2, C2}, why="unmerge: M's row becomes B2 and C2"),
        S("downgrade", B1, rows={C2},
          why="branch delete: B1 stays applied but is implied by C2's dependency"),
        S("downgrade", C1, rows={B1, C1}, why="unmerge of a dependency: C2 becomes C1 and B1"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", C1, rows={B2, C1}, why="from the top down to the c branch below the merge"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", B2, rows={B2, C2}, why="from the top down to the b branch below the merge"),
        S("upgrade", "heads", rows={D_}),
        S("downgrade", "-2", expect="error", why="two steps from the top cross the merge: Ambiguous walk"),
        S("downgrade", "bee@-1", rows={M_}, why="label-relative downgrade"),
        S("downgrade", C1, rows={B2, C1}),
        S("upgrade", "+1", expect="error", why="relative upgrade with two rows is ambiguous"),
        S("downgrade", "bee@-1", rows={B1, C1}, why="label-relative downgrade with two rows"),
        S("upgrade", "bee@+1", rows={B2, C1}, why="label-relative upgrade with two rows"),
        S("upgrade", "bee@+1", rows={M_}, why="label-relative upgrade into the merge pulls C2"),
        S("upgrade", "+1", rows={D_}, why="relative upgrade from a single row"),
        S("downgrade", "bee@base", rows=set(), why="label@base"),
        S("downgrade", "base", rows=set(), why="base when already empty"),
        # --- relative, label and prefix targets from an empty table
        S("upgrade", "+1", rows={A_}, why="relative upgrade from nothing"),
        S("upgrade", "bee@+1", rows={B1}, why="label-relative upgrade"),
        S("upgrade", "%s+1" % B1, rows={B2}, why="rev+N"),
        S("upgrade", "bee@head", rows={D_}, why="label@head"),
        S("downgrade", "%s@base" % B1, rows=set(), why="rev@base"),
        S("upgrade", "100", rows={A_}, why="three-character prefix"),
        S("upgrade", "2000", expect="error", why="ambiguous prefix"),
        S("upgrade", "3000c", expect="error", why="ambiguous prefix"),
        S("upgrade", "deadbeef", expect="error", why="unknown revision"),
        S("downgrade", "+1", expect="error", why="relative upgrade given to downgrade"),
        S("upgrade", "-1", expect="error", why="relative downgrade given to upgrade"),
        S("upgrade", "%s@+1" % C1, rows={C1}, why="rev@+N"),
        S("upgrade", "5000", rows={D_}, why="unique prefix"),
        S("upgrade", "head", rows={D_}, why="no-op at head"),
        S("downgrade", "%s-1" % D_, rows={M_}, why="rev-N"),
        S("downgrade", "heads", expect="error", why="heads is not below the rows"),
        S("downgrade", "head", expect="error", why="head is not below the rows"),
        S("upgrade", "+1", rows={D_}),
        S("downgrade", "bee@1000", rows={C1},
          why="label@prefix: the bee line and C2 (depends on B1) go, C1 stays"),
        S("downgrade", "base", rows=set()),
        # --- stamp
        S("stamp", B2, rows={B2}, why="stamp a middle revision on an empty table"),
        S("stamp", M_, rows={M_}, why="stamp upwards onto a merge"),
        S("stamp", C1, rows={C1}, why="stamp downwards below the merge"),
        S("stamp", "base", rows=set(), why="stamp base"),
        S("stamp", B2, C1, rows={B2, C1}, why="stamp two heads at once on an empty table"),
        S("stamp", "heads", rows={D_}, why="stamp up from two rows: a stamp merge"),
        S("stamp", M_, rows={M_}),
        S("stamp", B2, C1, expect="error",
          why="two stamp steps both starting from M: Alembic's second UPDATE finds no M row"),
        S("stamp", "base", rows=set()),
        S("stamp", A_, rows={A_}),
        S("stamp", B2, C1, rows={B2, C1}, why="stamp two heads at once from their common base"),
        S("stamp", B1, rows={B1, C1}, why="stamp below one of two rows"),
        S("stamp", C2, purge=True, rows={C2}, why="stamp --purge"),
        S("stamp", "base", purge=True, rows=set(), why="stamp --purge base"),
        S("upgrade", B2, rows={B2}),
        S("stamp", B2, purge=True, rows={B2}, why="stamp --purge to what is applied"),
        S("upgrade", "heads", rows={D_}, why="upgrade after a purge stamp"),
        S("stamp", "heads", purge=True, rows={D_}),
        S("downgrade", "base", rows=set()),
    ],
    # middle states for the cross-direction tests: targets upgraded to in order
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
          why="base revision with depends_on: its normalized down revision a1 is a row: update"),
        S("upgrade", a2, rows={b1, w1, a2}, why="a1 is implied by w1: insert"),
        S("upgrade", d1, rows={w1, d1}, why="merge through depends_on, across bases"),
        S("upgrade", c1, rows={w1, d1, c1}, why="second child of the branch point: insert"),
        S("upgrade", b2, rows={w1, d1, c1, b2}, why="b1 is implied by d1: insert"),
        S("upgrade", e1, rows={w1, e1}, why="three-way merge"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", "-1", rows={f1},
          why="-1 with two rows: Alembic 1.8.1 warns (deprecated) and walks down from the first row it reads",
          aurmig_refuses="from multiple heads is ambiguous"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", e1, rows={w1, e1}),
        S("downgrade", a2, rows={w1, a2, b2}, why="three-way unmerge down to the branch point"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", "alpha@-1", rows={w1, e1}, why="label-relative downgrade, label shared by a merge"),
        S("upgrade", "heads", rows={w1, f1}),
        S("downgrade", "wren@base", rows={f1}, why="label@base of a dependent base"),
        S("downgrade", "yew@base", rows={c1}, why="label@base of a base whose descendants merged"),
        S("downgrade", "alpha@base", rows=set()),
        S("downgrade", "base", rows=set()),
        S("upgrade", "wren@head", rows={w1}, why="a dependency-only base pulls its dependency"),
        S("upgrade", "yew@head", rows={w1, f1}, why="label@head through a three-way merge"),
        S("upgrade", "alpha@+1", expect="error", why="nothing above the alpha head"),
        S("downgrade", c1, rows={w1, b2, c1, d1}),
        S("downgrade", d1, rows={w1, b2, c1, d1}, why="target is already a row: nothing to do"),
        S("downgrade", b1, rows={w1, c1, d1}, why="b2 goes; b1 stays implied by d1"),
        S("downgrade", "base", rows=set()),
        S("upgrade", "+2", expect="error", why="relative upgrade from nothing with three bases"),
        S("upgrade", c1, rows={c1}, why="c1 pulls a1 and a2"),
        S("upgrade", "yew@+1", rows={b1, c1}, why="label-relative upgrade from nothing on that branch"),
        S("upgrade", e1, rows={e1}, why="three-way merge where one parent is not applied yet"),
        S("downgrade", "-1", expect="error", why="-1 from a three-way merge: Ambiguous walk"),
        S("downgrade", "base", rows=set()),
        # --- stamp
        S("stamp", e1, rows={e1}),
        S("stamp", "heads", rows={f1, w1}, why="stamp up one row and a new branch"),
        S("stamp", "base", rows=set()),
        S("stamp", c1, d1, b2, rows={c1, d1, b2}, why="stamp three heads at once"),
        S("stamp", f1, rows={f1}, why="stamp merge of three rows"),
        S("stamp", w1, rows={f1, w1}, why="stamp an unrelated base: new branch"),
        S("stamp", a2, rows={a2, w1}, why="stamp below a merge and a dependent"),
        S("stamp", b1, purge=True, rows={b1}),
        S("upgrade", "heads", rows={f1, w1}, why="upgrade from a stamped base"),
        S("stamp", "base", rows=set()),
        S("stamp", a1, b1, rows={a1, b1}),
        S("stamp", w1, rows={b1, w1}, why="stamp a dependent base over its dependency: update a1 to w1"),
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
    ra, oa, _, da = sa
    rb, ob, _, db = sb
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
    for t in sorted(set(da) & set(db)):
        if da[t] != db[t]:
            out.append("contents of table %s differ: %s %s, %s %s" % (t, label_a, da[t], label_b, db[t]))
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
        if step.aurmig_refuses is not None and os.path.exists(udb):
            shutil.copyfile(udb, udb + ".before")
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
        if step.aurmig_refuses is not None:
            before = db_state(udb + ".before") if os.path.exists(udb + ".before") else None
            if u_rc == 0:
                problems.append("aurmig was to refuse (%s) but exited 0" % step.aurmig_refuses)
            elif step.aurmig_refuses not in u_msg:
                problems.append("aurmig refused without saying '%s'" % step.aurmig_refuses)
            elif before is not None and before[0] != su[0]:
                problems.append("aurmig refused but changed the rows to %s" % fmt_rows(su[0]))
            verdict = "aurmig refuses on purpose (%s); Alembic: %s" % (step.aurmig_refuses, fmt_rows(sa[0]))
            if not problems:
                rep.ok("%s  -> %s" % (title, verdict))
                fresh(udb)
                shutil.copyfile(adb, udb)
                continue
        elif not a_ok:
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
            if not a_ok and diff_states("alembic", sa, "aurmig", su):
                # Both failed, as they must; what a failed command leaves
                # behind is not compared (Alembic commits per step), but the
                # next step has to start from one state.
                rep.note("%s: after the failure alembic holds %s, aurmig %s; continuing from Alembic's"
                         % (title, fmt_rows(sa[0]), fmt_rows(su[0])))
                fresh(udb)
                if os.path.exists(adb):
                    shutil.copyfile(adb, udb)
    if "alembic" in vsql_seen and "aurmig" in vsql_seen:
        check_version_sql(rep, name + " sequence", vsql_seen["alembic"], vsql_seen["aurmig"])


def check_version_sql(rep, where, alembic_sql, aurmig_sql):
    title = "[%s] sqlite_master.sql of alembic_version" % where
    if alembic_sql == aurmig_sql:
        rep.ok(title + " identical")
    else:
        rep.fail(title, "Alembic wrote:\n%r\naurmig wrote:\n%r" % (alembic_sql, aurmig_sql))


def aurmig_check(rep, tag, cli, graph_dir, db, want):
    p = subprocess.run([cli, "--dir", graph_dir, "--url", "sqlite:///" + db, "check"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    title = "[%s] aurmig check on Alembic's db" % tag
    if p.returncode != want:
        rep.fail(title, "expected exit %d, got %d: %s" % (want, p.returncode, (p.stdout + p.stderr).strip()))
    else:
        rep.ok("%s exits %d" % (title, p.returncode))


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
                     "alembic current: %s\naurmig current (exit %d): %s\n%s%s"
                     % (want, p.returncode, got, id_diff(want, got), p.stderr.strip()))
        else:
            rep.ok("[%s] aurmig current on Alembic's db: %s" % (tag, " ".join(got)))
            a_lines = sorted(ax.current().splitlines())
            u_lines = sorted(p.stdout.splitlines())
            if a_lines != u_lines:
                rep.note("[%s] same ids, different `current` line text: alembic %r, aurmig %r"
                         % (tag, a_lines, u_lines))
        ok, amsg = ay.run("upgrade", ["heads"])
        if not ok:
            rep.fail("[%s] alembic upgrade heads on its own db" % tag, amsg)
            continue
        final = db_state(y)[0]
        aurmig_check(rep, tag + " before", cli, graph_dir, x, 0 if db_state(x)[0] == final else 3)
        rc, msg = ux.run("upgrade", ["heads"])
        if rc != 0:
            rep.fail("[%s] aurmig upgrade heads on Alembic's db" % tag, "aurmig exit %d\n%s" % (rc, msg))
        else:
            d = diff_states("alembic", db_state(y), "aurmig", db_state(x))
            if d:
                rep.fail("[%s] aurmig upgrade heads on Alembic's db vs Alembic's own" % tag,
                         "\n".join(d) + "\n" + msg)
            else:
                rep.ok("[%s] aurmig finishes Alembic's db: %s" % (tag, fmt_rows(db_state(x)[0])))
            aurmig_check(rep, tag + " after", cli, graph_dir, x, 0)

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
                     "aurmig current (exit %d): %s\nalembic current: %s\n%s"
                     % (p.returncode, want, err or got, id_diff(got or [], want)))
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


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--aurmig", required=True, help="path to the aurmig CLI")
    ap.add_argument("--graph", action="append", required=True, help="directory of .sql scripts")
    ap.add_argument("--workdir", required=True, help="scratch directory (recreated)")
    args = ap.parse_args(argv)

    try:
        import alembic  # noqa: F401
        import sqlalchemy  # noqa: F401
        import alembic.command  # noqa: F401
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
    os.makedirs(work, exist_ok=True)

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
        if os.path.isdir(gwork):
            shutil.rmtree(gwork)  # only this test's own subdirectory
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
