"""The ``scistack`` command: look at a database from a terminal, without writing to it.

Every command but ``merge`` opens the file read-only. While another process writes the file
(DuckDB lets a file be written by one process or read by several, never both), a reading
command reads a *snapshot* instead: a copy of the file and its write-ahead log, taken while
neither changed, opened read-only and deleted afterwards; it says so on stderr, naming the
writer and the time of the snapshot (``--no-snapshot`` stops with exit status 4 instead).
Each command prints aligned tables or, with ``--json``, one JSON
document, and exits with a status that says what happened:

====  ==============================================================
0     done
1     any other SciStack error (the message says what and how to fix it)
2     bad usage (unknown option, malformed ``key=value``)
3     the file cannot be opened: missing, or not a SciStack database
4     another process is writing the file (DuckDB's lock)
5     not found: no such variable, record or run
6     the value cannot be written in the format asked for (export)
7     the run is not merged to the end: chunks are queued, lost or half-written (merge)
====  ==============================================================

The commands are thin: each calls the read-only functions of
:mod:`scistack_engine.inspection` and formats their plain-data answers. ``main(argv)``
runs the command in-process (what the tests and ``python -m scistack_engine`` call).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .errors import (
    CommandLineError,
    DatabaseError,
    DatabaseLockedError,
    MetadataError,
    NotADatabaseError,
    NotFoundError,
    ScistackError,
    UnsupportedValueError,
)

__all__ = ["main", "EXIT_CODES", "format_table"]

EXIT_CODES = {"ok": 0, "error": 1, "usage": 2, "cannot_open": 3, "locked": 4,
              "not_found": 5, "unsupported": 6, "incomplete": 7}


# ------------------------------------------------------------------ output


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as aligned columns: numbers right-aligned, text left-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(list(headers))] + [line(r) for r in cells])


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _time(text: str | None) -> str:
    return text[:19].replace("T", " ") if text else "-"


def _metadata_text(metadata: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in metadata.items()) or "(no metadata)"


# ------------------------------------------------------------------ opening


def _open_file(path: str) -> Any:
    """A bare read-only connection (fast; for commands that need no record index)."""
    from .connection import ReadOnlyFile

    return ReadOnlyFile(path)


def _open_database(path: str) -> Any:
    """The database, read-only, with the schema keys it was created with."""
    import os

    from .store import Database

    if not os.path.exists(path):
        raise DatabaseError(f"database {path!r} does not exist; check the path")
    return Database(path, None, read_only=True)


@contextlib.contextmanager
def _reading(args: argparse.Namespace, opener: Callable[[str], Any] = _open_database
             ) -> Iterator[Any]:
    """``args.db`` opened by ``opener``; while another process writes it, a snapshot of it
    (announced on stderr), unless ``--no-snapshot``."""
    from .connection import lock_holder, snapshot

    try:
        db = opener(args.db)
    except DatabaseLockedError as exc:
        holder = lock_holder(exc)
        if holder is None or args.no_snapshot:
            raise
        with snapshot(args.db) as (copy, taken):
            print(f"scistack {args.command}: {args.db!r} is open for writing in {holder}; "
                  f"this is a snapshot of it taken at {taken.isoformat(timespec='seconds')} "
                  "(every transaction committed before then)", file=sys.stderr)
            with opener(copy) as db:
                if opener is _open_file:
                    db.path = args.db  # info names the file and its size, not the copy's
                yield db
        return
    with db:
        yield db


def _typed_value(text: str, types: set[str]) -> Any:
    """Command-line text as a metadata value: a number where the key holds numbers."""
    if types & {"int", "float"}:
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                pass
    if types == {"bool"} and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_metadata(pairs: Sequence[str], key_types: dict[str, set[str]]) -> dict[str, Any]:
    """``["subject=1", "session=pre"]`` as metadata, typed by what the keys hold;
    ``subject=1,2`` gives a list of values."""
    metadata: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise CommandLineError(f"{pair!r} is not key=value (e.g. subject=1 session=pre)")
        values = [_typed_value(t, key_types.get(key, set())) for t in text.split(",")]
        metadata[key] = values[0] if len(values) == 1 else values
    return metadata


# ------------------------------------------------------------------ commands


def _emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text())


def cmd_info(args: argparse.Namespace) -> None:
    from .inspection.info import database_info

    with _reading(args, _open_file) as db:
        info = database_info(db)

    def text() -> str:
        lines = [f"{info['path']}  {_size(info['size_bytes'])}  schema keys: "
                 f"{', '.join(info['schema_keys'])}",
                 f"{info['n_records']} records ({info['n_versions']} versions) in "
                 f"{len(info['variables'])} variables", ""]
        lines.append(format_table(["variable", "records", "versions", "last saved"],
                                  [[v["name"], v["records"], v["versions"], _time(v["last_saved"])]
                                   for v in info["variables"]]))
        cache = info["lineage_cache"]
        if cache["calls"]:
            lines += [
                "",
                f"lineage cache: {_count(cache['calls'], 'call')}, "
                f"{_count(cache['outputs'], 'output')} ({cache['outputs_in_records']} in "
                f"saved records); held only by the cache: {_count(cache['values'], 'value')}, "
                f"{_size(cache['value_bytes'])}",
            ]
        if info["runs"]:
            lines += ["", "latest runs", _runs_table(info["runs"])]
        return "\n".join(lines)

    _emit(args, info, text)


def _runs_table(runs: list[dict[str, Any]]) -> str:
    return format_table(
        ["run", "function", "status", "started", "wall s", "combos", "done", "cached",
         "skipped", "failed"],
        [[r["run_id"][:12], r["function"], r["status"], _time(r["started_at"]), r["wall_s"],
          r["n_combos"], r["n_done"], r["n_cached"], r["n_skipped"], r["n_failed"]]
         for r in runs])


def cmd_vars(args: argparse.Namespace) -> None:
    from .inspection.summary import variable_summaries

    with _reading(args) as db:
        summaries = variable_summaries(db, args.variable)

    def text() -> str:
        return format_table(
            ["variable", "records", "versions", "max version", "keys (values)", "grid coverage"],
            [[s["name"], s["records"], s["versions"], s["max_version"],
              ", ".join(f"{k} ({n})" for k, n in s["keys"].items()) or "-",
              f"{s['records']}/{s['grid_cells']} ({100 * s['coverage']:.0f}%)"]
             for s in summaries])

    _emit(args, summaries if args.variable is None else summaries[0], text)


def cmd_show(args: argparse.Namespace) -> None:
    from .inspection.summary import record_detail

    with _reading(args) as db:
        metadata = parse_metadata(args.metadata, db.require_variable(args.variable).key_types)
        detail = record_detail(db, args.variable, metadata, args.version)

    def text() -> str:
        value = detail["value"]
        lines = [f"{detail['variable']}  {_metadata_text(detail['metadata'])}  version "
                 f"{detail['version']}  record {detail['record_id']}",
                 "value: " + ", ".join(f"{k}={v}" for k, v in value.items()), "",
                 "versions"]
        lines.append(format_table(
            ["version", "record", "function", "fingerprint", "constants"],
            [[v["version"], v["record_id"], v["function_name"] or "(saved)",
              (v["fingerprint"] or "-")[:12], _constants_text(v["constants"])]
             for v in detail["versions"]]))
        lines += ["", "provenance"]
        for depth, step in enumerate(detail["provenance"]):
            what = (f"{step['variable']} {_metadata_text(step['metadata'])} v{step['version']}"
                    if step["variable"] else "(intermediate result)")
            made = (f" <- {step['function_name']}({', '.join(step['inputs'])})"
                    f" {_constants_text(step['constants'])}" if step["function_name"]
                    else " (saved without lineage)")
            lines.append(("  " * min(depth, 1)) + what + made)
        return "\n".join(lines)

    _emit(args, detail, text)


def _constants_text(constants: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in constants.items()) or "-"


def cmd_runs(args: argparse.Namespace) -> None:
    from .inspection.runs import list_runs, parse_since

    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        raise CommandLineError(str(exc)) from None
    with _reading(args, _open_file) as db:
        runs = [r.to_dict() for r in list_runs(db, failed=args.failed, since=since,
                                              limit=args.limit)]
    _emit(args, runs, lambda: _runs_table(runs) if runs else "no runs")


def _grid_text(grid: dict[str, Any], limit: int = 20) -> str:
    """A status grid as a table: the last key across, the others down; then the reasons."""
    keys, axes = grid["keys"], grid["axes"]
    cells = {tuple(c["metadata"][k] for k in keys): c for c in grid["cells"]}

    def shown(cell: dict[str, Any]) -> str:
        n = sum(cell["counts"].values())
        if n <= 1:
            return cell["status"]
        return f"{cell['status']} {cell['counts'].get(cell['status'], 0)}/{n}"

    if not keys:
        table = shown(grid["cells"][0])
    else:
        from .inspection.grid_table import grid_table

        shape = grid_table(keys, axes)
        table = format_table([*shape.row_keys, *shape.headers],
                             [[*map(str, row), *(shown(cells[at]) for at in shape.cells(row))]
                              for row in shape.rows])
    totals = ", ".join(f"{n} {s}" for s, n in grid["totals"].items() if n)
    lines = [f"{grid['variable']} over {' x '.join(keys) or 'no keys'}: {totals}", "", table]
    problems = [(e["metadata"], e["status"], reason) for c in grid["cells"]
                for e in c["entries"] if e["status"] != "done" for reason in e["reasons"] or [""]]
    if problems:
        lines += ["", "why"]
        for metadata, status, reason in problems[:limit]:
            lines.append(f"  {status:7}  {_metadata_text(metadata)}: {reason or '-'}")
        if len(problems) > limit:
            lines.append(f"  ... and {len(problems) - limit} more (--json lists them all)")
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> None:
    from .inspection.status import status_grid

    keys = [k.strip() for k in args.grid.split(",") if k.strip()] if args.grid else None
    with _reading(args) as db:
        db.require_variable(args.variable)
        grid = status_grid(db, args.variable, keys).to_dict()
    _emit(args, grid, lambda: _grid_text(grid))


def _write_or_print(text: str, output: str | None, what: str) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote {what} to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_lineage(args: argparse.Namespace) -> None:
    from .inspection.pictures import format_of, lineage_text

    fmt = "json" if args.json else args.format or format_of(args.output) or "mermaid"
    with _reading(args) as db:
        text = lineage_text(db, fmt, variable=args.variable, record=args.record,
                            reduce=not args.no_reduce)
    _write_or_print(text, args.output, f"the lineage ({fmt})")


def cmd_report(args: argparse.Namespace) -> None:
    from .inspection.report import render_report, run_report

    with _reading(args) as db:
        report = run_report(db, args.run_id)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return
    _write_or_print(render_report(report), args.output,
                    f"the report of run {report['run']['run_id'][:12]}")


def cmd_export(args: argparse.Namespace) -> None:
    from .inspection.export import export_variable

    with _reading(args) as db:
        where = parse_metadata(args.where, db.view_shape(args.variable).key_types)
        summary = export_variable(db, args.variable, args.output, args.format, where,
                                  database=args.db, mat_version=args.mat_version)
    _emit(args, summary, lambda: f"wrote {summary['rows']} rows ({summary['records']} records) "
                                 f"of {summary['variable']} to {summary['path']}; provenance in "
                                 f"{summary['provenance']}")


def _chunks_text(state: dict[str, Any]) -> str:
    def listed(chunks: list[int]) -> str:
        return ", ".join(map(str, chunks)) if chunks else "none"

    lines = [f"{state['folder']}: for_each({state['function']}), {state['combos']} "
             f"combinations in {len(state['chunks'])} chunks",
             f"  with a complete shard: {listed(state['complete'])}",
             f"  queued or running:     {listed(state['queued'])}"
             + ("" if state["queue_known"] else " (squeue not available: not known)"),
             f"  half-written shard:    {listed(state['half_written'])}",
             f"  lost (no shard):       {listed(state['missing'])}"]
    if state["with_failures"]:
        lines.append(f"  shards with failures:  {listed(state['with_failures'])}")
    return "\n".join(lines)


def cmd_merge(args: argparse.Namespace) -> None:
    from .slurm_runs import find_run_folder, merge_run
    from .store import Database

    folder = find_run_folder(args.db, args.run_folder)
    with Database(args.db, None) as db:  # the one command that writes
        report = merge_run(db, folder).to_dict()

    def text() -> str:
        state = report["state"]
        lines = [_chunks_text(state), "",
                 f"merged {report['merged']} results, {report['failed']} failures (in the run "
                 f"log); {report['already_saved']} already in the database"]
        if report["unmatched"]:
            lines.append(f"{report['unmatched']} results in the shards match no combination "
                         "the run staged")
        if report["complete"]:
            lines.append("the run is merged to the end")
        else:
            lines.append(f"not merged: {report['not_merged']} combinations have no result yet"
                         + (f"; scistack resubmit {args.db} {args.run_folder} submits chunks "
                            f"{', '.join(map(str, state['resubmittable']))} again"
                            if state["resubmittable"] else "; merge again once they finish"))
        return "\n".join(lines)

    _emit(args, report, text)
    if not report["complete"]:
        raise _Incomplete


def cmd_resubmit(args: argparse.Namespace) -> None:
    from .slurm_runs import find_run_folder, resubmit_run, run_state

    folder = find_run_folder(args.db, args.run_folder)
    if args.dry_run:
        state = run_state(folder).to_dict()
        _emit(args, state, lambda: _chunks_text(state))
        return
    done = resubmit_run(folder, args.chunk or None, failed=args.failed)
    _emit(args, done, lambda: (
        f"submitted chunks {', '.join(map(str, done['submitted']))} of {folder} as job "
        f"{', '.join(done['jobs'])}; scistack merge {args.db} {args.run_folder} once they finish"
        if done["submitted"] else f"nothing to resubmit\n{_chunks_text(done['state'])}"))


class _Incomplete(Exception):
    """The command's answer was printed, and its exit status is ``incomplete``."""


