"""The status of every record and grid cell: done, error, stale or missing.

The status of a variable at one address (``subject=1, session="pre"``) is decided in
this order:

* **error** -- the latest logged attempt to make it (the latest ``_run_combos`` row of a
  run whose outputs include the variable, at that metadata) failed, and no record was
  saved there after that attempt;
* **missing** -- no record is there (a skipped attempt's reason is kept);
* **stale** -- the latest record there was produced by a call that would not be made the
  same way today, for at least one of these reasons:

  - *code*: its function's fingerprint differs from the function's current one, which is
    the fingerprint given by the caller (Python knows the function) or else the one of the
    variable's most recently saved record made by that function;
  - *constants*: its constants differ from those of that most recent record;
  - *input replaced*: an input record it was made from is no longer the latest version at
    its address and the latest has other content (a version with the same content, such
    as a cached result made latest again, replaces nothing);
  - *input stale*: an input record it was made from is itself stale (followed upstream,
    through unsaved intermediate results too);

* **done** -- otherwise, including records saved without lineage.

Not detected: an aggregating input that would now match more records (a trial added after
the mean was computed), and code changes no run has seen yet (run the pipeline, or pass
the current fingerprints).

A *grid* is the Cartesian product of the values its keys take in the database (in any
variable's records, and in the combinations of the runs producing the variable); a cell
holds every record whose metadata agrees with it and shows the worst status among them.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import MetadataError
from ..metadata import parse_address
from ..store import Database
from .records import CurrentRecords, Producer, Version, in_schema_order, read_current_records
from .runs import Attempt, latest_attempts

__all__ = ["STATUSES", "RecordStatus", "Staleness", "Cell", "StatusGrid", "variable_statuses",
           "status_grid"]

#: The statuses, best first; a cell shows the worst of its records'.
STATUSES = ("done", "stale", "missing", "error")


@dataclass(slots=True)
class RecordStatus:
    """The status of a variable at one address, with why and the record (if any)."""

    variable: str
    metadata: dict[str, Any]
    status: str
    reasons: list[str] = field(default_factory=list)
    record: Version | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"variable": self.variable, "metadata": self.metadata, "status": self.status,
                "reasons": self.reasons,
                "record_id": self.record.record_id if self.record else None,
                "version": self.record.version if self.record else None}


class Staleness:
    """Decides why records are stale (memoised; follows inputs upstream).

    Parameters
    ----------
    records
        The database's current records (every variable, so inputs can be followed).
    current_fingerprints
        Function name -> its fingerprint today, when the caller knows the function.
    """

    def __init__(self, records: CurrentRecords,
                 current_fingerprints: Mapping[str, str] | None = None) -> None:
        self.records = records
        self.current_fingerprints = dict(current_fingerprints or {})
        self._reasons: dict[str, list[str]] = {}

    def reasons(self, record: Version) -> list[str]:
        """Why ``record`` is stale ([] when it is not)."""
        known = self._reasons.get(record.record_id)
        if known is not None:
            return known
        self._reasons[record.record_id] = []  # a cycle in lineage counts as not stale
        reasons = self._producer_reasons(record.variable, record.producer, top=True)
        self._reasons[record.record_id] = reasons
        return reasons

    def _producer_reasons(self, variable: str, producer: Producer | None, top: bool) -> list[str]:
        if producer is None:
            return []
        reasons = []
        if top:
            newest = self.records.newest_producer(variable, producer.function)
            today = self.current_fingerprints.get(
                producer.function, newest.fingerprint if newest else producer.fingerprint
            )
            if producer.fingerprint != today:
                reasons.append(f"code: {producer.function} changed (fingerprint "
                               f"{producer.fingerprint[:12]} -> {today[:12]})")
            if newest is not None and dict(newest.constants) != dict(producer.constants):
                changed = sorted(set(newest.constants) | set(producer.constants))
                shown = ", ".join(
                    f"{k}={producer.constants.get(k)!r} -> {newest.constants.get(k)!r}"
                    for k in changed
                    if producer.constants.get(k) != newest.constants.get(k)
                )
                reasons.append(f"constants: {shown}")
        for use in producer.inputs:
            if use.upstream is not None:
                reasons += self._producer_reasons(variable, use.upstream, top=False)
                continue
            for record_id in use.record_ids:
                source = self.records.versions.get(record_id)
                if source is None:
                    continue
                where = _describe(in_schema_order(source.metadata, self.records.schema_keys))
                latest = self.records.latest_content.get((source.variable, source.address))
                if not source.latest and latest != source.content_hash:
                    reasons.append(f"input replaced: {use.parameter} used {source.variable} "
                                   f"{where} version {source.version}, a newer version exists")
                elif source.current and self.reasons(source):
                    reasons.append(f"input stale: {use.parameter} ({source.variable} {where})")
        return reasons


def _describe(metadata: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in metadata.items()) or "(no metadata)"


def _record_status(variable: str, metadata: dict[str, Any], record: Version | None,
                   attempt: Attempt | None, staleness: Staleness) -> RecordStatus:
    if attempt is not None and attempt.status == "failed" and (
            record is None or attempt.finished_at is None
            or attempt.finished_at > record.created_at):
        return RecordStatus(variable, metadata, "error", [attempt.reason or "failed"], record)
    if record is None:
        why = [attempt.reason] if attempt is not None and attempt.reason else []
        return RecordStatus(variable, metadata, "missing", why)
    reasons = staleness.reasons(record)
    return RecordStatus(variable, metadata, "stale" if reasons else "done", reasons, record)


def variable_statuses(db: Database, variable: str, *, records: CurrentRecords | None = None,
                      staleness: Staleness | None = None) -> list[RecordStatus]:
    """The status at every address where ``variable`` has a record or a logged attempt."""
    records = records or read_current_records(db)
    staleness = staleness or Staleness(records)
    latest = {v.address: v for v in records.latest(variable)}
    attempts = latest_attempts(db, variable)
    return [_record_status(variable, in_schema_order(parse_address(address), db.schema_keys),
                           latest.get(address), attempts.get(address), staleness)
            for address in sorted(set(latest) | set(attempts))]



@dataclass(slots=True)
class Cell:
    """One cell of a status grid: the worst status of its records, and counts by status."""

    coordinates: tuple[Any, ...]
    status: str
    counts: dict[str, int]
    entries: list[RecordStatus]


@dataclass(slots=True)
class StatusGrid:
    """A variable's statuses over the Cartesian product of some keys' values."""

    variable: str
    keys: list[str]
    axes: list[list[Any]]
    cells: list[Cell]

    @property
    def totals(self) -> dict[str, int]:
        """Cells by status."""
        counted = Counter(c.status for c in self.cells)
        return {s: counted.get(s, 0) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        return {"variable": self.variable, "keys": self.keys, "axes": self.axes,
                "totals": self.totals,
                "cells": [{"metadata": dict(zip(self.keys, c.coordinates)), "status": c.status,
                           "counts": c.counts, "entries": [e.to_dict() for e in c.entries]}
                          for c in self.cells]}


def _value_order(value: Any) -> tuple:
    return (isinstance(value, str), value)


def status_grid(db: Database, variable: str, keys: Sequence[str] | None = None, *,
                records: CurrentRecords | None = None,
                staleness: Staleness | None = None) -> StatusGrid:
    """``variable``'s status over the grid of ``keys`` (default: the schema keys its
    records and attempts use, in schema order)."""
    records = records or read_current_records(db)
    entries = variable_statuses(db, variable, records=records, staleness=staleness)
    used = {k for e in entries for k in e.metadata}
    if keys is None:
        keys = [k for k in db.schema_keys if k in used]
    keys = list(keys)
    for key in keys:
        if key not in used:
            have = ", ".join(k for k in db.schema_keys if k in used) or "none"
            raise MetadataError(f"{variable} records have no key {key!r}, so it cannot be a "
                                f"grid axis; its keys are: {have}")
    values: dict[str, set] = {k: set() for k in keys}
    for version in records.versions.values():
        if version.latest:
            for key, value in version.metadata.items():
                if key in values:
                    values[key].add(value)
    for entry in entries:
        for key in keys:
            values[key].add(entry.metadata[key])
    axes = [sorted(values[k], key=_value_order) for k in keys]
    by_cell: dict[tuple, list[RecordStatus]] = {}
    for entry in entries:
        if all(k in entry.metadata for k in keys):
            by_cell.setdefault(tuple(entry.metadata[k] for k in keys), []).append(entry)
    cells = []
    for coordinates in itertools.product(*axes):
        inside = by_cell.get(coordinates, [])
        counts = Counter(e.status for e in inside)
        status = max(counts, key=STATUSES.index) if counts else "missing"
        cells.append(Cell(coordinates, status, dict(counts), inside))
    return StatusGrid(variable, keys, axes, cells)
