"""A SLURM run folder after the fact: what its chunks hold, merging it, resubmitting chunks.

A :class:`~scistack_engine.slurm.Slurm` for_each stages a *run folder* (manifest, job
script, one *shard* per finished chunk) and merges the shards while its coordinating
process waits. When that process stopped early (killed, interrupted, the login session
ended), the array may run on and leave shards nobody merged. This module works on such a
folder without the code that staged it:

* :func:`run_state` — each chunk is **merged-ready** (its shard is complete), **queued**
  (a task of it is pending or running, from ``squeue``), **half-written** (a task died
  while writing its shard) or **missing** (no shard and no task: lost); the last two are
  *resubmittable*;
* :func:`merge_run` — commits every staged combination whose result a shard holds, up to
  :data:`MERGE_COMMIT` per transaction, through the for_each commit path. It plans
  nothing: staging wrote into the manifest what each combination's outputs are saved with
  (metadata, cache key, lineage text), the shards hold the results by combination.
  Combinations whose outputs are already saved under their cache key are logged as cached
  and not saved again, so merging twice changes nothing; those whose chunk has no result
  yet are logged as left out, with why; a folder merged to the end is marked;
* :func:`resubmit_run` — submits the resubmittable chunks (or the chunks named, or those
  whose shard holds failures: that shard is moved aside) with the folder's job script.

``scistack merge`` and ``scistack resubmit`` are these functions on the command line.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from .batches import COMMIT_GROWTH, Outcome, Place
from .errors import NotFoundError, SlurmError
from .executors import outcome_of
from .planner import Combo
from .slurm import MERGED, SUBMISSIONS, Slurm, queued_tasks
from .slurm_task import partial_shards, shard_failures, shard_path, shards_apart
from .store import gc_paused
from .transport import unpack_value
from .worker import ItemResult

__all__ = ["RunState", "MergeReport", "find_run_folder", "run_state", "merge_run",
           "resubmit_run"]

#: The staged combinations a merge reads from the manifest and commits in one transaction
#: (as many as the largest batch of a quick for_each).
MERGE_COMMIT = COMMIT_GROWTH * 500


@dataclass
class RunState:
    """The chunks of a run folder by state, and how many combinations each holds."""

    folder: str
    function: str
    combos: int
    chunks: dict[int, int]
    complete: list[int] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)
    half_written: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    with_failures: list[int] = field(default_factory=list)
    queue_known: bool = True
    merged: bool = False

    @property
    def resubmittable(self) -> list[int]:
        """Chunks with no shard and no task: lost, or torn while writing."""
        return sorted(self.half_written + self.missing)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "resubmittable": self.resubmittable}


@dataclass
class MergeReport:
    """What a merge committed (``merged`` results, ``failed`` ones logged with their
    errors), what was in the database already, what it could not merge and why."""

    state: RunState
    merged: int = 0
    failed: int = 0
    already_saved: int = 0
    not_merged: int = 0
    unmatched: int = 0
    merge_run_id: str | None = None

    @property
    def complete(self) -> bool:
        return self.not_merged == 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["state"] = self.state.to_dict()
        return {**data, "complete": self.complete}


def find_run_folder(db_path: str | Path, run: str) -> Path:
    """The run folder ``run`` names: a path to it, or a run id (or a unique prefix of
    one) in ``.scistack-runs`` beside the database."""
    given = Path(run)
    if (given / "manifest.duckdb").is_file():
        return given
    if given.is_dir() or given.is_absolute():
        raise NotFoundError(f"{run!r} is not a run folder: it has no manifest.duckdb (a run "
                            "folder is .scistack-runs/<run id> beside the database)")
    base = Path(db_path).resolve().parent / ".scistack-runs"
    found = sorted(p.parent for p in base.glob(f"{run}*/manifest.duckdb")) if run else []
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFoundError(f"no run folder {run!r}: neither a folder with a manifest.duckdb "
                            f"nor a run in {base} (ls it to see the runs staged there)")
    raise NotFoundError(f"{run!r} names {len(found)} run folders in {base}; give more of "
                        "the run id")


def _open_manifest(folder: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the folder's manifest."""
    try:
        return duckdb.connect(str(folder / "manifest.duckdb"), read_only=True)
    except duckdb.Error as exc:
        raise SlurmError(f"{str(folder)!r} is not a SciStack run folder: its manifest.duckdb "
                         f"cannot be read ({exc})") from exc


