"""The main job: runs SciStack's example pipelines end to end and prints their results.

1. scifor over an in-memory DataFrame (no database);
2. the gait-study pipeline over a DuckDB file (``examples/output/gait_study.duckdb``),
   run twice: the second run finds everything computed.
"""

from __future__ import annotations

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gait_pipeline  # noqa: E402
import scifor_example  # noqa: E402


def main() -> None:
    print("== scifor: for_each over an in-memory DataFrame ==")
    scifor_example.main()
    out = HERE / "output"
    out.mkdir(exist_ok=True)
    path = out / "gait_study.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    for run in (1, 2):
        print(f"\n== gait study, run {run} ({path.relative_to(HERE.parent)}) ==")
        gait_pipeline.main(str(path))


if __name__ == "__main__":
    main()
