"""``scidb.for_each`` on local worker processes and on Dask versus serial, in one process.

Workloads (each against its own file database of scalar inputs, one scalar output each):

* **a 20 ms function × 400 combinations**: serial; ``Processes(workers=2)`` with cold
  workers (started by the run, the cost a first run pays) and warm ones (kept from the
  previous run, as later runs find them); ``Dask`` on a ``LocalCluster`` of 2 worker
  processes. Targets: processes ≥ 1.7× and Dask ≥ 1.5× the serial speed.
* **a 50 µs function × 10,000 combinations**: serial and the automatic choice of
  ``executor="processes"`` (which measures the function and should stay in this process).
  Target: never slower than serial.
* **dispatch and commit overhead per combination**: a function that does nothing,
  10,000 combinations, every chunk (of 500) sent to the workers (``chunk_size`` given, so
  nothing stays here): wall time per combination, against serial's.
* **merging a SLURM run folder**: a no-op function × 20,000 staged by ``Slurm`` (stopped
  once its folder is staged, as a coordinator killed then leaves it), its 8 chunks run
  by the array-task entry point in this process, then ``scistack merge``'s
  ``merge_run`` into the database: records merged per second (target ≥ 50,000).
* **a SLURM job array** (when ``sbatch`` is on the PATH and the cluster answers, e.g. the
  single-node one of ``scripts/start-slurm.sh``): a 5 ms function × 2,000 in 8 array
  tasks — the number of ``sbatch`` calls (target 1), the end-to-end time against serial,
  and how fast the shards' results are read back (target ≥ 50,000 records/s).

The speed-ups are ratios of runs in this process, on this machine (2 cores here: the
coordinator shares them with the workers).

    python benchmarks/bench_for_each_parallel.py [--quick]
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "for_each in parallel: local processes and Dask vs serial"
SLOW_N, SLOW_SECONDS = 400, 0.020
CHEAP_N, CHEAP_SECONDS = 10_000, 50e-6
MERGE_N = 20_000


def sleepy(x):
    time.sleep(SLOW_SECONDS)
    return x + 1


def busy(x):
    end = time.perf_counter() + CHEAP_SECONDS
    while time.perf_counter() < end:
        pass
    return x + 1


def nothing(x):
    return x


def _inputs(n: int):
    import numpy as np
    import pandas as pd

    i = np.arange(n)
    return pd.DataFrame({"subject": i // 100, "trial": i % 100, "value": i * 1.0})


def _source(name: str, n: int) -> type:
    """A new input variable of ``n`` scalar records, in the current database."""
    source = bc.new_variable(name)
    source.save_from_dataframe(_inputs(n), "value", ["subject", "trial"])
    return source


def _timed_run(source: type, fn, n: int, executor, name: str) -> float:
    from scidb import for_each

    start = time.perf_counter()
    result = for_each(fn, inputs={"x": source}, outputs=[bc.new_variable(name)], subject=[],
                      trial=[], progress=False, executor=executor)
    seconds = time.perf_counter() - start
    done = int((result["status"] == "done").sum())
    if done != n:
        raise RuntimeError(f"{name}: {done} of {n} combinations done")
    return seconds


def _slow_function(quick: bool) -> list[bc.Figure]:
    from scidb import Dask, Processes

    n = SLOW_N // 2 if quick else SLOW_N
    figures = []
    with bc.temp_dir() as directory, bc.fresh_database(directory):
        source = _source("SlowInput", n)
        serial = _timed_run(source, sleepy, n, "serial", "SerialOut")
        workload = f"{SLOW_SECONDS * 1e3:.0f} ms function ×{n}"
        figures.append(bc.Figure(workload, "serial", serial, "s",
                                 note=f"ideal {n * SLOW_SECONDS:.1f} s"))
        pool = Processes(workers=2)
        try:
            cold = _timed_run(source, sleepy, n, pool, "ColdOut")
            warm = _timed_run(source, sleepy, n, pool, "WarmOut")
        finally:
            pool.close()
        for label, seconds in (("processes(2), cold workers", cold),
                               ("processes(2), warm workers", warm)):
            figures.append(bc.Figure(workload, f"speed-up, {label}", serial / seconds, "×",
                                     better="higher", target=1.7,
                                     note=f"{seconds:.2f} s; ideal {n * SLOW_SECONDS / 2:.1f} s"))
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            dask = _timed_run(source, sleepy, n, Dask(client), "DaskOut")
        figures.append(bc.Figure(workload, "speed-up, Dask LocalCluster(2)", serial / dask, "×",
                                 better="higher", target=1.5, note=f"{dask:.2f} s"))
    return figures


def _cheap_function(quick: bool) -> list[bc.Figure]:
    from scidb import Processes

    n = CHEAP_N // 5 if quick else CHEAP_N
    workload = f"{CHEAP_SECONDS * 1e6:.0f} µs function ×{n:,}"
    with bc.temp_dir() as directory, bc.fresh_database(directory):
        source = _source("CheapInput", n)
        _timed_run(source, busy, n, "serial", "WarmUp")
        serial = _timed_run(source, busy, n, "serial", "SerialOut")
        pool = Processes(workers=2)
        try:
            auto = _timed_run(source, busy, n, pool, "AutoOut")
            started = pool.pool.started
        finally:
            pool.close()
    return [bc.Figure(workload, "automatic choice vs serial (time ratio)", auto / serial, "×",
                      target=1.0, note=f"serial {serial:.2f} s, automatic {auto:.2f} s; "
                      f"workers {'were' if started else 'were not'} started")]


def _overhead(quick: bool) -> list[bc.Figure]:
    from scidb import Processes

    n = CHEAP_N // 5 if quick else CHEAP_N
    workload = f"no-op function ×{n:,}"
    with bc.temp_dir() as directory, bc.fresh_database(directory):
        source = _source("NoopInput", n)
        _timed_run(source, nothing, n, "serial", "WarmUp")
        serial = _timed_run(source, nothing, n, "serial", "SerialOut")
        pool = Processes(workers=2, chunk_size=500)
        try:
            _timed_run(source, nothing, n, pool, "PoolWarmUp")
            parallel = _timed_run(source, nothing, n, pool, "PoolOut")
        finally:
            pool.close()
    return [
        bc.Figure(workload, "dispatch + commit per combination, processes(2)",
                  parallel / n * 1e6, "µs", target=100.0,
                  note="warm workers, chunks of 500, everything sent to the workers"),
        bc.Figure(workload, "per combination, serial", serial / n * 1e6, "µs"),
    ]


class _StagedOnly(Exception):
    """Raised by the merge benchmark's executor once its run folder is staged."""


