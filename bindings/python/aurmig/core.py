# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python face of libaurmig: Migrator, Plan, status()."""
import ctypes
import weakref
from collections import namedtuple

from . import _native as n
from . import errors

_P = {k: ctypes.POINTER(v) for k, v in n.OPAQUE.items()}


def _s(b):
    return None if b is None else b.decode("utf-8", "surrogateescape")


def _b(s, what="argument"):
    if s is None:
        return None
    if isinstance(s, bytes):
        b = s
    else:
        b = str(s).encode("utf-8", "surrogateescape")
    if b"\0" in b:
        raise errors.UsageError("a NUL byte in the %s" % what, n.AURMIG_EINVALID)
    return b


def _strings(items):
    """A C array of C strings (const char *const *) and its length. The
    ctypes array keeps the bytes objects alive."""
    bs = [_b(x, "string list") for x in items]
    arr = (ctypes.c_char_p * max(1, len(bs)))(*bs)
    return arr, len(bs)


def _fspath(p):
    import os
    return os.fsencode(p) if not isinstance(p, bytes) else p


Revision = namedtuple("Revision", "id message create_date path parents dependencies labels "
                                  "is_head is_base is_branch_point is_merge_point")
Revision.__doc__ = "One migration script, copied out of the graph (it outlives the Migrator)."


def _revision(lib, m):
    def lst(count, at):
        return tuple(_s(at(m, i)) for i in range(count(m)))
    return Revision(
        _s(lib.aurmig_migration_id(m)), _s(lib.aurmig_migration_message(m)),
        _s(lib.aurmig_migration_create_date(m)), _s(lib.aurmig_migration_path(m)),
        lst(lib.aurmig_migration_parent_count, lib.aurmig_migration_parent),
        lst(lib.aurmig_migration_dependency_count, lib.aurmig_migration_dependency),
        lst(lib.aurmig_migration_branch_count, lib.aurmig_migration_branch),
        bool(lib.aurmig_migration_is_head(m)), bool(lib.aurmig_migration_is_base(m)),
        bool(lib.aurmig_migration_is_branch_point(m)), bool(lib.aurmig_migration_is_merge_point(m)))


class Step(namedtuple("Step", "kind revision message from_revs to_revs statements seconds")):
    """One step of a plan, copied out of it: kind is 'upgrade', 'downgrade'
    or 'stamp'; revision None for a stamp step; to_revs empty means base;
    statements and seconds are 0 and -1 until the step ran."""

    def __str__(self):
        verb = "Running stamp_revision" if self.kind == "stamp" else "Running " + self.kind
        return "%s %s -> %s%s" % (verb, ", ".join(self.from_revs), ", ".join(self.to_revs),
                                  ", " + self.message if self.message else "")


def _names(fn, first):
    """{number: name} of one of the library's vocabularies (aurmig_state_name()
    and its siblings), read once: the numbers count up from first until NULL."""
    out, i = {}, first
    while True:
        name = fn(i)
        if name is None:
            return out
        out[i] = _s(name)
        i += 1


_VOCABULARY = {}


def _vocabulary(which):
    if not _VOCABULARY:
        lib = n.lib()
        _VOCABULARY.update(states=_names(lib.aurmig_state_name, 0),
                           config=_names(lib.aurmig_config_state_name, 0),
                           kinds=_names(lib.aurmig_step_kind_name, 1))
    return _VOCABULARY[which]


def _name(which, code, prefix):
    return _vocabulary(which).get(code, "%s-%d" % (prefix, code))


def _step(lib, s):
    m = lib.aurmig_step_migration(s)
    return Step(
        _name("kinds", lib.aurmig_step_kind_of(s), "kind"),
        _s(lib.aurmig_migration_id(m)) if m else None,
        _s(lib.aurmig_migration_message(m)) if m else "",
        tuple(_s(lib.aurmig_step_from(s, i)) for i in range(lib.aurmig_step_from_count(s))),
        tuple(_s(lib.aurmig_step_to(s, i)) for i in range(lib.aurmig_step_to_count(s))),
        lib.aurmig_step_statements(s),
        lib.aurmig_step_seconds(s))


