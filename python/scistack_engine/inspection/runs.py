"""Reading the run log: which for_each runs there were, and what each combination did.

The run log's tables (``_runs``, ``_run_combos``) are written by
:mod:`scistack_engine.runlog`; this module only reads them: the list of runs (newest
first, optionally only failed ones or those since a time), one run with every combination,
and the latest attempt at each address of a variable (what ``status`` calls an error).
A run *produces* a variable when the variable is among the run's ``outputs`` option.

Each query takes a :class:`~scistack_engine.store.Database` or a
:class:`~scistack_engine.connection.ReadOnlyFile`, and the module imports nothing heavy,
so ``scistack runs`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import NotFoundError

if TYPE_CHECKING:
    from ..connection import ReadOnlyFile
    from ..store import Database

    Readable = Database | ReadOnlyFile

__all__ = ["RunRow", "ComboRow", "list_runs", "read_run", "latest_attempts", "parse_since"]

_RUN_COLUMNS = ("run_id", "function", "language", "host", "user", "pid", "started_at",
                "finished_at", "status", "n_combos", "n_done", "n_cached", "n_skipped",
                "n_failed", "options")


@dataclass(slots=True)
class RunRow:
    """One row of ``_runs``, with its options parsed."""

    run_id: str
    function: str
    language: str
    host: str
    user: str
    pid: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: str
    n_combos: int
    n_done: int
    n_cached: int
    n_skipped: int
    n_failed: int
    options: dict[str, Any]

    @property
    def outputs(self) -> list[str]:
        return list(self.options.get("outputs") or [])

    @property
    def wall_s(self) -> float | None:
        """Seconds from start to end (None while running or after a crash)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _RUN_COLUMNS}
        data["started_at"] = self.started_at.isoformat()
        data["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        data["wall_s"] = self.wall_s
        return data


@dataclass(slots=True)
class ComboRow:
    """One row of ``_run_combos``."""

    combo: int
    metadata: dict[str, Any]
    status: str
    reason: str | None
    duration_s: float
    record_ids: list[str]
    finished_at: dt.datetime | None
    stack: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"combo": self.combo, "metadata": self.metadata, "status": self.status,
                "reason": self.reason, "duration_s": self.duration_s,
                "record_ids": self.record_ids, "stack": self.stack,
                "finished_at": self.finished_at.isoformat() if self.finished_at else None}


def _run(row: tuple) -> RunRow:
    values = list(row)
    values[-1] = json.loads(values[-1] or "{}")
    return RunRow(*values)


_SINCE = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_since(text: str, now: dt.datetime | None = None) -> dt.datetime:
    """A time from ``"7d"``, ``"12h"``, ``"30m"``... before now, or an ISO 8601 date/time."""
    now = now or dt.datetime.now(dt.timezone.utc)
    match = _SINCE.match(text.strip())
    if match:
        return now - dt.timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r} is neither a span like 7d, 12h, 30m nor an ISO "
                         "date like 2026-01-31") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def list_runs(db: Readable, *, failed: bool = False, since: dt.datetime | None = None,
              limit: int | None = None) -> list[RunRow]:
    """Runs, newest first; ``failed`` keeps runs that did not finish cleanly or had a
    failed combination; ``since`` keeps runs started at or after it."""
    where, params = [], []
    if failed:
        where.append("(status <> 'finished' OR n_failed > 0)")
    if since is not None:
        where.append("started_at >= ?")
        params.append(since)
    sql = (f"SELECT {', '.join(_quoted(c) for c in _RUN_COLUMNS)} FROM _runs"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY started_at DESC, run_id" + (f" LIMIT {int(limit)}" if limit else ""))
    return [_run(row) for row in db.cx.execute(sql, params).fetchall()]


def _quoted(column: str) -> str:
    return f'"{column}"'


def read_run(db: Readable, run_id: str | None = None) -> tuple[RunRow, list[ComboRow]]:
    """One run (the latest by default; a unique prefix of its id is enough) and its
    combinations in plan order."""
    if run_id is None:
        runs = list_runs(db, limit=1)
        if not runs:
            raise NotFoundError(f"{db.path!r} has no runs yet; a for_each that saves "
                                "outputs writes one")
        run = runs[0]
    else:
        rows = db.cx.execute(
            f"SELECT {', '.join(_quoted(c) for c in _RUN_COLUMNS)} FROM _runs "
            "WHERE starts_with(run_id, ?) ORDER BY run_id", [run_id]).fetchall()
        if len(rows) != 1:
            latest = ", ".join(r.run_id[:12] for r in list_runs(db, limit=5)) or "none"
            problem = "no run" if not rows else f"{len(rows)} runs"
            raise NotFoundError(f"{problem} with id {run_id!r} in {db.path!r}; the latest "
                                f"runs are {latest} (scistack runs lists them)")
        run = _run(rows[0])
    combos = [
        ComboRow(combo, json.loads(metadata or "{}"), status, reason, duration or 0.0,
                 json.loads(ids) if ids else [], finished, stack)
        for combo, metadata, status, reason, duration, ids, finished, stack in db.cx.execute(
            "SELECT combo, metadata, status, reason, duration_s, record_ids, finished_at, "
            "stack FROM _run_combos WHERE run_id = ? ORDER BY combo", [run.run_id]).fetchall()
    ]
    return run, combos


@dataclass(frozen=True, slots=True)
class Attempt:
    """The latest logged attempt at one address of a variable."""

    run_id: str
    status: str
    reason: str | None
    finished_at: dt.datetime | None


def latest_attempts(db: Readable, variable: str) -> dict[str, Attempt]:
    """Address -> the latest combination of a run producing ``variable`` there."""
    rows = db.cx.execute(
        "SELECT c.run_id, c.metadata, c.status, c.reason, c.finished_at FROM _run_combos c "
        "JOIN _runs r USING (run_id) "
        "WHERE list_contains(CAST(json_extract_string(r.options, '$.outputs[*]') AS VARCHAR[]), ?) "
        "AND c.status <> 'dry_run' "
        "QUALIFY row_number() OVER (PARTITION BY c.metadata "
        "  ORDER BY c.finished_at DESC, r.started_at DESC, c.combo DESC) = 1",
        [variable]).fetchall()
    from ..metadata import address_of, normalize_metadata  # numpy: imported when needed

    attempts: dict[str, Attempt] = {}
    for run_id, metadata, status, reason, finished in rows:
        address = address_of(normalize_metadata(json.loads(metadata or "{}")))
        attempts[address] = Attempt(run_id, status, reason, finished)
    return attempts
