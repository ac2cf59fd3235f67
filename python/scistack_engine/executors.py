"""Where a for_each runs its function: in this process, on local processes, on Dask.

An *executor* turns a run's chunks of work (:mod:`scistack_engine.batches`) into a stream
of outcomes, in completion order; :func:`~scistack_engine.batches.drive` commits them as
they come, so every executor keeps the serial path's guarantees (one writer, commits
bounded in count and time, Ctrl-C keeps what finished). Only this process — the
*coordinator*, which holds the database — writes; workers receive packed functions and
values (:mod:`scistack_engine.transport`) and never open the file.

* :class:`Serial` calls the function here, one combination after another.
* :class:`Processes` runs chunks on a pool of local worker processes
  (:mod:`scistack_engine.pool`), kept alive between runs.
* :class:`Dask` submits chunks to a ``dask.distributed`` cluster.

**Chunks.** A parallel executor never sends one combination per task. Unless a
``chunk_size`` is given, it first runs a few combinations here for about
:data:`PROBE_SECONDS` to measure the function (those results count like any other), then
estimates whether workers would finish sooner than this process alone — the per-item cost
of packing and the start of the workers included — and if not, runs the rest here: a cheap
function is never made slower. Otherwise chunks last about :data:`CHUNK_SECONDS` each (so
dispatch costs well under a percent) with at least three chunks per worker (so the
workers finish together). At most a few chunks are in flight, so memory is bounded by the
chunk size, not the grid.

**Faults.** A worker that dies (killed, crashed, out of memory) fails only the
combinations of its chunk, each with the reason; the run goes on with a new worker. A
function that raises in a worker is recorded with its traceback exactly as in serial.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
import weakref
from collections.abc import Callable, Generator, Iterable, Sequence
from typing import Any

from .batches import Failure, Outcome, Place, Run, WorkItem, call_item, serial_outcomes
from .pool import ChunkDone, ProcessPool, describe_exit
from .transport import pack_function, pack_value, unpack_failure, unpack_value
from .worker import ItemResult, run_chunk

__all__ = ["Executor", "Serial", "Processes", "Dask", "resolve_executor",
           "PROBE_SECONDS", "CHUNK_SECONDS", "HEARTBEAT_SECONDS"]

#: Seconds of combinations run here first, to measure the function, when no chunk size is given.
PROBE_SECONDS = 0.2
#: Seconds of work a chunk is sized to.
CHUNK_SECONDS = 0.5
#: Longest wait for a worker before the stream yields, so commits stay bounded in time.
HEARTBEAT_SECONDS = 0.5
#: Estimated cost per combination of sending it to a worker and its result back.
DISPATCH_SECONDS = 100e-6

Stream = Generator["Outcome | None", None, None]


class Executor:
    """Runs a for_each's combinations; see the module docstring.

    :meth:`outcomes` yields one :class:`~scistack_engine.batches.Outcome` per combination
    the run hands out, in completion order, and ``None`` now and then while it waits (so
    the caller can commit on time).
    """

    name = "executor"

    def outcomes(self, run: Run, call: Callable[..., Any], batch_size: int) -> Stream:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Serial(Executor):
    """Every combination in this process, in plan order (the default)."""

    name = "serial"

    def outcomes(self, run: Run, call: Callable[..., Any], batch_size: int) -> Stream:
        return serial_outcomes(run, call, batch_size)


class _Chunked(Executor):
    """What :class:`Processes` and :class:`Dask` share: the probe, chunk sizes, the
    dispatch loop. Subclasses say how many workers there are and how chunks travel."""

    def __init__(self, chunk_size: int | None) -> None:
        if chunk_size is not None and chunk_size < 1:
            raise ValueError(f"chunk_size must be a positive number of combinations, "
                             f"not {chunk_size!r}")
        self.chunk_size = chunk_size

    def _startup_seconds(self) -> float:
        """Seconds it costs to make the workers ready (0 when they are running already)."""
        return 0.0

    def _launch(self) -> None:
        """Begin making the workers ready, without waiting for them."""

    def _ready(self) -> bool:
        """Whether the workers are ready for chunks."""
        return True

    def _workers(self) -> int:
        """How many chunks run at once."""
        raise NotImplementedError

    def _dispatch(self, run: Run, function: bytes, chunk_size: int) -> Stream:
        """Every remaining combination of ``run``, on the workers, in chunks."""
        raise NotImplementedError

    def outcomes(self, run: Run, call: Callable[..., Any], batch_size: int) -> Stream:
        function = pack_function(call)  # an unsendable function fails before anything runs
        if self.chunk_size is not None:
            self._launch()
            while not self._ready():
                time.sleep(0.01)
            yield from self._dispatch(run, function, self.chunk_size)
            return
        # Measure the function here; decide; while the workers start, go on here.
        durations: list[float] = []
        started, size = time.perf_counter(), 1
        while True:
            chunk = run.next_chunk(size)
            if not chunk:
                return
            for item in chunk:
                outcome = call_item(call, item)
                durations.append(outcome.duration_s)
                yield outcome
            # grow the probe: at least doubling, sooner to a quarter of the probe's time
            size = max(2 * size, math.ceil(PROBE_SECONDS / 4 / max(_median(durations), 1e-9)))
            gain = self._gain(run.to_run - len(durations), durations)
            if len(durations) >= 3 and gain > 2 * self._startup_seconds():
                break
            if time.perf_counter() - started >= PROBE_SECONDS:
                if gain <= self._startup_seconds():
                    yield from serial_outcomes(run, call, batch_size)
                    return
                break
        self._launch()
        while not self._ready():
            chunk = run.next_chunk(1)
            if not chunk:
                return
            outcome = call_item(call, chunk[0])
            durations.append(outcome.duration_s)
            yield outcome
        per_call = _median(durations)
        remaining = run.to_run - len(durations)
        chunk_size = max(1, min(math.ceil(CHUNK_SECONDS / max(per_call, 1e-9)),
                                math.ceil(remaining / (3 * self._workers()))))
        yield from self._dispatch(run, function, chunk_size)

    def _gain(self, remaining: int, durations: list[float]) -> float:
        """Seconds the workers would save on the ``remaining`` combinations."""
        workers = self._workers()
        return remaining * (_median(durations) * (1 - 1 / workers) - DISPATCH_SECONDS)


def _median(values: Sequence[float]) -> float:
    return sorted(values)[len(values) // 2]


def _packed(chunk: Sequence[WorkItem]) -> list[tuple[int, bytes]]:
    return [(item.index, pack_value(item.kwargs)) for item in chunk]


def outcome_of(result: ItemResult, places: dict[tuple[str, int, str], Place] | None = None
               ) -> Outcome:
    """The outcome a worker's result stands for (values and failures unpacked); ``places``
    holds the :class:`Place` of each place seen so far, to share (it learns this one)."""
    index, returned, failure, duration, where = result
    place = places.get(where) if places is not None else None
    if place is None:
        place = Place(*where)
        if places is not None:
            places[where] = place
    if failure is not None:
        return Outcome(index, failure=unpack_failure(failure, f"worker {place.worker} on "
                                                             f"{place.host}"),
                       duration_s=duration, place=place)
    assert returned is not None
    return Outcome(index, unpack_value(returned), duration_s=duration, place=place)


def outcomes_of(results: Iterable[ItemResult]) -> list[Outcome]:
    """:func:`outcome_of` each result; results from one place share one :class:`Place`."""
    places: dict[tuple[str, int, str], Place] = {}
    return [outcome_of(result, places) for result in results]


def _lost(chunk: Sequence[WorkItem], error_type: str, reason: str) -> list[Outcome]:
    return [Outcome(item.index, failure=Failure(error_type, reason)) for item in chunk]


class Processes(_Chunked):
    """Chunks on local worker processes (all cores by default).

    Parameters
    ----------
    workers
        Number of worker processes (default: the number of CPUs this process may use).
    chunk_size
        Combinations per chunk. Default: measured (see :mod:`scistack_engine.executors`),
        which may run a cheap function in this process instead. Given, every combination
        runs on the workers in chunks of this size.

    The workers start on first use and stay for later runs; :meth:`close` ends them (they
    also end with this process).
    """

    name = "processes"

    #: Estimated seconds to start the workers, when they are not running yet.
    START_SECONDS = 1.0

    def __init__(self, workers: int | None = None, *, chunk_size: int | None = None) -> None:
        super().__init__(chunk_size)
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be a positive number, not {workers!r}")
        self.workers = workers or _cpu_count()
        self.pool = ProcessPool(self.workers)
        # the workers end with this object, or at the latest when this process exits
        weakref.finalize(self, self.pool.close)

    def __repr__(self) -> str:
        return f"Processes(workers={self.workers}, chunk_size={self.chunk_size})"

    def close(self) -> None:
        """End the worker processes (a later run starts new ones)."""
        self.pool.close()

    def _workers(self) -> int:
        return self.workers

    def _startup_seconds(self) -> float:
        return 0.0 if self.pool.started else self.START_SECONDS

    def _launch(self) -> None:
        self.pool.launch()

    def _ready(self) -> bool:
        return self.pool.ready()

    def _dispatch(self, run: Run, function: bytes, chunk_size: int) -> Stream:
        pool = self.pool
        held: dict[int, list[WorkItem]] = {}  # worker number -> its chunk
        exhausted = False

        def refill() -> None:
            """Give each idle worker the next chunk."""
            nonlocal exhausted
            for worker in pool.idle():
                chunk = [] if exhausted else run.next_chunk(chunk_size)
                if not chunk:
                    exhausted = True
                    return
                pool.submit(worker, function, _packed(chunk))
                held[worker] = chunk

        try:
            while True:
                refill()
                if not held:
                    return
                event = pool.wait(HEARTBEAT_SECONDS)
                if event is None:
                    yield None
                elif isinstance(event, ChunkDone):
                    held.pop(event.worker, None)
                    refill()  # the worker runs its next chunk while these are committed
                    yield from outcomes_of(event.results)
                elif event.worker in held:
                    chunk = held.pop(event.worker)
                    yield from _lost(chunk, "WorkerDied", (
                        f"the worker process (pid {event.pid}) running this combination's "
                        f"chunk of {len(chunk)} died: {describe_exit(event.returncode)}; the "
                        "run went on without it, and a rerun retries this combination"))
        finally:
            if held:
                pool.kill_busy()


class Dask(_Chunked):
    """Chunks on a ``dask.distributed`` cluster.

    Parameters
    ----------
    client
        A ``dask.distributed.Client``, or the address of a scheduler to connect to
        (``"tcp://10.0.0.5:8786"``); default: the client already made in this process.
    chunk_size
        As for :class:`Processes`.

    The workers need SciStack installed and, for a function given by reference, its module
    importable (a function defined in ``__main__`` or a notebook travels by value).
    """

    name = "dask"

    def __init__(self, client: Any = None, *, chunk_size: int | None = None) -> None:
        super().__init__(chunk_size)
        from distributed import Client, get_client  # only when Dask is asked for

        if client is None:
            client = get_client()
        elif isinstance(client, str):
            client = Client(client)
        self.client = client

    def __repr__(self) -> str:
        return f"Dask({self.client!r}, chunk_size={self.chunk_size})"

    def _workers(self) -> int:
        return max(1, sum(self.client.nthreads().values()))

    def _dispatch(self, run: Run, function: bytes, chunk_size: int) -> Stream:
        from distributed import wait

        held: dict[Any, list[WorkItem]] = {}  # future -> its chunk
        room = 2 * self._workers()
        exhausted = False
        try:
            while True:
                while not exhausted and len(held) < room:
                    chunk = run.next_chunk(chunk_size)
                    if not chunk:
                        exhausted = True
                        break
                    held[self._submit(function, chunk)] = chunk
                if not held:
                    return
                try:
                    done = wait(list(held), timeout=HEARTBEAT_SECONDS,
                                return_when="FIRST_COMPLETED").done
                except asyncio.TimeoutError:
                    yield None
                    continue
                for future in done:
                    chunk = held.pop(future)
                    if future.status == "finished":
                        yield from outcomes_of(future.result())
                    elif future.status == "lost":
                        # it ran, but its result went down with a worker: run it again
                        held[self._submit(function, chunk)] = chunk
                    else:
                        error = future.exception()
                        yield from _lost(chunk, type(error).__name__, (
                            f"the Dask task running this combination's chunk of {len(chunk)} "
                            f"failed: {error}; a rerun retries this combination"))
        finally:
            if held:
                self.client.cancel(list(held))

    def _submit(self, function: bytes, chunk: Sequence[WorkItem]) -> Any:
        return self.client.submit(run_dask_chunk, function, _packed(chunk), pure=False)


def run_dask_chunk(function: bytes, items: Sequence[tuple[int, bytes]]) -> list[ItemResult]:
    """:func:`~scistack_engine.worker.run_chunk` on a Dask worker, named by its address."""
    from distributed import get_worker

    return run_chunk(function, items, get_worker().address)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every platform
        return os.cpu_count() or 1


_default_processes: Processes | None = None


def resolve_executor(executor: Any) -> Executor:
    """The executor meant by a for_each's ``executor=`` argument.

    ``"serial"`` (or None), ``"processes"`` (one pool of local workers shared by every run
    in this process), or an :class:`Executor` such as ``Processes(workers=8)`` or
    ``Dask(client)``.
    """
    global _default_processes
    if executor is None or executor == "serial":
        return Serial()
    if executor == "processes":
        if _default_processes is None:
            _default_processes = Processes()
        return _default_processes
    if isinstance(executor, Executor):
        return executor
    raise TypeError(f"executor= takes 'serial', 'processes', Processes(workers=...) or "
                    f"Dask(client), not {executor!r}")