_RUN_FIELDS = (("run_id", n.AURMIG_RUN_ID), ("host", n.AURMIG_RUN_HOST), ("pid", n.AURMIG_RUN_PID),
               ("since", n.AURMIG_RUN_SINCE), ("revision", n.AURMIG_RUN_REVISION),
               ("operation", n.AURMIG_RUN_OPERATION), ("statement", n.AURMIG_RUN_STATEMENT),
               ("statements", n.AURMIG_RUN_STATEMENTS))


class Status(namedtuple("Status", "code state message current heads pending run")):
    """The start-up check, copied out of the library: code is the
    aurmig_state, state its name from the library's one vocabulary
    (aurmig_state_name(): 'at_head', 'behind', 'unknown_revision',
    'needs_recovery', 'drift', 'in_progress'; the CLI's JSON says the
    same), current the version rows, heads the migrations' heads, pending
    what `upgrade heads` would run. 'in_progress': a migration is running
    now (message names its run; run is a dict of its journal row: run_id,
    host, pid, since, revision, operation, statement, statements, the
    numbers as int; None in every other state): wait, do not recover."""

    @property
    def at_head(self):
        return self.code == n.AURMIG_STATE_AT_HEAD

    def __bool__(self):
        return self.at_head


def _status(lib, s):
    code = lib.aurmig_status_state(s)

    def lst(what):
        count = getattr(lib, "aurmig_status_%s_count" % what)
        at = getattr(lib, "aurmig_status_%s" % what)
        return tuple(_s(at(s, i)) for i in range(count(s)))
    run = None
    if code == n.AURMIG_STATE_IN_PROGRESS:
        run = {}
        for key, field in _RUN_FIELDS:
            v = _s(lib.aurmig_status_run(s, field))
            run[key] = int(v) if v is not None and key in ("pid", "statement", "statements") else v
    return Status(code, _name("states", code, "state"), _s(lib.aurmig_status_message(s)) or "",
                  lst("current"), lst("head"), lst("pending"), run)


_LOCK_KINDS = {n.AURMIG_LOCK_KIND_FLOCK: "flock", n.AURMIG_LOCK_KIND_GET_LOCK: "get_lock",
               n.AURMIG_LOCK_KIND_ADVISORY: "advisory", n.AURMIG_LOCK_KIND_LEASE: "lease"}
# the holder's fields, as `aurmig lock --json` names them (int: a number there)
_LOCK_FIELDS = (("owner", n.AURMIG_LOCKINFO_OWNER, False), ("host", n.AURMIG_LOCKINFO_HOST, False),
                ("pid", n.AURMIG_LOCKINFO_PID, True), ("node", n.AURMIG_LOCKINFO_NODE, False),
                ("connection", n.AURMIG_LOCKINFO_CONNECTION, True), ("user", n.AURMIG_LOCKINFO_USER, False),
                ("acquired_at", n.AURMIG_LOCKINFO_ACQUIRED_AT, False),
                ("heartbeat_at", n.AURMIG_LOCKINFO_HEARTBEAT_AT, False),
                ("expires_at", n.AURMIG_LOCKINFO_EXPIRES_AT, False))


def _lock_info(lib, li):
    held, expired = bool(lib.aurmig_lock_info_held(li)), bool(lib.aurmig_lock_info_expired(li))
    holder = None
    if held or expired:
        holder = {}
        for key, field, num in _LOCK_FIELDS:
            v = _s(lib.aurmig_lock_info_field(li, field))
            if v is not None:
                holder[key] = int(v) if num and v.lstrip("-").isdigit() else v
    return {"kind": _LOCK_KINDS.get(lib.aurmig_lock_info_kind(li), "unknown"),
            "name": _s(lib.aurmig_lock_info_field(li, n.AURMIG_LOCKINFO_NAME)),
            "held": held, "expired": expired, "mine": bool(lib.aurmig_lock_info_mine(li)), "holder": holder}


class ConfigStatus(namedtuple("ConfigStatus", "code state message")):
    """The configuration file against the database (aurmig_config_check):
    code is the aurmig_config_state, state its name (aurmig_config_state_name(): 'in_sync', 'behind',
    'edited', 'pending', 'missing'), message what differs and how to
    reconcile ('' when in sync)."""

    @property
    def in_sync(self):
        return self.code == n.AURMIG_CONFIG_IN_SYNC

    def __bool__(self):
        return self.in_sync


