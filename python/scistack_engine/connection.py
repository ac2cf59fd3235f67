"""Opening a DuckDB file, with the messages SciStack gives when it cannot be opened.

DuckDB lets one process write a file, or several processes read it, never both. This
module turns DuckDB's open failures into SciStack's errors, which name the file, the
process holding it and the fix: :class:`~scistack_engine.errors.DatabaseLockedError` when
another process writes it (or this process has it open the other way),
:class:`~scistack_engine.errors.NotADatabaseError` when it is no DuckDB file. It also reads
the schema keys a SciStack file was created with. It imports only DuckDB, so a read-only
inspection (``scistack info``) starts in a tenth of a second; the database object is
:class:`scistack_engine.store.Database`.
"""

from __future__ import annotations

import json
import os
import re

import duckdb

from .errors import DatabaseError, DatabaseLockedError, NotADatabaseError

__all__ = ["connect", "stored_schema_keys", "ReadOnlyFile"]


def connect(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to ``path``, or a SciStack error that says why not."""
    try:
        # never fetch DuckDB extensions: a SciStack file needs none, and a file of another
        # kind (SQLite, ...) must be refused, not opened through an extension
        return duckdb.connect(path, read_only=read_only,
                              config={"autoinstall_known_extensions": False,
                                      "autoload_known_extensions": False})
    except duckdb.Error as exc:
        message = str(exc)
        if "Could not set lock" in message or "Conflicting lock" in message:
            pid = re.search(r"PID (\d+)", message)
            holder = f"process {pid.group(1)}" if pid else "another process"
            raise DatabaseLockedError(
                f"database {path!r} is open for writing in {holder}; DuckDB allows one "
                "writing process at a time. Close it there (db.close() or end that "
                "MATLAB/Python session), or open with read_only=True once no process "
                f"writes. ({message.splitlines()[0]})"
            ) from exc
        if read_only and not os.path.exists(path):
            raise DatabaseError(f"database {path!r} does not exist (read_only=True never creates one)") from exc
        if "different configuration" in message:
            raise DatabaseLockedError(
                f"database {path!r} is already open in this process "
                f"{'for writing' if read_only else 'read-only'}; close that database first "
                f"(db.close()), then open it with read_only={read_only}. "
                f"({message.splitlines()[0]})"
            ) from exc
        raise NotADatabaseError(
            f"{path!r} is not a readable DuckDB database ({message.splitlines()[0]}); "
            "check the path, or restore the file from a backup"
        ) from exc


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
