"""Opening a DuckDB file, with the messages SciStack gives when it cannot be opened.

DuckDB lets one process write a file, or several processes read it, never both. This
module turns DuckDB's open failures into SciStack's errors, which name the file, the
process holding it and the fix: :class:`~scistack_engine.errors.DatabaseLockedError` when
another process holds it (or this process has it open the other way; with a ``timeout``
the lock is tried again until then), :class:`~scistack_engine.errors.NotADatabaseError`
when it is no DuckDB file, and the storage faults of :mod:`scistack_engine.faults`. A
write-ahead log that ends inside a transaction (:mod:`scistack_engine.wal`) is replayed
with a :class:`~scistack_engine.wal.WriteAheadLogWarning` saying what DuckDB dropped. New
files are written in the storage format of :data:`STORAGE_COMPATIBILITY`. It also reads
the schema keys a SciStack file was created with, and takes a *snapshot* of a file another
process writes (:func:`snapshot`: the file and its write-ahead log copied while neither
changes, to be opened read-only). It imports only DuckDB (and the error modules), so a
read-only inspection (``scistack info``) starts in a tenth of a second; the database object
is :class:`scistack_engine.store.Database`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator

import duckdb

from .errors import DatabaseError, DatabaseLockedError, NotADatabaseError
from .faults import storage_fault
from .wal import WriteAheadLogWarning, torn_tail

__all__ = ["STORAGE_COMPATIBILITY", "connect", "stored_schema_keys", "snapshot", "lock_holder",
           "ReadOnlyFile"]


#: The oldest DuckDB release whose storage format new files are written in. Files in
#: DuckDB 1.0's format (storage version 64) open in every DuckDB from 0.10 on — the CLI,
#: DBeaver and JDBC drivers of the 1.x series — where DuckDB 2.0's own format does not;
#: SciStack needs nothing the newer formats add. A file keeps the format it was created
#: in, so files created in a newer format stay readable here as before.
STORAGE_COMPATIBILITY = "v1.0.0"

#: How large the write-ahead log grows before DuckDB folds it into the file. DuckDB's
#: default (16 MB) makes a file of arrays saved one at a time about twice their size: a
#: checkpoint re-writes the blob data of the table's last, partly filled row group (up to
#: 122,880 rows) and leaves the old blocks free, so the fewer checkpoints, the less of
#: that. The cost is a longer log to replay after a crash (seconds at most).
CHECKPOINT_THRESHOLD_BYTES = 256_000_000
CHECKPOINT_THRESHOLD = f"{CHECKPOINT_THRESHOLD_BYTES}B"


def _locked_by_another_process(exc: duckdb.Error) -> bool:
    message = str(exc)
    return "Could not set lock" in message or "Conflicting lock" in message


def _lock_holder(message: str) -> str:
    """The process named in DuckDB's lock error: its pid and, where the system says,
    its program."""
    pid = re.search(r"PID (\d+)", message)
    if not pid:
        return "another process"
    program = ""
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid.group(1)}/cmdline", "rb") as f:
            program = " ".join(os.path.basename(part.decode(errors="replace"))
                               for part in f.read().split(b"\0")[:2] if part)
    return f"process {pid.group(1)}" + (f" ({program})" if program else "")


def lock_holder(exc: DatabaseLockedError) -> str | None:
    """The other process named by a lock error (``"process 4711 (python ...)"``), or None
    when the error is not another process holding the file."""
    cause = exc.__cause__
    if isinstance(cause, duckdb.Error) and _locked_by_another_process(cause):
        return _lock_holder(str(cause))
    return None


def connect(path: str, read_only: bool, timeout: float = 0.0) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to ``path``, or a SciStack error that says why not; while
    another process holds the file's lock, its lock is tried again for ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        try:
            return _connect_once(path, read_only)
        except DatabaseLockedError as exc:
            if not isinstance(exc.__cause__, duckdb.Error) or time.monotonic() >= deadline:
                if timeout > 0:
                    raise DatabaseLockedError(f"{exc} (waited {timeout:g} s for it)") from exc
                raise
        time.sleep(min(pause, max(0.0, deadline - time.monotonic())))
        pause = min(pause * 2, 1.0)


def _connect_once(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    torn = torn_tail(path + ".wal")
    try:
        # never fetch DuckDB extensions: a SciStack file needs none, and a file of another
        # kind (SQLite, ...) must be refused, not opened through an extension
        con = duckdb.connect(path, read_only=read_only,
                             config={"autoinstall_known_extensions": False,
                                     "autoload_known_extensions": False,
                                     "storage_compatibility_version": STORAGE_COMPATIBILITY,
                                     "checkpoint_threshold": CHECKPOINT_THRESHOLD})
    except duckdb.Error as exc:
        message = str(exc)
        if _locked_by_another_process(exc):
            holder = _lock_holder(message)
            # readers share the file, so a reader is kept out only by a writer; a writer is
            # kept out by a writer or by any reader
            how = ("for writing" if read_only
                   else "(for writing, or read-only: either keeps a writer out)")
            raise DatabaseLockedError(
                f"database {path!r} is open in {holder} {how}; DuckDB lets one process "
                "write a file, or several read it, never both. Close it there (db.close() "
                "or end that MATLAB/Python session), open it here with read_only=True once "
                "no process writes, or wait for it with timeout=SECONDS. "
                f"({message.splitlines()[0]})"
            ) from exc
        if read_only and not os.path.exists(path):
            raise DatabaseError(
                f"database {path!r} does not exist (read_only=True never creates one)"
            ) from exc
        if "different configuration" in message:
            raise DatabaseLockedError(
                f"database {path!r} is already open in this process "
                f"{'for writing' if read_only else 'read-only'}; close that database first "
                f"(db.close()), then open it with read_only={read_only}. "
                f"({message.splitlines()[0]})"
            ) from exc
        fault = storage_fault(path, exc)
        if fault is not None:
            raise fault from exc
        raise NotADatabaseError(
            f"{path!r} is not a readable DuckDB database ({message.splitlines()[0]}); "
            "check the path, or restore the file from a backup"
        ) from exc
    if torn is not None:
        warnings.warn(torn.message(path), WriteAheadLogWarning, stacklevel=4)
    return con


def _stamps(paths: tuple[str, ...]) -> tuple[tuple[int, int] | None, ...]:
    """Size and modification time of each file (None when it does not exist)."""
    stamps: list[tuple[int, int] | None] = []
    for p in paths:
        try:
            st = os.stat(p)
            stamps.append((st.st_size, st.st_mtime_ns))
        except FileNotFoundError:
            stamps.append(None)
    return tuple(stamps)


@contextlib.contextmanager
def snapshot(path: str, attempts: int = 5) -> Iterator[tuple[str, dt.datetime]]:
    """A copy of the file at ``path`` and its write-ahead log, as of one moment, for reading
    while another process writes the file; yields the copy's path and when it was taken.

    DuckDB's writer holds an advisory lock only, so the two files can be copied; a commit
    appends to the log and a checkpoint moves the log into the file, so a copy is kept only
    when neither file changed while it was made (``attempts`` tries, then
    :class:`DatabaseLockedError`). Opened read-only, the copy replays the log in memory:
    what it shows is every transaction committed before the copy. The copy is deleted on
    exit.
    """
    sources = (path, path + ".wal")
    with tempfile.TemporaryDirectory(prefix="scistack-snapshot-") as folder:
        copy = os.path.join(folder, os.path.basename(path))
        for _ in range(attempts):
            before = _stamps(sources)
            taken = dt.datetime.now(dt.timezone.utc)
            for source, target in zip(sources, (copy, copy + ".wal")):
                with contextlib.suppress(FileNotFoundError):
                    shutil.copyfile(source, target)
            if _stamps(sources) == before:
                break
            with contextlib.suppress(FileNotFoundError):
                os.remove(copy + ".wal")
        else:
            raise DatabaseLockedError(
                f"database {path!r} changed during each of {attempts} attempts to copy it "
                "(another process is writing it); try again, or wait until it stops")
        yield copy, taken


def stored_schema_keys(con: duckdb.DuckDBPyConnection, path: str) -> list[str]:
    """The schema keys the SciStack file behind ``con`` was created with."""
    try:
        rows = con.execute("SELECT value FROM _scistack WHERE key = 'schema_keys'").fetchall()
    except duckdb.CatalogException as exc:
        raise NotADatabaseError(f"{path!r} is not a SciStack database (it has no _scistack "
                                "table); check the path") from exc
    return json.loads(rows[0][0]) if rows else []


class ReadOnlyFile:
    """A SciStack file opened read-only with nothing but a connection (no record index).

    It has the attributes read-only queries use from a database (``path``, ``cx``,
    ``schema_keys``) and closes like one.
    """

    def __init__(self, path: str) -> None:
        self.path = str(path)
        if not os.path.exists(self.path):
            raise DatabaseError(f"database {self.path!r} does not exist; check the path")
        self.cx = connect(self.path, read_only=True)
        try:
            self.schema_keys = stored_schema_keys(self.cx, self.path)
        except BaseException:
            self.cx.close()
            raise

    def close(self) -> None:
        self.cx.close()

    def __enter__(self) -> ReadOnlyFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