def _manifest(con: duckdb.DuckDBPyConnection
              ) -> tuple[dict[str, bytes], dict[int, list[int]], bool]:
    """The manifest's run table, the combinations of each chunk, and whether it holds what
    each combination's outputs are saved with."""
    run = {k: bytes(v) for k, v in con.execute("SELECT key, value FROM run").fetchall()}
    chunks = {int(chunk): combos for chunk, combos in con.execute(
        "SELECT chunk, list(combo ORDER BY combo) FROM items GROUP BY chunk ORDER BY chunk"
    ).fetchall()}
    columns = con.execute("SELECT * FROM items LIMIT 0").description
    return run, chunks, any(column[0] == "lineage" for column in columns)


def _queued_chunks(folder: Path) -> set[int] | None:
    """The chunks with a task pending or running; None when ``squeue`` cannot say."""
    lines = (folder / SUBMISSIONS).read_text().split() if (folder / SUBMISSIONS).exists() else []
    offsets = dict(zip(lines[0::2], map(int, lines[1::2])))
    if not offsets:
        return set()
    try:
        tasks = queued_tasks(offsets)
    except SlurmError:
        return None
    queued = set()
    for task in tasks:
        job, _, index = task.partition("_")
        if job in offsets and index.isdigit():
            queued.add(offsets[job] + int(index))
    return queued


def run_state(folder: str | Path) -> RunState:
    """The state of each chunk of a run folder (see the module docstring)."""
    folder = Path(folder)
    con = _open_manifest(folder)
    try:
        run, chunks, _ = _manifest(con)
    finally:
        con.close()
    return _state(folder, run, chunks)


def _state(folder: Path, run: dict[str, bytes], chunks: dict[int, list[int]],
           count_failures: Callable[[list[Path]], list[int]] = shard_failures) -> RunState:
    """:func:`run_state` of a folder whose manifest is read already; ``count_failures``
    counts the failures each complete shard holds."""
    spec = unpack_value(run["spec"]) if "spec" in run else {}
    queued = _queued_chunks(folder)
    state = RunState(str(folder), str(spec.get("function") or "?"),
                     sum(map(len, chunks.values())), {c: len(v) for c, v in chunks.items()},
                     queue_known=queued is not None, merged=(folder / MERGED).exists())
    shards = {chunk: shard_path(folder, chunk) for chunk in sorted(chunks)}
    state.complete = [chunk for chunk, shard in shards.items() if shard.exists()]
    failures = count_failures([shards[chunk] for chunk in state.complete])
    state.with_failures = [chunk for chunk, n in zip(state.complete, failures) if n]
    complete = set(state.complete)
    for chunk in shards:
        if chunk in complete:
            continue
        if queued and chunk in queued:
            state.queued.append(chunk)
        elif partial_shards(folder, chunk):
            state.half_written.append(chunk)
        else:
            state.missing.append(chunk)
    return state


def merge_run(db: Any, folder: str | Path) -> MergeReport:
    """Commit the results the shards of ``folder`` hold into ``db`` (open for writing).

    Raises
    ------
    SlurmError
        When the folder was staged without a spec or what its outputs are saved with (by
        an older SciStack: run the same for_each again to merge it) or without a function
        fingerprint (a merge could not tell its results are saved already).
    """
    folder = Path(folder)
    con = _open_manifest(folder)  # open through the merge: it reads the staged blocks
    try:
        with gc_paused():  # its many small objects would trigger collections of everything
            return _merge(db, folder, con)
    finally:
        con.close()