# ------------------------------------------------------------------ the parser


def build_parser() -> argparse.ArgumentParser:
    """The ``scistack`` argument parser (one sub-command per question)."""
    parser = argparse.ArgumentParser(
        prog="scistack",
        description="Look at a SciStack database: what it holds, what ran, what failed, "
                    "what is stale, how a result was made. Every command but merge reads "
                    "only.",
        epilog="exit status: 0 done, 1 other error, 2 bad usage, 3 cannot open the file, "
               "4 another process writes it (with --no-snapshot), 5 not found, 6 not exportable, "
               "7 a run not merged to the end")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, run: Callable[[argparse.Namespace], None], summary: str,
                reads: bool = True) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("db", metavar="DB", help="the database file (.duckdb)")
        sub.add_argument("--json", action="store_true", help="print one JSON document")
        if reads:
            sub.add_argument("--no-snapshot", action="store_true",
                             help="while another process writes DB, stop with exit status 4 "
                                  "(default: read a snapshot of it, said on stderr)")
        sub.set_defaults(run=run)
        return sub

    command(
        "info", cmd_info, "variables, record counts, size, schema keys, lineage cache, latest runs"
    )
    sub = command("vars", cmd_vars, "records and versions per variable, and grid coverage")
    sub.add_argument("variable", metavar="VAR", nargs="?", help="only this variable")
    sub = command("show", cmd_show, "one record: its value, versions and provenance chain")
    sub.add_argument("variable", metavar="VAR")
    sub.add_argument("metadata", metavar="KEY=VALUE", nargs="*", help="e.g. subject=1 session=pre")
    sub.add_argument("--version", type=int, help="this version (default: the latest)")
    sub = command("runs", cmd_runs, "the run log, newest first")
    sub.add_argument("--failed", action="store_true",
                     help="only runs that failed, were interrupted or had failed combinations")
    sub.add_argument("--since", metavar="WHEN", help="e.g. 7d, 12h, 30m or 2026-01-31")
    sub.add_argument("--limit", type=int, help="at most this many runs")
    sub = command("status", cmd_status,
                  "a grid of done / error / stale / missing for one variable")
    sub.add_argument("variable", metavar="VAR")
    sub.add_argument("--grid", metavar="KEYS",
                     help="comma-separated keys (default: every key the records use)")
    sub = command("lineage", cmd_lineage,
                  "the pipeline as a picture: variables, functions, coverage, staleness")
    sub.add_argument("variable", metavar="VAR", nargs="?",
                     help="only what is upstream and downstream of this variable")
    sub.add_argument("--record", metavar="ID", help="the lineage of one record instead")
    sub.add_argument("--format", choices=["svg", "html", "mermaid", "dot", "json"],
                     help="default: from the -o file name, else mermaid")
    sub.add_argument("-o", "--output", metavar="FILE", help="write here instead of printing")
    sub.add_argument("--no-reduce", action="store_true",
                     help="keep edges that a transitive reduction drops")
    sub = command("report", cmd_report, "an HTML report of one run (the latest by default)")
    sub.add_argument("run_id", metavar="RUN_ID", nargs="?",
                     help="the run's id or a unique prefix of it (scistack runs lists them)")
    sub.add_argument("-o", "--output", metavar="FILE", help="write here instead of printing")
    sub = command("export", cmd_export,
                  "a variable's latest records to csv, parquet or .mat, with provenance")
    sub.add_argument("variable", metavar="VAR")
    sub.add_argument("--format", choices=["csv", "parquet", "mat"],
                     help="default: from the -o file name")
    sub.add_argument("--where", metavar="KEY=VALUE", action="append", default=[],
                     help="only these records, e.g. --where subject=1 --where session=pre,post")
    sub.add_argument("-o", "--output", metavar="OUT", required=True, help="the file to write")
    sub.add_argument("--mat-version", choices=["5", "7.3"],
                     help="the .mat layout: 5, or 7.3 (HDF5); default 5, and 7.3 for values "
                          "over v5's 2 GB")
    sub = command("merge", cmd_merge,
                  "commit the shards of a SLURM run folder (idempotent; writes the database)",
                  reads=False)
    sub.add_argument("run_folder", metavar="RUN",
                     help="the run folder, or its run id (or a prefix) in .scistack-runs")
    sub = command("resubmit", cmd_resubmit,
                  "submit the lost or half-written chunks of a SLURM run folder again",
                  reads=False)
    sub.add_argument("run_folder", metavar="RUN",
                     help="the run folder, or its run id (or a prefix) in .scistack-runs")
    sub.add_argument("--chunk", type=int, action="append",
                     help="only this chunk (repeatable; default: every resubmittable one)")
    sub.add_argument("--failed", action="store_true",
                     help="also chunks whose shard holds failures (the shard is moved aside)")
    sub.add_argument("--dry-run", action="store_true",
                     help="only show the state of each chunk")
    return parser


def _exit_status(exc: ScistackError) -> int:
    if isinstance(exc, DatabaseLockedError):
        return EXIT_CODES["locked"]
    if isinstance(exc, (NotADatabaseError, DatabaseError)):
        return EXIT_CODES["cannot_open"]
    if isinstance(exc, NotFoundError):
        return EXIT_CODES["not_found"]
    if isinstance(exc, UnsupportedValueError):
        return EXIT_CODES["unsupported"]
    if isinstance(exc, (CommandLineError, MetadataError)):
        return EXIT_CODES["usage"]
    return EXIT_CODES["error"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``scistack`` command; return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except _Incomplete:
        return EXIT_CODES["incomplete"]
    except ScistackError as exc:
        print(f"scistack {args.command}: {exc}", file=sys.stderr)
        return _exit_status(exc)
    return EXIT_CODES["ok"]


if __name__ == "__main__":
    sys.exit(main())
