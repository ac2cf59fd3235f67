"""Bad input and faults (issue 3, design §8): clear errors that change nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import numpy as np
import pandas as pd
import pytest

import scidb
from scidb import (
    BaseVariable,
    DatabaseLockedError,
    MetadataError,
    NotADatabaseError,
    NotConfiguredError,
    NotFoundError,
    UnknownVariableError,
    configure_database,
)
from scistack_engine.metadata import RESERVED_KEYS

HOSTILE = [
    "x'; DROP TABLE _records; --",
    'x"; DROP TABLE _records; --',
    "Robert'); DELETE FROM _records WHERE ('1'='1",
    "$1 ? %s {subject} \\' \\\" `",
    "ünïcødé ✓ 🙂",
    "line\nbreak\ttab\x00nul",
    "",
]


class Trial(BaseVariable):
    pass


class Other(BaseVariable):
    pass


def _snapshot(db):
    """Everything a fault must leave unchanged."""
    con = db.con
    return (
        con.execute(
            "SELECT record_id, version, content_hash FROM _records ORDER BY record_id"
        ).fetchall(),
        con.execute("SELECT name FROM _variables ORDER BY name").fetchall(),
        con.execute("SELECT count(*) FROM _runs").fetchall(),
        sorted(
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ),
    )


# ------------------------------------------------------------------ not configured


def test_every_call_without_a_database_says_to_configure_one(scidb_unconfigured):
    calls = [
        lambda: Trial.save(1.0, subject=1),
        lambda: Trial.load(subject=1),
        lambda: list(Trial.load_all()),
        lambda: Trial.load_all(as_df=True),
        lambda: Trial.list_versions(subject=1),
        lambda: Trial.save_from_dataframe(
            pd.DataFrame({"subject": [1], "v": [1.0]}), "v", ["subject"]
        ),
        lambda: scidb.for_each(lambda x: x, inputs={"x": Trial}, outputs=[Other], subject=[1]),
        lambda: scidb.get_database(),
    ]
    for call in calls:
        with pytest.raises(NotConfiguredError) as err:
            call()
        assert "configure_database" in str(err.value)
        assert err.value.identifier == "scistack:db:notConfigured"


def test_a_closed_database_passed_as_db_is_a_clear_error(scidb_db):
    scidb_db.close()
    with pytest.raises(scidb.DatabaseError, match="closed"):
        Trial.save(1.0, subject=1, db=scidb_db)


# ------------------------------------------------------------------ unknown variable, nothing found


def test_unknown_variable_lists_the_existing_ones(scidb_db):
    Trial.save(1.0, subject=1, session="pre")
    Other.save(1.0, subject=1, session="pre")

    class Missing(BaseVariable):
        pass

    for call in (lambda: Missing.load(subject=1), lambda: list(Missing.load_all()),
                 lambda: Missing.list_versions()):
        with pytest.raises(UnknownVariableError) as err:
            call()
        message = str(err.value)
        assert "Missing" in message and "Other" in message and "Trial" in message
        assert isinstance(err.value, LookupError)


def test_unknown_variable_in_an_empty_database(scidb_db):
    with pytest.raises(UnknownVariableError, match="none yet"):
        Trial.load(subject=1)


def test_nothing_found_names_the_values_that_exist(scidb_db):
    for subject in (1, 2, 3):
        Trial.save(1.0, subject=subject, session="pre")
    Trial.save(1.0, subject=1, session="post")
    with pytest.raises(NotFoundError) as err:
        Trial.load(subject=9, session="pre")
    message = str(err.value)
    assert "subject=9" in message
    assert "1, 2, 3" in message
    with pytest.raises(NotFoundError) as err:
        Trial.load(subject=1, session="baseline")
    assert "'post', 'pre'" in str(err.value)
    with pytest.raises(NotFoundError) as err:
        Trial.load(subject=2, session="post")  # each value exists, not together
    assert "together" in str(err.value)


def test_nothing_found_with_a_key_no_record_has(scidb_db):
    Trial.save(1.0, subject=1, session="pre")
    with pytest.raises(NotFoundError) as err:
        Trial.load(subject=1, sesion="pre")
    assert "sesion" in str(err.value)


def test_a_failed_load_changes_nothing(scidb_db):
    Trial.save(1.0, subject=1, session="pre")
    before = _snapshot(scidb_db)
    for call in (
        lambda: Trial.load(subject=2),
        lambda: Trial.load(subject=1, session="pre", version=5),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert _snapshot(scidb_db) == before


# ------------------------------------------------------------------ metadata keys


@pytest.mark.parametrize("key", sorted(RESERVED_KEYS - {"db"}))
def test_reserved_metadata_keys_are_refused_and_change_nothing(scidb_memory_db, key):
    Trial.save(1.0, subject=1, session="pre")
    before = _snapshot(scidb_memory_db)
    if key != "value":  # save(value, ...): Python itself refuses value=
        with pytest.raises(MetadataError, match="reserved"):
            Trial.save(2.0, subject=1, session="pre", **{key: 1})
    frame = pd.DataFrame({"subject": [1], key: [1], "v": [2.0]})
    with pytest.raises(MetadataError, match="reserved"):
        Trial.save_from_dataframe(frame, "v", ["subject", key])
    assert _snapshot(scidb_memory_db) == before


def test_reserved_keys_are_refused_whatever_their_case(scidb_db):
    with pytest.raises(MetadataError, match="reserved"):
        Trial.save(2.0, subject=1, Version=1)


@pytest.mark.parametrize(
    "key",
    ["1subject", "sub ject", "sub-ject", "_private", "x'; DROP TABLE _records; --", 'a"b', "é", "",
     "a" * 64, "subject;"],
    ids=repr,
)
def test_invalid_metadata_keys_are_refused_and_change_nothing(scidb_memory_db, key):
    Trial.save(1.0, subject=1, session="pre")
    before = _snapshot(scidb_memory_db)
    with pytest.raises(MetadataError, match="invalid metadata key"):
        Trial.save(2.0, subject=1, session="pre", **{key: 1})
    with pytest.raises(MetadataError):
        Trial.save_from_dataframe(
            pd.DataFrame({"subject": [1], key: [1], "v": [2.0]}), "v", ["subject", key]
        )
    assert _snapshot(scidb_memory_db) == before


def test_a_longest_valid_key_works(scidb_db):
    key = "k" + "a" * 62
    scidb_db.add_schema_key(key)
    Trial.save(1.0, subject=1, **{key: 1})
    # loaded with exactly the keys it was saved with: the record itself, not a list of one
    assert Trial.load(subject=1, **{key: 1}).metadata[key] == 1


def test_a_save_needs_some_metadata(scidb_db):
    with pytest.raises(MetadataError, match="at least one"):
        Trial.save(1.0)


@pytest.mark.parametrize(
    "keys, message",
    [([], "at least one"), (["subject", "subject"], "repeat"), (["subject", "Subject"], "repeat"),
     (["version"], "reserved"), (["1x"], "invalid"), (["x'; DROP TABLE t; --"], "invalid")],
    ids=["none", "repeat", "case-repeat", "reserved", "digit", "injection"],
)
def test_invalid_schema_keys_are_refused_and_create_no_database(
    tmp_path, scidb_unconfigured, keys, message
):
    path = tmp_path / "bad.duckdb"
    with pytest.raises(MetadataError, match=message):
        configure_database(path, keys)
    if path.exists():  # nothing that would later open as a SciStack database
        with pytest.raises(scidb.ScistackError):
            configure_database(path, ["subject"], read_only=True)


# ------------------------------------------------------------------ hostile values and names


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
def test_hostile_metadata_values_are_stored_as_data(scidb_db, scidb_path, text):
    scidb_db.add_schema_key("note")
    record_id = Trial.save(np.arange(3.0), subject=1, session=text, note=text)
    loaded = Trial.load(subject=1, session=text, note=text)
    assert loaded.record_id == record_id
    assert loaded.metadata == {"subject": 1, "session": text, "note": text}
    rows = scidb_db.con.execute("SELECT session, note FROM Trial").fetchall()
    assert rows == [(text, text)]
    assert scidb_db.con.execute("SELECT count(*) FROM _records").fetchall() == [(1,)]
    scidb.close()
    configure_database(scidb_path, ["subject", "session", "note"])
    assert Trial.load(subject=1, session=text, note=text).record_id == record_id


@pytest.mark.parametrize("text", HOSTILE, ids=repr)
def test_hostile_text_values_are_stored_as_data(scidb_memory_db, text):
    Trial.save(text, subject=1, session="pre")
    Trial.save([text, {text: text}], subject=2, session="pre")
    assert Trial.load(subject=1, session="pre").data == text
    assert Trial.load(subject=2, session="pre").data == [text, {text: text}]
    assert scidb_memory_db.con.execute("SELECT count(*) FROM _records").fetchall() == [(2,)]


def test_hostile_dataframe_column_names_are_quoted(scidb_db):
    name = 'x"; DROP TABLE _records; --'
    frame = pd.DataFrame({name: [1.0, 2.0], "it's": ["a", "b"]})
    Trial.save(frame, subject=1, session="pre")
    pd.testing.assert_frame_equal(Trial.load(subject=1, session="pre").data, frame)
    view = scidb_db.con.execute("SELECT * FROM Trial").df()
    assert view[name].tolist() == [1.0, 2.0]
    assert view["it's"].tolist() == ["a", "b"]
    assert scidb_db.con.execute("SELECT count(*) FROM _records").fetchall() == [(1,)]


def test_hostile_values_in_for_each_iterables_and_filters(scidb_db):
    text = HOSTILE[0]
    Trial.save(1.0, subject=1, session=text)
    result = scidb.for_each(lambda x: x + 1, inputs={"x": Trial}, outputs=[Other],
                            subject=[1], session=[text], where=Trial == 1.0)
    assert result["status"].tolist() == ["done"]
    assert Other.load(subject=1, session=text).data == 2.0


@pytest.mark.parametrize(
    "name", ["bad name", "x'; DROP TABLE _records; --", "1abc", "_hidden", "é", "a" * 64]
)
def test_invalid_variable_type_names_are_refused(name):
    with pytest.raises(MetadataError):
        type(name, (BaseVariable,), {})


def test_a_variable_name_that_is_a_sql_keyword_still_has_a_working_view(scidb_db):
    Select = type("Select", (BaseVariable,), {})
    Select.save(1.5, subject=1, session="pre")
    assert scidb_db.con.execute('SELECT value FROM "Select"').fetchall() == [(1.5,)]
    assert Select.load(subject=1, session="pre").data == 1.5


# ------------------------------------------------------------------ schema mismatch


def test_schema_mismatch_is_a_clear_error_that_changes_nothing(scidb_db, scidb_path):
    Trial.save(1.0, subject=1, session="pre")
    scidb.close()
    before = scidb_path.read_bytes()
    with pytest.raises(scidb.SchemaMismatchError) as err:
        configure_database(scidb_path, ["subject", "trial"])
    assert err.value.identifier == "scistack:db:schemaMismatch"
    assert "['subject', 'session']" in str(err.value)
    assert scidb_path.read_bytes() == before


# ------------------------------------------------------------------ locked, corrupt, foreign files

_HOLDER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(60)
""")


