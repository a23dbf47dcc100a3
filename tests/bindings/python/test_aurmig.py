# SPDX-License-Identifier: GPL-2.0-or-later
"""The aurmig Python package (ctypes) against real databases."""
import gc
import os
import random
import shutil
import subprocess
import sys
import threading
import time

import pytest

import aurmig
from aurmig import _native as n
from conftest import A, B1, B2, C1, C2, M, D, GRAPH


def ids(revs):
    return [r.id for r in revs]


def test_state_names_are_the_librarys():
    assert aurmig.state_names() == {n.AURMIG_STATE_AT_HEAD: "at_head", n.AURMIG_STATE_BEHIND: "behind",
                                    n.AURMIG_STATE_UNKNOWN: "unknown_revision",
                                    n.AURMIG_STATE_RECOVERY: "needs_recovery", n.AURMIG_STATE_DRIFT: "drift",
                                    n.AURMIG_STATE_IN_PROGRESS: "in_progress"}
    assert aurmig.config_state_names() == {0: "in_sync", 1: "behind", 2: "edited", 3: "pending", 4: "missing"}
    assert aurmig.step_kind_names() == {n.AURMIG_STEP_UPGRADE: "upgrade", n.AURMIG_STEP_DOWNGRADE: "downgrade",
                                        n.AURMIG_STEP_STAMP: "stamp"}


def test_version():
    assert aurmig.version().count(".") == 2


def test_status_plan_upgrade_current_history_downgrade(db):
    url, graph = db
    if url.startswith("sqlite:///"):
        open(url[len("sqlite:///"):], "w").close()   # the read-only check needs the file
    st = aurmig.status(graph, url)
    assert (st.state, st.at_head, bool(st)) == ("behind", False, False)
    assert st.pending == (A, B1, B2, C1, C2, M, D)
    assert st.heads == (D,) and st.current == ()
    with aurmig.Migrator(graph, url) as m:
        assert not m.check().at_head
        assert ids(m.heads()) == [D]
        assert m.current() == []
        events = []
        with m.plan("upgrade", C1, progress=lambda s, ph: events.append((s.revision, ph))) as plan:
            assert len(plan) == 2
            assert (plan.before, plan.after) == ([], [C1])
            assert [s.revision for s in plan.steps] == [A, C1]
            it = iter(plan)
            first = next(it)
            assert (first.kind, first.revision, first.from_revs, first.to_revs) == ("upgrade", A, (), (A,))
            assert first.statements == 2 and first.seconds >= 0
            assert m.current_rows() == [A]           # applied, committed
            rest = list(it)
            assert [s.revision for s in rest] == [C1]
            with pytest.raises(StopIteration):
                next(it)
        assert plan.closed
        assert events == [(A, "start"), (A, "statement"), (A, "statement"), (A, "done"),
                          (C1, "start"), (C1, "statement"), (C1, "statement"), (C1, "done")]
        assert ids(m.current()) == [C1]
        done = m.upgrade()
        assert [s.revision for s in done] == [B1, B2, C2, M, D]
        assert str(done[-1]) == "Running upgrade %s -> %s, After the merge" % (M, D)
        assert m.upgrade() == []
        assert m.check().at_head and aurmig.status(graph, url).state == "at_head"
        h = m.history()
        assert next(h).id == D                      # an iterator, read as it goes
        assert ids(h) == [M, C2, C1, B2, B1, A]
        assert ids(m.history("%s:%s" % (B1, B2))) == [B2, B1]
        assert ids(m.history("current:")) == [D]
        r = m.revision("4000")
        assert r.parents == (B2, C2) and r.is_merge_point and not r.is_head
        assert m.revision("bee").id == B1 and "bee" in m.revision(B2).labels
        down = m.downgrade("base")
        assert len(down) == 7 and down[0].kind == "downgrade" and down[-1].to_revs == ()
        assert m.current_rows() == []
        assert m.stamp([B2, C2])
        assert sorted(m.current_rows()) == [B2, C2]
        m.stamp("base")
        assert m.current_rows() == []
        assert "aurmig-secret" not in m.display_url
        assert m.dialect == url.split(":")[0]


