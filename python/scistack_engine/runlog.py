"""The run log: what each for_each run did, and why, kept in the database for users to query.

Two tables (documented in ``docs/storage.md``):

* ``_runs`` — one row per run: the function, language, host, user, start and end, status
  (``running``, ``finished``, ``failed``, ``interrupted``) and counts by outcome;
* ``_run_combos`` — one row per combination of a run: its metadata, status (``done``,
  ``cached``, ``skipped``, ``failed``, ``dry_run``), the reason for a skip or the error
  message, the duration, the record ids it saved, for a failure the stack, and where it
  ran: host, pid and worker (``main`` for the process that ran the for_each; NULL for a
  combination that did not run).

A run row is written when the run starts, so a run killed midway is visible as
``running`` with the combinations committed before the kill; combination rows are written
in the same transaction as the outputs of their batch.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from .batches import Place

__all__ = ["create_runlog_tables", "upgrade_runlog_tables", "ComboOutcome", "RunLog", "json_texts"]

_COMBO_COLUMNS = ["run_id", "combo", "metadata", "status", "reason", "duration_s", "record_ids",
                  "finished_at", "stack", "host", "pid", "worker"]
#: Columns of ``_run_combos`` added since format 1 (added to older files when opened).
_ADDED_COMBO_COLUMNS = {"host": "VARCHAR", "pid": "INTEGER", "worker": "VARCHAR"}

COMBO_STATUSES = ("done", "cached", "skipped", "failed", "dry_run")


def create_runlog_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE _runs (run_id VARCHAR PRIMARY KEY, function VARCHAR, language VARCHAR, "
        'host VARCHAR, "user" VARCHAR, pid INTEGER, started_at TIMESTAMPTZ, '
        "finished_at TIMESTAMPTZ, "
        "status VARCHAR, n_combos INTEGER, n_done INTEGER, n_cached INTEGER, n_skipped INTEGER, "
        "n_failed INTEGER, options VARCHAR)"
    )
    con.execute(
        "CREATE TABLE _run_combos (run_id VARCHAR, combo INTEGER, metadata VARCHAR, "
        "status VARCHAR, reason VARCHAR, duration_s DOUBLE, record_ids VARCHAR, "
        "finished_at TIMESTAMPTZ, stack VARCHAR, host VARCHAR, pid INTEGER, worker VARCHAR)"
    )


def upgrade_runlog_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Add the run-log columns a file written by an older SciStack lacks."""
    have = {row[0] for row in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = '_run_combos'"
    ).fetchall()}
    for name, sql_type in _ADDED_COMBO_COLUMNS.items():
        if name not in have:
            con.execute(f"ALTER TABLE _run_combos ADD COLUMN {name} {sql_type}")


@dataclass
class ComboOutcome:
    """What happened to one combination."""

    combo: int
    metadata: Mapping[str, Any]
    status: str
    reason: str | None = None
    duration_s: float = 0.0
    record_ids: list[str] = field(default_factory=list)
    stack: str | None = None  # where a failed function raised
    place: Place | None = None  # where it ran


