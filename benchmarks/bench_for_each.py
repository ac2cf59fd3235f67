"""``scidb.for_each`` over 1,000 combinations with a trivial function, fresh (total seconds).

The database holds 1,000 scalar input records (10 subjects × 100 trials); for_each reads
each one, adds 1 and saves the result as a new output variable, with the run logged. The
code path is warmed up first with a small for_each into another output variable; the timed
call is the first for its output variable, so nothing is already computed.

Floor: the same work in raw DuckDB in the same process: one ``SELECT`` of the 1,000 inputs,
the function called 1,000 times in a Python loop, one bulk insert of the 1,000 outputs in
one transaction.

    python benchmarks/bench_for_each.py
"""

from __future__ import annotations

import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "for_each over 1,000 combinations, trivial function, fresh"
N = 1_000
REPEAT = 3


def add_one(x):
    return x + 1


def floor_seconds(directory) -> float:
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(directory / "raw.duckdb"))
    df = frame(N)
    con.register("incoming", df)
    con.execute("CREATE TABLE inputs AS SELECT * FROM incoming")
    con.unregister("incoming")

    def once(r: int) -> None:
        con.execute(f"CREATE TABLE out{r} (subject BIGINT, trial BIGINT, value DOUBLE)")

        def work() -> None:
            rows = con.execute("SELECT subject, trial, value FROM inputs").fetchall()
            out = pd.DataFrame([(s, t, add_one(v)) for s, t, v in rows],
                               columns=["subject", "trial", "value"])
            con.execute("BEGIN")
            con.register("outgoing", out)
            con.execute(f"INSERT INTO out{r} SELECT * FROM outgoing")
            con.execute("COMMIT")
            con.unregister("outgoing")

        return bc.timed(work)

    once(REPEAT)  # warm-up (its own table)
    best = min(once(r) for r in range(REPEAT))
    con.close()
    return best


def run(quick: bool = False) -> list[bc.Figure]:
    from scidb import for_each

    with bc.temp_dir() as directory:
        with bc.fresh_database(directory):
            inputs = bc.new_variable("ForEachInput")
            inputs.save_from_dataframe(frame(N), "value", ["subject", "trial"])
            warm_out = bc.new_variable("WarmUpOutput")
            for_each(add_one, inputs={"x": inputs}, outputs=[warm_out], subject=[0], trial=[],
                     progress=False)
            times = []
            for r in range(REPEAT):
                call = functools.partial(for_each, add_one, inputs={"x": inputs},
                                         outputs=[bc.new_variable(f"ForEachOutput{r}")],
                                         subject=[], trial=[], progress=False)
                times.append(bc.timed(call))
            result = for_each(add_one, inputs={"x": inputs}, outputs=[bc.new_variable("Check")],
                              subject=[], trial=[], progress=False)
            assert (result["status"] == "done").sum() == N
        floor = floor_seconds(directory)
    return [
        bc.Figure(f"for_each ×{N:,}, fresh", "total (best of 3)", min(times), "s", target=0.2,
                  reference=2.3, floor=floor,
                  floor_label="raw DuckDB: one SELECT of the inputs, a Python loop, one bulk "
                              "INSERT of the outputs in one transaction",
                  note="runs: " + ", ".join(f"{t:.3f}" for t in times) + " s; each into a new "
                       "output variable"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
