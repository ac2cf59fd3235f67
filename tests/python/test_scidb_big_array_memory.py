"""Saving one big array grows the peak memory by less than twice its size, also when
its log outgrows DuckDB's checkpoint threshold; loading it back (in a new process) holds
it once, plus the blocks DuckDB keeps cached.

Each measurement runs in a fresh process and reads that process's peak RSS: SciStack's
``save`` of a 160 MB float64 array against the cheapest raw DuckDB insert of the same
array into a ``DOUBLE[]`` column (one Arrow row), printed beside it when the bound fails;
the save of a 600 MB array (longer than two checkpoint thresholds); the load of the
160 MB array.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow  # two processes that each allocate ~1 GB

_SIZE = 160_000_000  # bytes of the array

_MEASURE = r"""
import gc, os, resource, sys
import numpy as np
path, how, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
if how != "scistack-load":  # (made before the peak is read: the load must not see it)
    values = np.random.default_rng(0).standard_normal(size // 8)
if how.startswith("scistack"):
    import scidb
    db = scidb.configure_database(path, ["subject"])
    class Big(scidb.BaseVariable):
        pass
    if how == "scistack":
        Big.save(np.zeros(3), subject="warm-up")
        save = lambda: Big.save(values, subject="big")
    else:  # the array the other process saved, loaded back
        Big.load(subject="warm-up")
        save = lambda: Big.load(subject="big").data
else:
    import duckdb, pyarrow as pa
    from scistack_engine.connection import STORAGE_COMPATIBILITY
    con = duckdb.connect(path, config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
    con.execute("CREATE TABLE t (id BIGINT, v DOUBLE[])")
    table = pa.table({"id": pa.array([1], pa.int64()), "v": pa.LargeListArray.from_arrays(
        pa.array([0, len(values)], pa.int64()), pa.array(values))})
    save = lambda: con.from_arrow(table).insert_into("t")
gc.collect()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
save()
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


def _peak_growth(tmp_path, how: str, file: str | None = None, size: int = _SIZE) -> int:
    done = subprocess.run([sys.executable, "-c", _MEASURE,
                           str(tmp_path / f"{file or how}.duckdb"), how, str(size)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def test_saving_a_big_array_makes_no_copies_beyond_duckdbs_insert(tmp_path):
    duckdb_needs = _peak_growth(tmp_path, "duckdb")
    scistack_needs = _peak_growth(tmp_path, "scistack")
    # DuckDB's one insert of the whole value grows the peak by 4-6x the array; the engine
    # commits a big array in 4 MB pieces ahead of its record, measured at 1.2-1.3x (the
    # hash streams, the pieces are views of the array). One insert of the whole value, as
    # in storage format 2, measured 5.0x.
    assert scistack_needs < 2.0 * _SIZE, (
        f"save of a {_SIZE / 1e6:.0f} MB array grew the peak RSS by "
        f"{scistack_needs / _SIZE:.2f}× its size; DuckDB's insert alone: "
        f"{duckdb_needs / _SIZE:.2f}×")


def test_saving_an_array_longer_than_the_checkpoint_threshold_writes_it_once(tmp_path):
    size = 600_000_000  # > 2 x connection.CHECKPOINT_THRESHOLD_BYTES
    needs = _peak_growth(tmp_path, "scistack", size=size)
    # no checkpoint among the pieces: measured 1.20-1.28x; a checkpoint at 512 MB of log,
    # re-writing the pieces the one at 256 MB wrote, measured 1.85-1.95x
    assert needs < 1.6 * size, (
        f"save of a {size / 1e6:.0f} MB array grew the peak RSS by {needs / size:.2f}× its "
        "size")


def test_loading_a_big_array_reads_its_pieces_into_one_array(tmp_path):
    _peak_growth(tmp_path, "scistack")
    needs = _peak_growth(tmp_path, "scistack-load", file="scistack")
    # the result itself is 1x, plus a few pieces in flight and the blocks DuckDB keeps
    # cached: measured 2.3x (2.1x at 600 MB); one query of every piece (DuckDB copies
    # all of them before handing over the first) measured 3.2x (3.1x at 600 MB)
    assert needs < 2.7 * _SIZE, (
        f"load of a {_SIZE / 1e6:.0f} MB array grew the peak RSS by {needs / _SIZE:.2f}× "
        "its size")