def json_texts(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    """``json.dumps(dict(o), sort_keys=True, default=str)`` of each mapping (of text keys),
    the same text, made by joining each key's encoded value into the layout of the
    objects' keys (worked out once per set of keys; each distinct int and str value is
    encoded once; when every object has the same keys, each holding ints, one template is
    filled per object)."""
    keys = tuple(objects[0]) if objects else ()
    if keys and all(tuple(obj) == keys for obj in objects):
        order = sorted(keys)
        columns = [[obj[key] for obj in objects] for key in order]
        if all(set(map(type, column)) == {int} for column in columns):  # str(int) is its JSON
            template = "{" + ", ".join(json.dumps(key).replace("%", "%%") + ": %s"
                                       for key in order) + "}"
            return [template % row for row in zip(*columns)]
    layouts: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    encoded: dict[tuple[type, Any], str] = {}
    texts = []
    for obj in objects:
        keys = tuple(obj)
        layout = layouts.get(keys)
        if layout is None:  # ('{"a": ', "a"), (', "b": ', "b"), ... in sorted key order
            layout = layouts[keys] = [(("{" if i == 0 else ", ") + json.dumps(key) + ": ", key)
                                      for i, key in enumerate(sorted(keys))]
        if not layout:
            texts.append("{}")
            continue
        parts: list[str] = []
        for head, key in layout:
            value = obj[key]
            kind = type(value)
            if kind is int or kind is str:
                text = encoded.get((kind, value))
                if text is None:
                    text = encoded[(kind, value)] = json.dumps(value)
            else:
                text = json.dumps(value, sort_keys=True, default=str)
            parts += (head, text)
        parts.append("}")
        texts.append("".join(parts))
    return texts


def _ids_text(record_ids: Sequence[str]) -> str | None:
    """``json.dumps(record_ids)`` of record ids (hex digests: nothing to escape); None
    for none."""
    return '["' + '", "'.join(record_ids) + '"]' if record_ids else None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return str(os.getuid()) if hasattr(os, "getuid") else "unknown"


class RunLog:
    """Writes one run's rows; combination rows go in with their batch's transaction."""

    def __init__(self, con: duckdb.DuckDBPyConnection, function: str, language: str,
                 n_combos: int, options: Mapping[str, Any]) -> None:
        self.con = con
        self.run_id = uuid.uuid4().hex
        self.counts = {status: 0 for status in COMBO_STATUSES}
        con.execute(
            "INSERT INTO _runs VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'running', ?, 0, 0, 0, 0, ?)",
            [self.run_id, function, language, socket.gethostname(), _user(), os.getpid(),
             dt.datetime.now(dt.timezone.utc), n_combos, json.dumps(dict(options), default=str)],
        )

    def add_combos(self, outcomes: list[ComboOutcome]) -> None:
        """Insert combination rows (call inside the batch's transaction)."""
        if not outcomes:
            return
        n = len(outcomes)
        places = [o.place for o in outcomes]
        # one bulk insert of columns: executemany costs a round trip per row (0.4 s per 1,000)
        columns = [
            pa.array([self.run_id] * n, pa.string()),
            pa.array([o.combo for o in outcomes], pa.int32()),
            pa.array(json_texts([o.metadata for o in outcomes]), pa.string()),
            pa.array([o.status for o in outcomes], pa.string()),
            pa.array([o.reason for o in outcomes], pa.string()),
            pa.array([o.duration_s for o in outcomes], pa.float64()),
            pa.array([_ids_text(o.record_ids) for o in outcomes], pa.string()),
            pa.array([dt.datetime.now(dt.timezone.utc)] * n, pa.timestamp("us", tz="UTC")),
            pa.array([o.stack for o in outcomes], pa.string()),
            pa.array([p.host if p else None for p in places], pa.string()),
            pa.array([p.pid if p else None for p in places], pa.int32()),
            pa.array([p.worker if p else None for p in places], pa.string()),
        ]
        self.con.from_arrow(pa.table(columns, names=_COMBO_COLUMNS)).insert_into("_run_combos")
        for o in outcomes:
            self.counts[o.status] += 1

    def finish(self, status: str, n_combos: int) -> None:
        """End the run: its status, counts, and ``n_combos``, the combinations it planned
        (the run row holds the size of the grid until then)."""
        c = self.counts
        self.con.execute(
            "UPDATE _runs SET finished_at = ?, status = ?, n_combos = ?, n_done = ?, "
            "n_cached = ?, n_skipped = ?, n_failed = ? WHERE run_id = ?",
            [dt.datetime.now(dt.timezone.utc), status, n_combos, c["done"], c["cached"],
             c["skipped"], c["failed"], self.run_id],
        )
