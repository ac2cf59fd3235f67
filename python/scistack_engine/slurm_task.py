"""One SLURM array task of a for_each: run one chunk from the run folder, write its shard.

``python -m scistack_engine.slurm_task RUN_FOLDER CHUNK`` is what each array task of a
:class:`~scistack_engine.slurm.Slurm` run executes (the job script passes
``$SLURM_ARRAY_TASK_ID`` plus the array's offset). It reads its chunk — the packed inputs
of its combinations — from the run folder's manifest (opened read-only), runs the
function on the cores of its allocation (``SLURM_CPUS_PER_TASK`` worker processes, or in
this process when there is one), and writes the results to a *shard*: a small DuckDB file
``shards/<chunk>.duckdb``, written under a temporary name and renamed into place only when
complete, so a task killed midway leaves no shard (its chunk can be run again) and a shard
that exists is whole. The task never opens the main database.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from .worker import ItemResult, run_chunk

__all__ = ["shard_path", "partial_shards", "read_chunk", "write_shard", "read_shard",
           "shards_apart", "shard_failures", "main"]


def shard_path(folder: Path, chunk: int) -> Path:
    """Where the shard of ``chunk`` lies once complete."""
    return folder / "shards" / f"{chunk:06d}.duckdb"


def partial_shards(folder: Path, chunk: int) -> list[Path]:
    """What tasks of ``chunk`` killed while writing its shard left (never read)."""
    return sorted((folder / "shards").glob(f"{chunk:06d}.duckdb.partial-*"))


def read_chunk(folder: Path, chunk: int) -> tuple[bytes, list[tuple[int, bytes]], list[str]]:
    """The packed function, the packed items of ``chunk`` and the ``sys.path`` of the
    coordinating process, from the manifest."""
    con = duckdb.connect(str(folder / "manifest.duckdb"), read_only=True)
    try:
        run = dict(con.execute("SELECT key, value FROM run").fetchall())
        rows = con.execute("SELECT combo, kwargs FROM items WHERE chunk = ? ORDER BY combo",
                           [chunk]).fetchall()
    finally:
        con.close()
    return (bytes(run["function"]), [(int(combo), bytes(kwargs)) for combo, kwargs in rows],
            json.loads(bytes(run["sys_path"]).decode()))


def write_shard(folder: Path, chunk: int, results: list[ItemResult]) -> Path:
    """Write ``results`` as the shard of ``chunk``: all of it, or nothing."""
    final = shard_path(folder, chunk)
    partial = final.with_name(final.name + f".partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    table = pa.table({
        "combo": pa.array([r[0] for r in results], pa.int64()),
        "returned": pa.array([r[1] for r in results], pa.binary()),
        "failure": pa.array([None if r[2] is None else pickle.dumps(r[2]) for r in results],
                            pa.binary()),
        "duration_s": pa.array([r[3] for r in results], pa.float64()),
        "host": pa.array([r[4][0] for r in results], pa.string()),
        "pid": pa.array([r[4][1] for r in results], pa.int64()),
        "worker": pa.array([r[4][2] for r in results], pa.string()),
    })
    con = duckdb.connect(str(partial))
    try:
        con.from_arrow(table).create("results")
    finally:
        con.close()
    os.replace(partial, final)
    return final


def read_shard(path: Path) -> list[ItemResult]:
    """The results a complete shard holds, in combination order."""
    return shards_apart([path])[0]


def shards_apart(paths: Sequence[Path]) -> list[list[ItemResult]]:
    """The results of each complete shard of ``paths``, one list per shard, each in
    combination order (the shards are attached to one connection: opening each costs far
    more)."""
    with _attached(paths) as (con, names):
        shards = [con.execute("SELECT combo, returned, failure, duration_s, host, pid, worker "
                              f"FROM {name}.results ORDER BY combo").fetchall()
                  for name in names]
    return [[(int(combo), None if returned is None else bytes(returned),
              None if failure is None else pickle.loads(failure), float(duration),
              (host, int(pid), worker))
             for combo, returned, failure, duration, host, pid, worker in rows]
            for rows in shards]


def shard_failures(paths: Sequence[Path]) -> list[int]:
    """How many failed combinations each complete shard of ``paths`` holds (their results
    are not read)."""
    with _attached(paths) as (con, names):
        return [int(con.execute(f"SELECT count(*) FROM {name}.results WHERE failure IS NOT "
                                "NULL").fetchall()[0][0]) for name in names]


@contextmanager
def _attached(paths: Sequence[Path]) -> Iterator[tuple[duckdb.DuckDBPyConnection, list[str]]]:
    """An in-memory connection with each shard of ``paths`` attached read-only, and the
    name each is attached as."""
    con = duckdb.connect()
    try:
        names = [f"shard{k}" for k in range(len(paths))]
        for name, path in zip(names, paths):
            quoted = str(path).replace("'", "''")
            con.execute(f"ATTACH '{quoted}' AS {name} (READ_ONLY)")
        yield con, names
    finally:
        con.close()


def _run_here(function: bytes, items: list[tuple[int, bytes]], name: str,
              cores: int) -> list[ItemResult]:
    """Run the chunk's items on ``cores`` local worker processes (here when one)."""
    if cores <= 1 or len(items) <= 1:
        return run_chunk(function, items, name)
    from .pool import ChunkDone, ProcessPool

    pool = ProcessPool(min(cores, len(items)))
    pool.start()
    try:
        parts = [items[k::pool.size] for k in range(pool.size)]
        for worker, part in zip(pool.idle(), parts):
            pool.submit(worker, function, part)
        results: list[ItemResult] = []
        while len(results) < len(items):
            event = pool.wait(60.0)
            if isinstance(event, ChunkDone):  # worker names say which task they served
                results += [(*r[:4], (r[4][0], r[4][1], f"{name}/{r[4][2]}"))
                            for r in event.results]
            elif event is not None:
                raise RuntimeError(f"a worker process of this array task died (exit code "
                                   f"{event.returncode})")
        return results
    finally:
        pool.close()


def main(argv: list[str] | None = None) -> int:
    """Run the chunk named on the command line; the exit status says whether it did."""
    folder_text, chunk_text = (argv if argv is not None else sys.argv[1:])[:2]
    folder, chunk = Path(folder_text), int(chunk_text)
    function, items, sys_path = read_chunk(folder, chunk)
    sys.path[:] = sys_path  # where the coordinating process imports the function from
    name = f"slurm-{os.environ.get('SLURM_ARRAY_JOB_ID', '?')}_" \
           f"{os.environ.get('SLURM_ARRAY_TASK_ID', '?')}"
    cores = int(os.environ.get("SLURM_CPUS_PER_TASK", "1") or 1)
    write_shard(folder, chunk, _run_here(function, items, name, cores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
