"""One for_each run against the database: planned combinations out, batched commits in, result.

:class:`ForEachRun` is the database's :class:`~scistack_engine.batches.Run` (the protocol
every for_each is driven by; see :mod:`scistack_engine.batches`). Making it plans the run
(:mod:`scistack_engine.planner`); combinations are planned a block at a time as chunks are
handed out, and the ones of a block that will not run (skipped, cached) are logged when
the block is planned, so the run holds one block and the chunks in flight, never the
grid. :meth:`~ForEachRun.next_chunk` hands out combinations with their inputs read in
one query; :meth:`~ForEachRun.commit` saves the outputs of any number of finished
combinations *and* their run-log rows in one transaction, so a process killed mid-run loses
only what was not committed and a rerun finds every committed output in place;
:meth:`~ForEachRun.finish` closes the run log and builds the result: one row per
combination reached (its metadata, status, reason and the record id of each output, or the
value itself when nothing is saved; kept in columns while the run goes), the run summary
and the notes to show the user. A run that stops early (interrupted, or stopped by an
error) has rows for the combinations planned by then. A logged run whose grid has more
than :data:`RESULT_ROWS` combinations keeps rows only for its skipped and failed ones (at
most that many): the run log has a row for every combination, the summary counts them, and
the result's memory stays bounded however large the grid. So does a staged run (a merge of
a run folder, whose report is the summary) of any size.
"""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .batches import Failure, Outcome, RunResult, WorkItem, counts_line
from .errors import ScistackError, UnsupportedValueError
from .faults import interrupts_as_keyboard
from .metadata import describe_metadata
from .payload import to_stored
from .planner import Combo, Plan, combo_lineage, load_batch, make_plan, mark_saved_all
from .runlog import ComboOutcome, RunLog
from .store import Database, ReadOnlyError, SaveItem

__all__ = ["ForEachRun", "OutputsError", "NOTED_PROBLEMS", "RESULT_ROWS"]

#: Skipped or failed combinations named one by one in a run's notes; the rest are counted.
NOTED_PROBLEMS = 20

#: A logged run of a larger grid has result rows for its skipped and failed combinations
#: only, at most this many (see the module docstring).
RESULT_ROWS = 100_000

#: The outcomes a run's summary counts.
_COUNTED = ("done", "cached", "skipped", "failed", "would_run")


class OutputsError(ScistackError, ValueError):
    """A function returned a different number of values than there are output variables."""

    identifier = "scistack:foreach:outputCount"


