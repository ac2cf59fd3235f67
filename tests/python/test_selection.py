"""select_records: the records a load means, whether one is meant, and load_all's columns."""

from __future__ import annotations

import pytest

from scistack_engine.errors import NotFoundError, UnknownVariableError
from scistack_engine.hashing import content_hash
from scistack_engine.selection import select_records
from scistack_engine.store import Database, SaveItem


@pytest.fixture
def db():
    database = Database(":memory:", ["subject", "session"])
    yield database
    database.close()


def save(db, value, lineage=None, **metadata):
    return db.save_batch([SaveItem("V", metadata, value, lineage=lineage)])[0]


def test_metadata_selects_addresses_and_lists_mean_any_of(db):
    save(db, 1.0, subject=1, session="pre")
    save(db, 2.0, subject=1, session="post")
    save(db, 3.0, subject=2, session="pre")
    assert [r.metadata["session"] for r in select_records(db, "V", {"subject": 1}).records] == [
        "post", "pre"]
    picked = select_records(db, "V", {"subject": [1, 2], "session": "pre"}).records
    assert [r.metadata["subject"] for r in picked] == [1, 2]


def test_version_selects_that_version_else_the_latest(db):
    first = save(db, 1.0, subject=1, session="pre")
    second = save(db, 2.0, subject=1, session="pre")
    where = {"subject": 1, "session": "pre"}
    assert select_records(db, "V", where).records == [second]
    assert select_records(db, "V", where, 1).records == [first]
    with pytest.raises(NotFoundError, match="no version 3"):
        select_records(db, "V", where, 3)


def test_a_keyword_that_is_no_metadata_key_selects_by_lineage_constant(db):
    def lineage(low_hz):
        return {"constants": {"low_hz": {"value": low_hz, "content_hash": content_hash(low_hz)}}}

    twenty = save(db, 1.0, lineage(20), subject=1, session="pre")
    save(db, 2.0, lineage(30), subject=1, session="pre")
    selection = select_records(db, "V", {"subject": 1, "session": "pre", "low_hz": 20.0})
    assert selection.records == [twenty] and selection.single
    with pytest.raises(NotFoundError, match="neither a metadata key"):
        select_records(db, "V", {"subject": 1, "low_hz": 5})


@pytest.mark.parametrize("where, single", [
    ({"subject": 1, "session": "pre"}, True),        # every schema key, one value each
    ({"subject": 1}, False),                          # a partial address of a full record
    ({"subject": 1, "session": ["pre"]}, False),      # a list means "any of"
])
def test_one_record_is_meant_with_every_schema_key(db, where, single):
    save(db, 1.0, subject=1, session="pre")
    assert select_records(db, "V", where).single is single


def test_a_record_loaded_with_exactly_its_keys_is_meant(db):
    save(db, 1.0, subject=1)                      # an aggregate at a partial address
    assert select_records(db, "V", {"subject": 1}).single
    assert not select_records(db, "V", {"subject": [1]}).single
    save(db, 2.0, subject=1, session="pre")       # now two records match subject=1
    assert not select_records(db, "V", {"subject": 1}).single


def test_nothing_found_is_an_error_or_with_every_an_empty_selection(db):
    save(db, 1.0, subject=1, session="pre")
    with pytest.raises(NotFoundError, match="subject takes the values 1"):
        select_records(db, "V", {"subject": 9})
    empty = select_records(db, "V", {"subject": 9}, every=True)
    assert empty.records == [] and not empty.single
    assert empty.keys == ["subject", "session"]
    with pytest.raises(UnknownVariableError):
        select_records(db, "Nope", {}, every=True)


def test_columns_are_the_schema_keys_that_some_selected_record_has(db):
    save(db, 1.0, subject=1)
    save(db, 2.0, subject=2, session="pre")
    selection = select_records(db, "V", {}, every=True)
    assert selection.keys == ["subject", "session"]
    assert selection.column("session") == [None, "pre"]
    assert select_records(db, "V", {"subject": 1}, every=True).keys == ["subject"]