def _new_context(lib):
    ctx = _P["aurmig_context"]()
    rc = lib.aurmig_context_new(ctypes.byref(ctx))
    if rc:
        raise errors.from_code(lib, None, rc)
    return ctx


def status(directory, url=None, *, aurweb_config=None, timeout=5.0):
    """The one-call start-up check (aurmig_status_new_timeout): load the
    migrations, connect, read, report, let go of everything. Read-only,
    takes no lock. timeout: seconds any statement may wait for a lock or an
    answer (None or 0: no bound); past it LockTimeoutError ("timed out
    waiting for the database"), so an application start never hangs."""
    if (url is None) == (aurweb_config is None):
        raise errors.UsageError("give exactly one of url and aurweb_config", n.AURMIG_EINVALID)
    lib = n.lib()
    ctx = _new_context(lib)
    try:
        s = _P["aurmig_status"]()
        rc = lib.aurmig_status_new_timeout(ctypes.byref(s), ctx, _b(url, "url"),
                                           _fspath(aurweb_config) if aurweb_config is not None else None,
                                           _fspath(directory), int((timeout or 0) * 1000))
        if rc:
            raise errors.from_code(lib, ctx, rc)
        try:
            return _status(lib, s)
        finally:
            lib.aurmig_status_free(s)
    finally:
        lib.aurmig_context_free(ctx)