def test_a_file_locked_by_another_process_names_the_cause_and_the_remedy(scidb_db, scidb_path):
    Trial.save(1.0, subject=1, session="pre")
    scidb.close()
    before = scidb_path.read_bytes()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(scidb_path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        for read_only in (False, True):
            with pytest.raises(DatabaseLockedError) as err:
                configure_database(scidb_path, ["subject", "session"], read_only=read_only)
            message = str(err.value)
            assert f"process {holder.pid}" in message           # the cause: who holds it
            assert "one process write a file" in message
            assert "close" in message.lower() and "read_only" in message  # the remedy
            assert err.value.identifier == "scistack:db:locked"
        with pytest.raises(NotConfiguredError):
            scidb.get_database()
    finally:
        holder.kill()
        holder.wait()
    assert scidb_path.read_bytes() == before
    configure_database(scidb_path, ["subject", "session"])
    assert Trial.load(subject=1, session="pre").data == 1.0


def test_opening_one_file_read_only_and_read_write_in_one_process_is_not_called_corrupt(
    scidb_db, scidb_path
):
    Trial.save(1.0, subject=1, session="pre")
    with pytest.raises(scidb.DatabaseError) as err:
        scidb.Database(str(scidb_path), ["subject", "session"], read_only=True)
    assert not isinstance(err.value, NotADatabaseError)
    assert "backup" not in str(err.value)
    assert Trial.load(subject=1, session="pre").data == 1.0


def test_two_database_objects_on_one_file_never_duplicate_a_version(scidb_db, scidb_path):
    """A second open of the current file (e.g. configure_database of it after switching to
    another database) must be refused or must see the first one's saves."""
    Trial.save(1.0, subject=1, session="pre")
    try:
        second = scidb.Database(str(scidb_path), ["subject", "session"])
    except scidb.DatabaseError:
        return  # refused: fine
    try:
        Trial.save(2.0, subject=1, session="pre", db=second)
        Trial.save(3.0, subject=1, session="pre", db=scidb_db)
        versions = scidb_db.con.execute(
            "SELECT version FROM _records WHERE variable = 'Trial' ORDER BY version").fetchall()
        assert versions == [(1,), (2,), (3,)]
        assert Trial.load(subject=1, session="pre", db=scidb_db).data == 3.0
        assert Trial.load(subject=1, session="pre", db=second).data == 3.0
    finally:
        second.close()


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, not a database\n" * 100, os.urandom(16384)],
    ids=["empty", "text", "random"],
)
def test_a_file_that_is_not_duckdb_is_refused_and_left_alone(tmp_path, scidb_unconfigured, content):
    path = tmp_path / "data.duckdb"
    path.write_bytes(content)
    with pytest.raises(NotADatabaseError) as err:
        configure_database(path, ["subject"])
    assert "data.duckdb" in str(err.value)
    assert err.value.identifier == "scistack:db:notADatabase"
    assert path.read_bytes() == content
    with pytest.raises(NotConfiguredError):
        scidb.get_database()


