"""stream_records and load_all iterated: the records select_records means, read in batches.

Every case compares the stream with the index's answer (select_records + fetch_values):
the same records, in the same order, with the same metadata, ids, versions and values.
"""

from __future__ import annotations

import numpy as np
import pytest

from scistack_engine import selection
from scistack_engine.selection import select_records, stream_records
from scistack_engine.store import Database, SaveItem


@pytest.fixture
def db(tmp_path):
    database = Database(str(tmp_path / "stream.duckdb"), ["subject", "session"])
    yield database
    database.close()


def save(db, rows, variable="V"):
    db.save_batch([SaveItem(variable, metadata, value) for metadata, value in rows])


def streamed(db, variable="V", metadata=None, version=None):
    batches = stream_records(db, variable, metadata or {}, version)
    assert batches is not None, "expected a streamed read"
    return [(m, i, v, h, value) for rows in batches
            for m, i, v, h, value in zip(rows.metadata, rows.record_ids, rows.versions,
                                         rows.content_hashes, rows.values)]


def indexed(db, variable="V", metadata=None, version=None):
    records = select_records(db, variable, metadata or {}, version, every=True).records
    values = db.fetch_values(records)
    return [(dict(r.metadata), r.record_id, r.version, r.content_hash, values[r.record_id])
            for r in records]


def same(a, b):
    assert [row[:4] for row in a] == [row[:4] for row in b]
    for x, y in zip(a, b):
        assert type(x[4]) is type(y[4])
        if isinstance(x[4], np.ndarray):
            np.testing.assert_array_equal(x[4], y[4])
        else:
            assert x[4] == y[4]
    # keys in name order, as a record's stored address has them
    assert all(list(row[0]) == sorted(row[0]) for row in a)


def test_records_saved_out_of_order_come_in_the_index_order(db):
    # numbers order as numbers (10 after 9), not as the key columns' text
    save(db, [({"subject": s, "session": t}, float(s) + 0.5)
              for s in (10, 2, 9, -1) for t in ("pre", "post", "Post")])
    stream = streamed(db)
    assert [m["subject"] for m, *_ in stream][:3] == [-1, -1, -1]
    assert [m["session"] for m, *_ in stream][:3] == ["Post", "post", "pre"]
    same(stream, indexed(db))


def test_records_saved_in_order_are_read_as_they_lie(db, monkeypatch):
    save(db, [({"subject": s, "session": "a"}, s) for s in range(50)])
    sorted_queries = []
    original = db.record_batches

    def spy(sql, params, rows, **kw):
        sorted_queries.append("ORDER BY" in sql)
        return original(sql, params, rows, **kw)

    monkeypatch.setattr(db, "record_batches", spy)
    monkeypatch.setattr(selection, "STREAM_BATCH", 7)  # several batches
    same(streamed(db), indexed(db))
    assert sorted_queries == [False, False]  # the order check, then the records: no sort


def test_versions_latest_all_numbers_and_filters(db):
    save(db, [({"subject": s, "session": "pre"}, s) for s in (1, 2, 3)])
    save(db, [({"subject": 2, "session": "pre"}, 20), ({"subject": 1, "session": "pre"}, 10)])
    save(db, [({"subject": 2, "session": "pre"}, 200)])
    for version in (None, "latest", "all", 1, 2, 3, [1, 3], [2]):
        same(streamed(db, version=version), indexed(db, version=version))
    for where in ({"subject": 2}, {"subject": [3, 1]}, {"session": "pre", "subject": 1}):
        for version in (None, "all", 2):
            same(streamed(db, metadata=where, version=version),
                 indexed(db, metadata=where, version=version))
    # a value of another type than the key's matches nothing, as in the index
    assert streamed(db, metadata={"subject": "2"}) == indexed(db, metadata={"subject": "2"}) == []
    assert streamed(db, version=9) == []


def test_text_bool_float_keys_and_every_kind_of_value(tmp_path):
    db = Database(str(tmp_path / "kinds.duckdb"), ["flag", "rate", "name"])
    try:
        save(db, [({"flag": f, "rate": r, "name": n}, v)
                  for f, r, n, v in [(True, 0.5, "b", np.arange(3.0)), (False, 2.25, "a", "text"),
                                     (True, -1.5, "é", {"x": [1, 2]}), (False, 0.5, "a", 7),
                                     (True, 0.5, "a", True), (False, 2.25, "b", np.int16(3))]])
        same(streamed(db), indexed(db))
        same(streamed(db, metadata={"flag": True}), indexed(db, metadata={"flag": True}))
    finally:
        db.close()


def test_requests_the_index_answers_are_not_streamed(db):
    save(db, [({"subject": 1, "session": "pre"}, 1.0)])
    record_id = select_records(db, "V", {}).records[0].record_id
    assert stream_records(db, "V", {}, record_id) is None  # a record id
    assert stream_records(db, "V", {"low_hz": 20}, None) is None  # a lineage constant
    assert stream_records(db, "Unknown", {}, None) is None
    save(db, [({"subject": 2}, 2.0)], "Partial")  # keys some records lack
    save(db, [({"subject": 1, "session": "pre"}, 1.0)], "Partial")
    assert stream_records(db, "Partial", {}, None) is None
    save(db, [({"subject": 1, "session": "pre"}, 1.0), ({"subject": 2, "session": 3}, 1.0)],
         "Mixed")  # a key of two types
    assert stream_records(db, "Mixed", {}, None) is None


def test_load_all_iterates_without_the_index_and_allows_loads_between(scidb_db):
    from scidb import BaseVariable

    class Streamed(BaseVariable):
        pass

    for s in range(3):
        Streamed.save(float(s), subject=s, session="pre")
    scidb_db._indexes.clear()
    seen = [(item.metadata, item.data, item.version) for item in Streamed.load_all()]
    assert "Streamed" not in scidb_db._indexes  # read without building the index
    assert seen == [({"session": "pre", "subject": s}, float(s), 1) for s in range(3)]
    for item in Streamed.load_all():  # queries in the same thread between batches
        other = Streamed.load(subject=item.metadata["subject"], session="pre")
        assert other.record_id == item.record_id
        Streamed.save(item.data + 10, subject=item.metadata["subject"], session="post")
    assert len(list(Streamed.load_all(session="post"))) == 3


def test_a_column_of_one_scalar_kind_is_rebuilt_as_each_value_would_be():
    from scistack_engine.payload import from_columns, scalar_column

    nums, ints, txts = [0.5, 2.0], [0, 3], ["a", "b"]
    for kind in ("float", "int", "bool", "str"):
        column = scalar_column([kind, kind], nums, ints, txts)
        each = [from_columns(kind, n, i, t, None, None, None) for n, i, t in zip(nums, ints, txts)]
        assert column == each and [type(v) for v in column] == [type(v) for v in each]
    assert scalar_column(["float", "int"], nums, ints, txts) is None  # a mix
    assert scalar_column(["np:i2", "np:i2"], nums, ints, txts) is None  # not a plain scalar
    assert scalar_column([], [], [], []) is None
