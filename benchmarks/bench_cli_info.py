"""``scistack info`` on a 100,000-record database: time to the first line of output.

The database holds 100,000 scalar records in two variables (saved with
``save_from_dataframe``) and the run log of a 1,000-combination ``for_each``. The command
runs as users run it, a new process each time (``python -m scistack_engine info DB``);
the figure is the median, over 7 runs after one warm-up, of the time from starting the
process to reading the first line it prints, and of the time to its exit.

Floor: a process that only imports DuckDB and runs the same aggregate query.

Then the same while a second process holds the file open for writing, so the command
reads a snapshot (the file and its write-ahead log copied to a temporary folder).

    python benchmarks/bench_cli_info.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "scistack info on a 100,000-record database"
N = 100_000
REPEAT = 7


def build(directory) -> str:
    from scidb import for_each

    with bc.fresh_database(directory) as db:
        for name, offset in (("InfoScalarA", 0), ("InfoScalarB", 1000)):
            bc.new_variable(name).save_from_dataframe(frame(N // 2, offset), "value",
                                                      ["subject", "trial"])
        doubled = bc.new_variable("InfoDoubled")
        for_each(lambda x: 2 * x, inputs={"x": bc.new_variable("InfoScalarA")},
                 outputs=[doubled], subject=list(range(10)), trial=list(range(100)),
                 progress=False)
        return db.path


def first_line_and_exit(argv: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    process.stdout.readline()
    first = time.perf_counter() - start
    process.stdout.read()
    process.wait()
    assert process.returncode == 0
    return first, time.perf_counter() - start


def run(quick: bool = False) -> list[bc.Figure]:
    with bc.temp_dir() as directory:
        path = build(directory)
        command = [sys.executable, "-m", "scistack_engine", "info", path]
        floor_code = ("import duckdb; con = duckdb.connect(%r, read_only=True); "
                      "print(con.execute('SELECT variable, count(DISTINCT address), count(*) "
                      "FROM _records GROUP BY variable').fetchall())" % path)
        floor_command = [sys.executable, "-c", floor_code]
        first_line_and_exit(command)
        first_line_and_exit(floor_command)
        times = [first_line_and_exit(command) for _ in range(REPEAT)]
        floor = [first_line_and_exit(floor_command)[0] for _ in range(REPEAT)]
        size = os.path.getsize(path)
        writer = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; "
                                   f"con = duckdb.connect({path!r}); print('ready', flush=True); "
                                   "sys.stdin.read()"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            writer.stdout.readline()
            snapshot = [first_line_and_exit(command) for _ in range(REPEAT)]
        finally:
            writer.communicate("")
    label = "a process importing DuckDB and running the same aggregate query"
    return [
        bc.Figure("scistack info, 100,000 records", "time to first output",
                  bc.median([t[0] for t in times]), "s", target=0.3,
                  floor=bc.median(floor), floor_label=label),
        bc.Figure("scistack info, 100,000 records", "time to exit",
                  bc.median([t[1] for t in times]), "s"),
        bc.Figure(f"scistack info, 100,000 records ({size / 1e6:.0f} MB), a writer holding "
                  "the file", "time to first output (snapshot)",
                  bc.median([t[0] for t in snapshot]), "s"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
