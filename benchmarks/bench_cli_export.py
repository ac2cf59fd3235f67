"""Export of 1,000,000 scalar records to parquet and csv (``scistack export``).

The database holds one variable of 1,000,000 scalars (saved with
``save_from_dataframe``, then closed and reopened read-only). The figure is rows per
second, best of 3, of writing the data file alone (the COPY of the variable's view,
``write_data``) and of the whole ``export_variable`` (the data file and the provenance
sidecar). Floor: DuckDB's own ``COPY`` of
the same (subject, trial, value) rows from a plain table to the same format. Because a
shared machine's load slows every wall-clock figure, the whole export's CPU time (all
threads of the process, best of 3) is printed too: it barely moves with the load.

    python benchmarks/bench_cli_export.py [--quick]   (--quick: 200,000 records)
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "export of scalar records to parquet and csv"
N = 1_000_000
N_QUICK = 200_000
REPEAT = 3


def run(quick: bool = False) -> list[bc.Figure]:
    from scistack_engine.inspection.export import export_variable, write_data
    from scistack_engine.store import Database

    n = N_QUICK if quick else N
    figures = []
    with bc.temp_dir() as directory:
        df = frame(n)
        with bc.fresh_database(directory):
            bc.new_variable("ExportScalar").save_from_dataframe(df, "value", ["subject", "trial"])
        with Database(str(directory / "bench.duckdb"), None, read_only=True) as db:
            con = db.cx.cursor()
            con.register("incoming", df)
            con.execute("CREATE TEMP TABLE plain AS SELECT * FROM incoming")
            for fmt, target in (("parquet", 1e6), ("csv", 3e5)):
                out = str(directory / f"out.{fmt}")
                times, cpu = [], []
                for _ in range(REPEAT):
                    started = time.process_time()
                    times.append(bc.timed(lambda: export_variable(db, "ExportScalar", out, fmt)))
                    cpu.append(time.process_time() - started)
                data = [bc.timed(lambda: write_data(db, "ExportScalar", out, fmt))
                        for _ in range(REPEAT)]
                options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
                floor = [bc.timed(lambda: con.execute(
                    f"COPY (SELECT * FROM plain) TO '{directory}/floor.{fmt}' ({options})"))
                    for _ in range(REPEAT)]
                label = f"DuckDB COPY of the same rows from a plain table to {fmt}"
                figures.append(bc.Figure(f"export {n:,} scalars to {fmt}, the data file",
                                         "rows/s", n / min(data), "rows/s", better="higher",
                                         target=target, floor=n / min(floor), floor_label=label))
                figures.append(bc.Figure(f"export {n:,} scalars to {fmt} with its sidecar",
                                         "rows/s", n / min(times), "rows/s", better="higher",
                                         note="the provenance sidecar: one JSON object per "
                                              "record, written by DuckDB"))
                figures.append(bc.Figure(f"export {n:,} scalars to {fmt} with its sidecar",
                                         "CPU time", min(cpu), "s",
                                         note="CPU seconds of the process, all threads"))
    return figures


if __name__ == "__main__":
    bc.main(TITLE, run)
