"""``load`` of one record by its full metadata from a 10,000-record database (median).

The database is built with ``save_from_dataframe``, closed, and reopened, so the loads run
against the file as a later session would see it. The first load of the variable reads its
index (one query); that figure is reported on its own, then the median of 2,000 loads at
random addresses.

Floor: a raw point ``SELECT`` by primary key on the same ``_records`` table (the one query
a load needs once the record id is known), parameterised, fetched as Python values.

    python benchmarks/bench_load_one.py
"""

from __future__ import annotations

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "load one record by full metadata, 10,000-record database"
N = 10_000
LOADS = 2_000
WARMUP = 100


def run(quick: bool = False) -> list[bc.Figure]:
    from scidb import close, configure_database

    rng = random.Random(7)
    picks = [rng.randrange(N) for _ in range(LOADS + WARMUP)]
    with bc.temp_dir() as directory:
        path = str(directory / "bench.duckdb")
        var = bc.new_variable("LoadScalar")
        with bc.fresh_database(directory):
            var.save_from_dataframe(frame(N), "value", ["subject", "trial"])
        db = configure_database(path, ["subject", "trial"])
        try:
            first = bc.timed(lambda: var.load(subject=0, trial=0))
            perf = time.perf_counter
            times = []
            for k, i in enumerate(picks):
                meta = bc.address(i)
                start = perf()
                loaded = var.load(**meta)
                elapsed = perf() - start
                if k >= WARMUP:
                    times.append(elapsed)
            assert loaded.metadata == meta  # a sanity check of the workload, not of time
            ids = [r[0] for r in db.con.execute(
                "SELECT record_id FROM _records WHERE variable = 'LoadScalar'").fetchall()]
            sql = "SELECT kind, value_num FROM _records WHERE record_id = ?"
            floor = []
            for k, i in enumerate(picks):
                record_id = ids[i]
                start = perf()
                db.con.execute(sql, [record_id]).fetchall()
                elapsed = perf() - start
                if k >= WARMUP:
                    floor.append(elapsed)
        finally:
            close(db)
    ms = 1e3
    label = "parameterised point SELECT by primary key on _records, fetchall()"
    workload = f"load one of {N:,}"
    return [
        bc.Figure(workload, "median per call", bc.median(times) * ms, "ms", target=1.0,
                  reference=6.0, floor=bc.median(floor) * ms, floor_label=label),
        bc.Figure(workload, "p95 per call", bc.percentile(times, 95) * ms, "ms",
                  floor=bc.percentile(floor, 95) * ms, floor_label=label),
        bc.Figure(workload, "first load after open", first * ms, "ms",
                  note="the first load of a variable after opening also reads its index"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