class ForEachRun:
    """A planned for_each over ``db``; see the module docstring for its life cycle.

    Parameters
    ----------
    db
        The database the inputs are read from and the outputs saved to.
    spec
        The language-neutral spec (see :mod:`scistack_engine.planner`).
    language
        ``"python"`` or ``"matlab"``: where the function runs (kept in the run log and
        in lineage).
    save
        ``False`` runs without saving or logging; the result holds the returned values.
    dry_run
        Plan only: :meth:`finish` reports what would run.
    staged
        Plan nothing: the combinations are the ones given to :meth:`adopt`, planned
        earlier (a merge of a SLURM run folder: they were planned when it was staged).
        Its result keeps rows only for skipped and failed combinations.
    """

    def __init__(self, db: Database, spec: Mapping[str, Any], *, language: str = "python",
                 save: bool = True, dry_run: bool = False, staged: bool = False) -> None:
        self.db = db
        self.language = language
        self.spec = spec
        self.outputs: list[str] = list(spec.get("outputs") or [])
        self.dry_run = dry_run
        self.save = save and not dry_run and bool(self.outputs)
        if self.save and db.read_only:
            raise ReadOnlyError(
                f"database {db.path!r} is open read-only, so for_each cannot save "
                f"{self.outputs}; reopen it with read_only=False, or pass save=False or "
                "dry_run=True")
        self.started = time.perf_counter()
        self.plan: Plan = make_plan(db, spec)
        self._blocks: Iterator[list[Combo]] | None = None if staged else self.plan.blocks()
        self._todo: deque[Combo] = deque()
        self._handed: dict[int, Combo] = {}
        self._handed_out = 0
        self._result = _Rows([*self.plan.keys, "status", "reason", *self.outputs],
                             every=not staged and (not self.save
                                                  or self.plan.grid_size <= RESULT_ROWS))
        # a bad filter or path template fails before the log
        first = next(self._blocks, []) if self._blocks else []
        self.log: RunLog | None = None
        if self.save:
            options = {k: spec.get(k) for k in ("iterables", "outputs", "as_table", "batch_size",
                                                "executor")}
            with db.transaction():  # the writing connection, under the database's lock
                self.log = RunLog(db.cx, self.function, language, self.plan.grid_size, options)
        self._take_block(first)  # a run of one block is planned (and its skips logged) here

    # ------------------------------------------------------------------ the protocol

    @property
    def function(self) -> str:
        return str(self.spec.get("function") or "?")

    @property
    def run_id(self) -> str | None:
        """The run's id in the ``_runs`` table (None when nothing is logged)."""
        return self.log.run_id if self.log else None

    @property
    def to_run(self) -> int:
        """The combinations the run hands out: exact once every block is planned, until
        then counting every combination not yet planned as one to run."""
        if self.dry_run:
            return 0
        unplanned = self.plan.grid_size - self.plan.formed if self._blocks else 0
        return self._handed_out + len(self._todo) + unplanned

    def next_combos(self, size: int) -> list[Combo]:
        """The next (at most ``size``) combinations to run, marked as handed out."""
        if self.dry_run:
            return []
        size = max(1, size)
        while len(self._todo) < size and self._plan_block():
            pass
        combos = [self._todo.popleft() for _ in range(min(size, len(self._todo)))]
        for combo in combos:
            self._handed[combo.index] = combo
        self._handed_out += len(combos)
        return combos

    @interrupts_as_keyboard()
    def next_chunk(self, size: int) -> list[WorkItem]:
        """The next combinations to run with their input values (one value query)."""
        combos = self.next_combos(size)
        if not combos:
            return []
        return [WorkItem(c.index, kwargs)
                for c, kwargs in zip(combos, load_batch(self.db, self.plan, combos))]

    def adopt(self, combos: list[Combo]) -> None:
        """Take combinations planned earlier (metadata, cache key and lineage text set) as
        the next block: those whose outputs are saved by now are logged as cached, the
        others queued to be handed out."""
        mark_saved_all(self.spec, [self.db.index(variable) for variable in self.outputs],
                       combos)
        self._take_block(combos)

    def saved_as(self, index: int) -> tuple[dict[str, Any], str | None, str | None]:
        """What the outputs of a handed-out combination are saved with: its metadata, its
        cache key and its lineage as JSON text (None without a function fingerprint)."""
        combo = self._handed[index]
        return combo.metadata, combo.cache_key, self._lineage_text(combo)

    def _lineage_text(self, combo: Combo) -> str | None:
        if combo.lineage is None and self.spec.get("fingerprint"):
            return json.dumps(combo_lineage(self.plan, combo, self.language), sort_keys=True,
                              default=str)
        return combo.lineage

    def leave_out(self, reasons: Mapping[int, str]) -> None:
        """Log handed-out combinations that this run will not finish as ``skipped``, each
        with its reason (a merge of a run folder: those whose chunk has no result yet)."""
        combos = [self._take(index) for index in reasons]
        if self.log and combos:
            with self.db.transaction():
                self.log.add_combos([ComboOutcome(c.index, c.metadata, "skipped",
                                                  reasons[c.index]) for c in combos])
        for combo in combos:
            self._result.finish_row(combo.index, combo.metadata, "skipped",
                                    reasons[combo.index], ())

    @interrupts_as_keyboard()
    def commit(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Save the outputs of finished combinations and log them, in one transaction.

        A combination whose returned values do not match the output variables, or whose
        outputs cannot be stored, is logged as failed and saves nothing; those outcomes are
        returned (with their ``failure`` set). When the spec carries a function
        fingerprint, each output is saved with the combination's lineage and cache key.
        A windowed run then folds the database's log once it is long enough
        (:meth:`Database.fold_log`).
        """
        combos = [self._take(outcome.index) for outcome in outcomes]
        refused: list[Outcome] = []
        ran: list[tuple[Combo, Outcome, list[Any]]] = []
        for combo, outcome in zip(combos, outcomes):
            if outcome.failure is not None:
                continue
            values = self._split(outcome)
            if values is None:
                refused.append(outcome)
            elif self.save:
                ran.append((combo, outcome, values))
            else:
                self._result.set_outputs(combo.index, zip(self.outputs, values))
        record_ids: dict[int, list[str]] = {}
        if self.save:
            with self.db.transaction():
                refused += self._save_outputs(ran, record_ids)
                assert self.log is not None
                self.log.add_combos([
                    ComboOutcome(c.index, c.metadata, "failed" if o.failure else "done",
                                 o.failure.text if o.failure else None, o.duration_s,
                                 record_ids.get(c.index, []),
                                 o.failure.stack if o.failure else None, o.place)
                    for c, o in zip(combos, outcomes)])
            if self.plan.windowed:  # DuckDB's memory bounded by its log, not by the grid
                self.db.fold_log()
        for combo, outcome in zip(combos, outcomes):
            self._result.finish_row(combo.index, combo.metadata,
                                    "failed" if outcome.failure else "done",
                                    outcome.failure.text if outcome.failure else None,
                                    zip(self.outputs, record_ids.get(combo.index, [])))
        return refused

    def _save_outputs(self, ran: list[tuple[Combo, Outcome, list[Any]]],
                      record_ids: dict[int, list[str]]) -> list[Outcome]:
        """Save the outputs of the combinations that ran (inside the commit's transaction);
        ``record_ids`` gets each saved combination's record ids, in output order. Returns
        the outcomes failed because an output cannot be stored (nothing of theirs is saved).

        An output whose values are all Python floats, all ints, all bools or all strs is
        saved as columns (:meth:`Database.save_columns`), any other item by item; either
        way the records are those :meth:`Database.save_batch` makes of one item each."""
        lineages = [self._lineage_text(combo) for combo, _, _ in ran]
        columns: dict[int, np.ndarray] = {}  # output position -> its values, as a column
        if self.plan.keys and ran and all(o.wires is None for _, o, _ in ran):
            for position in range(len(self.outputs)):
                column = _scalar_column([values[position] for _, _, values in ran])
                if column is not None:
                    columns[position] = column
        items: list[SaveItem] = []
        owners: list[tuple[int, Outcome]] = []  # (output position, outcome) of each item
        by_item = ran if len(columns) < len(self.outputs) else []  # an output not a column
        for (combo, outcome, values), lineage in zip(by_item, lineages):
            wires: Sequence[bytes | None] = outcome.wires or [None] * len(values)
            for position, (variable, value, wire) in enumerate(zip(self.outputs, values, wires)):
                if position not in columns:
                    items.append(SaveItem(variable, combo.metadata, value, wire,
                                          combo.cache_key, lineage,
                                          position if lineage else None))
                    owners.append((position, outcome))
        windowed = self.plan.windowed
        try:
            infos = self.db.save_batch(items, windowed=windowed) if items else []
        except UnsupportedValueError:
            # save_batch validates everything before writing: nothing is written yet.
            # Fail only the combinations whose outputs cannot be stored; save the rest.
            items, owners, unstorable = _drop_unstorable(items, owners)
            infos = self.db.save_batch(items, windowed=windowed) if items else []
        else:
            unstorable = []
        saved: dict[int, list[str]] = {o.index: [""] * len(self.outputs) for _, o, _ in ran}
        for (position, owner), info in zip(owners, infos):
            saved[owner.index][position] = info.record_id
        storable = [outcome.failure is None for _, outcome, _ in ran]
        kept = [(row, lineage) for row, lineage, ok in zip(ran, lineages, storable) if ok]
        if columns and kept:
            metadata = {key: [combo.metadata[key] for (combo, _, _), _ in kept]
                        for key in self.plan.keys}
            texts = [lineage for _, lineage in kept] if self.spec.get("fingerprint") else None
            keys = [combo.cache_key for (combo, _, _), _ in kept] if texts else None
            for position, column in columns.items():
                infos = self.db.save_columns(
                    self.outputs[position], metadata,
                    column if len(kept) == len(ran) else column[np.array(storable, bool)],
                    cache_keys=keys, lineages=texts, output_index=position if texts else None,
                    windowed=windowed)
                for ((_, outcome, _), _), info in zip(kept, infos):
                    saved[outcome.index][position] = info.record_id
        for (_, outcome, _), _ in kept:
            record_ids[outcome.index] = saved[outcome.index]
        return unstorable

    def finish(self, status: str = "finished") -> RunResult:
        """Close the run log with ``status``; the result table, summary and notes.

        A dry run plans every combination first (it reports what would run)."""
        while self.dry_run and self._plan_block():
            pass
        if self.log:
            with self.db.transaction():
                self.log.finish(status, self._result.reached)
        counts = {s: self._result.counts[s] for s in _COUNTED}
        summary = {"run_id": self.run_id, "function": self.function, "status": status,
                   "combos": self._result.reached, **counts,
                   "seconds": round(time.perf_counter() - self.started, 6)}
        headline = f"for_each({self.function}): {counts_line(counts) or 'nothing to do'}"
        table = self.table()
        table.attrs["summary"] = summary
        table.attrs["all_rows"] = self._result.every
        return RunResult(table, summary, headline, self._notes())

    def interrupted_note(self) -> str:
        saved = self._result.counts["done"] + self._result.counts["cached"]
        total = self._result.reached + (
            self.plan.grid_size - self.plan.formed if self._blocks else 0)
        if not self.save:
            return f"{saved} of {total} combinations ran; nothing was saved (save=False)"
        return f"{saved} of {total} combinations saved; run again to continue"

    # ------------------------------------------------------------------ the result

    def table(self) -> pd.DataFrame:
        """The result so far: one row per combination planned (or, in a large logged run,
        per skipped or failed one), in plan order."""
        frame = pd.DataFrame({name: self._result.column(name) for name in self._result.names},
                             columns=self._result.names)
        frame.attrs["run_id"] = self.run_id
        return frame

    def column(self, name: str) -> list[Any]:
        """One column of the result so far (a metadata key, ``status``, ``reason`` or an
        output), one value per row of :meth:`table`."""
        return self._result.column(name)

    def _planned_status(self, combo: Combo) -> str:
        status = combo.status
        return "would_run" if self.dry_run and status == "run" else status

    def _planned_row(self, combo: Combo, status: str) -> list[tuple[str, Any]]:
        reason = combo.missing
        if status == "cached":
            computed = self.spec.get("fingerprint") and self.spec.get("skip_computed", True)
            reason = ("already computed with this function, code and inputs"
                      if computed else "its outputs are already saved")
        return [*combo.metadata.items(), ("status", status), ("reason", reason),
                *(zip(self.outputs, combo.cached_records) if status == "cached" else ())]

    def _plan_block(self) -> bool:
        """Plan the next block: its combinations to run are queued, the others logged (and
        cached outputs that later runs superseded restored). False when none is left."""
        block = next(self._blocks, None) if self._blocks else None
        if block is None:
            self._blocks = None
            return False
        self._take_block(block)
        return True

    def _take_block(self, block: list[Combo]) -> None:
        """Log a planned block's skipped and cached combinations, queue the others."""
        if self.log:
            with self.db.transaction():
                self._restore_stale(block)
                self.log.add_combos([
                    ComboOutcome(c.index, c.metadata, "skipped", c.missing) if c.missing
                    else ComboOutcome(c.index, c.metadata, "cached", None, 0.0, c.cached_records)
                    for c in block if c.status != "run"])
        for combo in block:
            status = self._planned_status(combo)
            self._result.add(combo.index, status, self._planned_row(combo, status)
                             if self._result.keeps(status) else ())
            if status == "run":
                self._todo.append(combo)

    def _notes(self) -> list[str]:
        """One line per skipped or failed combination (the first few), then how many more."""
        statuses = self._result.column("status")
        problems = [i for i, status in enumerate(statuses) if status in ("skipped", "failed")]
        keys = list(self.plan.keys)
        notes = [f"for_each({self.function}) {statuses[i]} "
                 f"{describe_metadata({k: self._result.column(k)[i] for k in keys})}: "
                 f"{self._result.column('reason')[i]}"
                 for i in problems[:NOTED_PROBLEMS]]
        more = self._result.counts["skipped"] + self._result.counts["failed"] - len(notes)
        if more > 0:
            where = "the run log, _run_combos" if self.log else "the result's reason column"
            notes.append(f"... and {more} more (see {where})")
        return notes

    # ------------------------------------------------------------------ helpers

    def _take(self, index: int) -> Combo:
        combo = self._handed.pop(index, None)
        if combo is None:
            raise ScistackError(f"for_each({self.function}): combination {index} was not "
                                "handed out, or its outcome was committed already")
        return combo

    def _split(self, outcome: Outcome) -> list[Any] | None:
        """The outcome's value for each output variable; None (and the outcome failed)
        when their number does not match. Encoded outputs stand in as None."""
        n = len(self.outputs)
        if outcome.wires is not None:
            values: list[Any] = [None] * len(outcome.wires)
        elif n > 1 and isinstance(outcome.returned, (tuple, list)):
            values = list(outcome.returned)
        else:
            values = [outcome.returned]
        if n == 0 or len(values) == n:
            return values[:n]
        message = (f"the function returned {len(values)} value(s) but {n} outputs are "
                   f"declared {self.outputs}; return a tuple with one value per output")
        outcome.failure = Failure("OutputsError", message, stage="outputs",
                                  exception=OutputsError(message))
        return None

    def _restore_stale(self, block: Sequence[Combo]) -> None:
        """Make cached outputs that later runs superseded the latest versions again.

        Running with ``low_hz=20``, then 30, then 20 again finds the first results cached;
        they are saved again (same value, same lineage) as new versions, so a plain load
        returns what this run stands for. The function is not called.
        """
        stale = [(c, info) for c in block for info in c.stale]
        if not stale:
            return
        ids = [info.record_id for _, info in stale]
        wires, lineages = self.db.fetch_wires([info for _, info in stale]), self.db.lineage_of(ids)
        infos = self.db.save_batch([
            SaveItem(info.variable, info.metadata, wire=wires[info.record_id],
                     cache_key=info.cache_key, lineage=lineages[info.record_id],
                     output_index=info.output_index) for _, info in stale],
            windowed=self.plan.windowed)
        for (combo, old), new in zip(stale, infos):
            combo.cached_records[combo.cached_records.index(old.record_id)] = new.record_id


class _Rows:
    """A run's result while it goes: the count of each status, and the rows, kept as one
    list per column (a row costs a pointer per column).

    With ``every``, each combination planned has a row, its number being its row. Without,
    only skipped and failed combinations get one (at most :data:`RESULT_ROWS`), put in plan
    order when read; the others are only counted.
    """

    def __init__(self, names: Sequence[str], every: bool) -> None:
        self.names = list(dict.fromkeys(names))
        self.every = every
        self.counts: Counter[str] = Counter()
        self.reached = 0  # combinations planned
        self._data: dict[str, list[Any]] = {name: [] for name in self.names}
        self._combos: list[int] = []  # without ``every``: each row's combination
        self._sorted = True

    def keeps(self, status: str) -> bool:
        """Whether a combination planned with ``status`` gets a row."""
        return self.every or status == "skipped"

    def add(self, index: int, status: str, cells: Sequence[tuple[str, Any]]) -> None:
        """A planned combination with ``status``; ``cells`` (its ``status`` among them)
        are its row when it :meth:`keeps` one."""
        self.reached += 1
        self.counts[status] += 1
        if self.keeps(status):
            self._append(index, cells)

    def finish_row(self, index: int, metadata: Mapping[str, Any], status: str,
                   reason: str | None, outputs: Iterable[tuple[str, Any]]) -> None:
        """A combination handed out to run (planned with status ``run``) ended with
        ``status``: done, failed, or skipped when a merge left it out."""
        self.counts["run"] -= 1
        self.counts[status] += 1
        if self.every:
            self.set_outputs(index, [("status", status), ("reason", reason), *outputs])
        elif status != "done":
            self._append(index, [*metadata.items(), ("status", status), ("reason", reason),
                                 *outputs])

    def set_outputs(self, index: int, cells: Iterable[tuple[str, Any]]) -> None:
        """Set cells of a combination's row (with ``every`` only)."""
        for name, value in cells:
            self._data[name][index] = value

    def column(self, name: str) -> list[Any]:
        self._trim()
        return self._data[name]

    def _append(self, index: int, cells: Iterable[tuple[str, Any]]) -> None:
        if not self.every:
            self._sorted = self._sorted and (not self._combos or self._combos[-1] < index)
            self._combos.append(index)
        for column in self._data.values():
            column.append(None)
        row = len(self._data["status"]) - 1
        for name, value in cells:
            self._data[name][row] = value
        if len(self._combos) >= 2 * RESULT_ROWS:
            self._trim()

    def _trim(self) -> None:
        """Put the rows in plan order and keep the first :data:`RESULT_ROWS` (a failed
        combination may come after skipped ones planned later)."""
        if self.every or (self._sorted and len(self._combos) <= RESULT_ROWS):
            return
        order = sorted(range(len(self._combos)), key=self._combos.__getitem__)[:RESULT_ROWS]
        self._combos = [self._combos[i] for i in order]
        for key, column in self._data.items():
            self._data[key] = [column[i] for i in order]
        self._sorted = True


def _drop_unstorable(items: list[SaveItem], owners: list[tuple[int, Outcome]]
                     ) -> tuple[list[SaveItem], list[tuple[int, Outcome]], list[Outcome]]:
    """The items of the combinations whose every output can be stored, their owners, and
    the outcomes that failed (their failure names the output and the value's type)."""
    failed: list[Outcome] = []
    for item, (_, owner) in zip(items, owners):
        if owner.failure is None:
            try:
                to_stored(item.value, item.wire)
            except UnsupportedValueError as exc:
                message = f"output {item.variable}: {exc}"
                owner.failure = Failure("", message, stage="outputs", exception=exc)
                failed.append(owner)
    kept = [(item, owner) for item, owner in zip(items, owners) if owner[1].failure is None]
    return [i for i, _ in kept], [o for _, o in kept], failed


def _scalar_column(values: list[Any]) -> np.ndarray | None:
    """``values`` as a NumPy column when they are all Python floats, all ints within
    int64, all bools or all strs (the column's ``tolist()`` gives them back); else None."""
    kinds = set(map(type, values))
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is float or kind is bool:
        return np.array(values, dtype=kind)
    if kind is int:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            return None
    if kind is str:
        column = np.empty(len(values), dtype=object)
        column[:] = values
        return column
    return None
