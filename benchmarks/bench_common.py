"""Shared helpers of the SciStack benchmarks: timing, temp databases, figures and reports.

Every benchmark script measures one workload and reports :class:`Figure` objects: the
measured figure, the target from the issue tracker, the figure of the reference
implementation quoted there, and (where one exists) a DuckDB *floor*: the cheapest raw
DuckDB way of doing the same work, measured in the same process on the same machine.

The scripts print figures; they never assert on time.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
try:  # the package is normally installed (editable); fall back to the source tree
    import scidb  # noqa: F401
except ImportError:  # pragma: no cover - source checkout without an install
    sys.path.insert(0, str(ROOT / "python"))

MB = 1e6  # figures in MB/s use decimal megabytes (80 MB = 80,000,000 bytes)


@dataclass
class Figure:
    """One measured figure with what to compare it to.

    ``better`` is ``"lower"`` for times and sizes and ``"higher"`` for throughputs; it
    decides whether the target is met and which way the floor ratio is taken.
    """

    workload: str
    metric: str
    value: float
    unit: str
    better: str = "lower"
    target: float | None = None
    reference: float | None = None
    floor: float | None = None
    floor_label: str | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    @property
    def cost_vs_floor(self) -> float | None:
        """How many times the floor's cost the figure is (1.0 = as cheap as raw DuckDB)."""
        if self.floor is None or not self.floor or not self.value:
            return None
        return self.value / self.floor if self.better == "lower" else self.floor / self.value

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["met"] = self.met
        out["cost_vs_floor"] = self.cost_vs_floor
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        data = {k: v for k, v in data.items() if k not in ("met", "cost_vs_floor")}
        return cls(**data)


# --------------------------------------------------------------------------- formatting


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".rstrip()


def target_text(fig: Figure) -> str:
    if fig.target is None:
        return "—"
    return ("≤ " if fig.better == "lower" else "≥ ") + fmt(fig.target, fig.unit)


def table_rows(figures: Sequence[Figure]) -> list[list[str]]:
    rows = []
    for f in figures:
        status = {True: "met", False: "MISSED", None: ""}[f.met]
        ratio = f.cost_vs_floor
        rows.append([
            f.workload, f.metric, fmt(f.value, f.unit), target_text(f), status,
            fmt(f.reference, f.unit), fmt(f.floor, f.unit),
            "—" if ratio is None else f"{ratio:.1f}×",
        ])
    return rows


HEADER = ["workload", "metric", "SciStack", "target", "result", "reference", "DuckDB floor",
          "cost vs floor"]


def render_table(figures: Sequence[Figure], markdown: bool = False) -> str:
    rows = table_rows(figures)
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(HEADER)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(HEADER), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def report(title: str, figures: Sequence[Figure]) -> None:
    """Print the figures of one script, their floors and notes."""
    print(f"\n== {title}")
    print(render_table(figures))
    for f in figures:
        details = []
        if f.floor_label:
            details.append(f"floor = {f.floor_label}")
        if f.note:
            details.append(f.note)
        if details:
            print(f"  * {f.workload}, {f.metric}: " + "; ".join(details))
    sys.stdout.flush()


# --------------------------------------------------------------------------- running


def parse_args(argv: Sequence[str] | None = None, description: str = "") -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="smaller/fewer runs where the script has a long one")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON to PATH")
    return parser.parse_args(argv)


def main(title: str, run: Callable[[bool], list[Figure]],
         argv: Sequence[str] | None = None) -> list[Figure]:
    """Entry point of a benchmark script: run, print, optionally write JSON."""
    args = parse_args(argv, title)
    one, five, _ = os.getloadavg()
    print(f"[{title}] starting; load average {one:.2f} (1 min), {five:.2f} (5 min)", flush=True)
    figures = run(args.quick)
    report(title, figures)
    if args.json:
        Path(args.json).write_text(json.dumps([f.to_dict() for f in figures], indent=1))
    return figures


@contextlib.contextmanager
def temp_dir(prefix: str = "scistack-bench-") -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(directory: Path, name: str = "bench.duckdb",
                   schema_keys: Sequence[str] = ("subject", "trial")) -> Iterator[Any]:
    """A new SciStack database file in ``directory``, current for the block."""
    from scidb import close, configure_database

    db = configure_database(str(directory / name), list(schema_keys))
    try:
        yield db
    finally:
        close(db)


def new_variable(name: str) -> type:
    """A fresh variable type named ``name`` (like ``class name(BaseVariable): pass``)."""
    from scidb import BaseVariable

    return type(name, (BaseVariable,), {})


def address(i: int, per_subject: int = 100) -> dict[str, int]:
    """The metadata of record ``i``: ``subject = i // 100, trial = i % 100``."""
    return {"subject": i // per_subject, "trial": i % per_subject}


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100.0
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def timed(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes (garbage collected first)."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def best_of(fn: Callable[[], Any], repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def file_size(path: Path) -> int:
    """Size of a DuckDB file plus its write-ahead log, if any."""
    size = path.stat().st_size
    wal = Path(str(path) + ".wal")
    if wal.exists():
        size += wal.stat().st_size
    return size


# --------------------------------------------------------------------------- memory


def current_rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """The growth of the process's peak RSS over a block (Linux).

    On entry the kernel's peak-RSS mark (``VmHWM``) is reset by writing ``5`` to
    ``/proc/self/clear_refs``; on exit ``growth`` is the new peak minus the RSS at entry.
    Unlike tracemalloc it counts DuckDB's own (C++) memory too and costs nothing per
    allocation. ``growth`` is None where the mark cannot be reset.
    """

    def __init__(self) -> None:
        self.start_rss = 0
        self.peak: int | None = None
        self._reset = False

    def __enter__(self) -> PeakRss:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            self._reset = True
        except OSError:
            self._reset = False
        self.start_rss = current_rss()
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._reset:
            return
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    self.peak = int(line.split()[1]) * 1024
                    break

    @property
    def growth(self) -> int | None:
        return None if self.peak is None else self.peak - self.start_rss
