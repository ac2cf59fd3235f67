"""The current database: configure it once, and every call without ``db=`` uses it.

``configure_database(path, schema_keys)`` opens (or creates) a DuckDB file and makes it the
current database of the process; ``get_database()`` returns it and ``close()`` closes it.
A second database can be used alongside by passing its object as ``db=`` to any call.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from scistack_engine import session
from scistack_engine.errors import NotConfiguredError, ReservedMetadataKeyError
from scistack_engine.provenance import provenance, provenance_chain, version_history
from scistack_engine.store import Database as _EngineDatabase

__all__ = ["Database", "configure_database", "get_database", "close", "NotConfiguredError"]


class Database(_EngineDatabase):
    """An open SciStack database (see :class:`scistack_engine.store.Database`).

    Use it as a context manager to close it at the end of a block::

        with configure_database("study.duckdb", ["subject", "session"]) as db:
            ...
    """

    def __exit__(self, *exc: Any) -> None:
        close(self)

    def get_provenance(self, variable: type, version: int | None = None,
                       **metadata: Any) -> dict[str, Any]:
        """How a record was produced: function, fingerprint, language, inputs, constants.

        ``db.get_provenance(FilteredEMG, subject=1, session="pre")`` describes the latest
        version (or ``version=``); ``function_name`` is None for a value saved without
        lineage. Inputs name their variable, metadata, record id and version.
        """
        return provenance(self, _name(variable), metadata, version)

    def get_provenance_chain(self, variable: type, version: int | None = None,
                             **metadata: Any) -> list[dict[str, Any]]:
        """The record's provenance followed upstream through every input, each once."""
        return provenance_chain(self, _name(variable), metadata, version)

    def version_history(self, variable: type, **metadata: Any) -> list[dict[str, Any]]:
        """Every version at the matching addresses, oldest first, with what produced each."""
        return version_history(self, _name(variable), metadata)


def _name(variable: Any) -> str:
    return variable if isinstance(variable, str) else variable.__name__


def configure_database(path: str | os.PathLike, schema_keys: Sequence[str], *,
                       read_only: bool = False, timeout: float = 0) -> Database:
    """Open or create a database file and make it the current database.

    Configuring a file that is already open in this process replaces its earlier object
    (after checking the schema keys), as :func:`scistack_engine.session.open_database`
    says.

    Parameters
    ----------
    path
        A DuckDB file (created when missing) or ``":memory:"``.
    schema_keys
        The metadata keys that identify the experiment's conditions, in order, e.g.
        ``["subject", "session"]``. Fixed when the file is created; reopening with other
        keys is an error.
    read_only
        Open for inspection only (no saves); allowed while no other process writes.
    timeout
        Seconds to wait while another process has the file open (another writer, or a
        reader when opening for writing), e.g. ``timeout=30``; the error then names that
        process. 0 (the default) fails at once with ``DatabaseLockedError``.

    Returns
    -------
    Database
        The opened database, now current.
    """
    return session.open_database(str(path), schema_keys, read_only=read_only,  # type: ignore[return-value]
                                 timeout=timeout, replace=True, factory=Database)


def get_database(db: Database | None = None) -> Database:
    """``db`` if given, else the current database; a clear error when there is none.

    ``db=`` that is not a database is taken for an attempt to use ``db`` as a metadata
    key, which is reserved: :class:`~scistack_engine.errors.ReservedMetadataKeyError`.
    """
    if db is not None and not isinstance(db, _EngineDatabase):
        raise ReservedMetadataKeyError(
            f"db={db!r}: 'db' names the database of a call (a Database from "
            "configure_database), so it cannot be a metadata key; give the metadata "
            "another name")
    return session.resolve(db)  # type: ignore[return-value]


def close(db: Database | None = None) -> None:
    """Close ``db`` (default: the current database); closing twice is harmless."""
    session.close(db)