class Migrator:
    """A migrations directory and a database, kept open.

        with aurmig.Migrator("migrations", "sqlite:///aur.db") as m:
            if not m.check():
                for step in m.plan("upgrade", "heads"):
                    print(step)

    Failures raise aurmig.Error subclasses. Objects may be closed or
    dropped in any order: close() closes this Migrator's open plans first,
    and a Plan keeps its Migrator alive. One Migrator (and what it made)
    must be used by one thread at a time.
    """

    def __init__(self, directory, url=None, *, aurweb_config=None, lock_timeout=60.0, config_file=None):
        """url: a connection URL; or aurweb_config: aurweb's configuration
        file (exactly one). lock_timeout: seconds upgrade/downgrade/stamp
        wait for the deploy lock (None: forever). config_file: the INI file
        the migrations' config steps edit (aurmig_plan_options.config_file,
        docs/config-steps.md), also for config_check() and config_stamp();
        None when the migrations have no config steps."""
        self._lib = lib = n.lib()
        self._ctx = self._graph = self._conn = None
        self._plans = weakref.WeakSet()
        if (url is None) == (aurweb_config is None):
            raise errors.UsageError("give exactly one of url and aurweb_config", n.AURMIG_EINVALID)
        self.lock_timeout = lock_timeout
        self.config_file = config_file
        self._ctx = _new_context(lib)
        try:
            g = _P["aurmig_graph"]()
            self._check(lib.aurmig_graph_load(ctypes.byref(g), self._ctx, _fspath(directory)))
            self._graph = g
            c = _P["aurmig_conn"]()
            if url is not None:
                rc = lib.aurmig_conn_open(ctypes.byref(c), self._ctx, _b(url, "url"))
            else:
                rc = lib.aurmig_conn_open_aurweb_config(ctypes.byref(c), self._ctx, _fspath(aurweb_config))
            self._check(rc)
            self._conn = c
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def close(self):
        """Close open plans, the connection and the graph. Idempotent."""
        for p in list(getattr(self, "_plans", ())):
            p.close()
        lib = self._lib
        conn, self._conn = self._conn, None
        graph, self._graph = self._graph, None
        ctx, self._ctx = self._ctx, None
        if conn:
            lib.aurmig_conn_free(conn)
        if graph:
            lib.aurmig_graph_free(graph)
        if ctx:
            lib.aurmig_context_free(ctx)

    @property
    def closed(self):
        return self._conn is None

    def set_timeout(self, seconds):
        """Bound every wait of this Migrator's statements (aurmig_conn_set_timeout):
        for read-only use (check(), status()); a statement that waits longer
        raises LockTimeoutError. None or 0 removes the bound. Migrations bound
        their lock waits themselves (10 s per statement, retried)."""
        self._check(self._lib.aurmig_conn_set_timeout(self._live_conn(), int((seconds or 0) * 1000)))

    # -- hooks ---------------------------------------------------------------

    def hook(self, name, fn, *, own_connection=False):
        """Run fn(migrator, hook_name, revision, direction) where a migration
        says `-- aurmig:hook NAME` (direction is "upgrade" or "downgrade").
        Inside the migration's transaction; use self.execute(sql) there. With
        own_connection=True the step commits before fn runs (fn uses a
        connection of its own). An exception fails the step and comes back
        out of upgrade()/downgrade(). fn=None removes the hook."""
        if not hasattr(self, "_hooks"):
            self._hooks = {}
            self._hook_error = None
        if fn is None:
            self._check(self._lib.aurmig_context_set_hook(self._ctx, _b(name, "name"), n.aurmig_hook_fn(), None, 0))
            self._hooks.pop(name, None)
            return

        def trampoline(payload, conn, hook, revision, direction, _fn=fn):
            try:
                _fn(self, hook.decode(), revision.decode(),
                    "upgrade" if direction == n.AURMIG_UPGRADE else "downgrade")
                return 0
            except BaseException as e:          # reported after the plan stops
                self._hook_error = e
                return 1

        cb = n.aurmig_hook_fn(trampoline)
        self._check(self._lib.aurmig_context_set_hook(self._ctx, _b(name, "name"), cb, None,
                                                      n.AURMIG_HOOK_OWN_CONNECTION if own_connection else 0))
        self._hooks[name] = cb                  # the C side holds the pointer: keep it alive

    def execute(self, sql):
        """Run one SQL statement on the migration's connection (for hooks)."""
        self._check(self._lib.aurmig_conn_exec(self._live_conn(), _b(sql, "sql")))

    # -- reading -----------------------------------------------------------

    def check(self):
        """The start-up check on this graph and connection (aurmig_status_from): a Status."""
        s = _P["aurmig_status"]()
        self._check(self._lib.aurmig_status_from(ctypes.byref(s), self._live_conn(), self._graph))
        try:
            return _status(self._lib, s)
        finally:
            self._lib.aurmig_status_free(s)

    def config_check(self, config_file=None):
        """Compare the configuration file (config_file, else the
        Migrator's) with the database, read-only: a ConfigStatus."""
        path = self._config_path(config_file)
        cs = _P["aurmig_config_status"]()
        self._check(self._lib.aurmig_config_status_new(ctypes.byref(cs), self._live_conn(), self._graph, path))
        try:
            state = self._lib.aurmig_config_status_state(cs)
            message = _s(self._lib.aurmig_config_status_message(cs))
        finally:
            self._lib.aurmig_config_status_free(cs)
        return ConfigStatus(state, _name("config", state, "state"), message)

    def config_stamp(self, config_file=None):
        """Accept the configuration file as it is (aurmig_config_stamp):
        mark it with the database's revision(s), journal its checksum and
        resolve pending config steps. Takes the deploy lock."""
        path = self._config_path(config_file)
        self._check(self._lib.aurmig_config_stamp(self._live_conn(), self._graph, path))

    def _config_path(self, config_file):
        path = config_file if config_file is not None else self.config_file
        if path is None:
            raise errors.UsageError("no configuration file: give config_file", n.AURMIG_EINVALID)
        return _fspath(path)

    def current_rows(self):
        """The rows of the version table (alembic_version)."""
        conn = self._live_conn()
        count = ctypes.c_size_t()
        self._check(self._lib.aurmig_conn_read_current(conn, ctypes.byref(count)))
        return [_s(self._lib.aurmig_conn_current_head(conn, i)) for i in range(count.value)]

    def current(self):
        """What `current` shows: the version rows and what they imply through
        depends_on, newest first (a list of Revision; unknown ids left out)."""
        arr, k = _strings(self.current_rows())
        lst = _P["aurmig_revlist"]()
        self._check(self._lib.aurmig_graph_current(ctypes.byref(lst), self._live_graph(), arr, k))
        with self._revlist(lst) as it:
            return list(it)

    def heads(self):
        """The heads of the migrations (a list of Revision)."""
        g = self._live_graph()
        return [_revision(self._lib, self._lib.aurmig_graph_head(g, i))
                for i in range(self._lib.aurmig_graph_head_count(g))]

    def revision(self, spec):
        """One revision: full id, unique prefix, branch label or label@prefix."""
        m = _P["aurmig_migration"]()
        self._check(self._lib.aurmig_graph_lookup(ctypes.byref(m), self._live_graph(), _b(spec, "revision")))
        return _revision(self._lib, m)

    def history(self, range=None):
        """An iterator over the revisions of a range, newest first, as
        `aurmig history -r RANGE` lists them (None: all). The range is
        resolved at once (errors raise here); revisions are read as the
        iterator advances."""
        rows = self.current_rows() if range else []
        arr, k = _strings(rows)
        lst = _P["aurmig_revlist"]()
        self._check(self._lib.aurmig_graph_history(ctypes.byref(lst), self._live_graph(),
                                                   _b(range, "range"), arr, k))
        return self._revlist(lst)

    def _revlist(self, lst):
        return _RevisionIterator(self, lst)

    # -- writing -----------------------------------------------------------

    def plan(self, command, targets, *, one_transaction=False, purge=False, progress=None, config_file=None):
        """Plan 'upgrade', 'downgrade' or 'stamp' to targets (a string, or a
        list for stamp). The plan holds the deploy lock until it is closed;
        iterate it (or call run()) to apply the steps. config_file: the file
        config steps edit (default: the Migrator's).

        progress(step, phase): called before ('start') and after ('done')
        each step, before each statement ('statement'), and before a retry
        after a lock-wait timeout ('lock-wait'). Raise from it to
        stop: the exception comes out of the iteration."""
        cmd = {"upgrade": n.AURMIG_CMD_UPGRADE, "downgrade": n.AURMIG_CMD_DOWNGRADE,
               "stamp": n.AURMIG_CMD_STAMP}.get(command)
        if cmd is None:
            raise errors.UsageError("unknown command %r" % (command,), n.AURMIG_EINVALID)
        if isinstance(targets, (str, bytes)):
            targets = [targets]
        lib = self._lib
        conn = self._live_conn()
        opts = n.aurmig_plan_options()
        self._check(lib.aurmig_plan_options_init(ctypes.byref(opts), n.AURMIG_PLAN_OPTIONS_VERSION))
        opts.flags = ((n.AURMIG_PLAN_ONE_TRANSACTION if one_transaction else 0)
                      | (n.AURMIG_PLAN_PURGE if purge else 0))
        opts.lock_timeout_ms = -1 if self.lock_timeout is None else int(self.lock_timeout * 1000)
        path = config_file if config_file is not None else self.config_file
        if path is not None:
            opts.config_file = _fspath(path)    # the library copies it
        plan = Plan(self, progress)
        if plan._trampoline is not None:
            opts.progress = plan._trampoline
        arr, k = _strings(targets)
        p = _P["aurmig_plan"]()
        self._check(lib.aurmig_plan_new(ctypes.byref(p), conn, self._graph, cmd, arr, k, ctypes.byref(opts)))
        plan._ptr = p
        self._plans.add(plan)
        return plan

    def upgrade(self, target="heads", *, progress=None, one_transaction=False, config_file=None):
        """Upgrade to target; returns the steps applied ([] when already there)."""
        with self.plan("upgrade", target, progress=progress, one_transaction=one_transaction,
                       config_file=config_file) as p:
            return p.run()

    def downgrade(self, target, *, progress=None, one_transaction=False, config_file=None):
        """Downgrade to target ('base', '-1', a revision, ...); returns the steps applied."""
        with self.plan("downgrade", target, progress=progress, one_transaction=one_transaction,
                       config_file=config_file) as p:
            return p.run()

    def stamp(self, targets, *, purge=False):
        """Rewrite the version table without running scripts; returns the steps."""
        with self.plan("stamp", targets, purge=purge) as p:
            return p.run()

    def init(self):
        """Build an empty database from the migrations' declared schema
        (aurmig_init: schema/<dialect>.sql or schema/portable.sql) and stamp
        it at the schema's revision; returns the version rows. Takes the
        deploy lock. upgrade() on an empty database does the same when the
        migrations ship a declared schema."""
        lib = self._lib
        conn = self._live_conn()
        opts = n.aurmig_plan_options()
        self._check(lib.aurmig_plan_options_init(ctypes.byref(opts), n.AURMIG_PLAN_OPTIONS_VERSION))
        opts.lock_timeout_ms = -1 if self.lock_timeout is None else int(self.lock_timeout * 1000)
        self._check(lib.aurmig_init(conn, self._graph, ctypes.byref(opts)))
        return self.current_rows()

    # -- the deploy lock and the server ------------------------------------

    def lock_info(self):
        """Who holds the deploy lock, without taking it (aurmig_lock_info_new;
        read-only, `aurmig lock --json` without "url"): a dict with "kind"
        ('flock', 'get_lock', 'advisory', 'lease'), "name", "held",
        "expired" (a lease row its run stopped renewing), "mine" (this
        Migrator holds it) and "holder": None when free, else a dict of what
        the lock kind and the server tell (owner, host, pid, node,
        connection, user, acquired_at, heartbeat_at, expires_at; pid and
        connection as int)."""
        li = _P["aurmig_lock_info"]()
        self._check(self._lib.aurmig_lock_info_new(ctypes.byref(li), self._live_conn()))
        try:
            return _lock_info(self._lib, li)
        finally:
            self._lib.aurmig_lock_info_free(li)

    def lock_break(self, force=False):
        """Break the deploy lock (aurmig_lock_break, `aurmig lock --break`):
        only an expired lease whose holder is not seen alive, unless force
        (a live lease is deleted, a holding session killed). Returns the
        lock as it was (lock_info()'s dict; "holder" None: nothing was held,
        nothing done). A live holder without force raises InProgressError;
        a lock that changed hands meanwhile LockTimeoutError; an flock held
        by another process UsageError (stop that process)."""
        li = _P["aurmig_lock_info"]()
        self._check(self._lib.aurmig_lock_break(self._live_conn(), 1 if force else 0, ctypes.byref(li)))
        try:
            return _lock_info(self._lib, li)
        finally:
            self._lib.aurmig_lock_info_free(li)

    def replica(self):
        """None on a primary (or SQLite); on a read-only replica a dict
        {"lag_seconds": seconds behind, or None where the server does not
        tell} (aurmig_conn_replica; `check --json`'s "replica";
        docs/clusters.md). Read-only."""
        is_replica, lag = ctypes.c_int(), ctypes.c_double()
        self._check(self._lib.aurmig_conn_replica(self._live_conn(), ctypes.byref(is_replica), ctypes.byref(lag)))
        if not is_replica.value:
            return None
        return {"lag_seconds": lag.value if lag.value >= 0 else None}

    # -- misc --------------------------------------------------------------

    @property
    def display_url(self):
        """The connection URL with the password masked."""
        return _s(self._lib.aurmig_conn_display_url(self._live_conn()))

    @property
    def dialect(self):
        """'sqlite', 'mysql' or 'pgsql'."""
        d = self._lib.aurmig_conn_dialect(self._live_conn())
        return {n.AURMIG_DIALECT_SQLITE: "sqlite", n.AURMIG_DIALECT_MYSQL: "mysql",
                n.AURMIG_DIALECT_PGSQL: "pgsql"}.get(d, "unknown")

    def _check(self, rc):
        if rc:
            err = errors.from_code(self._lib, self._ctx, rc)
            hook_error, self._hook_error = getattr(self, "_hook_error", None), None
            if hook_error is not None:
                raise hook_error from err   # the hook's own exception, with the step's failure as cause
            raise err

    def _live_conn(self):
        if self._conn is None:
            raise errors.closed("Migrator")
        return self._conn

    def _live_graph(self):
        if self._graph is None:
            raise errors.closed("Migrator")
        return self._graph