def test_errors_carry_code_and_message(db, tmp_path):
    url, graph = db
    with aurmig.Migrator(graph, url) as m:
        with pytest.raises(aurmig.NotFoundError) as ei:
            m.upgrade("zzzz")
        e = ei.value
        assert e.code == n.AURMIG_ENOTFOUND and "'zzzz'" in e.message and str(e) == e.message
        assert isinstance(e, aurmig.TargetError) and isinstance(e, LookupError) and isinstance(e, aurmig.Error)
        with pytest.raises(aurmig.AmbiguousError) as ei:
            m.plan("upgrade", "2000")
        assert ei.value.code == n.AURMIG_EAMBIGUOUS and B1 in ei.value.message and B2 in ei.value.message
        with pytest.raises(aurmig.UsageError):
            m.plan("sideways", "heads")
        with pytest.raises(aurmig.UsageError):
            m.upgrade("a\0b")
    with pytest.raises(aurmig.FileError) as ei:
        aurmig.Migrator(str(tmp_path / "nope"), url)
    assert ei.value.code == n.AURMIG_EIO and ei.value.klass == 2
    with pytest.raises(aurmig.UsageError):
        aurmig.Migrator(graph, "nosuch://x")
    with pytest.raises(aurmig.UsageError):
        aurmig.Migrator(graph)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "aaaa00000001_x.sql").write_text("-- aurmig:revision aaaa00000001\n-- aurmig:bogus 1\n")
    with pytest.raises(aurmig.ScriptError) as ei:
        aurmig.status(str(bad), url)
    assert ei.value.code == n.AURMIG_EPARSE
    assert (ei.value.file, ei.value.line) == (str(bad / "aaaa00000001_x.sql"), 2)


def test_unknown_revision_and_deploy_lock(db, tmp_path):
    url, graph = db
    newer = tmp_path / "newer"
    shutil.copytree(graph, newer)
    (newer / "6000ffff0001_t_n.sql").write_text(
        "-- aurmig:revision 6000ffff0001\n-- aurmig:down_revision %s\n\n-- aurmig:upgrade\n"
        "CREATE TABLE t_n (id INTEGER PRIMARY KEY);\n\n-- aurmig:downgrade\nDROP TABLE t_n;\n" % D)
    with aurmig.Migrator(str(newer), url) as new, aurmig.Migrator(graph, url, lock_timeout=0) as old:
        assert len(new.upgrade()) == 8
        st = old.check()
        assert st.state == "unknown_revision" and "6000ffff0001" in st.message
        with pytest.raises(aurmig.UnknownRevisionError) as ei:
            old.upgrade()
        assert ei.value.code == n.AURMIG_EUNKNOWNREV and isinstance(ei.value, aurmig.StateError)
        with new.plan("downgrade", D) as p:
            with pytest.raises(aurmig.LockTimeoutError) as ei:
                old.stamp(D, purge=True)
            assert ei.value.code == n.AURMIG_ELOCKED and isinstance(ei.value, TimeoutError)
            assert len(p.run()) == 1
        assert old.check().at_head
        new.downgrade("base")


# Another process holding the deploy lock: a plan, open until stdin closes.
HOLD = """
import sys, aurmig
m = aurmig.Migrator(sys.argv[1], sys.argv[2])
p = m.plan("upgrade", "heads")
print("held", flush=True)
sys.stdin.read()
try:
    p.close()
except aurmig.Error:
    pass   # its session was ended by lock_break(force=True)
"""


