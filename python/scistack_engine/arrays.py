"""The bytes of float64 arrays: the ``_arrays`` table, written in pieces and read whole.

A float64 array is stored as its raw little-endian bytes in C order, in rows of
``_arrays(array_id, data, piece)``: an array of at most :data:`PIECE_BYTES` is one row
(piece 0); a longer one is consecutive pieces of :data:`PIECE_BYTES` (the last shorter),
numbered 0, 1, ... under one ``array_id``. Its record holds the ``array_id``. The table
has no index (an index would make each commit re-write the table's blob data).

A big array has its pieces committed one by one, each in a transaction of its own,
before its record (inside a caller's transaction, such as a for_each batch's, through a
connection of its own): DuckDB then holds one piece of it at a time beyond what it has
written, instead of the whole value several times over.
Until the record commits nothing refers to the pieces; a crash in between leaves rows no
record reads (their ids are never used again: new ids exceed every stored one), and a
failed save deletes them.

A lone array of one piece saved with its record is written by the same statement as the
record (:func:`with_row`: the array's ``INSERT`` in a ``WITH`` clause), where DuckDB
allows it (:func:`inserts_in_with`): one statement is one commit, so the record's failure
leaves no row of its array, and a save costs one round trip and one commit.

Reading gathers an array's pieces in any order into one array allocated at the size its
record's shape gives, so a big array is held once (plus a piece in flight), never as its
pieces and their concatenation.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Collection, Iterator, Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .connection import CHECKPOINT_THRESHOLD, CHECKPOINT_THRESHOLD_BYTES
from .errors import DatabaseError
from .views import ARRAY_MACROS

__all__ = ["PIECE_BYTES", "create_table", "add_piece_column", "pieces", "insert",
           "inserts_in_with", "with_row", "commit_pieces", "checkpoints_deferred", "delete",
           "read", "longer_than_a_piece"]

#: Bytes of one piece of a big array (a multiple of 8: pieces hold whole elements).
PIECE_BYTES = 4 << 20

#: Pieces of a big array read by one query (:func:`read`): 16 MB.
PIECES_PER_READ = 4


def create_table(con: duckdb.DuckDBPyConnection) -> None:
    """The table of array bytes and the SQL macros that show them as lists."""
    con.execute("CREATE TABLE _arrays (array_id BIGINT NOT NULL, data BLOB NOT NULL, "
                "piece INTEGER NOT NULL DEFAULT 0)")
    for sql in ARRAY_MACROS:
        con.execute(sql)


def add_piece_column(con: duckdb.DuckDBPyConnection) -> None:
    """Give a format-2 ``_arrays`` (one row per array) its ``piece`` column: 0 everywhere."""
    con.execute("ALTER TABLE _arrays ADD COLUMN piece INTEGER DEFAULT 0")
    con.execute("ALTER TABLE _arrays ALTER COLUMN piece SET NOT NULL")


def pieces(flat: np.ndarray) -> list[memoryview]:
    """The pieces of a flat float64 array's bytes: views of its buffer, not copies (an
    empty array is one empty piece)."""
    raw = flat.data.cast("B")
    return [raw[start:start + PIECE_BYTES] for start in range(0, max(len(raw), 1), PIECE_BYTES)]


def insert(con: duckdb.DuckDBPyConnection, first_id: int, arrays: Sequence[np.ndarray]) -> None:
    """The rows of ``arrays`` (flat float64), numbered from ``first_id``, in the caller's
    transaction: one parameterised ``INSERT`` for a lone one-piece array (the cheapest
    round trip), else one Arrow insert of every piece."""
    if len(arrays) == 1 and arrays[0].nbytes <= PIECE_BYTES:
        con.execute("INSERT INTO _arrays VALUES (?, ?, 0)",
                    [first_id, arrays[0].data.cast("B")])
        return
    ids: list[int] = []
    numbers: list[int] = []
    sizes: list[int] = []
    for array_id, flat in enumerate(arrays, first_id):
        parts = pieces(flat)
        ids += [array_id] * len(parts)
        numbers += range(len(parts))
        sizes += [len(part) for part in parts]
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    data = np.concatenate(arrays)
    blobs = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(sizes), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    con.from_arrow(pa.table({"array_id": pa.array(ids, pa.int64()), "data": blobs,
                             "piece": pa.array(numbers, pa.int32())})).insert_into("_arrays")


@functools.cache
def inserts_in_with() -> bool:
    """Whether this DuckDB runs an ``INSERT`` inside a ``WITH`` clause (2.0 does, 1.1 says
    "A CTE needs a SELECT"); tried once per process on a database in memory."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t (x INTEGER)")
        con.execute("WITH n AS (INSERT INTO t VALUES (1) RETURNING x) "
                    "INSERT INTO t SELECT x + 1 FROM n")
        return con.execute("SELECT count(*) FROM t").fetchall() == [(2,)]
    except duckdb.Error:
        return False
    finally:
        con.close()


