"""``save_from_dataframe`` of 10,000 scalar records in one call.

Floor: a bulk insert of the same DataFrame (id, subject, trial, value) into a plain DuckDB
table in one transaction (``INSERT INTO t SELECT * FROM df``).

    python benchmarks/bench_save_from_dataframe.py
"""

from __future__ import annotations

import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "save_from_dataframe of 10,000 scalar records"
N = 10_000
REPEAT = 3


def frame(n: int, offset: int = 0):
    import numpy as np
    import pandas as pd

    i = np.arange(n)
    return pd.DataFrame({"subject": i // 100 + offset, "trial": i % 100,
                         "value": np.random.default_rng(offset).standard_normal(n)})


def engine_seconds(directory) -> list[float]:
    """One fresh variable per repetition, so every call saves 10,000 new records."""
    with bc.fresh_database(directory):
        bc.new_variable("WarmUpFrame").save_from_dataframe(frame(500, 10_000), "value",
                                                           ["subject", "trial"])
        times = []
        for r in range(REPEAT):
            save = functools.partial(bc.new_variable(f"FrameScalar{r}").save_from_dataframe,
                                     frame(N, r), "value", ["subject", "trial"])
            times.append(bc.timed(save))
    return times


def _bulk_insert(con, table: str, df) -> None:
    """One transaction: INSERT INTO table SELECT * FROM the DataFrame."""
    con.execute("BEGIN")
    con.register("incoming", df)
    con.execute(f"INSERT INTO {table} SELECT * FROM incoming")
    con.execute("COMMIT")
    con.unregister("incoming")


def floor_seconds(directory) -> list[float]:
    import duckdb

    con = duckdb.connect(str(directory / "raw.duckdb"))
    times = []
    for r in range(REPEAT + 1):  # the first is the warm-up
        con.execute(f"CREATE TABLE t{r} (id VARCHAR PRIMARY KEY, subject BIGINT, trial BIGINT, "
                    "value DOUBLE)")
        df = frame(N, r)
        df.insert(0, "id", [f"r{i}" for i in range(N)])
        times.append(bc.timed(functools.partial(_bulk_insert, con, f"t{r}", df)))
    con.close()
    return times[1:]


def run(quick: bool = False) -> list[bc.Figure]:
    with bc.temp_dir() as directory:
        times = engine_seconds(directory)
        floor = floor_seconds(directory)
    rate = N / min(times)
    return [
        bc.Figure(f"save_from_dataframe ×{N:,}", "time (best of 3)", min(times), "s",
                  target=0.05, reference=0.46, floor=min(floor),
                  floor_label="bulk INSERT from the pandas DataFrame in one transaction",
                  note=f"{rate:,.0f} records/s; all runs: "
                       + ", ".join(f"{t:.3f}" for t in times) + " s"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
