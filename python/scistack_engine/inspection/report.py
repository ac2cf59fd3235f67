"""The report of one for_each run: what ran, where, how long, what failed and why.

:func:`run_report` gathers, from the run log (:mod:`.runs`) and the lineage of the
records the run saved, everything the report shows as plain data:

* the run: function, the fingerprints its saved records carry, language, host, user,
  process, executor (from the run's options when the run recorded one), start, end, wall
  time, status and the counts by outcome;
* a **heat map**: every combination of the run on its grid (the last key across, the
  others down), coloured by status;
* **errors grouped by type** (the exception class that starts a failure's reason), each
  with its combinations, messages and tracebacks;
* the **slowest combinations** (by time spent in the function);
* **skipped combinations** grouped by reason.

:func:`render_report` lays that out as one self-contained HTML file (no script needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from ..store import Database
from .grid_table import grid_table
from .html import page
from .runs import ComboRow, read_run
from .svg import STATUS_COLOURS

__all__ = ["run_report", "render_report", "SLOWEST"]

#: How many of the slowest combinations the report lists.
SLOWEST = 10


def _error_type(reason: str | None) -> str:
    head = (reason or "").split(":", 1)[0].strip()
    return head if head.isidentifier() else "error"


def _grid(combos: Sequence[ComboRow], schema_keys: Sequence[str]) -> dict[str, Any]:
    keys = [k for k in schema_keys if any(k in c.metadata for c in combos)]
    keys += sorted({k for c in combos for k in c.metadata} - set(keys))
    axes = []
    for key in keys:
        values = {c.metadata.get(key) for c in combos if key in c.metadata}
        axes.append(sorted(values, key=lambda v: (isinstance(v, str), v)))
    cells = {tuple(c.metadata.get(k) for k in keys): c for c in combos}
    return {"keys": keys, "axes": axes,
            "cells": [{"at": list(at), "status": c.status, "reason": c.reason,
                       "duration_s": c.duration_s} for at, c in cells.items()]}


def run_report(db: Database, run_id: str | None = None) -> dict[str, Any]:
    """Everything the report of run ``run_id`` (default: the latest run) shows."""
    run, combos = read_run(db, run_id)
    saved = [rid for c in combos for rid in c.record_ids]
    lineages = db.lineage_of(saved)
    fingerprints = sorted({fingerprint for lin in lineages.values()
                           if (fingerprint := (lin or {}).get("fingerprint")) is not None})
    errors: dict[str, list[dict[str, Any]]] = {}
    skipped: dict[str, list[dict[str, Any]]] = {}
    for c in combos:
        if c.status == "failed":
            errors.setdefault(_error_type(c.reason), []).append(c.to_dict())
        elif c.status == "skipped":
            skipped.setdefault(c.reason or "(no reason)", []).append(c.metadata)
    ran = [c for c in combos if c.status in ("done", "failed")]
    slowest = sorted(ran, key=lambda c: (-c.duration_s, c.combo))[:SLOWEST]
    return {
        "run": {**run.to_dict(), "fingerprints": fingerprints,
                "executor": run.options.get("executor")},
        "grid": _grid(combos, db.schema_keys),
        "errors": dict(sorted(errors.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
        "slowest": [c.to_dict() for c in slowest],
        "skipped": dict(sorted(skipped.items(), key=lambda kv: (-len(kv[1]), kv[0]))),
        "function_time_s": sum(c.duration_s for c in ran),
    }


def _metadata(metadata: dict[str, Any]) -> str:
    return escape(", ".join(f"{k}={v!r}" for k, v in metadata.items()) or "(no metadata)")


def _heat_map(grid: dict[str, Any]) -> str:
    keys, axes = grid["keys"], grid["axes"]
    if not keys:
        return "<p>No combinations.</p>"
    cells = {tuple(c["at"]): c for c in grid["cells"]}
    shape = grid_table(keys, axes)
    head = "".join(f"<th>{escape(h)}</th>" for h in [*shape.row_keys, *shape.headers])
    rows = []
    for down in shape.rows:
        row = "".join(f"<th>{escape(str(v))}</th>" for v in down)
        for at in shape.cells(down):
            cell = cells.get(at)
            if cell is None:
                row += '<td class="none"></td>'
                continue
            tip = f"{cell['status']}, {cell['duration_s']:.3g} s"
            if cell["reason"]:
                tip += f": {cell['reason']}"
            row += (f'<td class="cell status-{cell["status"]}" style="background:'
                    f'{STATUS_COLOURS.get(cell["status"], "#90a4ae")}" title="{escape(tip)}">'
                    f'{escape(cell["status"])}</td>')
        rows.append(f"<tr>{row}</tr>")
    return f'<table class="heat" id="heat-map"><tr>{head}</tr>{"".join(rows)}</table>'


_STYLE = """
body { font: 13px/1.45 system-ui, sans-serif; color: #263238; margin: 24px; max-width: 1100px; }
h1 { font-size: 18px; } h2 { font-size: 15px; margin-top: 24px; }
table { border-collapse: collapse; } td, th { border: 1px solid #cfd8dc; padding: 2px 8px;
  text-align: left; font: 12px monospace; }
table.heat td.cell { color: #fff; text-align: center; } td.none { background: #eceff1; }
pre { background: #f5f5f5; padding: 8px; overflow: auto; font-size: 12px; }
.counts span { display: inline-block; margin-right: 14px; }
"""


def render_report(report: dict[str, Any]) -> str:
    """The report as one HTML file."""
    run = report["run"]
    wall = f"{run['wall_s']:.3f} s" if run["wall_s"] is not None else "not finished"
    facts = [
        ("function", run["function"]), ("fingerprint", ", ".join(run["fingerprints"]) or "-"),
        ("language", run["language"]), ("host", run["host"]), ("user", run["user"]),
        ("process", run["pid"]),
        ("executor", run["executor"] or "not recorded by the run"),
        ("started", run["started_at"]), ("finished", run["finished_at"] or "-"),
        ("wall time", wall), ("time in the function", f"{report['function_time_s']:.3f} s"),
        ("status", run["status"]), ("run id", run["run_id"]),
    ]
    body = [
        f"<h1>Run of {escape(run['function'])}()</h1>",
        '<table id="facts">'
        + "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in facts)
        + "</table>",
        '<p class="counts">'
        + "".join(
            f"<span>{run['n_' + s]} {s}</span>" for s in ("done", "cached", "skipped", "failed")
        )
        + f"<span>of {run['n_combos']} combinations</span></p>",
        "<h2>Status over the grid</h2>",
        _heat_map(report["grid"]),
    ]
    body.append(f'<h2>Errors ({sum(len(v) for v in report["errors"].values())})</h2>')
    if not report["errors"]:
        body.append("<p>None.</p>")
    for kind, failures in report["errors"].items():
        body.append(f'<h3 class="error-type">{escape(kind)} &times; {len(failures)}</h3><ul>')
        for f in failures:
            stack = (
                f"<details><summary>traceback</summary><pre>{escape(f['stack'])}</pre></details>"
                if f["stack"]
                else ""
            )
            body.append(f'<li class="failure">{_metadata(f["metadata"])}: '
                        f'{escape(f["reason"] or "")}{stack}</li>')
        body.append("</ul>")
    body.append("<h2>Slowest combinations</h2>")
    body.append('<table id="slowest"><tr><th>combination</th><th>status</th><th>seconds</th></tr>'
                + "".join(f"<tr><td>{_metadata(c['metadata'])}</td><td>{escape(c['status'])}</td>"
                          f"<td>{c['duration_s']:.4f}</td></tr>" for c in report["slowest"])
                + "</table>")
    body.append(f'<h2>Skipped ({sum(len(v) for v in report["skipped"].values())})</h2>')
    if not report["skipped"]:
        body.append("<p>None.</p>")
    for reason, where in report["skipped"].items():
        body.append(f'<h3 class="skip-reason">{escape(reason)} &times; {len(where)}</h3><p>'
                    + "; ".join(_metadata(m) for m in where) + "</p>")
    return page(f"SciStack run {run['run_id'][:12]}: {run['function']}", "\n".join(body),
                None, _STYLE, None)
