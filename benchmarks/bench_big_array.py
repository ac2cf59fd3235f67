"""Peak memory of saving and loading one big float64 array, as a multiple of its size.

One array of 600 MB (``--quick``: 200 MB) is saved with one ``save`` into a fresh file
database, loaded back with ``load`` in the same process and in a new one (as a later
session does), and returned by the function of a one-combination ``for_each``, which
saves it (in a process of its own: the memory the save and the load left to DuckDB and
to the allocator would otherwise be reused), and saved with one ``save`` inside
``db.transaction()`` (likewise in a process of its own); each figure is the
growth of the process's peak RSS over the call (:class:`bench_common.PeakRss`, which
counts DuckDB's own memory), divided by the array's size. The array itself is not
counted in the save and the for_each (it exists before) and is counted in the load (it
is the result).

Floors (a plain DuckDB file in the same process, the same array, one statement each):

* a ``DOUBLE[]`` column filled from a one-row Arrow table (how the engine stores arrays);
* a ``BLOB`` column filled with the array's bytes as a parameter (no copy on the Python
  side: a memoryview of the array).

What DuckDB itself needs for one insert of the value is the floor: SciStack's figure
minus the floor is what the engine adds.

    python benchmarks/bench_big_array.py [--quick]
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "one big float64 array: peak memory of save and load"


def _floor(directory, values, column: str) -> float:
    """Peak RSS growth of one insert of ``values`` into a raw ``column`` table."""
    import duckdb
    import pyarrow as pa

    from scistack_engine.connection import STORAGE_COMPATIBILITY

    con = duckdb.connect(str(directory / f"raw_{column[:4].lower()}.duckdb"),
                         config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
    con.execute(f"CREATE TABLE t (id BIGINT, v {column})")
    if column == "BLOB":
        data = memoryview(values).cast("B")
        with bc.PeakRss() as rss:
            con.execute("INSERT INTO t VALUES (1, ?)", [data])
    else:
        offsets = pa.array([0, len(values)], pa.int64())
        table = pa.table({"id": pa.array([1], pa.int64()),
                          "v": pa.LargeListArray.from_arrays(offsets, pa.array(values))})
        with bc.PeakRss() as rss:
            con.from_arrow(table).insert_into("t")
    con.close()
    return rss.growth


def _child_growth(directory, size_mb: int, how: str) -> int:
    """Peak RSS growth of saving an array of ``size_mb`` MB made before, measured in a new
    process (:func:`_save_child`): ``how`` is ``for-each`` or ``transaction``."""
    done = subprocess.run([sys.executable, __file__, f"--{how}-child", str(size_mb),
                           str(directory / f"{how}.duckdb")],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def _save_child(size_mb: int, path: str, how: str) -> int:
    """The growth of a one-combination for_each whose function returns the array
    (``how``: ``for-each``), or of one ``save`` of it inside ``db.transaction()``, up to
    and with the COMMIT (``transaction``)."""
    import numpy as np

    import scidb

    values = np.random.default_rng(0).standard_normal(int(size_mb * bc.MB) // 8)
    db = scidb.configure_database(path, ["subject", "trial"])
    seed, out = bc.new_variable("Seed"), bc.new_variable("BigArray")
    seed.save(0.0, subject=0, trial=0)
    out.save(np.zeros(3), subject=0, trial=0)  # the variable exists: no first-save cost
    gc.collect()
    with bc.PeakRss() as saving:
        if how == "for-each":
            scidb.for_each(lambda x: values, inputs={"x": seed}, outputs=[out],
                           subject=[0], trial=[0])
        else:
            with db.transaction():
                out.save(values, subject=1, trial=1)
    assert saving.growth is not None, "peak RSS cannot be measured here"
    return saving.growth


def _load_growth(path: str) -> int:
    """Peak RSS growth of loading the big array of the file at ``path`` in a new process
    (:func:`_load_child`)."""
    done = subprocess.run([sys.executable, __file__, "--load-child", path],
                          capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1])


def _load_child(path: str) -> int:
    import scidb

    scidb.configure_database(path, ["subject", "trial"])
    var = bc.new_variable("BigArray")
    var.load(subject=0, trial=0)  # the index and the first load's costs come before
    gc.collect()
    with bc.PeakRss() as loading:
        loaded = var.load(subject=1, trial=1).data
    assert loading.growth is not None and loaded.size, "peak RSS cannot be measured here"
    return loading.growth


def run(quick: bool = False) -> list[bc.Figure]:
    import numpy as np

    size_mb = 200 if quick else 600
    values = np.random.default_rng(0).standard_normal(int(size_mb * bc.MB) // 8)
    with bc.temp_dir() as directory:
        with bc.fresh_database(directory) as db:
            var = bc.new_variable("BigArray")
            var.save(np.zeros(3), subject=0, trial=0)  # the variable exists: no first-save cost
            gc.collect()
            with bc.PeakRss() as saving:
                var.save(values, subject=1, trial=1)
            db.con.execute("CHECKPOINT")
            gc.collect()
            with bc.PeakRss() as loading:
                loaded = var.load(subject=1, trial=1).data
            assert np.array_equal(loaded, values)
            del loaded
            path = db.path
        gc.collect()
        loading_anew = _load_growth(path)
        list_floor = _floor(directory, values, "DOUBLE[]")
        blob_floor = _floor(directory, values, "BLOB")
        del values
        gc.collect()
        batch = _child_growth(directory, size_mb, "for-each")
        in_transaction = _child_growth(directory, size_mb, "transaction")
    if saving.growth is None:
        print("peak RSS cannot be measured here (no /proc/self/clear_refs)")
        return []
    payload = size_mb * bc.MB
    workload = f"one {size_mb} MB float64 array"
    return [
        bc.Figure(workload, "save: peak RSS growth / array size", saving.growth / payload,
                  "×", target=2.0, floor=list_floor / payload,
                  floor_label="one INSERT of the array into DOUBLE[] from a one-row Arrow table",
                  note=f"BLOB floor (one INSERT of the bytes): {blob_floor / payload:.2f} ×"),
        bc.Figure(workload, "load in a new process: peak RSS growth / array size",
                  loading_anew / payload, "×", target=2.0),
        bc.Figure(workload, "load where it was saved: peak RSS growth / array size",
                  loading.growth / payload, "×", target=2.0),
        bc.Figure(workload, "for_each returning it: peak RSS growth / array size",
                  batch / payload, "×", target=2.0),
        bc.Figure(workload, "save in db.transaction(): peak RSS growth / array size",
                  in_transaction / payload, "×", target=2.0),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] in (["--for-each-child"], ["--transaction-child"]):
        print(_save_child(int(sys.argv[2]), sys.argv[3], sys.argv[1][2:-len("-child")]))
    elif sys.argv[1:2] == ["--load-child"]:
        print(_load_child(sys.argv[2]))
    else:
        bc.main(TITLE, run)
