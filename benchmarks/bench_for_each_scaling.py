"""``scidb.for_each`` over 1,000, 10,000 and 100,000 combinations: time and peak memory.

The issue's target is that time grows linearly with the number of combinations and that
memory stays bounded by the batch size. Each case runs in its own Python process with its
own file database:

* **scalar cases** (1k, 10k, 100k combinations; ``--quick`` skips 100k): N scalar input
  records (N/100 subjects × 100 trials), a trivial function, one scalar output each. The
  run is timed without tracing (the growth of the process's peak RSS is recorded); then the same
  for_each into another fresh output variable runs under ``tracemalloc`` for the peak of
  Python memory allocated during the call.
* **array cases** (10k combinations, each input an array of 1,000 float64 = 8 KB, 80 MB of
  input in all, and as much output), with ``batch_size`` 100 and 1,000: whether the memory
  held by values follows the batch size rather than the total data.

Per-combination figures (µs and KB per combination) staying flat as N grows is linear
growth; memory that grows with N at a fixed batch size is not bounded by the batch size.

    python benchmarks/bench_for_each_scaling.py [--quick]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tracemalloc
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "for_each scaling: time and peak memory vs number of combinations"
SIZES = [1_000, 10_000, 100_000]
QUICK_SIZES = [1_000, 10_000]
ARRAY_N = 10_000
ARRAY_LENGTH = 1_000
ARRAY_BATCHES = [100, 1_000]


def add_one(x):
    return x + 1


def _inputs(n: int, kind: str):
    import numpy as np
    import pandas as pd

    i = np.arange(n)
    if kind == "scalar":
        data = pd.Series(np.random.default_rng(0).standard_normal(n))
    else:
        rng = np.random.default_rng(0)
        data = pd.Series([rng.standard_normal(ARRAY_LENGTH) for _ in range(n)], dtype=object)
    return pd.DataFrame({"subject": i // 100, "trial": i % 100, "value": data})


def measure(n: int, kind: str, batch_size: int) -> dict[str, Any]:
    """One case, in this process: set up, warm up, time (RSS sampled), then trace."""
    from scidb import for_each

    with bc.temp_dir() as directory, bc.fresh_database(directory):
        source = bc.new_variable("ScalingInput")
        source.save_from_dataframe(_inputs(n, kind), "value", ["subject", "trial"])
        for_each(add_one, inputs={"x": source}, outputs=[bc.new_variable("WarmUp")],
                 subject=[0], trial=[], progress=False, batch_size=batch_size)

        def call(name: str):
            return for_each(add_one, inputs={"x": source}, outputs=[bc.new_variable(name)],
                            subject=[], trial=[], progress=False, batch_size=batch_size)

        import gc

        gc.collect()
        with bc.PeakRss() as rss:
            start = time.perf_counter()
            result = call("TimedOutput")
            seconds = time.perf_counter() - start
        done = int((result["status"] == "done").sum())
        del result
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        result = call("TracedOutput")
        traced_seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result_bytes = int(result.memory_usage(deep=True).sum())
    return {"n": n, "kind": kind, "batch_size": batch_size, "seconds": seconds,
            "traced_seconds": traced_seconds, "done": done, "traced_peak": peak,
            "rss_growth": rss.growth, "result_bytes": result_bytes}


def _mb(n: Any) -> str:
    return "(unknown)" if n is None else f"{n / bc.MB:.1f} MB"


def _case_in_subprocess(n: int, kind: str, batch_size: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--case", str(n), kind, str(batch_size)],
        capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise RuntimeError(f"the {kind} case with {n:,} combinations failed "
                           f"(exit code {out.returncode}); its error output is above")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[bc.Figure]:
    figures: list[bc.Figure] = []
    cases = [(n, "scalar", 500) for n in (QUICK_SIZES if quick else SIZES)]
    cases += [(ARRAY_N, "array", b) for b in ARRAY_BATCHES]
    per_combo_base = None
    for n, kind, batch in cases:
        m = _case_in_subprocess(n, kind, batch)
        print(f"   measured {kind} ×{n:,} (batch_size={batch}): {m['seconds']:.2f} s, "
              f"traced peak {m['traced_peak'] / bc.MB:.1f} MB", flush=True)
        us = m["seconds"] / n * 1e6
        if kind == "scalar":
            per_combo_base = per_combo_base or us
            workload = f"for_each ×{n:,} (scalar)"
            figures += [
                bc.Figure(workload, "total time", m["seconds"], "s"),
                bc.Figure(workload, "time per combination", us, "µs",
                          note=f"{us / per_combo_base:.2f}× the per-combination time at 1,000"),
                bc.Figure(workload, "peak Python memory (tracemalloc)",
                          m["traced_peak"] / bc.MB, "MB",
                          note=f"{m['traced_peak'] / n / 1e3:.2f} KB per combination; peak RSS "
                               f"grew {_mb(m['rss_growth'])}; the returned DataFrame "
                               f"holds {m['result_bytes'] / bc.MB:.1f} MB; traced run took "
                               f"{m['traced_seconds']:.1f} s"),
            ]
        else:
            total = n * ARRAY_LENGTH * 8 / bc.MB
            figures.append(bc.Figure(
                f"for_each ×{n:,} (8 KB arrays), batch_size={batch}",
                "peak Python memory (tracemalloc)", m["traced_peak"] / bc.MB, "MB",
                note=f"{total:.0f} MB of input values and as much output; {m['seconds']:.1f} s "
                     f"untraced; peak RSS grew {_mb(m['rss_growth'])}"))
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--case":
        n, kind, batch = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        print(json.dumps(measure(n, kind, batch)))
    else:
        bc.main(TITLE, run)
