# SPDX-License-Identifier: GPL-2.0-or-later
"""Exceptions: one class per family of aurmig_error_code.

Every exception carries the library's code (negative) and message, and the
rest of the context's error record (aurmig_error_last): the error class,
the script or configuration file and line, the revision, the failing
statement and the driver's own error number. Catch the family you can
handle; never parse messages.
"""
from . import _native as n


class Error(Exception):
    """A failure reported by libaurmig."""

    def __init__(self, message, code=n.AURMIG_ERROR, klass=0, file=None, line=0, revision=None,
                 statement=None, db_code=0):
        super().__init__(message)
        self.message = message
        self.code = code
        self.klass = klass
        self.file = file
        self.line = line
        self.revision = revision
        self.statement = statement
        self.db_code = db_code

    def __str__(self):
        return self.message

    @property
    def name(self):
        """The code's name in the library's table (aurmig_error_name()):
        "ELOCKED", "EDB", ...; None for a number that is no code."""
        return _s(n.lib().aurmig_error_name(self.code))


class OutOfMemoryError(Error, MemoryError):
    """AURMIG_ENOMEM."""


class UsageError(Error, ValueError):
    """Misuse of the API (AURMIG_EINVALID), a buffer too small (AURMIG_EBUFS),
    something this build or backend does not support (AURMIG_EUNSUPPORTED);
    also the use of a closed object."""


class ScriptError(Error):
    """A malformed migration script or configuration file (AURMIG_EPARSE):
    see .file and .line."""


class GraphError(Error):
    """An inconsistent revision graph (AURMIG_EGRAPH)."""


class FileError(Error, OSError):
    """A file or directory could not be read (AURMIG_EIO)."""


class TargetError(Error, LookupError):
    """A target or revision that names no revision, or several."""


class NotFoundError(TargetError):
    """AURMIG_ENOTFOUND."""


class AmbiguousError(TargetError):
    """AURMIG_EAMBIGUOUS: the message lists the candidates."""


class DatabaseError(Error):
    """The database or its driver failed (AURMIG_EDB; .db_code is the
    driver's number), or the version table held unexpected rows
    (AURMIG_ECONFLICT)."""


class LockTimeoutError(Error, TimeoutError):
    """The deploy lock was not free in time, or a wait for the database timed
    out: a lock wait, a statement timeout, a deadlock (AURMIG_ELOCKED)."""


class StateError(Error):
    """The database is in a state that needs a decision before migrating."""


class UnknownRevisionError(StateError):
    """The database holds a revision these migrations do not know (AURMIG_EUNKNOWNREV)."""


class RecoveryNeededError(StateError):
    """A migration failed half-way earlier and awaits recovery (AURMIG_ERECOVERY)."""


class InProgressError(StateError):
    """A migration is in progress: its run is alive and holds the deploy lock (AURMIG_EINPROGRESS)."""


class DriftError(StateError):
    """An applied migration's file changed since it ran (AURMIG_EDRIFT)."""


class PreconditionError(StateError):
    """A script's precondition (``-- aurmig:assert QUERY``) failed before its
    step ran: nothing of that step ran, earlier steps stay applied; fix the
    data and run again (AURMIG_EASSERT). .file and .line name the assert."""


class IrreversibleError(StateError):
    """A downgrade crosses a script without a downgrade section (AURMIG_EIRREVERSIBLE)."""


class AbortedError(Error):
    """A callback stopped the run (AURMIG_EUSER)."""


def class_for(lib, rc):
    """The exception class of return code rc. The library's table says the
    code's family (aurmig_error_family(): "LockTimeout", "Usage", ...), and
    the family names the class, <family>Error; a code without one (or a
    family this module lacks) is the base class Error."""
    family = lib.aurmig_error_family(rc)
    cls = globals().get(_s(family) + "Error") if family is not None else None
    return cls if isinstance(cls, type) and issubclass(cls, Error) else Error


def _s(b):
    return None if b is None else b.decode("utf-8", "surrogateescape")


def from_code(lib, ctx, rc):
    """The exception for return code rc, from the context's error record."""
    cls = class_for(lib, rc)
    if ctx:
        e = lib.aurmig_error_last(ctx)
        if e and e.contents.code == rc and e.contents.message is not None:
            r = e.contents
            return cls(_s(r.message), rc, r.klass, _s(r.file), r.line, _s(r.revision), _s(r.statement),
                       r.db_code)
    return cls(_s(lib.aurmig_error_str(rc)), rc)


def closed(what):
    return UsageError("the %s is closed" % what, n.AURMIG_EINVALID)
