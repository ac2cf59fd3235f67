"""Run every SciStack benchmark, each in its own Python process, and print one table.

    python benchmarks/run_all.py            # everything (a few minutes on 2 cores)
    python benchmarks/run_all.py --quick    # skips the 100,000-combination for_each
    python benchmarks/run_all.py --markdown # the summary table as Markdown
    python benchmarks/run_all.py --only bench_load_one bench_load_all

Each script prints its own figures as it finishes; the summary at the end lists every
figure beside its target, the reference implementation's figure and the DuckDB floor.
The machine's load is printed before and after: figures taken while other processes
compete for the CPU are slower than the code is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

HERE = Path(__file__).resolve().parent

#: In the order of the workloads in the issue's performance table.
SCRIPTS = [
    "bench_save_scalar",
    "bench_save_from_dataframe",
    "bench_scale_saves",
    "bench_load_one",
    "bench_load_all",
    "bench_arrays_batch",
    "bench_arrays_single",
    "bench_big_array",
    "bench_for_each",
    "bench_for_each_scaling",
]
#: Further workloads, run after those above when their script is present.
SCRIPTS += [name for name in ("bench_lineage",) if (HERE / f"{name}.py").exists()]
#: The scistack command: info on a large file, export throughput, layout of big graphs.
SCRIPTS += ["bench_cli_info", "bench_cli_export", "bench_cli_graph"]


def machine() -> str:
    import duckdb
    import numpy
    import pandas
    import pyarrow

    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
            f"numpy {numpy.__version__}, pandas {pandas.__version__}, "
            f"pyarrow {pyarrow.__version__}")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def run_script(name: str, quick: bool) -> list[bc.Figure]:
    with tempfile.TemporaryDirectory(prefix="scistack-bench-json-") as tmp:
        out = Path(tmp) / "figures.json"
        command = [sys.executable, str(HERE / f"{name}.py"), "--json", str(out)]
        if quick:
            command.append("--quick")
        start = time.perf_counter()
        completed = subprocess.run(command, check=False)
        elapsed = time.perf_counter() - start
        if completed.returncode != 0:
            print(f"!! {name} failed with exit code {completed.returncode}", flush=True)
            return []
        print(f"   ({name}: {elapsed:.0f} s)", flush=True)
        return [bc.Figure.from_dict(d) for d in json.loads(out.read_text())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-combination run")
    parser.add_argument("--markdown", action="store_true", help="print the summary as Markdown")
    parser.add_argument("--only", nargs="+", metavar="SCRIPT", choices=SCRIPTS,
                        help="run only these scripts")
    args = parser.parse_args(argv)
    print(machine())
    print(f"before: {load()}", flush=True)
    start = time.perf_counter()
    figures: list[bc.Figure] = []
    failed = []
    for name in args.only or SCRIPTS:
        got = run_script(name, args.quick)
        if not got:
            failed.append(name)
        figures += got
    print(f"\nafter: {load()}; total {time.perf_counter() - start:.0f} s")
    print("\n== summary (cost vs floor: how many times the raw DuckDB floor's cost)\n")
    print(bc.render_table(figures, markdown=args.markdown))
    missed = [f for f in figures if f.met is False]
    if missed:
        print("\ntargets missed: " + "; ".join(f"{f.workload} {f.metric}" for f in missed))
    if failed:
        print("\nscripts that failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
