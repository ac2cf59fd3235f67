"""The same 1,000 arrays of 10,000 float64 (80 MB), one ``save`` each → MB/s, file size.

Each array is saved with its own ``save`` call (one transaction each) into a fresh file
database. After the last save the database is checkpointed (``CHECKPOINT`` through
``db.con``) and the file size is divided by the 80 MB payload.

Floors (a plain DuckDB file in the same process, one transaction per array):

* a ``DOUBLE[]`` column filled from a one-row Arrow table (how the engine stores arrays);
* a ``BLOB`` column filled with the array's raw bytes as a parameter.

    python benchmarks/bench_arrays_single.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_arrays_batch import LENGTH, N_ARRAYS, PAYLOAD_MB, arrays, arrow_table  # noqa: E402

TITLE = "1,000 arrays of 10,000 float64 (80 MB), one save each"


def floor_list(directory, values):
    """MB/s and file/payload ratio: one transaction per array into DOUBLE[] from Arrow."""
    import duckdb

    path = directory / "raw_list.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v DOUBLE[])")
    tables = [arrow_table([v], i) for i, v in enumerate(values)]  # built before timing

    def insert() -> None:
        for table in tables:
            con.execute("BEGIN")
            con.from_arrow(table).insert_into("t")
            con.execute("COMMIT")

    seconds = bc.timed(insert)
    con.execute("CHECKPOINT")
    con.close()
    return PAYLOAD_MB / seconds, bc.file_size(path) / (PAYLOAD_MB * bc.MB)


def floor_blob(directory, values):
    """MB/s and file/payload ratio: one autocommit parameterised BLOB insert per array."""
    import duckdb

    path = directory / "raw_blob.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, v BLOB)")

    def insert() -> None:
        for i, v in enumerate(values):
            con.execute("INSERT INTO t VALUES (?, ?)", [i, v.tobytes()])

    seconds = bc.timed(insert)
    con.execute("CHECKPOINT")
    con.close()
    return PAYLOAD_MB / seconds, bc.file_size(path) / (PAYLOAD_MB * bc.MB)


def run(quick: bool = False) -> list[bc.Figure]:
    values = arrays()
    with bc.temp_dir() as directory:
        with bc.fresh_database(directory) as db:
            bc.new_variable("WarmUpArray").save(arrays(1, 100, 1)[0], subject=0, trial=0)
            var = bc.new_variable("SingleArray")

            def save_all() -> None:
                for i, v in enumerate(values):
                    var.save(v, **bc.address(i))

            seconds = bc.timed(save_all)
            db.con.execute("CHECKPOINT")
            ratio = bc.file_size(directory / "bench.duckdb") / (PAYLOAD_MB * bc.MB)
        list_rate, list_ratio = floor_list(directory, values)
        blob_rate, blob_ratio = floor_blob(directory, values)
    workload = f"{N_ARRAYS:,} × {LENGTH:,} float64, one save each"
    return [
        bc.Figure(workload, "save", PAYLOAD_MB / seconds, "MB/s", better="higher", target=40,
                  reference=3.1, floor=list_rate,
                  floor_label="one transaction per array, DOUBLE[] from a one-row Arrow table",
                  note=f"BLOB floor (autocommit INSERT of the raw bytes): {blob_rate:.1f} MB/s"),
        bc.Figure(workload, "file size / payload", ratio, "×", target=1.3, reference=1.84,
                  floor=list_ratio, floor_label="the DOUBLE[] floor's file after CHECKPOINT",
                  note=f"BLOB floor file after CHECKPOINT: {blob_ratio:.2f} × payload"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
