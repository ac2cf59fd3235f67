"""Saving records column by column (``save_from_dataframe``) gives exactly the records of
saving them one item per row: the same record ids, content hashes, versions, kinds and
stored columns, for every dtype the column path handles and for those it hands back to
the item path."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scistack_engine.hashing import content_hash, scalar_hashes
from scistack_engine.metadata import (
    MetadataError,
    address_of,
    addresses_of,
    normalize_column,
    normalize_metadata,
)
from scistack_engine.payload import stored_columns, to_stored
from scistack_engine.store import Database, SaveItem

SCHEMA = ["subject", "session"]
_COMPARED = ("record_id, variable, address, version, subject, session, kind, content_hash, "
             "value_num, value_int, value_txt, value_arr, shape, payload, cache_key, lineage, "
             "output_index")

VALUE_COLUMNS = {
    "float64": pd.Series([0.5, -0.0, np.nan, np.inf, -np.inf, 1e300, 3.0, 2.5]),
    "float32": pd.Series(np.array([0.1, 2, -3.5, 7, 8, 9, 10, 11], dtype=np.float32)),
    "int64": pd.Series([0, -1, 2**62, -(2**63), 5, 5, 6, 7]),
    "uint8": pd.Series(np.arange(8, dtype=np.uint8)),
    "bool": pd.Series([True, False, True, True, False, False, True, False]),
    "text": pd.Series(["a", "", "é", "x" * 100, "1", "true", "a", "b"], dtype=object),
    "mixed (item by item)": pd.Series([1, 2.5, "x", None, [1, 2], {"a": 1}, True, 3],
                                      dtype=object),
    "arrays (item by item)": pd.Series([np.arange(3.0) + i for i in range(8)]),
    "datetimes (item by item)": pd.Series(pd.date_range("2024-01-01", periods=8, freq="h")),
}

METADATA_COLUMNS = {
    "ints": (pd.Series([1, 1, 2, 2, 3, 3, 4, 4]), pd.Series(list("abababab"))),
    "whole floats": (pd.Series([1.0, 1.0, 2.0, 2.0, 3.0, 3.0, -0.0, 4.0]),
                     pd.Series(np.arange(8, dtype=np.int32))),
    "fractions": (pd.Series([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]), pd.Series([True] * 8)),
    "mixed floats": (pd.Series([0.5, 1.0, 2.5, 3.0, 4.5, 5.0, 6.5, 7.0]),
                     pd.Series([1, "1", 2, "2", True, 3, 4.5, "x"], dtype=object)),
    "repeated addresses": (pd.Series([1, 1, 1, 2, 2, 2, 1, 1]), pd.Series(["s"] * 8)),
}


def _rows(db: Database, variable: str) -> list[str]:
    """The stored rows, as text (NaN equals NaN there)."""
    return [repr(row) for row in db.cx.execute(
        f"SELECT {_COMPARED} FROM _records WHERE variable = ? ORDER BY record_id",
        [variable]).fetchall()]


def _items(metadata: dict, values: pd.Series) -> list[SaveItem]:
    rows = zip(*(column.tolist() for column in metadata.values()))
    return [SaveItem("Signal", dict(zip(metadata, row)), value)
            for row, value in zip(rows, values.tolist())]


def _summary(infos) -> list[tuple]:
    return [(i.record_id, i.content_hash, i.version, i.kind, i.address, dict(i.metadata))
            for i in infos]


@pytest.mark.parametrize("values", VALUE_COLUMNS.values(), ids=VALUE_COLUMNS.keys())
@pytest.mark.parametrize("metadata", METADATA_COLUMNS.values(), ids=METADATA_COLUMNS.keys())
def test_column_save_equals_item_save(tmp_path, metadata, values):
    """The same columns saved into two databases, column-wise and one item per row:
    first, again (nothing new, or new versions where an address repeats), then changed."""
    columns = dict(zip(SCHEMA, metadata))
    changed = values.iloc[::-1].reset_index(drop=True)
    by_columns = Database(str(tmp_path / "columns.duckdb"), SCHEMA)
    by_items = Database(str(tmp_path / "items.duckdb"), SCHEMA)
    try:
        for column in (values, values, changed):
            infos = by_columns.save_columns("Signal", columns, column)
            assert _summary(infos) == _summary(by_items.save_batch(_items(columns, column)))
            assert _rows(by_columns, "Signal") == _rows(by_items, "Signal")
        by_columns.close()
        with Database(str(tmp_path / "columns.duckdb"), SCHEMA) as reopened:
            assert _summary(reopened.versions("Signal", {})) == _summary(
                by_items.versions("Signal", {}))
    finally:
        by_columns.close()
        by_items.close()


@pytest.mark.parametrize("values", [VALUE_COLUMNS["float64"], VALUE_COLUMNS["text"],
                                    VALUE_COLUMNS["mixed (item by item)"]],
                         ids=["floats", "text", "mixed (item by item)"])
def test_column_save_with_cache_keys_and_lineage_equals_item_save(tmp_path, values):
    """Cache keys, lineage (as JSON text) and an output index go in as columns: the records
    of save_batch items carrying them; a save with other cache keys adds versions."""
    columns = dict(zip(SCHEMA, METADATA_COLUMNS["ints"]))
    lineages = [{"function_name": "f", "inputs": {"x": {"version": i}}, "z": [i, None]}
                for i in range(len(values))]
    by_columns = Database(str(tmp_path / "columns.duckdb"), SCHEMA)
    by_items = Database(str(tmp_path / "items.duckdb"), SCHEMA)
    try:
        for run in ("a", "a", "b"):
            keys = [f"{run}{i}" for i in range(len(values))]
            texts = [json.dumps(lineage, sort_keys=True, default=str) for lineage in lineages]
            infos = by_columns.save_columns("Signal", columns, values, cache_keys=keys,
                                            lineages=texts, output_index=1)
            items = _items(columns, values)
            for item, key, lineage in zip(items, keys, lineages):
                item.cache_key, item.lineage, item.output_index = key, lineage, 1
            expected = by_items.save_batch(items)
            assert _summary(infos) == _summary(expected)
            assert [i.cache_key for i in infos] == [i.cache_key for i in expected] == keys
            assert _rows(by_columns, "Signal") == _rows(by_items, "Signal")
    finally:
        by_columns.close()
        by_items.close()


def test_column_save_inside_a_transaction_sees_its_earlier_records(tmp_path):
    with Database(str(tmp_path / "t.duckdb"), SCHEMA) as db:
        with db.transaction():
            first = db.save_columns("X", {"subject": pd.Series([1, 2])}, pd.Series([1.0, 2.0]))
            second = db.save_columns("X", {"subject": pd.Series([1, 2])}, pd.Series([1.0, 3.0]))
        assert second[0] is first[0]
        assert second[1].version == 2
        assert [i.version for i in db.select("X", {})] == [1, 2]


def test_column_save_refuses_bad_input_and_writes_nothing(tmp_path):
    with Database(str(tmp_path / "t.duckdb"), SCHEMA) as db:
        with pytest.raises(MetadataError, match="finite"):
            db.save_columns("X", {"subject": pd.Series([1.0, np.nan])}, pd.Series([1.0, 2.0]))
        with pytest.raises(MetadataError, match="trial"):
            db.save_columns("X", {"trial": pd.Series([1, 2])}, pd.Series([1.0, 2.0]))
        with pytest.raises(MetadataError, match="reserved"):
            db.save_columns("X", {"value": pd.Series([1, 2])}, pd.Series([1.0, 2.0]))
        assert db.cx.execute("SELECT count(*) FROM _records").fetchone() == (0,)


def test_normalize_column_equals_normalize_value():
    columns = [np.array([1, 2**63 - 1]), np.array([2**64 - 1], dtype=np.uint64),
               np.array([1.0, 2.5]), np.array([3.0, -0.0]), np.array([True, False]),
               pd.Series(["a", "b"]), [1, 2.0, "x", np.int16(4)], np.array([2**63], dtype=float)]
    for column in columns:
        items = column.tolist() if hasattr(column, "tolist") else list(column)
        try:
            expected = [normalize_metadata({"k": v})["k"] for v in items]
        except MetadataError:
            with pytest.raises(MetadataError):
                normalize_column("k", column)
            continue
        got = normalize_column("k", column)
        assert got == expected and [type(v) for v in got] == [type(v) for v in expected]


def test_addresses_of_equals_address_of():
    """Mixed columns, a column of ints only (formatted as they are) and text holding
    %-format directives (the addresses are built with one %-format per record)."""
    for columns in ({"b": [1, -2, 2.5, True], "a": ["x", "é\"\\", "", "1"]},
                    {"n": [0, -(2**63), 2**63 - 1, 7], "t": ["%s", "%d%%", "%(n)s", "%"]},
                    {"only": [3, 1, 2, 3]}):
        rows = [dict(zip(columns, row)) for row in zip(*columns.values())]
        assert addresses_of(columns) == [address_of(row) for row in rows]


def test_scalar_hashes_equal_content_hash():
    floats = np.array([0.0, -0.0, np.nan, np.inf, 1e-310, 2.5])
    ints = np.array([0, -1, 2**63 - 1, -(2**63)])
    assert scalar_hashes(floats, float) == [content_hash(v) for v in floats.tolist()]
    assert scalar_hashes(ints, int) == [content_hash(v) for v in ints.tolist()]
    for values in VALUE_COLUMNS.values():
        stored = stored_columns(values)
        if stored is not None:
            per_value = [to_stored(v) for v in values.tolist()]
            assert stored.content_hashes == [s.content_hash for s in per_value]
            assert {s.kind for s in per_value} == {stored.kind}
