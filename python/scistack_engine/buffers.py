"""DuckDB's memory during a long run: the log folded into the file, cached blocks released.

DuckDB keeps in memory, until its ``memory_limit`` (80 % of RAM by default) forces them
out, three things a long for_each run accumulates: the rows appended since the last
checkpoint (they live only in memory and in the write-ahead log), the changed nodes of
the ``_records`` index (a batch of record ids, which are content hashes, touches nodes
all over the index; changed nodes cannot be evicted before a checkpoint writes them), and
every block of the file the run has read. A checkpoint writes the first two into the
file, after which all three are blocks DuckDB could drop; it drops them only under
memory pressure, and the one way to ask for that is to lower ``memory_limit``
(:func:`release_blocks`).

A limit left low would be unsafe: a checkpoint that cannot allocate what it needs is a
fatal error, which invalidates the database. So the limit is never low while anything
runs: it is lowered to :data:`RELEASE_TO` and set back at once, with nothing between.
DuckDB evicts what it can for the lower limit; when what it cannot evict is more, the
lowering fails (an ``OutOfMemoryException``, after evicting) and the limit stays as it
was. A query another thread starts in that instant sees the lower limit. Only DuckDB's
default limit is lowered so, as ``RESET`` sets it back exactly; a limit the user set is
left as it is.

:func:`fold_log` does both once the write-ahead log holds :data:`FOLD_LOG_BYTES`: a
windowed for_each calls it after each commit, so its memory follows the log's size
instead of the grid's. The checkpoint runs at the connection's own limit, as DuckDB's
automatic ones do.
"""

from __future__ import annotations

import os

import duckdb

__all__ = ["FOLD_LOG_BYTES", "RELEASE_TO", "fold_log", "memory_limit", "release_blocks"]

#: The write-ahead log's size from which :func:`fold_log` checkpoints: what DuckDB holds
#: of a run's appends between checkpoints grows with it; each checkpoint re-writes every
#: table's last, partly filled row group and the index's changed nodes.
FOLD_LOG_BYTES = 64_000_000

#: The memory limit :func:`release_blocks` asks for, for an instant: what DuckDB may
#: keep (and what a concurrent query may use while it lasts).
RELEASE_TO = "64MB"


def release_blocks(con: duckdb.DuckDBPyConnection, default: str) -> bool:
    """Let DuckDB drop the blocks it can (down to :data:`RELEASE_TO`), then set its
    memory limit back with ``RESET``; whether it did. ``default`` is the limit DuckDB
    showed for the connection when it was opened (:func:`memory_limit`): a limit set
    since is left alone, and DuckDB evicts at it on its own. (A limit cannot be set back
    exactly: DuckDB shows it cut to a tenth of its unit, ``3GB`` as ``2.7 GiB``, which set
    again shows ``2.6 GiB``.)"""
    if memory_limit(con) != default:
        return False
    try:
        con.execute(f"SET memory_limit = '{RELEASE_TO}'")
    except duckdb.OutOfMemoryException:
        pass  # more than that cannot be evicted: DuckDB evicted what it could
    finally:
        con.execute("RESET memory_limit")
    return True


def memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    """DuckDB's memory limit as it shows it (``18.8 GiB``)."""
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    return str(row[0]) if row else ""


def fold_log(con: duckdb.DuckDBPyConnection, path: str, default: str) -> bool:
    """Checkpoint, then :func:`release_blocks` (``default`` as there), when the
    write-ahead log of the file at ``path`` holds at least :data:`FOLD_LOG_BYTES` (no
    transaction may be open on ``con``); whether it checkpointed."""
    try:
        if os.path.getsize(path + ".wal") < FOLD_LOG_BYTES:
            return False
    except OSError:  # no log: nothing to fold
        return False
    con.execute("CHECKPOINT")
    release_blocks(con, default)
    return True