def _merge(db: Any, folder: Path, con: duckdb.DuckDBPyConnection) -> MergeReport:
    """:func:`merge_run` with the folder's manifest open as ``con``."""
    from .execution import ForEachRun

    run, chunks, staged = _manifest(con)
    if "spec" not in run or not staged or not run.get("work", b""):
        raise SlurmError(
            f"run folder {str(folder)!r} was staged without "
            f"{'a function fingerprint' if staged and 'spec' in run else 'the for_each spec'}"
            ", so its results cannot be merged here; run the same for_each again with "
            "executor=Slurm(...): it merges what the array finished")
    shards: list[list[ItemResult]] = []

    def read(paths: list[Path]) -> list[int]:  # the state's failure counts, as it reads
        shards[:] = shards_apart(paths)
        return [sum(1 for result in results if result[2] is not None) for results in shards]

    report = MergeReport(_state(folder, run, chunks, read))
    found = {result[0]: result for results in shards for result in results}
    chunk_of = {combo: chunk for chunk, combos in chunks.items() for combo in combos}
    left_out: dict[int, str] = {}  # combination -> why the run log says it was left out
    spec = {**unpack_value(run["spec"]), "skip_computed": True}  # saved ones are not redone
    merge = ForEachRun(db, spec, language=run.get("language", b"python").decode(), staged=True)
    report.merge_run_id = merge.run_id
    blocks = _staged_combos(con, MERGE_COMMIT)
    places: dict[tuple[str, int, str], Place] = {}  # each worker's, shared by its outcomes
    try:
        while (block := next(blocks, None)) is not None:
            merge.adopt(block)  # those saved by now are logged as cached
            outcomes: list[Outcome] = []
            for combo in merge.next_combos(len(block)):
                result = found.pop(combo.index, None)
                if result is None:
                    left_out[combo.index] = _left_out_reason(report.state,
                                                             chunk_of[combo.index])
                else:
                    outcomes.append(outcome_of(result, places))
            merge.commit(outcomes)
            failed = sum(1 for o in outcomes if o.failure is not None)
            report.failed += failed
            report.merged += len(outcomes) - failed
    except BaseException:
        merge.finish("interrupted")
        raise
    report.not_merged = len(left_out)
    merge.leave_out(left_out)
    summary = merge.finish("finished" if report.complete else "interrupted").summary
    report.already_saved = summary["cached"]
    report.unmatched = len(found)
    if report.complete:
        (folder / MERGED).touch()
        report.state.merged = True
    return report


def _staged_combos(con: duckdb.DuckDBPyConnection, size: int) -> Iterator[list[Combo]]:
    """The staged combinations of the manifest ``con``, ``size`` at a time in plan order,
    with the metadata, cache key and lineage text their outputs are saved with."""
    table = con.sql("SELECT combo, metadata, cache_key, lineage FROM items").to_arrow_table()
    if (np.diff(table.column("combo").to_numpy()) < 0).any():  # staged in plan order, mostly
        table = table.sort_by("combo")  # (sorting the rows in SQL costs more than reading them)
    for batch in table.to_batches(max_chunksize=size):
        columns = batch.to_pydict()
        yield [Combo(int(combo), unpack_value(metadata), cache_key=key, lineage=lineage)
               for combo, metadata, key, lineage in zip(
                   columns["combo"], columns["metadata"], columns["cache_key"],
                   columns["lineage"])]


def _left_out_reason(state: RunState, chunk: int) -> str:
    """Why a merge left a combination out (its run-log row says so)."""
    if chunk in state.queued:
        return f"no result yet: chunk {chunk} is queued or running; merge again when it ends"
    what = ("half-written (its task died while writing the shard)"
            if chunk in state.half_written else "lost (no shard and no task)")
    return f"no result yet: chunk {chunk} is {what}; resubmit it, then merge again"


def resubmit_run(folder: str | Path, chunks: Sequence[int] | None = None, *,
                 failed: bool = False, executor: Slurm | None = None) -> dict[str, Any]:
    """Submit chunks of ``folder`` again: ``chunks``, or else the resubmittable ones (and,
    with ``failed``, those whose shard holds failures; their shard is moved aside as
    ``<chunk>.duckdb.failed-<time>``). A chunk still queued is never submitted twice.
    Returns the chunks submitted, the job ids and the state before."""
    folder = Path(folder)
    state = run_state(folder)
    wanted = sorted(set(chunks) if chunks is not None else
                    set(state.resubmittable) | (set(state.with_failures) if failed else set()))
    unknown = [c for c in wanted if c not in state.chunks]
    if unknown:
        raise NotFoundError(f"run folder {str(folder)!r} has no chunk {unknown[0]} (its "
                            f"chunks are 0 to {len(state.chunks) - 1})")
    if wanted and not (folder / "job.sh").is_file():
        raise SlurmError(f"run folder {str(folder)!r} has no job.sh: its coordinating process "
                         "stopped before it submitted anything; run the same for_each again")
    busy = [c for c in wanted if c in state.queued]
    if busy:
        raise SlurmError(f"chunk {busy[0]} of {str(folder)!r} is still queued or running; "
                         "wait for it, or scancel it first")
    for chunk in wanted:
        shard = shard_path(folder, chunk)
        if shard.exists():
            stamp = time.strftime("%Y%m%d%H%M%S")
            shutil.move(shard, shard.with_name(f"{shard.name}.failed-{stamp}"))
    executor = executor or Slurm()
    tasks = executor.resubmit(folder, wanted) if wanted else {}
    if wanted:
        (folder / MERGED).unlink(missing_ok=True)
    return {"folder": str(folder), "submitted": wanted, "jobs": executor.submissions if wanted
            else [], "tasks": tasks, "state": state.to_dict()}