class _RevisionIterator:
    """Revisions of an aurmig_revlist, read as the iteration advances. The
    list is freed when the iteration ends, on close() or when the iterator
    is dropped (also if it was never started)."""

    def __init__(self, owner, lst):
        self._owner = owner      # the migrations are borrowed from its graph
        self._lib = owner._lib
        self._lst = lst
        self._i = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self._lst is None:
            raise StopIteration
        if self._i >= self._lib.aurmig_revlist_count(self._lst):
            self.close()
            raise StopIteration
        self._owner._live_graph()
        r = _revision(self._lib, self._lib.aurmig_revlist_at(self._lst, self._i))
        self._i += 1
        return r

    def close(self):
        lst, self._lst = self._lst, None
        if lst:
            self._lib.aurmig_revlist_free(lst)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Plan:
    """The steps from the current heads to a target (made by Migrator.plan()).

    Iterating applies the remaining steps one at a time (the library's pull
    API, aurmig_plan_next) and yields each applied Step. A context manager:
    leaving it closes the plan, which releases the deploy lock (and rolls
    back an open whole-plan transaction)."""

    def __init__(self, owner, progress):
        self._owner = owner          # keeps the connection and graph alive
        self._lib = owner._lib
        self._ptr = None
        self._progress = progress
        self._pending_exc = None
        # The C library keeps the function pointer in the plan: this
        # reference must live as long as the plan does.
        self._trampoline = n.aurmig_progress_fn(self._on_progress) if progress is not None else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def close(self):
        """Free the plan and release the deploy lock. Idempotent."""
        p, self._ptr = self._ptr, None
        if p:
            self._lib.aurmig_plan_free(p)

    @property
    def closed(self):
        return self._ptr is None

    def __len__(self):
        return self._lib.aurmig_plan_count(self._live())

    @property
    def steps(self):
        """The planned steps (a list of Step)."""
        p = self._live()
        return [_step(self._lib, self._lib.aurmig_plan_at(p, i)) for i in range(self._lib.aurmig_plan_count(p))]

    @property
    def before(self):
        """The version rows before the plan."""
        p = self._live()
        return [_s(self._lib.aurmig_plan_before(p, i)) for i in range(self._lib.aurmig_plan_before_count(p))]

    @property
    def init_schema(self):
        """The declared schema this plan builds the empty database from
        before its steps (upgrade to the heads on an empty database), or None."""
        v = self._lib.aurmig_plan_init_schema(self._live())
        return _s(v) if v is not None else None

    @property
    def after(self):
        """The version rows once every step has run."""
        p = self._live()
        return [_s(self._lib.aurmig_plan_after(p, i)) for i in range(self._lib.aurmig_plan_after_count(p))]

    def __iter__(self):
        return self

    def __next__(self):
        p = self._live()
        out = _P["aurmig_step"]()
        rc = self._lib.aurmig_plan_next(ctypes.byref(out), p)
        if rc == n.AURMIG_ITEROVER:
            raise StopIteration
        if rc:
            exc = errors.from_code(self._lib, self._owner._ctx, rc)
            pending, self._pending_exc = self._pending_exc, None
            hook_error, self._owner._hook_error = getattr(self._owner, "_hook_error", None), None
            if pending is None:
                pending = hook_error
            if pending is not None:
                raise pending from exc
            raise exc
        return _step(self._lib, out)

    def run(self):
        """Apply every remaining step; returns them."""
        return list(self)

    def _on_progress(self, payload, step, phase):
        try:
            self._progress(_step(self._lib, step),
                           {n.AURMIG_PROGRESS_START: "start", n.AURMIG_PROGRESS_DONE: "done",
                            n.AURMIG_PROGRESS_STATEMENT: "statement",
                            n.AURMIG_PROGRESS_LOCK_WAIT: "lock-wait",
                            n.AURMIG_PROGRESS_BATCH: "batch"}.get(phase, phase))
            return 0
        except BaseException as e:  # never let an exception unwind through C
            self._pending_exc = e
            return 1

    def _live(self):
        if self._ptr is None:
            raise errors.closed("plan")
        return self._ptr


def state_names():
    """The library's state names, by aurmig_state number."""
    return dict(_vocabulary("states"))


def config_state_names():
    """The library's config state names, by aurmig_config_state number."""
    return dict(_vocabulary("config"))


def step_kind_names():
    """The library's step kind names, by aurmig_step_kind number."""
    return dict(_vocabulary("kinds"))
