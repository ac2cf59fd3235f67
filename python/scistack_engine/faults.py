"""What went wrong with the file itself, from DuckDB's error: damaged, full, or unreachable.

DuckDB reports the faults of the storage under it as generic errors whose text says what
happened; :func:`storage_fault` reads that text and returns the SciStack error to raise
instead, naming the file, what happened and what to do:

* a block that fails its checksum, or a file shorter than its contents say (truncated)
  → :class:`~scistack_engine.errors.DatabaseDamagedError`: restore the file from a copy;
* no space left on the device → :class:`~scistack_engine.errors.DiskFullError`: nothing
  of the call was written, earlier data is intact; free space and call again;
* a missing folder, a read-only file system, no permission →
  :class:`~scistack_engine.errors.DatabaseIOError`.

Any other error is not a storage fault (None). :func:`invalidated` tells whether DuckDB
has given up on the open database after a fault (it must then be opened again).

Ctrl-C during a query is not a fault either: DuckDB's Python client takes the pending
``KeyboardInterrupt`` itself, cancels the query and raises a plain
``RuntimeError("Query interrupted")`` (or ``duckdb.InterruptException``), so code that
stops on ``KeyboardInterrupt`` would miss it. :func:`interrupts_as_keyboard` (a context
manager and decorator) raises it as the ``KeyboardInterrupt`` it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

from .errors import DatabaseDamagedError, DatabaseError, DatabaseIOError, DiskFullError

__all__ = ["storage_fault", "invalidated", "interrupted", "interrupts_as_keyboard"]

_FULL = ("No space left on device", "Disk quota exceeded", "disk is full")
_CHECKSUM = ("Corrupt database file", "does not match stored checksum")
_TRUNCATED = ("Could not read enough bytes", "attempted to read")
_READ_ONLY = ("Read-only file system",)
_MISSING = ("No such file or directory",)
_DENIED = ("Permission denied",)


_INTERRUPTED = "Query interrupted"  # the text of the Python client's RuntimeError


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is DuckDB's report of a query cancelled by Ctrl-C (SIGINT)."""
    return isinstance(exc, duckdb.InterruptException) or (
        type(exc) is RuntimeError and str(exc) == _INTERRUPTED)


@contextlib.contextmanager
def interrupts_as_keyboard() -> Iterator[None]:
    """Raise a query that Ctrl-C cancelled as ``KeyboardInterrupt`` (see the module)."""
    try:
        yield
    except (RuntimeError, duckdb.InterruptException) as exc:
        if interrupted(exc):
            raise KeyboardInterrupt(str(exc)) from exc
        raise


def invalidated(exc: duckdb.Error) -> bool:
    """Whether DuckDB invalidated the database (a fatal error: it must be reopened)."""
    return isinstance(exc, duckdb.FatalException) or "database has been invalidated" in str(exc)


def storage_fault(path: str, exc: duckdb.Error) -> DatabaseError | None:
    """The SciStack error for a fault of the file at ``path``, or None for another error."""
    text = str(exc)
    # after an earlier fatal error DuckDB repeats that error's text on a later line
    lines = [line.removeprefix("Original error: ").strip('"') for line in text.splitlines()]
    detail = (lines[-1] if "invalidated" in text else lines[0]) if lines else type(exc).__name__
    if any(s in text for s in _FULL):
        return DiskFullError(
            f"the disk holding database {path!r} is full, so this call saved nothing "
            f"({detail}); what was saved before is intact. Free space on that disk, then "
            "call again")
    if any(s in text for s in _CHECKSUM):
        return DatabaseDamagedError(
            f"database {path!r} is damaged: a block of the file fails its checksum, so its "
            f"bytes changed after DuckDB wrote them ({detail}). Restore the file from a "
            "copy; records in undamaged blocks may still load")
    if any(s in text for s in _TRUNCATED):
        return DatabaseDamagedError(
            f"database {path!r} is damaged: the file is shorter than its contents say, so "
            f"it was cut off (an interrupted copy or a full disk?) ({detail}). Restore the "
            "file from a copy")
    if any(s in text for s in _READ_ONLY):
        return DatabaseIOError(
            f"database {path!r} is on a read-only file system, so it cannot be written "
            f"({detail}); copy it to a writable folder, or open it with read_only=True")
    if any(s in text for s in _MISSING):
        return DatabaseIOError(
            f"cannot create or open database {path!r}: its folder does not exist "
            f"({detail}); create the folder first, or check the path")
    if any(s in text for s in _DENIED):
        return DatabaseIOError(
            f"no permission to open or write database {path!r} ({detail}); check the "
            "file's and its folder's permissions, or open it with read_only=True")
    return None