def test_a_duckdb_file_of_another_application_is_refused_and_left_alone(
    tmp_path, scidb_unconfigured
):
    path = tmp_path / "theirs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE measurements (x INTEGER)")
    con.execute("INSERT INTO measurements VALUES (1)")
    con.close()
    before = path.read_bytes()
    with pytest.raises(NotADatabaseError, match="not a SciStack database"):
        configure_database(path, ["subject"])
    assert path.read_bytes() == before


def _saved_file(path):
    with configure_database(path, ["subject"]):
        for subject in range(100):
            Trial.save(np.random.default_rng(subject).standard_normal(2000), subject=subject)
    return path.read_bytes()


def test_a_truncated_database_file_is_not_a_database(tmp_path, scidb_unconfigured):
    path = tmp_path / "cut.duckdb"
    data = _saved_file(path)
    path.write_bytes(data[:5000])
    with pytest.raises(NotADatabaseError):
        configure_database(path, ["subject"])


def test_a_database_file_with_corrupt_blocks_is_not_reported_as_locked(
    tmp_path, scidb_unconfigured
):
    path = tmp_path / "corrupt.duckdb"
    data = bytearray(_saved_file(path))
    for offset in range(12288, len(data), 4096):  # damage every block after the headers
        data[offset + 100:offset + 200] = bytes(100)
    path.write_bytes(bytes(data))
    with pytest.raises(scidb.ScistackError) as err:
        configure_database(path, ["subject"])
        Trial.load(subject=5)
    assert not isinstance(err.value, DatabaseLockedError)
    assert isinstance(err.value, NotADatabaseError)
    assert "corrupt" in str(err.value).lower() or "backup" in str(err.value)


