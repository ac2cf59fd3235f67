"""One for_each run against the database: plan, batches of inputs, batched commits, log.

:class:`ForEachRun` is the protocol both fronts drive. The engine plans
(:mod:`scistack_engine.planner`) and reads each batch's inputs with one query; the front
calls the user's function for each combination of the batch, in its own language; the
engine then commits the batch's outputs *and* its run-log rows in one transaction. A
process killed mid-run therefore loses at most the batch in flight, and a rerun finds
every committed output in place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import ScistackError, UnsupportedValueError
from .payload import to_stored
from .planner import Combo, Plan, combo_lineage, load_batch, make_plan
from .runlog import ComboOutcome, RunLog
from .store import Database, ReadOnlyError, SaveItem

__all__ = ["ComboResult", "ForEachRun", "OutputCountMismatch"]


class OutputCountMismatch(ScistackError, ValueError):
    identifier = "scistack:foreach:outputCount"


@dataclass
class ComboResult:
    """What the front reports for one executed combination."""

    combo: Combo
    outputs: Sequence[Any] | None = None  # one value per output variable
    error: str | None = None
    stack: str | None = None
    duration_s: float = 0.0
    wires: Sequence[bytes | None] | None = None  # MATLAB: outputs as wire bytes
    record_ids: list[str] = field(default_factory=list)


class ForEachRun:
    """A planned for_each over ``db``; see the module docstring for the protocol."""

    def __init__(self, db: Database, spec: Mapping[str, Any], *, language: str = "python",
                 save: bool = True, dry_run: bool = False) -> None:
        self.db = db
        self.language = language
        self.spec = spec
        self.outputs: list[str] = list(spec.get("outputs") or [])
        self.save = save and not dry_run and bool(self.outputs)
        if self.save and db.read_only:
            raise ReadOnlyError(
                f"database {db.path!r} is open read-only, so for_each cannot save "
                f"{self.outputs}; reopen it with read_only=False, or pass save=False or "
                "dry_run=True")
        self.plan: Plan = make_plan(db, spec)
        self.log: RunLog | None = None
        if self.save:
            options = {k: spec.get(k) for k in ("iterables", "outputs", "as_table", "batch_size")}
            self.log = RunLog(db.cx, spec.get("function") or "?", language,
                              len(self.plan.combos), options)
            with db.transaction():
                self._restore_stale()
                self.log.add_combos([
                    ComboOutcome(c.index, c.metadata, "skipped", c.missing) if c.missing
                    else ComboOutcome(c.index, c.metadata, "cached", None, 0.0, c.cached_records)
                    for c in self.plan.combos if c.status != "run"])

    def _restore_stale(self) -> None:
        """Make cached outputs that later runs superseded the latest versions again.

        Running with ``low_hz=20``, then 30, then 20 again finds the first results cached;
        they are saved again (same value, same lineage) as new versions, so a plain load
        returns what this run stands for. The function is not called.
        """
        stale = [(c, info) for c in self.plan.combos for info in c.stale]
        if not stale:
            return
        ids = [info.record_id for _, info in stale]
        wires, lineages = self.db.fetch_wires([info for _, info in stale]), self.db.lineage_of(ids)
        infos = self.db.save_batch([
            SaveItem(info.variable, info.metadata, wire=wires[info.record_id],
                     cache_key=info.cache_key, lineage=lineages[info.record_id],
                     output_index=info.output_index) for _, info in stale])
        for (combo, old), new in zip(stale, infos):
            combo.cached_records[combo.cached_records.index(old.record_id)] = new.record_id

    @property
    def run_id(self) -> str | None:
        return self.log.run_id if self.log else None

    def batches(self, size: int | None = None) -> Iterator[tuple[list[Combo], list[dict[str, Any]]]]:
        """Each batch of combinations to run, with their input values (one query each)."""
        for batch in self.plan.batches(size):
            yield batch, load_batch(self.db, self.plan, batch)

    def commit(self, results: Sequence[ComboResult]) -> None:
        """Save a batch's outputs and log its combinations, in one transaction.

        Fills each result's ``record_ids``. A result whose output count is wrong is logged
        as failed and saves nothing. When the spec carries a function fingerprint, each
        output is saved with the combination's lineage and cache key.
        """
        items: list[SaveItem] = []
        owners: list[ComboResult] = []
        for result in results:
            if result.error is None and self.save:
                values = list(result.outputs or [])
                wires = list(result.wires) if result.wires is not None else [None] * len(values)
                if len(values) != len(self.outputs):
                    result.error = (f"returned {len(values)} output(s) for {len(self.outputs)} "
                                    f"output variable(s) {self.outputs}")
                    continue
                lineage = (combo_lineage(self.plan, result.combo, self.language)
                           if self.spec.get("fingerprint") else None)
                for position, (variable, value, wire) in enumerate(zip(self.outputs, values, wires)):
                    items.append(SaveItem(variable, result.combo.metadata, value, wire,
                                          result.combo.cache_key, lineage,
                                          position if lineage else None))
                    owners.append(result)
        with self.db.transaction():
            try:
                infos = self.db.save_batch(items) if items else []
            except UnsupportedValueError:
                # save_batch validates everything before writing: nothing is written yet.
                # Fail only the combinations whose outputs cannot be stored; save the rest.
                items, owners = _drop_unstorable(items, owners)
                infos = self.db.save_batch(items) if items else []
            for owner, info in zip(owners, infos):
                owner.record_ids.append(info.record_id)
            if self.log:
                self.log.add_combos([
                    ComboOutcome(r.combo.index, r.combo.metadata,
                                 "failed" if r.error else "done", r.error, r.duration_s,
                                 r.record_ids, r.stack)
                    for r in results])

    def finish(self, status: str = "finished") -> None:
        if self.log:
            self.log.finish(status)


def _drop_unstorable(items: list[SaveItem], owners: list[ComboResult]
                     ) -> tuple[list[SaveItem], list[ComboResult]]:
    """The items of the combinations whose every output can be stored; the others get
    their error (naming the output and the value's type) and save nothing."""
    for item, owner in zip(items, owners):
        if owner.error is None:
            try:
                to_stored(item.value, item.wire)
            except UnsupportedValueError as exc:
                owner.error = f"output {item.variable}: {exc}"
    kept = [(item, owner) for item, owner in zip(items, owners) if owner.error is None]
    return [i for i, _ in kept], [o for _, o in kept]
