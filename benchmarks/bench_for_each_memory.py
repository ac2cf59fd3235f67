"""Peak memory of ``scidb.for_each`` at 10,000, 100,000 and 1,000,000 combinations.

The target (issue 10): the peak memory of a 1,000,000-combination run within 1.5× of a
10,000-combination run, serially and on local worker processes. Each size has its own
file database of N scalar input records (N/100 subjects × 100 trials), built by one
process and copied for each run; each run is a *fresh* process that opens the file, runs a trivial function over
every combination into a new output variable and reports the growth of its peak RSS
(``VmHWM`` reset just before the call, so DuckDB's memory and the indexes the run loads
count) and its time. ``--quick`` stops at 100,000.

    python benchmarks/bench_for_each_memory.py [--quick]
    python benchmarks/bench_for_each_memory.py --case DB N serial|processes   # one run
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "for_each peak memory vs number of combinations (fresh process per run)"
SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [10_000, 100_000]
EXECUTORS = ["serial", "processes"]


def add_one(x):
    return x + 1


def build(path: str, n: int) -> None:
    """The input database: N scalar records, saved in column batches."""
    import numpy as np
    import pandas as pd
    from scidb import BaseVariable, configure_database

    db = configure_database(path, ["subject", "trial"])

    class MemoryInput(BaseVariable):
        pass

    step = 100_000
    for start in range(0, n, step):
        i = np.arange(start, min(n, start + step))
        MemoryInput.save_from_dataframe(
            pd.DataFrame({"subject": i // 100, "trial": i % 100, "value": i * 0.5}),
            "value", ["subject", "trial"])
    db.close()


def measure(path: str, n: int, executor: str) -> dict[str, Any]:
    """One run in this process: open, run into a new variable, close."""
    import gc

    from scidb import BaseVariable, Processes, configure_database, for_each

    db = configure_database(path, ["subject", "trial"])

    class MemoryInput(BaseVariable):
        pass

    class MemoryOutput(BaseVariable):
        pass

    chosen: Any = "serial" if executor == "serial" else Processes(workers=2, chunk_size=2000)
    gc.collect()
    with bc.PeakRss() as rss:
        start = time.perf_counter()
        result = for_each(add_one, inputs={"x": MemoryInput}, outputs=[MemoryOutput],
                          subject=[], trial=[], progress=False, executor=chosen)
        seconds = time.perf_counter() - start
    summary = dict(getattr(result, "attrs", {}).get("summary") or {})
    db.close()
    return {"n": n, "executor": executor, "seconds": seconds, "rss_growth": rss.growth,
            "start_rss": rss.start_rss, "rows": len(result), "done": summary.get("done")}


def _python(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), *args],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise RuntimeError(f"{' '.join(args)} failed (exit code {out.returncode})")
    lines = out.stdout.strip().splitlines()
    return json.loads(lines[-1]) if lines else {}


def run(quick: bool = False) -> list[bc.Figure]:
    figures: list[bc.Figure] = []
    base: dict[str, float] = {}
    with bc.temp_dir() as directory:
        for n in QUICK_SIZES if quick else SIZES:
            built = str(directory / f"inputs-{n}.duckdb")
            _python("--build", built, str(n))
            for executor in EXECUTORS:
                path = str(directory / f"run-{n}-{executor}.duckdb")
                shutil.copyfile(built, path)  # each run writes its outputs into a copy
                m = _python("--case", path, str(n), executor)
                growth = m["rss_growth"] / bc.MB
                base.setdefault(executor, growth)
                print(f"   {executor} ×{n:,}: peak RSS +{growth:.1f} MB in {m['seconds']:.1f} s "
                      f"(result rows {m['rows']:,})", flush=True)
                figures.append(bc.Figure(
                    f"for_each ×{n:,}, {executor}", "peak RSS growth", growth, "MB",
                    target=1.5 * base[executor] if n > SIZES[0] else None,
                    note=f"{growth / base[executor]:.2f}× the 10,000 run; {m['seconds']:.1f} s; "
                         f"{m['rows']:,} result rows"))
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--case":
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]), sys.argv[4])))
    else:
        bc.main(TITLE, run)