def test_lock_info_and_lock_break_against_another_process(db):
    url, graph = db
    kind = {"sqlite": "flock", "mysql": "get_lock", "pgsql": "advisory"}[url.split(":", 1)[0]]
    with aurmig.Migrator(graph, url) as m:
        m.upgrade(B1)
        assert m.replica() is None                       # a primary (replicas: tests/integration/test_replica.py)
        free = m.lock_info()
        assert free == {"kind": kind, "name": free["name"], "held": False, "expired": False, "mine": False,
                        "holder": None}
        assert free["name"] and ("alembic_version" in free["name"] if kind == "get_lock" else True)
        assert m.lock_break()["holder"] is None          # nothing held: nothing done
        holder = subprocess.Popen([sys.executable, "-c", HOLD, graph, url], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        try:
            assert holder.stdout.readline().strip() == "held"
            li = m.lock_info()
            assert li["held"] and not li["mine"] and li["kind"] == kind, li
            if kind == "flock":
                assert li["holder"]["pid"] == holder.pid, li
            else:
                assert isinstance(li["holder"]["connection"], int) and li["holder"]["connection"] > 0, li
            with pytest.raises(aurmig.InProgressError) as ei:
                m.lock_break()
            assert ei.value.code == n.AURMIG_EINPROGRESS
            assert m.lock_info()["held"]                  # refused: still held
            if kind == "flock":
                with pytest.raises(aurmig.UsageError) as ei:   # an flock: stop its process
                    m.lock_break(force=True)
                assert ei.value.code == n.AURMIG_EUNSUPPORTED
            else:
                prev = m.lock_break(force=True)           # ends the holder's session
                assert prev["held"] and prev["holder"]["connection"] == li["holder"]["connection"], prev
                assert not m.lock_info()["held"]
        finally:
            holder.stdin.close()
            holder.wait(30)
        assert m.lock_info()["holder"] is None
        with m.plan("upgrade", "heads") as p:             # this Migrator's own lock
            mine = m.lock_info()
            assert mine["held"] and mine["mine"], mine
            with pytest.raises(aurmig.UsageError):
                m.lock_break(force=True)
            assert len(p.run()) > 0
        assert not m.lock_info()["held"]


def test_failed_precondition_is_its_own_exception(db, tmp_path):
    url, _ = db
    graph = tmp_path / "asserts"
    graph.mkdir()
    (graph / "7000aaaa0001_t_a.sql").write_text(
        "-- aurmig:revision 7000aaaa0001\n\n-- aurmig:upgrade\n"
        "CREATE TABLE t_a (id INTEGER PRIMARY KEY, v INTEGER);\n"
        "INSERT INTO t_a (id, v) VALUES (1, 5);\nINSERT INTO t_a (id, v) VALUES (2, 5);\n\n"
        "-- aurmig:downgrade\nDROP TABLE t_a;\n")
    (graph / "7000aaaa0002_t_b.sql").write_text(
        "-- aurmig:revision 7000aaaa0002\n-- aurmig:down_revision 7000aaaa0001\n\n-- aurmig:upgrade\n"
        "-- aurmig:assert SELECT COUNT(*) = 0, 'duplicate v' FROM (SELECT v FROM t_a GROUP BY v HAVING COUNT(*) > 1) d\n"
        "CREATE TABLE t_b (id INTEGER PRIMARY KEY);\n\n-- aurmig:downgrade\nDROP TABLE t_b;\n")
    with aurmig.Migrator(str(graph), url) as m:
        with pytest.raises(aurmig.PreconditionError) as ei:
            m.upgrade()
        e = ei.value
        assert e.code == n.AURMIG_EASSERT and isinstance(e, aurmig.StateError) and isinstance(e, aurmig.Error)
        assert (e.file, e.line) == (str(graph / "7000aaaa0002_t_b.sql"), 5)
        assert "precondition" in e.message
        assert m.current_rows() == ["7000aaaa0001"]     # nothing of the refused step ran
        m.downgrade("base")


def test_progress_callback_can_stop_and_its_exception_comes_out(sqlite_db):
    url, graph = sqlite_db

    class Stop(Exception):
        pass

    def cb(step, phase):
        if step.revision == B1 and phase == "statement":
            raise Stop("enough")

    with aurmig.Migrator(graph, url) as m:
        with pytest.raises(Stop) as ei:
            m.upgrade(progress=cb)
        assert isinstance(ei.value.__cause__, aurmig.AbortedError)
        assert ei.value.__cause__.code == n.AURMIG_EUSER
        assert m.current_rows() == [A]      # B1 rolled back as a whole
        assert not m.check().at_head


def test_progress_callback_survives_dropped_references(sqlite_db):
    """The plan keeps the CFUNCTYPE object: the caller's function may go."""
    url, graph = sqlite_db
    seen = []
    with aurmig.Migrator(graph, url) as m:
        plan = m.plan("upgrade", "heads", progress=(lambda s, ph: seen.append(ph)))
        gc.collect()
        assert len(plan.run()) == 7
        plan.close()
    assert seen.count("done") == 7


def test_objects_freed_in_any_order(sqlite_db):
    url, graph = sqlite_db
    # the Migrator dropped first: its plan keeps it alive
    m = aurmig.Migrator(graph, url)
    p = m.plan("upgrade", A)
    del m
    gc.collect()
    assert len(p.run()) == 1
    del p
    # closing the Migrator closes its plans; they then refuse cleanly
    m = aurmig.Migrator(graph, url)
    p1 = m.plan("upgrade", "heads")
    p2 = m.plan("stamp", A)
    h = m.history()
    m.close()
    assert p1.closed and p2.closed and m.closed
    for f in (p1.run, lambda: len(p2), m.check, lambda: next(h), lambda: m.current_rows()):
        with pytest.raises(aurmig.UsageError):
            f()
    m.close()
    p1.close()
    # a plan and a history iterator abandoned half-way
    m = aurmig.Migrator(graph, url)
    p = m.plan("upgrade", "heads")
    next(iter(p))
    h = m.history()
    next(h)
    del m, p, h
    gc.collect()
    # random orders, many times, with reference cycles for the collector
    rnd = random.Random(6)
    for i in range(60):
        m = aurmig.Migrator(graph, url)
        objs = [m, m.plan("upgrade" if i % 2 else "downgrade", "heads" if i % 2 else "base"), m.history(),
                m.check()]
        if i % 3 == 0:
            objs.append(objs)           # a cycle
        del m
        rnd.shuffle(objs)
        while objs:
            o = objs.pop()
            if rnd.random() < 0.5 and hasattr(o, "close"):
                o.close()
            del o
        gc.collect()


def test_one_migrator_per_thread(tmp_path):
    errors = []

    def work(k):
        try:
            for _ in range(5):
                with aurmig.Migrator(GRAPH, "sqlite:///%s" % (tmp_path / ("t%d.db" % k))) as m:
                    m.upgrade()
                    assert m.check().at_head
                    m.downgrade("base")
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_library_location(tmp_path):
    import subprocess
    import sys
    env = dict(os.environ, AURMIG_LIBRARY=str(tmp_path / "missing.so"))
    p = subprocess.run([sys.executable, "-c", "import aurmig; aurmig.version()"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert p.returncode != 0 and "AURMIG_LIBRARY" in p.stderr and "missing.so" in p.stderr
    # without the variable: the build tree is found
    env = dict(os.environ)
    env.pop("AURMIG_LIBRARY", None)
    p = subprocess.run([sys.executable, "-c", "from aurmig import _native; print(_native.lib().path)"], env=env,
                       stdout=subprocess.PIPE, universal_newlines=True, check=True)
    assert p.stdout.strip().endswith("libaurmig.so.0")


def test_hooks_run_python_functions(tmp_path):
    mig = tmp_path / "m"
    mig.mkdir()
    (mig / "aaaa_h.sql").write_text("-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE t (x INTEGER);\n"
                                    "-- aurmig:hook fill\n-- aurmig:downgrade\nDROP TABLE t;\n")
    db = tmp_path / "h.db"
    seen = []
    with aurmig.Migrator(str(mig), "sqlite:///%s" % db) as m:
        with pytest.raises(aurmig.Error) as missing:
            m.upgrade()
        assert "needs the hook 'fill'" in str(missing.value)

        def fill(migrator, name, revision, direction):
            seen.append((name, revision, direction))
            migrator.execute("INSERT INTO t VALUES (7)")
        m.hook("fill", fill)
        m.upgrade()
        assert seen == [("fill", "aaaa", "upgrade")]
        import sqlite3
        assert sqlite3.connect(str(db)).execute("SELECT x FROM t").fetchall() == [(7,)]
        m.downgrade("base")

        def bad(migrator, name, revision, direction):
            raise ValueError("boom")
        m.hook("fill", bad)
        with pytest.raises(ValueError) as e:
            m.upgrade()
        assert isinstance(e.value.__cause__, aurmig.Error)
        assert m.current_rows() == []          # the step was rolled back


def test_config_file_steps_check_and_stamp(tmp_path):
    mig = tmp_path / "m"
    mig.mkdir()
    (mig / "aaaa_sso.sql").write_text(
        "-- aurmig:revision aaaa\n-- aurmig:upgrade\nCREATE TABLE t (x INTEGER);\n"
        "-- aurmig:config add-section sso\n-- aurmig:config set if-unset sso openid = https://example.org\n"
        "-- aurmig:config set if-equal=none options cache = redis\n"
        "-- aurmig:downgrade\nDROP TABLE t;\n-- aurmig:config set options cache = none\n"
        "-- aurmig:config remove sso openid\n-- aurmig:config remove-section if-empty sso\n")
    etc = tmp_path / "etc"
    etc.mkdir()
    conf = etc / "config"
    original = b"[options]\ncache = none\n"
    conf.write_bytes(original)
    url = "sqlite:///%s" % (tmp_path / "c.db")
    with aurmig.Migrator(str(mig), url) as m:
        with pytest.raises(aurmig.UsageError) as e:
            m.upgrade()
        assert "changes the configuration file" in str(e.value)
        with pytest.raises(aurmig.UsageError):
            m.config_check()
        assert m.current_rows() == []
    with aurmig.Migrator(str(mig), url, config_file=conf) as m:     # a path-like object
        plan = m.plan("upgrade", "heads", config_file="%s" % conf)  # a temporary string: the library copies it
        gc.collect()
        assert [s.revision for s in plan.run()] == ["aaaa"]
        plan.close()
        upgraded = (b"[options]\ncache = redis\n\n[sso]\nopenid = https://example.org\n\n"
                    b"[aurmig]\nrevision = aaaa\n")
        assert conf.read_bytes() == upgraded
        st = m.config_check()
        assert (st.state, st.in_sync, bool(st), st.message) == ("in_sync", True, True, "")
        # a hand edit is reported; config_stamp accepts it
        conf.write_bytes(upgraded + b"extra = 1\n")
        st = m.config_check()
        assert (st.code, st.state, bool(st)) == (n.AURMIG_CONFIG_EDITED, "edited", False)
        assert "config-stamp" in st.message
        # a successful call leaves no error behind (the message is the status object's)
        e = m._lib.aurmig_error_last(m._ctx).contents
        assert (e.code, e.message) == (0, b"")
        m.config_stamp()
        assert m.config_check().in_sync
        # another file, given per call
        other = etc / "other"
        assert m.config_check(other).state == "missing"
        m.downgrade("base")
        assert conf.read_bytes() == b"[options]\ncache = none\n\n[aurmig]\nrevision =\nextra = 1\n"
        # a write that fails: the database part stays, the step is pending
        backup = etc / "config.aurmig-bak"
        backup.unlink()
        backup.mkdir()
        (backup / "x").write_text("")
        before = conf.read_bytes()
        with pytest.raises(aurmig.FileError) as e:
            m.upgrade()
        assert "config step is pending" in str(e.value)
        assert conf.read_bytes() == before and m.current_rows() == ["aaaa"]
        st = m.config_check()
        assert st.state == "pending" and "upgrade" in st.message
        shutil.rmtree(str(backup))
        assert m.upgrade() == []                                  # finishes the pending step
        assert b"cache = redis" in conf.read_bytes() and m.config_check().in_sync


def test_bindings_read_the_error_record_only_on_failure():
    """The error record is the failure's: a binding that reads it after a
    successful call (as config_check did) depends on what success leaves
    behind. Only the exception builders may call aurmig_error_last."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "bindings")
    allowed = {os.path.join("python", "aurmig", "errors.py"), os.path.join("php", "src", "Exception.php")}
    found = []
    for sub in (os.path.join("python", "aurmig"), os.path.join("php", "src")):
        for name in sorted(os.listdir(os.path.join(root, sub))):
            rel = os.path.join(sub, name)
            if not name.endswith((".py", ".php")) or rel in allowed:
                continue
            for no, line in enumerate(open(os.path.join(root, rel)), 1):
                if "aurmig_error_last(" in line and not line.lstrip().startswith(("#", "*", "//", "const ")):
                    found.append("%s:%d" % (rel, no))
    assert found == []


# The code-to-exception map the binding kept before it took the library's
# families (issue 18 point 4): the behaviour must stay this.
_EXCEPTIONS = {
    "ENOMEM": aurmig.OutOfMemoryError, "EINVALID": aurmig.UsageError, "EBUFS": aurmig.UsageError,
    "EUNSUPPORTED": aurmig.UsageError, "EPARSE": aurmig.ScriptError, "EGRAPH": aurmig.GraphError,
    "EIO": aurmig.FileError, "ENOTFOUND": aurmig.NotFoundError, "EAMBIGUOUS": aurmig.AmbiguousError,
    "EDB": aurmig.DatabaseError, "ECONFLICT": aurmig.DatabaseError, "ELOCKED": aurmig.LockTimeoutError,
    "EUNKNOWNREV": aurmig.UnknownRevisionError, "ERECOVERY": aurmig.RecoveryNeededError,
    "EDRIFT": aurmig.DriftError, "EINPROGRESS": aurmig.InProgressError,
    "EIRREVERSIBLE": aurmig.IrreversibleError, "EASSERT": aurmig.PreconditionError,
    "EUSER": aurmig.AbortedError,
}


def test_exceptions_come_from_the_librarys_table():
    """Every code of the library's table (aurmig_error_count/_at/_name) is a
    constant of the binding with the same number, and raises the class its
    family names (aurmig_error_family); codes without a family raise Error."""
    from aurmig import errors
    lib = n.lib()
    names = {}
    for i in range(lib.aurmig_error_count()):
        code = lib.aurmig_error_at(i)
        name = lib.aurmig_error_name(code).decode()
        names[name] = code
        assert n.CONSTANTS["AURMIG_" + name] == code
        assert lib.aurmig_error_from_name(name.encode()) == code
        cls = errors.class_for(lib, code)
        assert cls is _EXCEPTIONS.get(name, aurmig.Error), name
        family = lib.aurmig_error_family(code)
        if family is not None:
            assert cls.__name__ == family.decode() + "Error" and cls.__name__ in aurmig.__all__
        e = errors.from_code(lib, None, code)
        assert type(e) is cls and e.code == code and e.name == name
        assert e.message == lib.aurmig_error_str(code).decode()
    assert lib.aurmig_error_at(lib.aurmig_error_count()) == 1
    assert sorted(names) == sorted(k[len("AURMIG_"):] for k in n.CONSTANTS
                                   if k.startswith("AURMIG_E") or k in ("AURMIG_OK", "AURMIG_ITEROVER"))
    assert set(_EXCEPTIONS) <= set(names)
    assert errors.class_for(lib, -21) is aurmig.Error and errors.from_code(lib, None, -21).name is None


def test_no_error_record_read_after_success(db, tmp_path, monkeypatch):
    """Success leaves nothing to read: the binding calls aurmig_error_last
    only after a failure (issue 18 point 5). A spy on the function counts the
    calls through a run of successful operations, then one failure."""
    url, graph = db
    lib = n.lib()
    calls = []
    real = lib._funcs["aurmig_error_last"]

    def spy(ctx):
        calls.append(ctx)
        return real(ctx)

    monkeypatch.setitem(lib._funcs, "aurmig_error_last", spy)
    if url.startswith("sqlite:///"):
        open(url[len("sqlite:///"):], "w").close()
    assert aurmig.status(graph, url).state == "behind"
    with aurmig.Migrator(graph, url) as m:
        assert not m.check().at_head
        assert len(m.upgrade()) == 7
        assert m.check().at_head and ids(m.current()) == [D]
        assert ids(m.history())[0] == D and m.revision("bee").id == B1
        assert len(m.downgrade("base")) == 7 and m.stamp("heads") and m.current_rows() == [D]
        assert calls == []
        with pytest.raises(aurmig.NotFoundError) as ei:
            m.upgrade("zzzz")
    assert len(calls) == 1 and ei.value.name == "ENOTFOUND"
    assert aurmig.status(graph, url).at_head and len(calls) == 1
