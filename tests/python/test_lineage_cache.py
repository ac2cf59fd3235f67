"""The lineage cache tables in one process: what is kept, when it is written, each value once,
pruning, read-only files, and the footprint ``scistack info`` shows.

The database is closed and configured again (``reopen``) where a test needs a store whose
in-memory layer is empty, so that a hit can only come from the file.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import scidb
from scidb import BaseVariable, configure_database
from scilineage import lineage_fcn
from scistack_engine import cache_store
from scistack_engine.codec import encode
from scistack_engine.errors import ReadOnlyError
from scistack_engine.hashing import content_hash
from scistack_engine.lineage_cache import footprint

SCHEMA = ["subject"]


class CacheRaw(BaseVariable):
    pass


class CacheOut(BaseVariable):
    pass


class Calls:
    """Counts calls without entering the counted function's fingerprint."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, name: str) -> None:
        self.names.append(name)

    def __scistack_fingerprint__(self) -> str:
        return "lineage-cache-test-counter"


def reopen(path) -> scidb.Database:
    scidb.close()
    return configure_database(path, SCHEMA)


def rows(db, sql: str) -> list[tuple]:
    return db.cx.execute(sql).fetchall()


@pytest.fixture
def counted():
    calls = Calls()

    @lineage_fcn
    def scale(signal, factor):
        calls("scale")
        return signal * factor

    @lineage_fcn
    def peak(signal):
        calls("peak")
        return float(np.max(signal))

    return calls, scale, peak


def test_a_saved_output_is_not_stored_twice(scidb_path, scidb_unconfigured, counted):
    calls, scale, peak = counted
    configure_database(scidb_path, SCHEMA)
    CacheRaw.save(np.arange(6.0), subject=1)
    scaled = scale(CacheRaw.load(subject=1), factor=2)
    CacheOut.save(peak(scaled), subject=1)
    db = reopen(scidb_path)
    (record,) = db.select("CacheOut", {"subject": 1})
    assert rows(db, "SELECT function_name, record_id IS NULL FROM _lineage_cache "
                    "ORDER BY function_name") == [("peak", False), ("scale", True)]
    assert rows(db, "SELECT record_id FROM _lineage_cache WHERE function_name = 'peak'") == [
        (record.record_id,)]
    assert rows(db, "SELECT content_hash FROM _lineage_values") == [(content_hash(scaled.data),)]
    assert peak(scale(CacheRaw.load(subject=1), factor=2)).data == 10.0
    assert calls.names == ["scale", "peak"]


def test_calls_are_written_in_batches_while_the_file_is_open(scidb_db, counted):
    calls, scale, _ = counted
    CacheRaw.save(np.arange(3.0), subject=1)
    raw = CacheRaw.load(subject=1)
    for factor in range(cache_store.WRITE_EVERY - 1):
        scale(raw, factor=factor)
    assert footprint(scidb_db)["calls"] == 0, "fewer calls than a batch: nothing written yet"
    scale(raw, factor=-1.0)
    assert footprint(scidb_db)["calls"] == cache_store.WRITE_EVERY
    assert len(calls.names) == cache_store.WRITE_EVERY


def test_closing_the_database_object_writes_the_kept_calls(scidb_path, scidb_unconfigured, counted):
    calls, scale, _ = counted
    db = configure_database(scidb_path, SCHEMA)
    CacheRaw.save(np.arange(3.0), subject=1)
    scale(CacheRaw.load(subject=1), factor=3)
    db.close()  # the engine's close, not scidb.close
    db = reopen(scidb_path)
    assert footprint(db)["calls"] == 1
    scale(CacheRaw.load(subject=1), factor=3)
    assert calls.names == ["scale"]


def test_another_database_becoming_current_writes_the_first_ones_calls(tmp_path, scidb_unconfigured,
                                                                       counted):
    _, scale, _ = counted
    first = configure_database(tmp_path / "a.duckdb", SCHEMA)
    scale(np.arange(3.0), factor=4)
    configure_database(tmp_path / "b.duckdb", SCHEMA)
    assert footprint(first)["calls"] == 1
    scidb.close(first)


