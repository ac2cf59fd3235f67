"""The databases a process has open, the current one, and the persistent cache it feeds.

A process works with one *current* database: the one calls use when they name none. It is
the database opened last through :func:`open_database` (``scidb.configure_database`` in
Python, ``scidb.configure_database`` in MATLAB) until it is closed; closing it leaves no
current database. Other databases may be open alongside and are passed explicitly (``db=``
in Python, a handle in MATLAB).

MATLAB holds its databases by *handle*, a small integer this module hands out for every
database it opens; :func:`by_handle` turns a handle back into the database.

Opening a file makes the current database the persistent lineage cache
(:class:`~scistack_engine.cache_store.DatabaseCacheStore`: its records and its lineage
cache tables); closing it writes the calls kept so far and removes that cache.

Opening a file that is already open in this process (``replace=True``) closes the earlier
opening first, after checking that the schema keys agree: a process keeps one index per
file, so two objects on one file are never open at once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from .cache_store import DatabaseCacheStore
from .errors import NotConfiguredError, SchemaMismatchError
from .lineage import get_cache_store, set_cache_store
from .store import Database, open_database_for

__all__ = ["open_database", "current", "resolve", "close", "handle_of", "by_handle",
           "NotConfiguredError"]

_current: Database | None = None
_handles: dict[int, Database] = {}
_next_handle = itertools.count(1)

#: What to call to configure a database, shown when none is.
_HOW = ("call configure_database(\"study.duckdb\", [\"subject\", \"session\"]) first "
        "(in MATLAB: scidb.configure_database('study.duckdb', {'subject', 'session'}))")


def open_database(path: str, schema_keys: Sequence[str], *, read_only: bool = False,
                  timeout: float = 0.0, replace: bool = False,
                  factory: Callable[..., Database] = Database) -> Database:
    """Open (or create) ``path`` and make it the current database.

    Parameters
    ----------
    path
        A DuckDB file or ``":memory:"``.
    schema_keys
        The file's schema keys (checked against the stored ones when it exists).
    read_only
        Open for inspection only.
    timeout
        Seconds to wait while another process has the file open (0: fail at once).
    replace
        If this process already has ``path`` open, close that opening first; its schema
        keys must be ``schema_keys`` (else :class:`SchemaMismatchError`, and nothing is
        closed). Without it, a second opening is refused by the store.
    factory
        The class to open the file with (a front's subclass of ``Database``).

    Returns
    -------
    Database
        The open database, now current, with a handle (:func:`handle_of`).
    """
    global _current
    keys = [str(k) for k in schema_keys]
    previous = open_database_for(path) if replace else None
    if previous is not None:
        if keys != previous.schema_keys:
            raise SchemaMismatchError(
                f"database {path!r} was created with schema keys {previous.schema_keys}, not "
                f"{keys}; open it with {previous.schema_keys} or use another file")
        close(previous)
    db = factory(path, keys, read_only=read_only, timeout=timeout)
    _handles[next(_next_handle)] = db
    _current = db
    previous_store = set_cache_store(DatabaseCacheStore(db))
    if isinstance(previous_store, DatabaseCacheStore):
        previous_store.flush()  # its calls are written before another database is current
    return db


def current() -> Database:
    """The current database, or :class:`NotConfiguredError` when there is none."""
    if _current is None or not _current.is_open:
        raise NotConfiguredError(f"no database is configured; {_HOW}, or pass db=...")
    return _current


def resolve(db: Database | None = None) -> Database:
    """``db`` when given, else the current database."""
    return db if db is not None else current()


def close(db: Database | None = None) -> bool:
    """Close ``db`` (default: the current database); False when there was nothing to close.

    Closing twice is harmless. Its handle is forgotten; if it fed the persistent cache,
    the cache is removed; if it was current, no database is current afterwards.
    """
    global _current
    target = db if db is not None else _current
    if target is None:
        return False
    target.close()
    for handle in [h for h, d in _handles.items() if d is target]:
        del _handles[handle]
    store = get_cache_store()
    if isinstance(store, DatabaseCacheStore) and store.db is target:
        set_cache_store(None)
    if target is _current:
        _current = None
    return True


def handle_of(db: Database) -> int:
    """The handle of an open database opened here (what MATLAB keeps)."""
    for handle, held in _handles.items():
        if held is db:
            return handle
    raise NotConfiguredError(f"database {db.path!r} is closed; configure it again")


def by_handle(handle: int | None) -> Database:
    """The open database with ``handle``; None means the current database."""
    if handle is None:
        return current()
    db = _handles.get(int(handle))
    if db is None or not db.is_open:
        raise NotConfiguredError(f"database handle {handle} is closed; configure the "
                                 "database again")
    return db
