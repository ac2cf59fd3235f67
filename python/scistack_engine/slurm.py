"""for_each on a SLURM cluster: stage a run folder, submit one job array, merge its shards.

:class:`Slurm` is an executor (:mod:`scistack_engine.executors`) for clusters without Dask.
The process that calls for_each — on the login node, holding the database — plans the run
as always, then:

1. **stages** a *run folder* (by default ``.scistack-runs/<run id>`` beside the database,
   which compute nodes must see, as they see the user's code): ``manifest.duckdb`` holds
   the packed function, the ``sys.path`` to import it with, and every combination to run
   with its packed inputs and its *chunk* — a read-only snapshot of exactly the inputs
   needed, so no task opens the main database; ``job.sh`` is the job script;
2. **submits one** ``sbatch --array`` over the chunks (several only where the cluster's
   ``MaxArraySize`` forces it); each array task runs ``python -m
   scistack_engine.slurm_task`` on its chunk over the cores of its allocation and writes
   a *shard* (:mod:`scistack_engine.slurm_task`);
3. **merges** each shard as it appears: its results become outcomes that the for_each
   loop commits like any other, in batches, with the run log naming the array task
   (``slurm-<job>_<task>``). A chunk whose task ended without a shard (killed, timed out,
   node lost) is submitted again alone, ``retries`` times; then its combinations fail
   with the reason and the task's log file.

Ctrl-C (or any error) while waiting cancels the jobs still queued or running; what was
merged is kept. When the calling process is killed instead, its array runs on; the next
run of the same function (same code fingerprint) over the same inputs merges what that
array finished — a combination's earlier result is found by a key of the function and its
packed inputs — and submits only the rest.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .batches import Failure, Outcome, Run
from .errors import SlurmError
from .executors import Executor, Stream, outcome_of, outcomes_of
from .pool import ENGINE_PARENT
from .slurm_task import partial_shards, read_shard, shard_path
from .transport import pack_function, pack_pickled, pack_value
from .worker import ItemResult

__all__ = ["Slurm"]

#: A run folder holding this file was merged to the end by its coordinating process.
MERGED = "merged"

#: The file of a run folder naming each ``sbatch`` of it: ``"<job id> <chunk offset>"``.
SUBMISSIONS = "submissions"


class Slurm(Executor):
    """Chunks as the tasks of one SLURM job array, merged back as they finish.

    Parameters
    ----------
    partition, time, cpus_per_task, mem
        The ``sbatch`` options of each array task (``time`` as ``"HH:MM:SS"``; ``mem`` as
        ``"4G"``); ``None`` leaves the cluster's default.
    chunk_size
        Combinations per array task; by default as many as make at most ``max_tasks``
        tasks.
    max_tasks
        The most array tasks a run is split into when ``chunk_size`` is not given.
    sbatch_args
        More ``sbatch`` options, e.g. ``["--account=lab", "--qos=short"]``.
    run_folder
        The folder to stage runs in (each run gets a folder of its own in it); by default
        ``.scistack-runs`` beside the database file. Compute nodes must see it.
    retries
        How many times a chunk whose task ended without a result is submitted again.
    poll_seconds
        How often the queue and the shards are looked at.
    python
        The Python the tasks run (default: this one).
    """

    name = "slurm"

    def __init__(self, *, partition: str | None = None, time: str | None = "01:00:00",
                 cpus_per_task: int = 1, mem: str | None = None,
                 chunk_size: int | None = None, max_tasks: int = 100,
                 sbatch_args: Sequence[str] = (), run_folder: str | Path | None = None,
                 retries: int = 1, poll_seconds: float = 2.0, python: str | None = None) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive number, not {chunk_size!r}")
        self.options = {"partition": partition, "time": time, "cpus-per-task": cpus_per_task,
                        "mem": mem}
        self.chunk_size = chunk_size
        self.max_tasks = max_tasks
        self.sbatch_args = list(sbatch_args)
        self.run_folder = Path(run_folder) if run_folder is not None else None
        self.retries = retries
        self.poll_seconds = poll_seconds
        self.python = python or sys.executable
        #: The job ids submitted by the last run (one unless MaxArraySize split it or a
        #: chunk was submitted again).
        self.submissions: list[str] = []

    def __repr__(self) -> str:
        given = {k: v for k, v in self.options.items() if v is not None}
        return f"Slurm({given}, chunk_size={self.chunk_size})"

    # ------------------------------------------------------------------ the run

    def outcomes(self, run: Run, call: Callable[..., Any], batch_size: int) -> Stream:
        function = pack_function(call)
        folder = self._folder(run)
        self.submissions = []
        work = _work_id(run, function)
        finished, earlier = _finished_elsewhere(folder.parent, work) if work else ({}, [])
        chunks, reused = _stage(folder, run, function, work, finished, self.chunk_size or
                                max(1, math.ceil(run.to_run / max(1, self.max_tasks))))
        for index, result in reused:  # finished by an earlier run's array: merged here
            yield outcome_of((index, *result[1:]))
        if chunks:
            yield from self._run_array(folder, run, chunks)
        for done in [folder, *earlier]:  # their results are this run's now
            (done / MERGED).touch()

    def _run_array(self, folder: Path, run: Run, chunks: dict[int, list[int]]) -> Stream:
        """Submit the staged chunks; the outcomes of their shards as they appear."""
        script = self._job_script(folder, getattr(run, "function", "for_each"))
        tasks = self._submit(script, list(chunks))  # "job_task" -> chunk
        tries = dict.fromkeys(chunks, 0)
        try:
            while chunks:
                time.sleep(self.poll_seconds)
                for chunk in [c for c in chunks if shard_path(folder, c).exists()]:
                    del chunks[chunk]
                    yield from outcomes_of(read_shard(shard_path(folder, chunk)))
                queued = self._queued()
                ended = {c for task, c in tasks.items() if task not in queued and c in chunks
                         and not shard_path(folder, c).exists()}
                for chunk in sorted(ended):
                    tasks = {t: c for t, c in tasks.items() if c != chunk}
                    if tries[chunk] < self.retries:
                        tries[chunk] += 1
                        tasks.update(self._submit(script, [chunk]))
                        continue
                    yield from _lost(chunks.pop(chunk), self._why(folder, chunk))
                yield None
        finally:
            if chunks:
                self._cancel()

    # ------------------------------------------------------------------ SLURM

    def _folder(self, run: Run) -> Path:
        db = getattr(run, "db", None)
        base = self.run_folder or (Path(db.path).resolve().parent / ".scistack-runs"
                                   if db is not None and getattr(db, "path", None)
                                   else Path.cwd() / ".scistack-runs")
        folder = base / (getattr(run, "run_id", None) or time.strftime("%Y%m%d-%H%M%S"))
        (folder / "shards").mkdir(parents=True, exist_ok=True)
        (folder / "logs").mkdir(exist_ok=True)
        return folder

    def _job_script(self, folder: Path, function: str) -> Path:
        lines = ["#!/bin/bash", f"#SBATCH --job-name=scistack-{_safe(function)}",
                 f"#SBATCH --output={folder / 'logs' / '%A_%a.out'}",
                 f"#SBATCH --chdir={Path.cwd()}"]
        lines += [f"#SBATCH --{name}={value}" for name, value in self.options.items()
                  if value is not None]
        lines += [f"#SBATCH {arg}" for arg in self.sbatch_args]
        lines += ["# one chunk of a SciStack for_each: see the manifest beside this file",
                  f"export PYTHONPATH={shlex.quote(ENGINE_PARENT)}${{PYTHONPATH:+:$PYTHONPATH}}",
                  f"export SCISTACK_RUN_FOLDER={shlex.quote(str(folder))}",
                  f"exec {shlex.quote(self.python)} -m scistack_engine.slurm_task "
                  f"{shlex.quote(str(folder))} "
                  "$((SLURM_ARRAY_TASK_ID + ${SCISTACK_CHUNK_OFFSET:-0}))", ""]
        script = folder / "job.sh"
        script.write_text("\n".join(lines))
        return script

    def _submit(self, script: Path, chunks: list[int]) -> dict[str, int]:
        """Submit the chunks as array tasks (one ``sbatch`` per block of MaxArraySize
        indexes); the array tasks' ids (``"job_task"``) and their chunks."""
        limit = _max_array_size()
        blocks: dict[int, list[int]] = {}
        for chunk in chunks:
            blocks.setdefault(chunk // limit * limit, []).append(chunk - chunk // limit * limit)
        tasks: dict[str, int] = {}
        for offset, indexes in blocks.items():
            job = _command(["sbatch", "--parsable", f"--array={_ranges(indexes)}",
                            f"--export=ALL,SCISTACK_CHUNK_OFFSET={offset}", str(script)])
            job = job.strip().split(";")[0]
            self.submissions.append(job)
            with open(script.parent / SUBMISSIONS, "a", encoding="utf-8") as f:
                f.write(f"{job} {offset}\n")
            tasks.update({f"{job}_{i}": offset + i for i in indexes})
        return tasks

    def resubmit(self, folder: Path, chunks: list[int]) -> dict[str, int]:
        """Submit chunks of a staged run folder again, with its job script (e.g. chunks
        whose task was lost after the coordinating process stopped); the array tasks' ids
        (``"job_task"``) and their chunks."""
        return self._submit(folder / "job.sh", chunks)

    def _queued(self) -> set[str]:
        """The array tasks of this run still pending or running."""
        return queued_tasks(self.submissions)

    def _cancel(self) -> None:
        subprocess.run(["scancel", *self.submissions], capture_output=True, check=False)

    @staticmethod
    def _why(folder: Path, chunk: int) -> str:
        half = " (it left a half-written shard, ignored)" if partial_shards(folder, chunk) else ""
        return (f"the SLURM array task of chunk {chunk} ended without a result{half}; its "
                f"output is in {folder / 'logs'}")


def _work_id(run: Run, function: bytes) -> str | None:
    """What identifies the work of a run's combinations beyond their inputs: the function's
    code fingerprint and how it travels. None when the run has no fingerprint (then no
    earlier result can be known to be this function's)."""
    fingerprint = (getattr(run, "spec", None) or {}).get("fingerprint")
    if not fingerprint:
        return None
    return hashlib.sha256(fingerprint.encode() + b"\0" + function).hexdigest()


def queued_tasks(jobs: Iterable[str]) -> set[str]:
    """The array tasks (``"job_task"``) of ``jobs`` that SLURM lists as pending or running."""
    out = _command(["squeue", "-h", "-r", "-o", "%i", "-j", ",".join(jobs)],
                   ok_codes=(0, 1))  # squeue fails once every job has left the queue
    return set(out.split())


def work_key(work: str, kwargs: bytes) -> str:
    """The key a shard's result is found by: the work (function fingerprint) and its packed
    inputs."""
    return hashlib.sha256(work.encode() + b"\0" + kwargs).hexdigest()


def _finished_elsewhere(base: Path, work: str) -> tuple[dict[str, ItemResult], list[Path]]:
    """The results that earlier runs' arrays left in ``base`` for the same work, by work
    key, and the run folders they are in: runs whose coordinating process stopped before
    it merged everything (it was killed, or interrupted), so that their combinations may
    never have been committed. Failures are left out (they run again)."""
    found: dict[str, ItemResult] = {}
    folders: list[Path] = []
    for manifest in sorted(base.glob("*/manifest.duckdb")):
        shards = sorted((manifest.parent / "shards").glob("*.duckdb"))
        if not shards or (manifest.parent / MERGED).exists():
            continue
        con = duckdb.connect(str(manifest), read_only=True)
        try:
            row = con.execute("SELECT value FROM run WHERE key = 'work'").fetchone()
            if row is None or bytes(row[0]).decode() != work:
                continue
            keys = dict(con.execute("SELECT combo, key FROM items").fetchall())
        finally:
            con.close()
        folders.append(manifest.parent)
        for shard in shards:
            for result in read_shard(shard):
                if result[2] is None and result[0] in keys:
                    found[keys[result[0]]] = result
    return found, folders


def _stage(folder: Path, run: Run, function: bytes, work: str | None,
           finished: dict[str, ItemResult], chunk_size: int
           ) -> tuple[dict[int, list[int]], list[tuple[int, ItemResult]]]:
    """Write the manifest: the function, sys.path, and every combination's packed inputs
    with its chunk and work key, and what its outputs are saved with (its pickled metadata,
    cache key and lineage text, as the run gives them: a merge plans nothing). Returns the
    combinations of each chunk, and those an earlier run already finished (with their
    results), which are not staged."""
    con = duckdb.connect(str(folder / "manifest.duckdb"))
    chunks: dict[int, list[int]] = {}
    reused: list[tuple[int, ItemResult]] = []
    try:
        con.execute("BEGIN")
        con.execute("CREATE TABLE run (key VARCHAR PRIMARY KEY, value BLOB)")
        con.execute("INSERT INTO run VALUES ('function', ?), ('sys_path', ?), ('work', ?), "
                    "('spec', ?), ('language', ?)",
                    [function, json.dumps(sys.path).encode(), (work or "").encode(),
                     pack_value(dict(getattr(run, "spec", None) or {})),
                     str(getattr(run, "language", "python")).encode()])
        con.execute("CREATE TABLE items (chunk INTEGER, combo BIGINT, kwargs BLOB, key VARCHAR, "
                    "metadata BLOB, cache_key VARCHAR, lineage VARCHAR)")
        saved_as = getattr(run, "saved_as", None)
        while items := run.next_chunk(chunk_size):
            packed = [(item.index, pack_value(item.kwargs)) for item in items]
            keys = [work_key(work, kwargs) if work else None for _, kwargs in packed]
            staged = []
            for (index, kwargs), key in zip(packed, keys):
                if key is not None and key in finished:
                    reused.append((index, finished[key]))
                else:
                    staged.append((index, kwargs, key))
            if not staged:
                continue
            number = len(chunks)
            chunks[number] = [index for index, _, _ in staged]
            saved = [saved_as(index) if saved_as else ({}, None, None) for index, _, _ in staged]
            rows = pa.table({"chunk": pa.array([number] * len(staged), pa.int32()),
                             "combo": pa.array([i for i, _, _ in staged], pa.int64()),
                             "kwargs": pa.array([k for _, k, _ in staged], pa.binary()),
                             "key": pa.array([key for _, _, key in staged], pa.string()),
                             "metadata": pa.array([pack_pickled(dict(m)) if saved_as else None
                                                   for m, _, _ in saved], pa.binary()),
                             "cache_key": pa.array([k for _, k, _ in saved], pa.string()),
                             "lineage": pa.array([t for _, _, t in saved], pa.string())})
            con.from_arrow(rows).insert_into("items")
        con.execute("COMMIT")
    finally:
        con.close()
    return chunks, reused


def _lost(combos: list[int], reason: str) -> list[Outcome]:
    return [Outcome(index, failure=Failure("SlurmTaskLost", reason)) for index in combos]


def _command(argv: list[str], ok_codes: Sequence[int] = (0,)) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SlurmError(f"{argv[0]} was not found: executor=Slurm(...) runs where SLURM's "
                         "commands are (a login node of the cluster)") from None
    if done.returncode not in ok_codes:
        raise SlurmError(f"{' '.join(argv[:3])} ... failed: {done.stderr.strip()}")
    return done.stdout


def _max_array_size() -> int:
    """The cluster's MaxArraySize: array indexes run from 0 to one less."""
    match = re.search(r"^MaxArraySize\s*=\s*(\d+)", _command(["scontrol", "show", "config"]),
                      re.MULTILINE)
    return int(match.group(1)) if match else 1001


def _ranges(indexes: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``"0-2,5"``."""
    parts, start = [], None
    for k, i in enumerate(indexes):
        if start is None:
            start = i
        if k + 1 == len(indexes) or indexes[k + 1] != i + 1:
            parts.append(f"{start}-{i}" if i > start else f"{i}")
            start = None
    return ",".join(parts)


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:40]

