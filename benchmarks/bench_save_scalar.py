"""Single ``save`` of a scalar: 10,000 records, one call each; median and p95 per call.

Floor: one autocommit single-row parameterised ``INSERT`` into a plain DuckDB table with a
primary key (the least a durable one-record save can cost), measured the same way.

    python benchmarks/bench_save_scalar.py [--quick]   (--quick: 2,000 records)
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "single save of a scalar, one call per record"
N = 10_000
N_QUICK = 2_000
WARMUP = 200


def engine_times(n: int, directory) -> list[float]:
    with bc.fresh_database(directory):
        warm = bc.new_variable("WarmUpScalar")
        for i in range(WARMUP):
            warm.save(float(i), **bc.address(i))
        var = bc.new_variable("ScalarValue")
        times = []
        perf = time.perf_counter
        for i in range(n):
            meta = bc.address(i)
            value = i * 0.5
            start = perf()
            var.save(value, **meta)
            times.append(perf() - start)
    return times


def floor_times(n: int, directory) -> list[float]:
    import duckdb

    con = duckdb.connect(str(directory / "raw.duckdb"))
    con.execute("CREATE TABLE t (id VARCHAR PRIMARY KEY, subject BIGINT, trial BIGINT, "
                "value DOUBLE)")
    sql = "INSERT INTO t VALUES (?, ?, ?, ?)"
    for i in range(WARMUP):
        con.execute(sql, [f"w{i}", -1, i, 0.0])
    times = []
    perf = time.perf_counter
    for i in range(n):
        params = [f"r{i}", i // 100, i % 100, i * 0.5]
        start = perf()
        con.execute(sql, params)
        times.append(perf() - start)
    con.close()
    return times


def run(quick: bool = False) -> list[bc.Figure]:
    n = N_QUICK if quick else N
    with bc.temp_dir() as directory:
        times = engine_times(n, directory)
        floor = floor_times(n, directory)
    ms = 1e3
    label = "autocommit single-row parameterised INSERT (table with a primary key)"
    workload = f"save scalar ×{n:,}"
    return [
        bc.Figure(workload, "median per call", bc.median(times) * ms, "ms", target=1.5,
                  reference=12.7, floor=bc.median(floor) * ms, floor_label=label),
        bc.Figure(workload, "p95 per call", bc.percentile(times, 95) * ms, "ms",
                  floor=bc.percentile(floor, 95) * ms, floor_label=label),
        bc.Figure(workload, "total", sum(times), "s", floor=sum(floor),
                  note="total of the timed calls (the first save of the variable also "
                       "creates its view)"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