# ------------------------------------------------------------------ a process killed mid-for_each

_KILLED_RUN = textwrap.dedent("""
    import sys, time
    import scidb
    from scidb import BaseVariable, configure_database, for_each

    class Source(BaseVariable):
        pass

    class Result(BaseVariable):
        pass

    def slow_double(value, index):
        print(index, flush=True)
        time.sleep(0.01)
        return value * 2

    configure_database(sys.argv[1], ["subject"])
    for_each(slow_double, inputs={"value": Source, "index": -1}, outputs=[Result],
             subject=range(200), batch_size=10)
    print("finished", flush=True)
""")


def test_a_process_killed_mid_for_each_leaves_committed_batches_and_a_rerun_completes(
    tmp_path, scidb_unconfigured
):
    class Source(BaseVariable):
        pass

    class Result(BaseVariable):
        pass

    path = tmp_path / "killed.duckdb"
    with configure_database(path, ["subject"]):
        Source.save_from_dataframe(
            pd.DataFrame({"subject": range(200), "v": [np.full(50, float(i)) for i in range(200)]}),
            "v", ["subject"])

    child = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        calls = 0
        deadline = time.monotonic() + 30
        # the 36th call belongs to the 4th batch: batches 1-3 have been committed
        while calls < 36 and time.monotonic() < deadline:
            line = child.stdout.readline()
            assert line, "the child ended before it was killed"
            calls += 1
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    db = configure_database(path, ["subject"])  # opens cleanly
    (run_status,), = db.con.execute("SELECT status FROM _runs").fetchall()
    assert run_status == "running"  # visibly unfinished
    done = db.con.execute(
        "SELECT metadata FROM _run_combos WHERE status = 'done'").fetchall()
    saved = list(Result.load_all())
    assert len(saved) >= 30
    assert len(saved) % 10 == 0          # whole batches only
    assert len(saved) == len(done)       # outputs and log rows committed together
    assert len(saved) < 200
    for record in saved:
        np.testing.assert_array_equal(record.data, np.full(50, 2.0 * record.metadata["subject"]))

    # another function (this lambda) would record other provenance, so a new version of
    # each committed result: continue where the run stopped instead
    result = scidb.for_each(lambda value, index: value * 2, inputs={"value": Source, "index": -1},
                            outputs=[Result], subject=range(200), batch_size=10,
                            skip_existing=True)
    assert (result["status"] == "cached").sum() == len(saved)
    assert (result["status"] == "done").sum() == 200 - len(saved)
    final = list(Result.load_all())
    assert len(final) == 200
    assert all(r.version == 1 for r in final)
    for record in final:
        np.testing.assert_array_equal(record.data, np.full(50, 2.0 * record.metadata["subject"]))
    scidb.close()
