"""What the SQL views show for values with no SQL type of their own: dicts, lists and
MATLAB structs as JSON text, float arrays with their shape, and NULL only for a missing
value."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable
from scistack_engine.codec import encode
from scistack_engine.payload import DISPLAY_LIMIT
from test_scidb_values import _examples


class Settings(BaseVariable):
    pass


class Signal(BaseVariable):
    pass


class Counts(BaseVariable):
    pass


class Mixed(BaseVariable):
    pass


class Anything(BaseVariable):
    pass


def _view(db, variable: str, columns: str = "subject, value") -> list[tuple]:
    return db.con.execute(f'SELECT {columns} FROM "{variable}" ORDER BY subject').fetchall()


def test_dicts_and_lists_show_as_json_text(scidb_db):
    Settings.save({"cutoff": 20, "filter": "butter", "bands": [1.5, 2.5]}, subject=1, session="a")
    Settings.save([1, "two", None, (3, 4)], subject=2, session="a")
    Settings.save({"nested": {"deep": [float("nan"), float("inf")]}, 7: True}, subject=3,
                  session="a")
    rows = _view(scidb_db, "Settings")
    assert [json.loads(text) for _, text in rows] == [
        {"cutoff": 20, "filter": "butter", "bands": [1.5, 2.5]},
        [1, "two", None, [3, 4]],
        {"nested": {"deep": ["NaN", "Infinity"]}, "7": True},
    ]
    # DuckDB's JSON functions read it
    assert scidb_db.con.execute(
        "SELECT json_extract_string(value, '$.filter') FROM Settings WHERE subject = 1"
    ).fetchall() == [("butter",)]


def test_a_matlab_struct_shows_as_a_json_object(scidb_db):
    # what the toolbox sends for struct('gain', 2, 'name', "emg"): a class hint over a dict
    hint = b"h" + len(b"struct").to_bytes(8, "little") + b"struct"
    wire = encode({"gain": 2.0, "name": "emg"})
    wire = wire[:4] + hint + wire[4:]
    scidb_db.save("Settings", None, {"subject": 1, "session": "a"}, wire=wire)
    assert json.loads(_view(scidb_db, "Settings")[0][1]) == {"gain": 2.0, "name": "emg"}


def test_float_arrays_show_with_their_shape(scidb_db):
    Signal.save(np.arange(6.0).reshape(2, 3), subject=1, session="a")
    Signal.save(np.arange(3.0), subject=2, session="a")
    Signal.save(np.array(4.0), subject=3, session="a")
    Signal.save(np.zeros((2, 0)), subject=4, session="a")
    assert _view(scidb_db, "Signal", "subject, value, value_shape") == [
        (1, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [2, 3]),
        (2, [0.0, 1.0, 2.0], [3]),
        (3, [4.0], []),
        (4, [], [2, 0]),
    ]


def test_other_arrays_show_as_json_nested_by_their_shape(scidb_db):
    Counts.save(np.arange(6, dtype=np.int32).reshape(2, 3), subject=1, session="a")
    Counts.save(np.array([True, False]), subject=2, session="a")
    big = np.zeros((1000, 1000), dtype=np.int16)
    Counts.save(big, subject=3, session="a")
    rows = _view(scidb_db, "Counts")
    assert json.loads(rows[0][1]) == [[0, 1, 2], [3, 4, 5]]
    assert json.loads(rows[1][1]) == [True, False]
    assert json.loads(rows[2][1]) == {"type": "ndarray", "shape": [1000, 1000], "dtype": "int16"}
    assert max(len(text) for _, text in rows) <= DISPLAY_LIMIT


def test_a_mix_shows_text_and_null_only_for_missing(scidb_db):
    Mixed.save(1.5, subject=1, session="a")
    Mixed.save({"a": 1}, subject=2, session="a")
    Mixed.save(None, subject=3, session="a")
    Mixed.save(np.arange(4.0).reshape(2, 2), subject=4, session="a")
    Mixed.save("text", subject=5, session="a")
    rows = _view(scidb_db, "Mixed", "subject, value, value_shape")
    assert rows[0][1] == "1.5" and json.loads(rows[1][1]) == {"a": 1}
    assert rows[2][1] is None  # the one missing value
    assert rows[3][2] == [2, 2] and rows[4][1] == "text"


# (a DataFrame shows its own columns instead of a value: test_scidb_views)
@pytest.mark.parametrize("value", [p for p in _examples()
                                   if not isinstance(p.values[0], pd.DataFrame)])
def test_no_example_value_reads_as_null_unless_missing(scidb_memory_db, value):
    Anything.save(value, subject=1, session="a")
    [(shown,)] = scidb_memory_db.con.execute("SELECT value FROM Anything").fetchall()
    missing = value is None or value is pd.NA or value is pd.NaT
    assert (shown is None) == missing, shown


def test_a_file_from_before_gets_json_text_when_opened(scidb_path, scidb_unconfigured):
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    Settings.save({"cutoff": 20}, subject=1, session="a")
    Signal.save(np.ones((2, 2)), subject=1, session="a")
    scidb.close(db)
    # what SciStack wrote before: no text for wire values, views without value_shape
    con = duckdb.connect(str(scidb_path))
    con.execute("UPDATE _records SET value_txt = NULL WHERE kind = 'wire'")
    con.execute("DELETE FROM _scistack WHERE key = 'display_text'")
    con.execute("CREATE OR REPLACE VIEW Signal AS SELECT subject, value_arr AS value FROM _records")
    con.execute("UPDATE _variables SET view_signature = "
                "json_object('kinds', json_extract(view_signature, '$.kinds'))")
    con.close()
    db = scidb.configure_database(scidb_path, ["subject", "session"])
    assert json.loads(_view(db, "Settings")[0][1]) == {"cutoff": 20}
    assert _view(db, "Signal", "subject, value_shape") == [(1, [2, 2])]
    assert Settings.load(subject=1, session="a").data == {"cutoff": 20}
    scidb.close(db)
