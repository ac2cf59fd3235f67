"""Where float64 arrays are stored: their raw bytes in ``_arrays`` (format 2), shown as
``DOUBLE[]`` by the views; files of format 1 (arrays in ``_records.value_arr``) are read as
they are and upgraded when opened read-write."""

from __future__ import annotations

import hashlib
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable
from scistack_engine.connection import STORAGE_COMPATIBILITY
from scistack_engine.errors import DatabaseError
from scistack_engine.hashing import content_hash
from scistack_engine.runlog import create_runlog_tables


class Trace(BaseVariable):
    pass


class Gain(BaseVariable):
    pass


#: Values whose bit patterns a decoder gets wrong first: zeros of both signs, subnormals,
#: the extremes, infinities, NaN, and numbers with long mantissas.
_AWKWARD = np.array([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
                     -np.inf, np.inf, np.nan, 0.1, -1 / 3, 12345.678, 2.0**-1000])


def _stored_arrays(path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT r.address, r.value_arr IS NULL, a.data FROM _records r "
                           "JOIN _arrays a ON a.array_id = r.value_array_id "
                           "ORDER BY a.array_id").fetchall()
    finally:
        con.close()


def test_an_array_is_a_row_of_raw_bytes_and_its_view_shows_every_element(scidb_db):
    Trace.save(_AWKWARD, subject=1, session="a")
    Trace.save(np.arange(6.0).reshape(2, 3), subject=2, session="a")
    [(value, shape)] = scidb_db.con.execute(
        "SELECT value, value_shape FROM Trace WHERE subject = 1").fetchall()
    shown = np.array(value, dtype=np.float64)
    assert np.array_equal(shown, _AWKWARD, equal_nan=True)
    assert np.array_equal(np.signbit(shown), np.signbit(_AWKWARD)) and shape == [13]
    assert scidb_db.con.execute("SELECT value, value_shape FROM Trace WHERE subject = 2"
                                ).fetchall() == [([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [2, 3])]
    loaded = Trace.load(subject=1, session="a").data
    assert loaded.dtype == np.float64 and np.array_equal(loaded, _AWKWARD, equal_nan=True)
    scidb.close(scidb_db)
    rows = _stored_arrays(scidb_db.path)
    assert [(empty, bytes(data)) for _, empty, data in rows] == [
        (True, _AWKWARD.astype("<f8").tobytes()), (True, np.arange(6.0).tobytes())]


def test_array_ids_grow_across_batches_and_reopens(scidb_db):
    Trace.save(np.zeros(2), subject=9, session="a")
    frame = pd.DataFrame({"subject": [0, 1, 2], "session": "a",
                          "signal": [np.full(3, float(s)) for s in range(3)]})
    Trace.save_from_dataframe(frame, "signal", ["subject", "session"])  # one bulk insert
    scidb.close(scidb_db)
    db = scidb.configure_database(scidb_db.path, ["subject", "session"])
    Trace.save(np.ones(4), subject=10, session="a")
    loaded = {s: Trace.load(subject=s, session="a").data.tolist() for s in (0, 1, 2, 9, 10)}
    assert loaded == {0: [0.0] * 3, 1: [1.0] * 3, 2: [2.0] * 3, 9: [0.0, 0.0], 10: [1.0] * 4}
    ids = [row[0] for row in db.con.execute("SELECT array_id FROM _arrays").fetchall()]
    assert len(ids) == len(set(ids)) == 5
    scidb.close(db)


# ---------------------------------------------------------------- files of format 1

#: ``_records`` as format 1 created it.
_FORMAT_1_RECORDS = (
    "CREATE TABLE _records (record_id VARCHAR PRIMARY KEY, variable VARCHAR NOT NULL, "
    "address VARCHAR NOT NULL, version INTEGER NOT NULL, subject VARCHAR, session VARCHAR, "
    "kind VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, value_num DOUBLE, "
    "value_int BIGINT, value_txt VARCHAR, value_arr DOUBLE[], shape VARCHAR, "
    "payload BLOB, cache_key VARCHAR, lineage VARCHAR, output_index SMALLINT, "
    "created_at TIMESTAMPTZ NOT NULL)")


def _format_1_file(path) -> dict:
    """A database as SciStack wrote it with format 1: two arrays of Trace in ``value_arr``,
    a float of Gain, their views; returns the arrays by subject."""
    arrays = {1: np.arange(6.0).reshape(2, 3), 2: _AWKWARD}
    con = duckdb.connect(str(path), config={"storage_compatibility_version":
                                            STORAGE_COMPATIBILITY})
    con.execute("CREATE TABLE _scistack (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO _scistack VALUES ('schema_keys', '[\"subject\", \"session\"]'), "
                "('format_version', '1'), ('display_text', '1')")
    con.execute("CREATE TABLE _variables (name VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ, "
                "view_signature VARCHAR, frame_columns VARCHAR)")
    con.execute(_FORMAT_1_RECORDS)
    create_runlog_tables(con)
    rows = [("Trace", subject, "array:f8", content_hash(value), None, value.reshape(-1).tolist(),
             ",".join(map(str, value.shape))) for subject, value in arrays.items()]
    rows.append(("Gain", 1, "float", content_hash(2.5), 2.5, None, None))
    for variable, subject, kind, digest, num, arr, shape in rows:
        address = json.dumps({"session": "a", "subject": subject}, separators=(",", ":"),
                             sort_keys=True)
        record_id = hashlib.sha256(
            f"{variable}\x00{address}\x001\x00{digest}".encode()).hexdigest()[:20]
        con.execute("INSERT INTO _records (record_id, variable, address, version, subject, "
                    "session, kind, content_hash, value_num, value_arr, shape, created_at) "
                    "VALUES (?, ?, ?, 1, ?, 'a', ?, ?, ?, ?, ?, now())",
                    [record_id, variable, address, str(subject), kind, digest, num, arr, shape])
    for variable, kind, value in (("Trace", "array:f8", "value_arr"),
                                  ("Gain", "float", "value_num")):
        con.execute(f"CREATE VIEW {variable} AS SELECT CAST(subject AS BIGINT) AS subject, "
                    f"session, {value} AS value, version, record_id FROM _records "
                    f"WHERE variable = '{variable}'")
        signature = json.dumps({"format": 2, "frame": [], "keys": {"session": ["str"],
                                "subject": ["int"]}, "kinds": [kind],
                                "schema": ["subject", "session"]}, sort_keys=True)
        con.execute("INSERT INTO _variables VALUES (?, now(), ?, '[]')", [variable, signature])
    con.close()
    return arrays


def _layout(path) -> tuple[str, list[str]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        [(version,)] = con.execute(
            "SELECT value FROM _scistack WHERE key = 'format_version'").fetchall()
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_name = '_arrays'").fetchall()]
        return version, tables
    finally:
        con.close()


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def test_a_format_1_file_opened_read_only_is_read_as_it_is(scidb_path, scidb_unconfigured):
    arrays = _format_1_file(scidb_path)
    db = scidb.configure_database(scidb_path, ["subject", "session"], read_only=True)
    for subject, value in arrays.items():
        assert _same(Trace.load(subject=subject, session="a").data, value)
    assert [_same(v.data, arrays[v.metadata["subject"]]) for v in Trace.load_all()] == [True] * 2
    assert Gain.load(subject=1, session="a").data == 2.5
    scidb.close(db)
    assert _layout(scidb_path) == ("1", [])


def test_a_format_1_file_opened_read_write_gains_the_array_table(scidb_path, scidb_unconfigured):
    arrays = _format_1_file(scidb_path)
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Trace.save(np.array([7.0, 8.0]), subject=3, session="a")
    Trace.save(arrays[1] + 1, subject=1, session="a")  # version 2 over a format-1 array
    assert _same(Trace.load(subject=2, session="a").data, arrays[2])
    assert _same(Trace.load(subject=1, session="a", version=1).data, arrays[1])
    assert _same(Trace.load(subject=1, session="a").data, arrays[1] + 1)
    shown = db.con.execute("SELECT subject, value, value_shape, version FROM Trace "
                           "ORDER BY subject").fetchall()
    assert [(s, shape, v) for s, _, shape, v in shown] == [(1, [2, 3], 2), (2, [13], 1),
                                                           (3, [2], 1)]
    assert shown[0][1] == (arrays[1] + 1).reshape(-1).tolist() and shown[2][1] == [7.0, 8.0]
    assert np.array_equal(np.array(shown[1][1], dtype=float), _AWKWARD, equal_nan=True)
    assert db.con.execute("SELECT value FROM Gain").fetchall() == [(2.5,)]
    scidb.close(db)
    assert _layout(scidb_path) == ("3", ["_arrays"])
    assert [empty for _, empty, _ in _stored_arrays(scidb_path)] == [True, True]


def test_a_file_of_a_newer_format_is_refused(scidb_path, scidb_unconfigured):
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Gain.save(1.0, subject=1, session="a")
    scidb.close(db)
    con = duckdb.connect(str(scidb_path))
    con.execute("UPDATE _scistack SET value = '4' WHERE key = 'format_version'")
    con.close()
    for read_only in (False, True):
        with pytest.raises(DatabaseError, match="format 4, newer than this SciStack"):
            scidb.configure_database(scidb_path, ["subject", "session"], read_only=read_only)


def _pieces_by_array(path) -> list[tuple[int, int]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("SELECT array_id, count(*) FROM _arrays GROUP BY 1 ORDER BY 1"
                           ).fetchall()
    finally:
        con.close()


def test_a_big_array_is_stored_in_pieces_and_reads_back_whole(scidb_path, scidb_unconfigured,
                                                              monkeypatch):
    from scistack_engine import arrays

    monkeypatch.setattr(arrays, "PIECE_BYTES", 64)  # 8 elements a piece
    big = np.arange(30.0).reshape(3, 10) / 7
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Trace.save(np.array([1.0, 2.0]), subject=1, session="a")
    Trace.save(big, subject=2, session="a")  # committed piece by piece, then the record
    with db.transaction():  # inside a transaction: the pieces are written with the record
        Trace.save(big + 1, subject=3, session="a")
    Trace.save(np.zeros(0), subject=4, session="a")
    assert _same(Trace.load(subject=2, session="a").data, big)
    assert _same(Trace.load(subject=3, session="a").data, big + 1)
    loaded = {r.metadata["subject"]: r.data for r in Trace.load_all()}
    assert _same(loaded[2], big) and _same(loaded[3], big + 1) and loaded[4].shape == (0,)
    assert content_hash(big) == db.index("Trace").addresses[
        '{"session":"a","subject":2}'].versions[-1].content_hash
    shown = dict(db.con.execute("SELECT subject, value FROM Trace").fetchall())
    assert shown[2] == big.reshape(-1).tolist() and shown[3] == (big + 1).reshape(-1).tolist()
    assert shown[4] == []
    scidb.close(db)
    assert [n for _, n in _pieces_by_array(scidb_path)] == [1, 4, 4, 1]


def test_a_failed_save_leaves_no_pieces(scidb_path, scidb_unconfigured, monkeypatch):
    from scistack_engine import arrays
    from scistack_engine.store import Database

    monkeypatch.setattr(arrays, "PIECE_BYTES", 64)
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Trace.save(np.array([1.0, 2.0]), subject=1, session="a")

    def refuse(*args, **kwargs):
        raise RuntimeError("record insert failed")

    monkeypatch.setattr(Database, "_insert_records", refuse)
    with pytest.raises(RuntimeError):
        Trace.save(np.arange(40.0), subject=2, session="a")
    monkeypatch.undo()
    scidb.close(db)
    assert [n for _, n in _pieces_by_array(scidb_path)] == [1]


@pytest.mark.parametrize("in_one_statement", [True, False])
def test_a_lone_array_and_its_record_are_written_together_or_not_at_all(
        scidb_path, scidb_unconfigured, monkeypatch, in_one_statement):
    """Saved alone outside a transaction, an array of one piece is written by its record's
    statement (where DuckDB allows an INSERT in a WITH clause; else in one transaction):
    the stored bytes are the array's, and a record insert that DuckDB refuses leaves no
    array row and nothing in the index."""
    from scistack_engine import arrays
    from scistack_engine.store import Database

    if not in_one_statement:
        monkeypatch.setattr(arrays, "inserts_in_with", lambda: False)
    statements: list[str] = []
    with_row = arrays.with_row
    monkeypatch.setattr(arrays, "with_row", lambda sql: statements.append(sql) or with_row(sql))
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Trace.save(np.array([1.0, 2.0]), subject=1, session="a")  # the view is made here
    Trace.save(_AWKWARD, subject=2, session="a")
    # the first save (with its view, in a transaction) also uses the one statement
    assert len(statements) == (2 if in_one_statement else 0)
    record_row = Database._record_row

    def without_record_id(self, *args):
        return [None, *record_row(self, *args)[1:]]  # the record's NOT NULL key refuses it

    monkeypatch.setattr(Database, "_record_row", without_record_id)
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        Trace.save(np.arange(5.0), subject=3, session="a")
    monkeypatch.setattr(Database, "_record_row", record_row)
    assert '{"session":"a","subject":3}' not in db.index("Trace").addresses
    assert db.con.execute("SELECT count(*) FROM _records").fetchall() == [(2,)]
    Trace.save(np.arange(4.0), subject=3, session="a")
    assert _same(Trace.load(subject=3, session="a").data, np.arange(4.0))
    scidb.close(db)
    assert [(address, bytes(data)) for address, _, data in _stored_arrays(scidb_path)] == [
        ('{"session":"a","subject":1}', np.array([1.0, 2.0]).tobytes()),
        ('{"session":"a","subject":2}', _AWKWARD.astype("<f8").tobytes()),
        ('{"session":"a","subject":3}', np.arange(4.0).tobytes())]
    con = duckdb.connect(str(scidb_path), read_only=True)
    assert con.execute("SELECT count(*) FROM _arrays").fetchall() == [(3,)]  # no orphan
    con.close()


def test_inserts_in_with_matches_this_duckdb():
    from scistack_engine import arrays

    major = int(duckdb.__version__.split(".")[0])
    assert arrays.inserts_in_with() is (major >= 2)


def test_a_format_2_file_opened_read_write_gains_array_pieces(scidb_path, scidb_unconfigured):
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Trace.save(np.arange(6.0).reshape(2, 3), subject=1, session="a")
    scidb.close(db)
    con = duckdb.connect(str(scidb_path))  # back to format 2: no piece column
    con.execute("ALTER TABLE _arrays DROP COLUMN piece")
    con.execute("UPDATE _scistack SET value = '2' WHERE key = 'format_version'")
    con.close()
    db = scidb.configure_database(scidb_path, ["subject", "session"], read_only=True)
    assert _same(Trace.load(subject=1, session="a").data, np.arange(6.0).reshape(2, 3))
    scidb.close(db)
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Trace.save(np.arange(3.0), subject=2, session="a")
    assert _same(Trace.load(subject=1, session="a").data, np.arange(6.0).reshape(2, 3))
    assert db.con.execute("SELECT value FROM Trace ORDER BY subject").fetchall() == [
        ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0],), ([0.0, 1.0, 2.0],)]
    scidb.close(db)
    assert _layout(scidb_path) == ("3", ["_arrays"])
