"""Versions and the metadata address rules of scidb (issue 3, design §4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import BaseVariable, MetadataError, NotFoundError


class Signal(BaseVariable):
    pass


class Score(BaseVariable):
    pass


def _rows(db) -> int:
    return db.con.execute("SELECT count(*) FROM _records").fetchall()[0][0]


# ------------------------------------------------------------------ versions


def test_changed_content_adds_a_version_and_load_returns_the_latest(scidb_db):
    ids = [Signal.save(np.full(4, float(i)), subject=1, session="pre") for i in range(3)]
    assert len(set(ids)) == 3
    latest = Signal.load(subject=1, session="pre")
    assert latest.version == 3 and latest.record_id == ids[2]
    np.testing.assert_array_equal(latest.data, np.full(4, 2.0))
    for number, record_id in enumerate(ids, start=1):
        old = Signal.load(subject=1, session="pre", version=number)
        assert old.record_id == record_id
        np.testing.assert_array_equal(old.data, np.full(4, float(number - 1)))
    assert _rows(scidb_db) == 3


def test_identical_content_adds_nothing_and_returns_the_same_record_id(scidb_db):
    first = Signal.save(np.arange(5.0), subject=1, session="pre")
    again = Signal.save(np.arange(5.0), subject=1, session="pre")
    assert again == first
    assert _rows(scidb_db) == 1
    assert [v["version"] for v in Signal.list_versions(subject=1, session="pre")] == [1]
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    frame_id = Score.save(df, subject=1, session="pre")
    assert Score.save(df.copy(), subject=1, session="pre") == frame_id
    assert _rows(scidb_db) == 2


def test_resaving_an_older_content_adds_a_new_latest_version(scidb_db):
    a = Signal.save(1.0, subject=1, session="pre")
    Signal.save(2.0, subject=1, session="pre")
    back = Signal.save(1.0, subject=1, session="pre")
    assert back != a
    latest = Signal.load(subject=1, session="pre")
    assert (latest.version, latest.data) == (3, 1.0)


def test_versions_survive_reopening_and_continue_numbering(scidb_db, scidb_path):
    Signal.save(1.0, subject=1, session="pre")
    Signal.save(2.0, subject=1, session="pre")
    scidb.close()
    scidb.configure_database(scidb_path, ["subject", "session"])
    assert (
        Signal.save(2.0, subject=1, session="pre")
        == Signal.load(subject=1, session="pre").record_id
    )
    Signal.save(3.0, subject=1, session="pre")
    assert [v["version"] for v in Signal.list_versions(subject=1, session="pre")] == [1, 2, 3]
    assert Signal.load(subject=1, session="pre", version=1).data == 1.0


def test_same_metadata_different_variables_are_independent(scidb_db):
    Signal.save(1.0, subject=1, session="pre")
    Score.save(1.0, subject=1, session="pre")
    Score.save(2.0, subject=1, session="pre")
    assert Signal.load(subject=1, session="pre").version == 1
    assert Score.load(subject=1, session="pre").version == 2


def test_versions_at_one_address_do_not_touch_other_addresses(scidb_db):
    Signal.save(1.0, subject=1, session="pre")
    Signal.save(5.0, subject=2, session="pre")
    Signal.save(2.0, subject=1, session="pre")
    assert Signal.load(subject=2, session="pre").version == 1
    assert Signal.load(subject=2, session="pre").data == 5.0


def test_one_batch_saving_twice_at_one_address_makes_two_versions(scidb_db):
    frame = pd.DataFrame({"subject": [1, 1, 1], "session": "pre", "v": [1.0, 2.0, 2.0]})
    ids = Score.save_from_dataframe(frame, "v", ["subject", "session"])
    assert ids[1] == ids[2] and ids[0] != ids[1]
    assert [v["version"] for v in Score.list_versions()] == [1, 2]


# ------------------------------------------------------------------ keys outside the schema


def test_an_added_schema_key_is_part_of_the_address(scidb_db):
    scidb_db.add_schema_key("trial")
    t1 = Signal.save(1.0, subject=1, session="pre", trial=1)
    t2 = Signal.save(2.0, subject=1, session="pre", trial=2)
    bare = Signal.save(3.0, subject=1, session="pre")
    assert len({t1, t2, bare}) == 3
    assert Signal.load(subject=1, session="pre", trial=2).data == 2.0
    assert Signal.load(subject=1, session="pre", trial=2).metadata == {
        "subject": 1, "session": "pre", "trial": 2}
    # all three share subject/session: a list, in canonical metadata order
    everything = Signal.load(subject=1, session="pre")
    assert isinstance(everything, list)
    assert [v.data for v in everything] == [3.0, 1.0, 2.0]
    assert all(v.version == 1 for v in everything)


def test_added_keys_and_fewer_keys_than_the_schema_are_allowed(scidb_db):
    scidb_db.add_schema_key("condition")
    scidb_db.add_schema_key("speed")
    Score.save(0.5, subject=1)  # a per-subject value
    Score.save(0.7, subject=1, session="pre", condition="fast", speed=1.25)
    assert Score.load(subject=1, condition="fast")[0].data == 0.7
    assert Score.load(speed=1.25)[0].data == 0.7
    assert sorted(v.data for v in Score.load(subject=1)) == [0.5, 0.7]


def test_metadata_comes_back_normalised(scidb_db):
    scidb_db.add_schema_key("gain")
    scidb_db.add_schema_key("ok")
    Signal.save(
        1.0, subject=np.int64(3), session=np.str_("pre"), gain=np.float32(0.5), ok=np.bool_(True)
    )
    loaded = Signal.load(subject=3, session="pre", gain=0.5, ok=True)
    assert loaded.metadata == {"subject": 3, "session": "pre", "gain": 0.5, "ok": True}
    assert [type(v) for v in loaded.metadata.values()] == [int, str, float, bool]


# ------------------------------------------------------------------ the number / text rule


@pytest.mark.parametrize("same", [1, 1.0, np.int64(1), np.int8(1), np.uint16(1), np.float32(1.0),
                                  np.float64(1.0), np.array(1), np.array(1.0)],
                         ids=lambda v: f"{type(v).__name__}({v})")
def test_numbers_in_metadata_compare_by_value(scidb_db, same):
    record_id = Signal.save(7.0, subject=1, session="pre")
    assert Signal.load(subject=same, session="pre").record_id == record_id
    assert Signal.save(7.0, subject=same, session="pre") == record_id
    assert _rows(scidb_db) == 1
    assert type(Signal.load(subject=same, session="pre").metadata["subject"]) is int


def test_text_is_not_a_number_in_metadata(scidb_db):
    number = Signal.save(1.0, subject=1, session="pre")
    text = Signal.save(2.0, subject="1", session="pre")
    assert text != number
    assert Signal.load(subject="1", session="pre").data == 2.0
    assert Signal.load(subject=1, session="pre").data == 1.0
    assert Signal.load(subject="1", session="pre").metadata["subject"] == "1"
    assert Signal.load(subject=1, session="pre").version == 1


def test_booleans_are_not_numbers_in_metadata(scidb_db):
    one = Signal.save(1.0, subject=1, session="pre")
    true = Signal.save(2.0, subject=True, session="pre")
    assert one != true
    assert Signal.load(subject=True, session="pre").data == 2.0
    assert Signal.load(subject=np.bool_(True), session="pre").data == 2.0
    assert Signal.load(subject=1, session="pre").data == 1.0
    Signal.save(3.0, subject=0, session="pre")
    with pytest.raises(NotFoundError):
        Signal.load(subject=False, session="pre")
    assert Signal.load(subject=0, session="pre").data == 3.0


def test_fractional_numbers_stay_fractional(scidb_db):
    Signal.save(1.0, subject=1.5, session="pre")
    assert Signal.load(subject=1.5, session="pre").metadata["subject"] == 1.5
    assert Signal.load(subject=np.float64(1.5), session="pre").data == 1.0
    with pytest.raises(NotFoundError):
        Signal.load(subject=1, session="pre")
    with pytest.raises(NotFoundError):
        Signal.load(subject=2, session="pre")


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf"), -np.inf, np.float64("nan"),
                                 [1, 2], {"a": 1}, b"bytes", np.arange(2), object(), 1 + 2j],
                         ids=repr)
def test_metadata_values_that_cannot_address_a_record_are_refused(scidb_db, bad):
    with pytest.raises(MetadataError) as err:
        Signal.save(1.0, subject=bad, session="pre")
    assert "subject" in str(err.value)
    assert scidb_db.variables() == []
    assert _rows(scidb_db) == 0


@pytest.mark.parametrize("huge", [2**63, -(2**63) - 1, 10**20, np.uint64(2**64 - 1)], ids=repr)
def test_integer_metadata_beyond_int64_is_refused_and_the_view_keeps_working(scidb_db, huge):
    Signal.save(1.0, subject=2**63 - 1, session="pre")
    with pytest.raises(MetadataError, match="64 bits"):
        Signal.save(2.0, subject=huge, session="pre")
    assert _rows(scidb_db) == 1
    assert scidb_db.con.execute('SELECT subject FROM "Signal"').fetchall() == [(2**63 - 1,)]
