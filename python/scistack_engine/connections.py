"""How several threads share one open database: one writer at a time, a cursor per reader.

A DuckDB connection object serves one call at a time, and a transaction belongs to the
connection it was begun on. So a :class:`~scistack_engine.store.Database` keeps one
*writing* connection, used only by the thread that holds its :class:`WriteLock` (every
save, every transaction, every change of the in-process index happens under it), and
gives every other thread a *cursor* of its own — a second connection to the same open
file, through which that thread reads what has been committed. A thread holding the lock
reads through the writing connection, so it sees its own transaction.

Cursors are made from a connection that serves nothing else, so a thread's first read
does not wait for a writer; cursors of threads that have ended are closed when the next
cursor is made, so a pool that replaces its threads does not accumulate them.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import duckdb

__all__ = ["WriteLock", "ThreadCursors"]


class WriteLock:
    """A re-entrant lock that knows which thread holds it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._owner: int | None = None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock for a block (waiting for another thread to release it)."""
        with self._lock:
            outer = self._owner
            self._owner = threading.get_ident()
            try:
                yield
            finally:
                self._owner = outer

    @property
    def mine(self) -> bool:
        """Whether the calling thread holds the lock."""
        return self._owner == threading.get_ident()


class ThreadCursors:
    """One cursor per thread, made on first use by that thread.

    Parameters
    ----------
    source
        A connection used for nothing but making cursors (so making one never waits for
        the writing connection); it is closed with them.
    """

    def __init__(self, source: duckdb.DuckDBPyConnection) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._cursors: dict[int, duckdb.DuckDBPyConnection] = {}

    def get(self) -> duckdb.DuckDBPyConnection:
        """The calling thread's cursor."""
        ident = threading.get_ident()
        cursor = self._cursors.get(ident)
        if cursor is None:
            threading.current_thread()  # a thread started outside Python gets listed too
            with self._lock:
                alive = {thread.ident for thread in threading.enumerate()}
                for gone in [i for i in self._cursors if i not in alive]:
                    self._cursors.pop(gone).close()
                cursor = self._cursors[ident] = self._source.cursor()
        return cursor

    def close(self) -> None:
        """Close every thread's cursor and the source."""
        with self._lock:
            for cursor in self._cursors.values():
                cursor.close()
            self._cursors.clear()
            self._source.close()
