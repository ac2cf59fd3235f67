"""Every key of a save and every for_each iterable is a schema key; adding a schema key.

A key outside the schema is an error that names the variable (or the for_each), the
schema keys and the closest of them, and nothing is written or run; a partial address
stays legal. Reserved keys get their own error. ``Database.add_schema_key`` adds a
dimension to an existing file. A one-key database whose key is the concatenation of the
keys given (GNU Octave's reading of ``["subject", "session"]``) gets an error saying so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scidb
import scihist
from scidb import (
    BaseVariable,
    MetadataError,
    ReservedMetadataKeyError,
    SchemaMismatchError,
    UnknownMetadataKeyError,
    configure_database,
)
from scilineage import lineage_fcn
from scistack_engine.gateway import scidb as gateway_scidb  # noqa: F401 - registers the operations
from scistack_engine.store import SaveItem
from test_gateway_ops import call


class KeyedEMG(BaseVariable):
    pass


class KeyedPeak(BaseVariable):
    pass


def _peak(signal):
    return float(np.max(signal))


def _state(db) -> tuple:
    """What a refused call must leave unchanged: records, runs, views and their columns."""
    con = db.cx
    views = con.execute("SELECT table_name FROM information_schema.tables "
                        "WHERE table_type = 'VIEW' ORDER BY 1").fetchall()
    columns = [
        tuple(r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()) for (name,) in views
    ]
    return (con.execute("SELECT count(*) FROM _records").fetchall(),
            con.execute("SELECT count(*) FROM _runs").fetchall(), views, columns)


# ------------------------------------------------------------------ saves


def test_a_save_with_a_key_outside_the_schema_is_refused_and_writes_nothing(scidb_db):
    KeyedEMG.save(np.arange(3.0), subject=1, session="pre")
    before = _state(scidb_db)
    with pytest.raises(UnknownMetadataKeyError) as err:
        KeyedEMG.save(np.arange(4.0), subject=1, session="pre", trial=1)
    message = str(err.value)
    assert err.value.identifier == "scistack:metadata:unknownKey"
    assert isinstance(err.value, MetadataError)
    assert "KeyedEMG" in message and "'trial'" in message
    assert "['subject', 'session']" in message
    assert "add_schema_key('trial')" in message
    assert _state(scidb_db) == before
    # the address is still one record, not a list
    np.testing.assert_array_equal(KeyedEMG.load(subject=1, session="pre").data, np.arange(3.0))


def test_a_misspelt_key_names_the_closest_schema_key(scidb_db):
    with pytest.raises(UnknownMetadataKeyError,
                       match="closest schema key to 'sesion' is 'session'"):
        KeyedEMG.save(1.0, subject=1, sesion="pre")
    assert scidb_db.variables() == []


def test_a_batch_with_one_bad_item_writes_nothing(scidb_db):
    items = [SaveItem("KeyedEMG", {"subject": s, "session": "pre"}, float(s)) for s in range(5)]
    items.insert(3, SaveItem("KeyedEMG", {"subject": 9, "sessions": "pre"}, 9.0))
    with pytest.raises(UnknownMetadataKeyError, match="KeyedEMG at subject=9, sessions='pre'"):
        scidb_db.save_batch(items)
    assert scidb_db.cx.execute("SELECT count(*) FROM _records").fetchall() == [(0,)]
    frame = pd.DataFrame({"subject": [1, 2], "trial": [1, 2], "v": [1.0, 2.0]})
    with pytest.raises(UnknownMetadataKeyError, match="'trial'"):
        KeyedEMG.save_from_dataframe(frame, "v", ["subject", "trial"])
    assert scidb_db.cx.execute("SELECT count(*) FROM _records").fetchall() == [(0,)]


def test_a_partial_address_stays_legal(scidb_db):
    KeyedPeak.save(0.5, subject=1)
    assert KeyedPeak.load(subject=1).metadata == {"subject": 1}


# ------------------------------------------------------------------ for_each


@pytest.mark.parametrize("front", ["scidb", "scihist"])
def test_a_for_each_iterable_outside_the_schema_is_refused_before_anything_runs(scidb_db, front):
    KeyedEMG.save(np.arange(3.0), subject=1, session="pre")
    before = _state(scidb_db)
    calls = []

    def peak(signal):
        calls.append(signal)
        return float(np.max(signal))

    run = scidb.for_each if front == "scidb" else scihist.for_each
    fn = peak if front == "scidb" else lineage_fcn(peak)
    with pytest.raises(UnknownMetadataKeyError) as err:
        run(fn, inputs={"signal": KeyedEMG}, outputs=[KeyedPeak], subjects=[1, 2])
    message = str(err.value)
    assert "for_each(peak)" in message and "'subjects'" in message
    assert "['subject', 'session']" in message
    assert "closest schema key to 'subjects' is 'subject'" in message
    assert calls == [] and _state(scidb_db) == before


def test_a_dry_run_with_an_unknown_iterable_is_refused_too(scidb_db):
    KeyedEMG.save(np.arange(3.0), subject=1, session="pre")
    with pytest.raises(UnknownMetadataKeyError, match="'trial'"):
        scidb.for_each(_peak, inputs={"signal": KeyedEMG}, outputs=[KeyedPeak],
                       subject=[1], trial=[1], dry_run=True)


# ------------------------------------------------------------------ reserved keys


def test_value_and_db_as_metadata_are_reserved_key_errors(scidb_db):
    with pytest.raises(ReservedMetadataKeyError, match="KeyedEMG at subject=1, value=2") as err:
        KeyedEMG.save(1.0, subject=1, value=2)
    assert err.value.identifier == "scistack:metadata:reservedKey"
    assert "'value' is a column of every record and view" in str(err.value)
    with pytest.raises(ReservedMetadataKeyError, match="'db' names the database"):
        KeyedEMG.save(1.0, subject=1, db=2)
    with pytest.raises(ReservedMetadataKeyError, match="'db' names the database"):
        KeyedEMG.load(subject=1, db="study")
    KeyedEMG.save(np.arange(3.0), subject=1, session="pre")
    with pytest.raises(ReservedMetadataKeyError, match="'value'"):
        scidb.for_each(_peak, inputs={"signal": KeyedEMG}, outputs=[KeyedPeak], value=[1])
    assert scidb_db.cx.execute("SELECT count(*) FROM _records").fetchall() == [(1,)]


def test_a_reserved_schema_key_is_a_reserved_key_error(tmp_path, scidb_unconfigured):
    with pytest.raises(ReservedMetadataKeyError, match="'db'"):
        configure_database(tmp_path / "r.duckdb", ["subject", "db"])
    with pytest.raises(MetadataError, match="column of the records table"):
        configure_database(tmp_path / "c.duckdb", ["subject", "cache_key"])


# ------------------------------------------------------------------ adding a schema key


def test_add_schema_key_extends_an_existing_database(scidb_db, scidb_path):
    old = KeyedEMG.save(np.arange(3.0), subject=1, session="pre")
    KeyedPeak.save(0.5, subject=1, session="pre")
    scidb_db.add_schema_key("trial")
    assert scidb_db.schema_keys == ["subject", "session", "trial"]
    # existing records: no value for the new key; every view gains the column
    rows = scidb_db.con.execute("SELECT subject, session, trial, value FROM KeyedPeak").fetchall()
    assert rows == [(1, "pre", None, 0.5)]
    assert "trial" in [r[0] for r in scidb_db.con.execute("DESCRIBE KeyedEMG").fetchall()]
    assert KeyedEMG.load(subject=1, session="pre").record_id == old
    # records saved afterwards may use it
    new = KeyedEMG.save(np.arange(4.0), subject=1, session="pre", trial=2)
    assert KeyedEMG.load(subject=1, session="pre", trial=2).record_id == new
    scidb.close()
    with pytest.raises(SchemaMismatchError, match=r"\['subject', 'session', 'trial'\]"):
        configure_database(scidb_path, ["subject", "session"])
    db = configure_database(scidb_path, ["subject", "session", "trial"])
    assert KeyedEMG.load(subject=1, session="pre", trial=2).record_id == new
    rows = db.con.execute("SELECT trial, len(value) FROM KeyedEMG ORDER BY trial").fetchall()
    assert rows == [(2, 4), (None, 3)]
    KeyedPeak.save(0.7, subject=2, session="pre", trial=1)  # the single-row insert path
    assert KeyedPeak.load(subject=2, session="pre", trial=1).data == 0.7


def test_add_schema_key_then_for_each_over_it(scidb_db):
    scidb_db.add_schema_key("trial")
    for trial in (1, 2):
        KeyedEMG.save(np.full(3, float(trial)), subject=1, session="pre", trial=trial)
    result = scidb.for_each(_peak, inputs={"signal": KeyedEMG}, outputs=[KeyedPeak],
                            subject=[1], session=["pre"], trial=[1, 2])
    assert result["status"].tolist() == ["done", "done"]
    assert KeyedPeak.load(subject=1, session="pre", trial=2).data == 2.0


def test_add_schema_key_fills_the_column_from_addresses_that_already_hold_the_key(
    scidb_db, scidb_path
):
    """A file written before keys were checked may hold records with the key already."""
    KeyedPeak.save(0.5, subject=1, session="pre")
    scidb_db.cx.execute(
        """UPDATE _records SET address = '{"session":"pre","subject":1,"trial":2}'"""
    )
    scidb.close()
    db = configure_database(scidb_path, ["subject", "session"])
    db.add_schema_key("trial")
    assert db.con.execute("SELECT trial, value FROM KeyedPeak").fetchall() == [(2, 0.5)]


@pytest.mark.parametrize("key, error, message", [
    ("session", MetadataError, "repeat"), ("Session", MetadataError, "repeat"),
    ("value", ReservedMetadataKeyError, "reserved"), ("1trial", MetadataError, "invalid"),
    ("output_index", MetadataError, "column of the records table"),
])
def test_add_schema_key_refuses_bad_keys_and_changes_nothing(scidb_db, key, error, message):
    KeyedPeak.save(0.5, subject=1, session="pre")
    before = _state(scidb_db)
    with pytest.raises(error, match=message):
        scidb_db.add_schema_key(key)
    assert scidb_db.schema_keys == ["subject", "session"]
    assert _state(scidb_db) == before
    assert scidb_db.cx.execute("SELECT value FROM _scistack WHERE key = 'schema_keys'").fetchall() \
        == [('["subject", "session"]',)]


def test_add_schema_key_on_a_read_only_database_is_refused(scidb_db, scidb_path):
    KeyedPeak.save(0.5, subject=1, session="pre")
    scidb.close()
    db = configure_database(scidb_path, ["subject", "session"], read_only=True)
    with pytest.raises(scidb.ReadOnlyError):
        db.add_schema_key("trial")


def test_the_gateway_adds_a_schema_key(tmp_path):
    opened = call("db_open", path=str(tmp_path / "g.duckdb"), schema_keys=["subject"])
    try:
        reply = call("add_schema_key", handle=opened["handle"], key="session")
        assert list(reply["schema_keys"]) == ["subject", "session"]
        with pytest.raises(RuntimeError, match="scistack:metadata:reservedKey"):
            call("add_schema_key", handle=opened["handle"], key="version")
    finally:
        call("db_close", handle=opened["handle"])


# ------------------------------------------------------------------ GNU Octave's concatenation


def test_keys_concatenating_to_the_one_schema_key_get_the_octave_explanation(
    tmp_path, scidb_unconfigured
):
    db = configure_database(tmp_path / "o.duckdb", ["subjectsession"])
    with pytest.raises(UnknownMetadataKeyError) as err:
        KeyedEMG.save(1.0, subject=1, session="pre")
    message = str(err.value)
    assert "'subjectsession'" in message and "GNU Octave" in message
    assert "{'subject', 'session'}" in message
    KeyedEMG.save(1.0, subjectsession=1)
    with pytest.raises(UnknownMetadataKeyError, match=r"\{'subject', 'session'\}"):
        scidb.for_each(_peak, inputs={"signal": KeyedEMG}, outputs=[KeyedPeak],
                       subject=[1], session=["pre"])
    scidb.close(db)


@pytest.mark.parametrize("key", ["record_id", "created_at", "version_id", "include_record_id",
                                 "content_hash"])
def test_reserved_keys_are_metadata_errors_of_their_own_class(scidb_db, key):
    assert issubclass(ReservedMetadataKeyError, scidb.MetadataError)
    with pytest.raises(ReservedMetadataKeyError, match=repr(key)):
        KeyedEMG.save(1.0, subject=1, **{key: 2})
