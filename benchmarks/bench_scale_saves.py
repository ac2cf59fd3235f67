"""Saves at scale: the first save of many new variable types, and one address growing to
10,000 versions.

* New types: 200 variable types, each saved once for the first time (its view, its
  ``_variables`` row and its record commit in one transaction), in a database that
  already holds 100,000 records (``--quick``: 10,000). Figures: median and p95 per
  first save.
* Versions: 10,000 saves of changing content at one address, one ``save`` each
  (``--quick``: 2,000). Figures: the median per save over the first and the last 500,
  and their ratio (1.0 = flat in the number of versions).

    python benchmarks/bench_scale_saves.py
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402
from bench_save_from_dataframe import frame  # noqa: E402

TITLE = "first saves of 200 new types; one address growing to 10,000 versions"
TYPES = 200


def _per_call(save, count: int) -> list[float]:
    times = []
    for i in range(count):
        start = time.perf_counter()
        save(i)
        times.append(time.perf_counter() - start)
    return times


def run(quick: bool = False) -> list[bc.Figure]:
    records = 10_000 if quick else 100_000
    versions = 2_000 if quick else 10_000
    with bc.temp_dir() as directory, bc.fresh_database(directory):
        bc.new_variable("Background").save_from_dataframe(frame(records), "value",
                                                          ["subject", "trial"])
        types = [bc.new_variable(f"NewType{i}") for i in range(TYPES)]
        first = _per_call(lambda i: types[i].save(float(i), subject=1, trial=1), TYPES)
        growing = bc.new_variable("ManyVersions")
        per_save = _per_call(lambda i: growing.save(float(i), subject=1, trial=1), versions)
    early, late = bc.median(per_save[:500]), bc.median(per_save[-500:])
    return [
        bc.Figure(f"first save of a new type ×{TYPES}", "median per type",
                  bc.median(first) * 1e3, "ms", target=20.0,
                  note=f"in a database of {records:,} records; total "
                       f"{sum(first):.2f} s"),
        bc.Figure(f"first save of a new type ×{TYPES}", "p95 per type",
                  bc.percentile(first, 95) * 1e3, "ms"),
        bc.Figure(f"save at one address, {versions:,} versions", "median, first 500",
                  early * 1e3, "ms"),
        bc.Figure(f"save at one address, {versions:,} versions", "median, last 500",
                  late * 1e3, "ms", note=f"last / first = {late / early:.2f}"),
    ]


if __name__ == "__main__":
    bc.main(TITLE, run)
