"""Faults of the file itself: a full disk (a real size-limited tmpfs), a truncated file and
flipped bytes (real damage to a real file). Each is a SciStack error naming the file, what
happened and what to do; earlier data stays intact, and after a full disk the database
object recovers once space is freed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import scidb
from scidb import BaseVariable
from scistack_engine.errors import DatabaseDamagedError, DiskFullError, NotADatabaseError
from scistack_engine.store import SaveItem

KEYS = ["subject"]


class Trace(BaseVariable):
    pass


class Note(BaseVariable):
    pass


@pytest.fixture
def small_disk(tmp_path):
    """A real 6 MB tmpfs file system (needs root, as in CI)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root and mount rights needed): "
                    f"{done.stderr.strip()}")
    yield mount
    scidb.close()
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _fill(folder: Path, leave: int) -> Path:
    """Fill the file system holding ``folder`` up to ``leave`` free bytes."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 65536)
        except OSError:
            pass
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - leave))
    return filler


def _check_full_error(err: DiskFullError, path: Path) -> None:
    message = str(err)
    assert str(path) in message and "full" in message
    assert "Free space" in message and "intact" in message
    assert err.identifier == "scistack:db:diskFull"


def test_a_full_disk_is_a_clear_error_and_the_database_recovers(small_disk, scidb_unconfigured):
    path = small_disk / "study.duckdb"
    db = scidb.configure_database(path, KEYS)
    kept = {i: np.random.default_rng(i).random(500) for i in range(5)}
    for i, value in kept.items():
        Trace.save(value, subject=i)
    filler = _fill(small_disk, leave=200_000)
    with pytest.raises(DiskFullError) as err:
        for i in range(100, 200):  # fills what is left, then fails
            Trace.save(np.random.default_rng(i).random(20_000), subject=i)
    _check_full_error(err.value, path)
    failed = i
    for i, value in kept.items():  # earlier data is intact and still loads
        assert np.array_equal(Trace.load(subject=i).data, value)
    filler.unlink()
    Trace.save(np.ones(3), subject=failed)  # the same object saves again
    Note.save("after", subject=1)
    scidb.close(db)
    db = scidb.configure_database(path, KEYS)
    assert np.array_equal(Trace.load(subject=failed).data, np.ones(3))
    assert all(np.array_equal(Trace.load(subject=i).data, v) for i, v in kept.items())
    assert Note.load(subject=1).data == "after"


def test_a_checkpoint_on_a_full_disk_does_not_break_the_database_object(small_disk,
                                                                         scidb_unconfigured):
    """DuckDB invalidates a database whose checkpoint fails; the object opens it again."""
    path = small_disk / "study.duckdb"
    db = scidb.configure_database(path, KEYS)
    for i in range(5):
        Trace.save(np.full(2000, float(i)), subject=i)
    filler = _fill(small_disk, leave=4096)
    with pytest.raises(Exception, match="No space left"):
        db.con.execute("CHECKPOINT")  # your own SQL: DuckDB's error, and it gives up
    with pytest.raises(DiskFullError) as err:
        Trace.save(np.ones(10), subject=99)
    _check_full_error(err.value, path)
    assert Trace.load(subject=3).data[0] == 3.0  # the reopened file reads
    filler.unlink()
    Trace.save(np.ones(10), subject=99)
    scidb.close(db)
    db = scidb.configure_database(path, KEYS)
    assert sorted(r.metadata["subject"] for r in Trace.load_all()) == [0, 1, 2, 3, 4, 99]


# ------------------------------------------------------------------ damaged files


@pytest.fixture(scope="module")
def good_file(tmp_path_factory):
    """A closed database of about 2 MB: arrays, text and dicts."""
    path = tmp_path_factory.mktemp("good") / "study.duckdb"
    db = scidb.Database(str(path), KEYS)
    rng = np.random.default_rng(1)
    db.save_batch([SaveItem("Trace", {"subject": i}, rng.random(2000))
                   for i in range(100)])
    db.save_batch([SaveItem("Note", {"subject": i}, {"n": i}) for i in range(100)])
    db.close()
    return path


def _damaged_copy(good: Path, tmp_path: Path, damage) -> Path:
    path = tmp_path / "copy.duckdb"
    shutil.copy(good, path)
    damage(path)
    return path


def _flip(path: Path, at: int) -> None:
    with open(path, "r+b") as f:
        f.seek(at)
        byte = f.read(1)
        f.seek(at)
        f.write(bytes([byte[0] ^ 0xFF]))


def _read_all(path: Path) -> None:
    db = scidb.Database(str(path), KEYS)
    try:
        db.fetch_values(db.select("Trace", {}))
        db.fetch_values(db.select("Note", {}))
    finally:
        db.close()


@pytest.mark.parametrize("keep", [0.5, 0.1, 5000])
def test_a_truncated_file_is_reported_as_damaged(good_file, tmp_path, keep):
    size = good_file.stat().st_size
    cut = int(size * keep) if keep < 1 else keep
    path = _damaged_copy(good_file, tmp_path, lambda p: os.truncate(p, cut))
    with pytest.raises(DatabaseDamagedError) as err:
        _read_all(path)
    assert str(path) in str(err.value) and "Restore the file from a copy" in str(err.value)
    assert "shorter than its contents" in str(err.value)
    assert isinstance(err.value, NotADatabaseError)  # (what callers caught before)


def test_a_flipped_byte_in_the_header_is_reported_at_open(good_file, tmp_path):
    path = _damaged_copy(good_file, tmp_path, lambda p: _flip(p, 100))
    with pytest.raises(DatabaseDamagedError, match="fails its checksum.*Restore the file"):
        scidb.Database(str(path), KEYS)


@pytest.mark.slow
def test_a_flipped_byte_anywhere_is_reported_at_open_or_at_the_load(good_file, tmp_path):
    block = 262144  # DuckDB's block size: one flip in each block of the file in turn
    at_load = at_open = 0
    for at in range(block + 1000, good_file.stat().st_size, block):
        path = _damaged_copy(good_file, tmp_path, lambda p, at=at: _flip(p, at))
        try:
            db = scidb.Database(str(path), KEYS)
        except DatabaseDamagedError:
            at_open += 1
            continue
        try:
            db.fetch_values(db.select("Trace", {}))
            db.fetch_values(db.select("Note", {}))
        except DatabaseDamagedError as exc:
            assert str(path) in str(exc)
            at_load += 1
        finally:
            db.close()
    assert at_load >= 1, (at_open, at_load)
