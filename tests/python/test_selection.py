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


# ------------------------------------------------------------------ version selectors


def test_a_record_id_selects_that_version_with_or_without_metadata(db):
    first = save(db, 1.0, subject=1, session="pre")
    save(db, 2.0, subject=1, session="pre")
    other = save(db, 3.0, subject=2, session="pre")
    by_id = select_records(db, "V", {}, first.record_id)
    assert by_id.records == [first] and by_id.single
    assert select_records(db, "V", {"subject": 1}, first.record_id).records == [first]
    with pytest.raises(NotFoundError, match="not at subject=2"):
        select_records(db, "V", {"subject": 2}, first.record_id)
    with pytest.raises(NotFoundError, match="no record has this record id"):
        select_records(db, "V", {}, "0123456789abcdef0123")
    db.save_batch([SaveItem("W", {"subject": 1}, 4.0)])
    with pytest.raises(NotFoundError, match="a V record, not a W one"):
        select_records(db, "W", {}, other.record_id)


def test_all_latest_and_several_version_numbers(db):
    first = save(db, 1.0, subject=1, session="pre")
    second = save(db, 2.0, subject=1, session="pre")
    third = save(db, 3.0, subject=1, session="pre")
    alone = save(db, 9.0, subject=2, session="pre")
    assert select_records(db, "V", {}, "all").records == [first, second, third, alone]
    assert select_records(db, "V", {}, "latest").records == [third, alone]
    picked = select_records(db, "V", {"subject": 1}, [1, 3])
    assert picked.records == [first, third] and not picked.single
    with pytest.raises(NotFoundError, match=r"no version \[7\]"):
        select_records(db, "V", {"subject": 1}, [7])
    assert select_records(db, "V", {"subject": 1}, [7], every=True).records == []


def test_constants_select_among_the_versions_asked_for(db):
    def lineage(low_hz):
        return {"constants": {"low_hz": {"value": low_hz, "content_hash": content_hash(low_hz)}}}

    first = save(db, 1.0, lineage(20), subject=1, session="pre")
    save(db, 2.0, lineage(30), subject=1, session="pre")
    third = save(db, 3.0, lineage(20), subject=1, session="pre")
    where = {"subject": 1, "session": "pre", "low_hz": 20}
    assert select_records(db, "V", where).records == [third]
    assert select_records(db, "V", where, "all").records == [first, third]
    assert select_records(db, "V", where, 1).records == [first]
    with pytest.raises(NotFoundError):
        select_records(db, "V", where, 2)
    assert select_records(db, "V", where, first.record_id).records == [first]


def test_version_selector_reads_both_names_and_refuses_non_versions():
    from scistack_engine.errors import MetadataError
    from scistack_engine.selection import version_selector

    assert version_selector() is None
    assert version_selector(2.0) == 2 and isinstance(version_selector(2.0), int)
    assert version_selector(version_id=[1.0, 3]) == [1, 3]
    assert version_selector("abc") == "abc"
    for bad in (True, 1.5, {"a": 1}):
        with pytest.raises(MetadataError, match="not a version"):
            version_selector(bad)
    with pytest.raises(MetadataError, match="give one of them"):
        version_selector(1, "latest")


def test_table_columns_add_record_ids_after_the_metadata(db):
    one = save(db, 1.0, subject=1, session="pre")
    two = save(db, 2.0, subject=2, session="pre")
    columns = select_records(db, "V", {}).table_columns(include_record_id=True)
    assert list(columns) == ["subject", "session", "record_id"]
    assert columns["record_id"] == [one.record_id, two.record_id]
    assert list(select_records(db, "V", {}).table_columns()) == ["subject", "session"]