def with_row(statement: str) -> str:
    """``statement`` preceded by the ``INSERT`` of one one-piece array row, in one SQL
    statement: its first two parameters are the array's id and bytes, and ``statement``
    must read the CTE ``new_array`` (one row) for the array row to be written."""
    return ("WITH new_array AS (INSERT INTO _arrays VALUES (?, ?, 0) RETURNING array_id) "
            + statement)


def commit_pieces(con: duckdb.DuckDBPyConnection, array_id: int, flat: np.ndarray) -> None:
    """Write a flat float64 array as ``array_id``, each piece committed on its own (no
    transaction may be open on ``con``)."""
    for number, part in enumerate(pieces(flat)):
        con.execute("INSERT INTO _arrays VALUES (?, ?, ?)", [array_id, part, number])


@contextlib.contextmanager
def checkpoints_deferred(con: duckdb.DuckDBPyConnection, nbytes: int) -> Iterator[None]:
    """No automatic checkpoint while the block logs ``nbytes`` (the pieces of big arrays):
    DuckDB's ``checkpoint_threshold`` is raised by them, and set back to SciStack's
    after (:data:`~scistack_engine.connection.CHECKPOINT_THRESHOLD`).

    A checkpoint among the pieces folds those committed so far into the file, and the
    next re-writes them with the rest (it re-writes the blob data of ``_arrays``' last,
    partly filled row group), reading them back and holding the column twice over: for
    a lone 600 MB array saved into a new file, the checkpoint at 512 MB of log grew the
    peak by 1.3x the array. Deferred, the checkpoint the log calls for at the next
    commit (the record's) writes the pieces once; until then DuckDB holds them (at most
    the threshold plus ``nbytes``). A row group that already holds blob data in the file
    is re-written, and held twice, by whichever checkpoint comes.
    """
    con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD_BYTES + nbytes}B'")
    try:
        yield
    finally:
        con.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")


def delete(con: duckdb.DuckDBPyConnection, array_ids: Sequence[int]) -> None:
    """Remove the rows of ``array_ids`` (of a save that failed after committing them)."""
    con.execute("DELETE FROM _arrays WHERE array_id IN (SELECT unnest(?))", [list(array_ids)])