def test_recompute_replaces_the_kept_call(scidb_path, scidb_unconfigured):
    runs = Calls()

    @lineage_fcn
    def noisy(n):
        runs("noisy")
        return float(len(runs.names))  # another value on every run

    configure_database(scidb_path, SCHEMA)
    assert noisy(5).data == 1.0
    assert noisy.recompute(5).data == 2.0
    reopen(scidb_path)
    assert noisy(5).data == 2.0
    assert runs.names == ["noisy", "noisy"]
    assert footprint(scidb.get_database())["outputs"] == 1


def test_outputs_outside_the_value_model_stay_in_memory(scidb_path, scidb_unconfigured):
    runs = Calls()

    class Opaque:
        pass

    @lineage_fcn
    def make(n):
        runs("make")
        return Opaque()

    configure_database(scidb_path, SCHEMA)
    make(1)
    make(1)
    assert runs.names == ["make"], "a hit from memory"
    db = reopen(scidb_path)
    assert footprint(db)["calls"] == 0
    make(1)
    assert runs.names == ["make", "make"]


def test_a_read_only_file_answers_from_the_cache_and_keeps_nothing(scidb_path, scidb_unconfigured,
                                                                  counted):
    calls, scale, _ = counted
    configure_database(scidb_path, SCHEMA)
    CacheRaw.save(np.arange(3.0), subject=1)
    scale(CacheRaw.load(subject=1), factor=2)
    scidb.close()
    db = configure_database(scidb_path, SCHEMA, read_only=True)
    np.testing.assert_array_equal(scale(CacheRaw.load(subject=1), factor=2).data, [0.0, 2.0, 4.0])
    scale(CacheRaw.load(subject=1), factor=7)
    assert calls.names == ["scale", "scale"]
    with pytest.raises(ReadOnlyError, match="read-only"):
        db.prune_lineage_cache()
    scidb.close()
    assert footprint(configure_database(scidb_path, SCHEMA))["calls"] == 1


def test_prune_keeps_upstream_steps_of_saved_records_and_reads_later_saves_from_records(
        scidb_path, scidb_unconfigured, counted):
    calls, scale, peak = counted
    configure_database(scidb_path, SCHEMA)
    CacheRaw.save(np.arange(4.0), subject=1)
    raw = CacheRaw.load(subject=1)
    scaled = scale(raw, factor=2)        # upstream of the saved peak: kept
    CacheOut.save(peak(scaled), subject=1)
    side = scale(raw, factor=9)          # named by no record: dropped
    db = reopen(scidb_path)
    # saved after its call was written: the value sits in the cache and in a record
    CacheOut.save(side, subject=2)
    before = footprint(db)
    assert (before["calls"], before["values"]) == (3, 2)
    dropped = db.prune_lineage_cache()
    assert dropped["dropped_calls"] == 0, "every call is named by a saved record now"
    assert dropped["dropped_values"] == 1 and dropped["freed_bytes"] > 0
    after = footprint(db)
    assert (after["calls"], after["outputs_in_records"], after["values"]) == (3, 2, 1)

    db = reopen(scidb_path)
    np.testing.assert_array_equal(scale(CacheRaw.load(subject=1), factor=9).data, side.data)
    assert calls.names == ["scale", "peak", "scale"], "both answered after the prune"

    scale(CacheRaw.load(subject=1), factor=5)   # unsaved
    db = reopen(scidb_path)
    assert db.prune_lineage_cache()["dropped_calls"] == 1
    db = reopen(scidb_path)
    scale(CacheRaw.load(subject=1), factor=5)
    assert calls.names[-1] == "scale" and len(calls.names) == 5


def test_scistack_info_shows_the_footprint(scidb_path, scidb_unconfigured, counted):
    _, scale, peak = counted
    configure_database(scidb_path, SCHEMA)
    CacheRaw.save(np.arange(4.0), subject=1)
    CacheOut.save(peak(scale(CacheRaw.load(subject=1), factor=2)), subject=1)
    scidb.close()
    shown = subprocess.run([sys.executable, "-m", "scistack_engine", "info", str(scidb_path)],
                           capture_output=True, text=True, check=True, timeout=60).stdout
    size = len(encode(np.arange(4.0) * 2))  # the scaled signal, held by the cache alone
    assert ("lineage cache: 2 calls, 2 outputs (1 in saved records); held only by the "
            f"cache: 1 value, {size} B") in shown
