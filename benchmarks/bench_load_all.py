"""``load_all(as_df=True)`` over 10,000 scalar records; ``load_all()`` iterated over 1,000,000.

The database is built with ``save_from_dataframe``, closed and reopened. The first call
after opening (which also reads the variable's index) is reported on its own; the figure is
the median of the following calls.

Iteration at scale (issue 14, item 16): 1,000,000 scalar records (``--quick``: 100,000),
saved in batches, then iterated with ``for item in Var.load_all()`` in a fresh process
that opens the file: records per second of wall time (target ≥ 200,000; the CPU time
of the process is printed beside it) and the growth of that process's peak RSS over the
loop.

Floor: reading the same 10,000 (subject, trial, value) rows from a plain DuckDB table into
a pandas DataFrame (``con.sql(...).df()``). For comparison the per-variable SQL view is
read the same way.

    python benchmarks/bench_load_all.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "load_all(as_df=True) over 10,000 scalar records"
N = 10_000
REPEAT = 7
SCALE_N, QUICK_SCALE_N = 1_000_000, 100_000


def iterate(path: str) -> dict[str, float]:
    """Iterate every record of ``ScaleScalar`` in this process (the file opened here)."""
    from scidb import close, configure_database

    db = configure_database(path, ["subject", "trial"])
    var = bc.new_variable("ScaleScalar")
    count = 0
    with bc.PeakRss() as rss:
        start, cpu = time.perf_counter(), time.process_time()
        for _ in var.load_all():
            count += 1
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    close(db)
    return {"count": count, "seconds": seconds, "cpu": cpu, "growth": rss.growth or 0}


def _at_scale(directory, n: int) -> list[bc.Figure]:
    path = str(directory / "scale.duckdb")
    var = bc.new_variable("ScaleScalar")
    with bc.fresh_database(directory, "scale.duckdb"):
        for offset in range(0, n, 100_000):
            var.save_from_dataframe(frame(min(100_000, n - offset), offset // 100),
                                    "value", ["subject", "trial"])
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--iterate", path],
                         capture_output=True, text=True, check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    assert m["count"] == n
    workload = f"load_all() iterated ×{n:,}"
    return [
        bc.Figure(workload, "records per second", m["count"] / m["seconds"], "records/s",
                  better="higher", target=200_000, reference=18_000,
                  note=f"{m['seconds']:.1f} s in a fresh process, {m['cpu']:.1f} s of CPU "
                       f"({m['count'] / m['cpu']:,.0f} records per CPU-second; on a loaded "
                       "machine the wall time is the larger)"),
        bc.Figure(workload, "peak RSS growth", m["growth"] / bc.MB, "MB",
                  note="the process that iterates, over the loop"),
    ]


def run(quick: bool = False) -> list[bc.Figure]:
    from scidb import close, configure_database

    with bc.temp_dir() as directory:
        path = str(directory / "bench.duckdb")
        var = bc.new_variable("AllScalar")
        df = frame(N)
        with bc.fresh_database(directory):
            var.save_from_dataframe(df, "value", ["subject", "trial"])
        db = configure_database(path, ["subject", "trial"])
        try:
            first = bc.timed(lambda: var.load_all(as_df=True))
            times = [bc.timed(lambda: var.load_all(as_df=True)) for _ in range(REPEAT)]
            result = var.load_all(as_df=True)
            assert len(result) == N and list(result.columns) == ["subject", "trial", "data"]
            db.con.register("incoming", df)
            db.con.execute("CREATE TEMP TABLE raw AS SELECT * FROM incoming")
            db.con.unregister("incoming")
            read = lambda: db.con.sql("SELECT subject, trial, value FROM raw").df()  # noqa: E731
            read()
            floor = [bc.timed(read) for _ in range(REPEAT)]
            view_sql = 'SELECT subject, trial, value FROM "AllScalar"'
            view = lambda: db.con.sql(view_sql).df()  # noqa: E731
            view()
            view_times = [bc.timed(view) for _ in range(REPEAT)]
        finally:
            close(db)
        scale = _at_scale(directory, QUICK_SCALE_N if quick else SCALE_N)
    workload = f"load_all(as_df) ×{N:,}"
    label = "SELECT of the same 10,000 rows from a plain table into pandas (.df())"
    return [
        bc.Figure(workload, "median per call", bc.median(times), "s", target=0.05,
                  reference=0.62, floor=bc.median(floor), floor_label=label),
        bc.Figure(workload, "first call after open", first, "s",
                  note="the first call after opening also reads the variable's index"),
        bc.Figure("SQL view → pandas ×10,000", "median per call", bc.median(view_times), "s",
                  floor=bc.median(floor), floor_label=label,
                  note="SELECT subject, trial, value FROM the variable's view, for comparison"),
        *scale,
    ]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--iterate":
        print(json.dumps(iterate(sys.argv[2])))
    else:
        bc.main(TITLE, run)
