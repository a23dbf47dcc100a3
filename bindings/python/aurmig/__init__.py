# SPDX-License-Identifier: GPL-2.0-or-later
"""libaurmig for Python: Alembic-compatible schema migrations (ctypes, no
compiled extension).

    import aurmig
    st = aurmig.status("migrations", "sqlite:///aur.db")   # one call, read-only
    if not st.at_head:
        with aurmig.Migrator("migrations", "sqlite:///aur.db") as m:
            for step in m.plan("upgrade", "heads"):
                print(step)

The shared library is found through $AURMIG_LIBRARY, the build tree, the
installed path, then the dynamic loader (see aurmig._native). Hooks
(callbacks around each migration) are not in the C API yet, so not here.
"""
from .core import (ConfigStatus, Migrator, Plan, Revision, Status, Step, config_state_names, state_names, status,
                   step_kind_names)
from .errors import (AbortedError, AmbiguousError, DatabaseError, DriftError, Error, FileError, GraphError,
                     InProgressError, IrreversibleError, LockTimeoutError, NotFoundError, OutOfMemoryError,
                     PreconditionError, RecoveryNeededError, ScriptError, StateError, TargetError,
                     UnknownRevisionError, UsageError)
from . import _native
from ._version import __version__


def version():
    """The run-time library version string, e.g. '0.1.0'."""
    return _native.lib().aurmig_version_string().decode()


__all__ = [
    "__version__", "state_names", "config_state_names", "step_kind_names", "ConfigStatus", "Migrator", "Plan", "Revision", "Status", "Step", "status", "version",
    "Error", "OutOfMemoryError", "UsageError", "ScriptError", "GraphError", "FileError", "TargetError",
    "NotFoundError", "AmbiguousError", "DatabaseError", "LockTimeoutError", "StateError",
    "UnknownRevisionError", "RecoveryNeededError", "DriftError", "IrreversibleError", "AbortedError",
    "InProgressError", "PreconditionError",
]