def longer_than_a_piece(ids: pa.Array | pa.ChunkedArray, shapes: pa.Array | pa.ChunkedArray
                        ) -> dict[int, int]:
    """The arrays of records (their ``value_array_id`` and ``shape`` columns) stored in
    more than one piece: array id -> element count."""
    # a shape text of k characters counts fewer than 10**k elements, so one shorter than
    # the digits of a piece's element count (6 for 524,288) fits a piece: only the few
    # longer texts are read in Python
    digits = len(str(PIECE_BYTES // 8))
    candidates = pc.and_(pc.is_valid(ids), pc.greater_equal(pc.utf8_length(shapes), digits))
    found = {}
    for array_id, shape in zip(ids.filter(candidates).to_pylist(),
                               shapes.filter(candidates).to_pylist()):
        count = math.prod(int(n) for n in shape.split(","))
        if count * 8 > PIECE_BYTES:
            found[array_id] = count
    return found


def read(con: duckdb.DuckDBPyConnection, wanted: pa.Array | pa.ChunkedArray, has_pieces: bool,
         long: Mapping[int, int] | None = None,
         ahead: tuple[duckdb.DuckDBPyConnection, Collection[int]] | None = None
         ) -> dict[int, np.ndarray]:
    """The flat float64 arrays of the ids in ``wanted`` (an Arrow array without nulls), by
    array id. ``long`` names those stored in several pieces, with their element counts
    (:func:`longer_than_a_piece`): each is read into one array of that size; the others
    are read-only views of the bytes read. ``has_pieces`` is False for a format-2 file
    open read-only (its table has no ``piece`` column: every array is one row).
    ``ahead`` is a connection and the ids of the long arrays committed ahead of the
    transaction open on ``con`` (which does not see them): they are read through it."""
    committed, ids_ahead = ahead if ahead is not None else (con, ())
    found = {array_id: _read_long(committed if array_id in ids_ahead else con, array_id, count)
             for array_id, count in (long or {}).items() if has_pieces}
    if found:
        wanted = wanted.filter(pc.invert(pc.is_in(wanted, pa.array(list(found), pa.int64()))))
    if not len(wanted):
        return found
    piece = "piece" if has_pieces else "0 AS piece"
    if len(wanted) == 1:
        table = con.sql(f"SELECT array_id, data, {piece} FROM _arrays WHERE array_id = $id "
                        "ORDER BY piece", params={"id": wanted[0].as_py()}).to_arrow_table()
    else:
        ids = con.from_arrow(pa.table({"array_id": wanted.unique()}))
        table = ids.join(con.table("_arrays"), "array_id").select(
            f"array_id, data, {piece}").order("array_id, piece").to_arrow_table()
    parts: dict[int, list[np.ndarray]] = {}
    for batch in table.to_batches():
        blobs = batch.column(1)
        offset_type = np.dtype(np.int64 if pa.types.is_large_binary(blobs.type) else np.int32)
        offsets = np.frombuffer(blobs.buffers()[1], dtype=offset_type, count=len(blobs) + 1,
                                offset=blobs.offset * offset_type.itemsize)
        data = blobs.buffers()[2]
        for i, array_id in enumerate(batch.column(0).to_pylist()):
            start, stop = int(offsets[i]), int(offsets[i + 1])
            parts.setdefault(array_id, []).append(
                np.frombuffer(data, dtype="<f8", count=(stop - start) // 8, offset=start)
                if data is not None else np.empty(0))
    found.update((array_id, pieces_of[0] if len(pieces_of) == 1 else np.concatenate(pieces_of))
                 for array_id, pieces_of in parts.items())
    return found


def _read_long(con: duckdb.DuckDBPyConnection, array_id: int, count: int) -> np.ndarray:
    """The array ``array_id`` of ``count`` elements, its pieces read
    :data:`PIECES_PER_READ` at a time into their places; a piece this connection does not
    see (committed ahead of a transaction still open on it), or of the wrong length, is
    an error, never uninitialised bytes.

    One query of every piece would hold them all at once: DuckDB's scan hands over
    vectors of 2,048 rows, so every piece of the array is copied out of its blocks before
    the first reaches Python (3x the array in all, measured at 600 MB in a new process).
    A query per few pieces copies only those (1.1-1.2x), except in the process whose
    checkpoint wrote them: there the first query of any one piece makes DuckDB load every
    block of the row group's blob column (its buffer pool then holds 1.0x the array, the
    peak grows by 2x; after the database is closed and opened again, 0.02x), 2.9x in all
    at 600 MB.
    """
    out = np.empty(count, dtype="<f8")
    raw = out.view(np.uint8)
    total = -(-raw.size // PIECE_BYTES)
    for first in range(0, total, PIECES_PER_READ):
        rows = con.execute("SELECT piece, data FROM _arrays WHERE array_id = ? "
                           "AND piece >= ? AND piece < ?",
                           [array_id, first, first + PIECES_PER_READ]).fetchall()
        expected = min(PIECES_PER_READ, total - first)
        if len(rows) != expected or len({number for number, _ in rows}) != expected:
            raise DatabaseError(f"array {array_id} has {len(rows)} of its pieces "
                                f"{first}-{first + expected - 1} (of {total}) in view: the "
                                "others are not committed, or not visible in the open "
                                "transaction")
        for number, data in rows:
            start = number * PIECE_BYTES
            if len(data) != min(PIECE_BYTES, raw.size - start):
                raise DatabaseError(f"array {array_id}: piece {number} holds {len(data):,} "
                                    f"bytes, not the {min(PIECE_BYTES, raw.size - start):,} "
                                    "its record's shape calls for")
            raw[start:start + len(data)] = np.frombuffer(data, dtype=np.uint8)
        del rows
    return out