def _merge(quick: bool) -> list[bc.Figure]:
    from scidb import Slurm, for_each
    from scistack_engine import slurm_task
    from scistack_engine.slurm_runs import merge_run

    class StageOnly(Slurm):
        def _run_array(self, folder, run, chunks):  # noqa: ANN001 - the executor's hook
            raise _StagedOnly
            yield  # pragma: no cover

    n = MERGE_N // 5 if quick else MERGE_N
    workload = f"merging a SLURM run folder of {n:,} no-op results"
    with bc.temp_dir() as directory, bc.fresh_database(directory) as db:
        source = _source("MergeInput", n)
        try:
            for_each(nothing, inputs={"x": source}, outputs=[bc.new_variable("MergeOut")],
                     subject=[], trial=[], progress=False,
                     executor=StageOnly(chunk_size=n // 8, time=None))
        except _StagedOnly:
            pass
        (folder,) = [p.parent for p in (directory / ".scistack-runs").glob("*/manifest.duckdb")]
        for chunk in range(8):
            slurm_task.main([str(folder), str(chunk)])
        start = time.perf_counter()
        report = merge_run(db, folder)
        seconds = time.perf_counter() - start
    if report.merged != n:
        raise RuntimeError(f"merged {report.merged} of {n}")
    return [bc.Figure(workload, "merge throughput", n / seconds, "records/s", better="higher",
                      target=50_000, note=f"{seconds:.2f} s: reading the staged combinations "
                      "and the shards, committing (the for_each commit path)")]


def _slurm(quick: bool) -> list[bc.Figure]:
    """On a SLURM cluster reachable from here (sbatch on PATH and sinfo answering)."""
    import shutil
    import subprocess

    if not shutil.which("sbatch") or subprocess.run(["sinfo"], capture_output=True).returncode:
        print("   (no SLURM cluster here: start one with scripts/start-slurm.sh and export "
              "SLURM_CONF to measure it)")
        return []
    from scidb import Slurm
    from scistack_engine.slurm_task import read_shard

    n = 400 if quick else 2_000
    workload = f"5 ms function ×{n:,}, SLURM array"
    with bc.temp_dir() as directory, bc.fresh_database(directory):
        source = _source("SlurmInput", n)
        serial = _timed_run(source, short_sleep, n, "serial", "SerialOut")
        executor = Slurm(chunk_size=max(1, n // 8), poll_seconds=0.25, time=None)
        seconds = _timed_run(source, short_sleep, n, executor, "SlurmOut")
        shards = sorted((directory / ".scistack-runs").glob("*/shards/*.duckdb"))
        start = time.perf_counter()
        records = sum(len(read_shard(shard)) for shard in shards)
        reading = time.perf_counter() - start
    return [
        bc.Figure(workload, "sbatch calls per run", len(executor.submissions), "", target=1),
        bc.Figure(workload, "end-to-end vs serial (time ratio)", seconds / serial, "×",
                  note=f"serial {serial:.2f} s, array {seconds:.2f} s on this machine's "
                       f"single node (ideal {n * 0.005 / 2:.1f} s on 2 cores)"),
        bc.Figure(workload, "shards read", records / reading, "records/s", better="higher",
                  target=50_000, note="reading the shards' results; their commit is the "
                                      "same batched commit as any for_each"),
    ]


def short_sleep(x):
    time.sleep(0.005)
    return x + 1


def run(quick: bool = False) -> list[bc.Figure]:
    return (_slow_function(quick) + _cheap_function(quick) + _overhead(quick) + _merge(quick)
            + _slurm(quick))


if __name__ == "__main__":
    bc.main(TITLE, run)
