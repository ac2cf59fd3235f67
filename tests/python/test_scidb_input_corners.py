"""Bad-input corners that must be clear SciStack errors naming the variable and metadata:
a lone surrogate in text, values nested too deeply, a local time that does not exist, a
missing folder and a read-only file system."""

from __future__ import annotations

import datetime as dt
import subprocess
import zoneinfo

import pytest

import scidb
from scidb import (
    BaseVariable,
    DatabaseIOError,
    MetadataError,
    UnsupportedValueError,
    configure_database,
)
from scistack_engine.codec import MAX_DEPTH, decode, encode


class Label(BaseVariable):
    pass


def _nested(depth: int):
    value = None
    for _ in range(depth):
        value = [value]
    return value


def test_a_lone_surrogate_in_a_value_is_refused_naming_the_variable(scidb_db):
    with pytest.raises(UnsupportedValueError, match=r"Label at subject=1, session='pre'.*"
                       r"lone surrogate '\\ud800' at position 4"):
        Label.save("left\ud800hand", subject=1, session="pre")
    with pytest.raises(UnsupportedValueError, match="lone surrogate"):
        Label.save({"note": ["ok", "bad\udcff"]}, subject=1, session="pre")
    assert scidb_db.variables() == []  # nothing written


def test_a_lone_surrogate_in_metadata_is_refused_naming_the_key(scidb_db):
    with pytest.raises(MetadataError, match=r"metadata session='pre\\udc80'.*lone surrogate"):
        Label.save("x", subject=1, session="pre\udc80")


def test_nesting_up_to_the_limit_round_trips_and_deeper_is_refused(scidb_db):
    deepest = _nested(MAX_DEPTH)
    Label.save(deepest, subject=1, session="pre")
    assert Label.load(subject=1, session="pre").data == deepest
    assert decode(encode({"a": _nested(MAX_DEPTH - 1)})) == {"a": _nested(MAX_DEPTH - 1)}
    for depth in (MAX_DEPTH + 1, 900, 5000):
        with pytest.raises(UnsupportedValueError, match=r"Label at subject=2.*nested more "
                           rf"than {MAX_DEPTH} levels"):
            Label.save(_nested(depth), subject=2, session="pre")
    with pytest.raises(UnsupportedValueError, match="nested more than"):
        encode({"k": {"k": _nested(MAX_DEPTH)}})


def test_a_local_time_inside_a_dst_gap_is_refused_not_shifted(scidb_db):
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    gap = dt.datetime(2021, 3, 28, 2, 30, tzinfo=berlin)  # clocks go 02:00 -> 03:00
    with pytest.raises(UnsupportedValueError, match=r"2021-03-28 02:30:00 in Europe/Berlin.*"
                       r"does not exist.*would load as 2021-03-28 03:30:00"):
        Label.save(gap, subject=1, session="pre")
    # the hour before and after the gap, and both readings of the repeated autumn hour
    for value in (dt.datetime(2021, 3, 28, 1, 59, tzinfo=berlin),
                  dt.datetime(2021, 3, 28, 3, 0, tzinfo=berlin),
                  dt.datetime(2021, 10, 31, 2, 30, tzinfo=berlin),
                  dt.datetime(2021, 10, 31, 2, 30, fold=1, tzinfo=berlin)):
        Label.save(value, subject=2, session=str(value.fold) + value.isoformat())
        loaded = Label.load(subject=2, session=str(value.fold) + value.isoformat()).data
        assert loaded == value and loaded.utcoffset() == value.utcoffset()


def test_a_missing_folder_is_named_as_such(tmp_path, scidb_unconfigured):
    path = tmp_path / "no" / "such" / "study.duckdb"
    with pytest.raises(DatabaseIOError, match="its folder does not exist.*create the folder"):
        configure_database(path, ["subject"])


@pytest.fixture
def read_only_disk(tmp_path):
    """A real tmpfs holding a database, remounted read-only (needs root, as in CI)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root and mount rights needed): "
                    f"{done.stderr.strip()}")
    try:
        db = configure_database(mount / "study.duckdb", ["subject"])
        Label.save("kept", subject=1)
        scidb.close(db)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount
    finally:
        scidb.close()
        subprocess.run(["umount", "-l", str(mount)], check=True)


def test_a_read_only_file_system_is_named_as_such(read_only_disk, scidb_unconfigured):
    for name in ("study.duckdb", "new.duckdb"):
        with pytest.raises(DatabaseIOError, match="read-only file system.*read_only=True"):
            configure_database(read_only_disk / name, ["subject"])
    db = configure_database(read_only_disk / "study.duckdb", ["subject"], read_only=True)
    assert Label.load(subject=1).data == "kept"
    scidb.close(db)
