"""``load_all(as_df=True)`` over 10,000 scalar records.

The database is built with ``save_from_dataframe``, closed and reopened. The first call
after opening (which also reads the variable's index) is reported on its own; the figure is
the median of the following calls.

Floor: reading the same 10,000 (subject, trial, value) rows from a plain DuckDB table into
a pandas DataFrame (``con.sql(...).df()``). For comparison the per-variable SQL view is
read the same way.

    python benchmarks/bench_load_all.py
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "load_all(as_df=True) over 10,000 scalar records"
N = 10_000
REPEAT = 7


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
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
