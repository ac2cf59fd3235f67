"""A pool of local worker processes that run for_each chunks (the coordinator's side).

Each worker is a separate Python process started as ``python -m scistack_engine.worker``
(see :mod:`scistack_engine.worker`) with pipes for stdin and stdout, and the coordinator's
stderr. A fresh interpreter, not ``fork`` and not ``multiprocessing``'s ``spawn``: forking
a process that holds a DuckDB connection and threads is unsafe, and ``spawn`` re-imports
the user's main script in every worker, which runs its top-level code again unless it is
guarded by ``if __name__ == "__main__"``. A fresh interpreter imports only what the
function needs; functions from ``__main__`` travel by value (:mod:`scistack_engine.transport`).

The pool hands one chunk at a time to an idle worker and reports *events*: a chunk's
results, or a worker's death (with its exit code: killed, crashed, out of memory), after
which a new worker takes the dead one's place. One reader thread per worker turns its
replies into events on one queue, so :meth:`ProcessPool.wait` works the same on every
platform and Ctrl-C reaches the coordinator while it waits.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import WorkerStartError
from .worker import ItemResult, read_frame, write_frame

__all__ = ["ProcessPool", "ChunkDone", "WorkerDied", "describe_exit"]

#: Seconds a new worker may take to start and import what it needs.
START_TIMEOUT = 120.0

#: The folder that holds the scistack_engine package (put on the workers' PYTHONPATH).
ENGINE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class ChunkDone:
    """Worker ``worker`` finished its chunk with these results."""

    worker: int
    results: list[ItemResult]


@dataclass(frozen=True)
class WorkerDied:
    """Worker ``worker`` (process ``pid``) ended with ``returncode`` while it held a chunk
    or before it was ready."""

    worker: int
    pid: int
    returncode: int


def describe_exit(returncode: int) -> str:
    """``"killed by signal 9 (SIGKILL)"`` or ``"exit code 3"``."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-returncode} ({name})"
    return f"exit code {returncode}"


class _Worker:
    def __init__(self, number: int, events: queue.Queue[Any]) -> None:
        self.number = number
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [ENGINE_PARENT] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "scistack_engine.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, env=env)
        self.ready = False
        self.busy = False
        assert self.process.stdin is not None
        self.send({"sys_path": list(sys.path), "name": f"local-{number}"})
        threading.Thread(target=self._read, args=(events,), daemon=True,
                         name=f"scistack-worker-{number}").start()

    def send(self, message: Any) -> None:
        try:
            assert self.process.stdin is not None
            write_frame(self.process.stdin, message)
        except (BrokenPipeError, OSError):
            pass  # the worker is gone: its reader thread reports the death

    def _read(self, events: queue.Queue[Any]) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            try:
                message = read_frame(stdout)
            except Exception:  # a torn frame from a dying worker reads as its death
                message = None
            if message is None:
                events.put(WorkerDied(self.number, self.process.pid, self.process.wait()))
                return
            kind, body = message
            events.put(("ready", self.number) if kind == "ready" else ChunkDone(self.number, body))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        elif self.process.stdin is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass


class ProcessPool:
    """``size`` local worker processes, started on first use and kept for later runs."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._events: queue.Queue[Any] = queue.Queue()
        self._workers: dict[int, _Worker] = {}
        self._numbers = 0
        self._launched = time.monotonic()

    @property
    def started(self) -> bool:
        return bool(self._workers)

    def launch(self) -> None:
        """Start workers until there are ``size``, without waiting for them."""
        while len(self._workers) < self.size:
            self._numbers += 1
            self._workers[self._numbers] = _Worker(self._numbers, self._events)
        self._launched = time.monotonic()

    def ready(self) -> bool:
        """Whether every worker is ready (takes the events that arrived; never waits)."""
        while True:
            try:
                self._handle(self._events.get_nowait())
            except queue.Empty:
                break
        if time.monotonic() - self._launched > START_TIMEOUT:
            self.close(kill=True)
            raise WorkerStartError(f"worker processes did not start within "
                                   f"{START_TIMEOUT:.0f} s")
        return all(w.ready for w in self._workers.values())

    def start(self) -> None:
        """Start workers until there are ``size``; wait until each is ready."""
        self.launch()
        while not self.ready():
            time.sleep(0.01)

    def idle(self) -> list[int]:
        """Numbers of the workers ready for a chunk."""
        return [n for n, w in self._workers.items() if w.ready and not w.busy]

    def submit(self, worker: int, function: bytes, items: Sequence[tuple[int, bytes]]) -> None:
        """Give ``worker`` a chunk: the packed function and the packed items."""
        target = self._workers[worker]
        target.busy = True
        target.send((function, list(items)))

    def wait(self, timeout: float) -> ChunkDone | WorkerDied | None:
        """The next chunk's results or the death of a worker that held a chunk (a new
        worker takes its place); None when ``timeout`` seconds pass without either."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self._events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            event = self._handle(event)
            if event is not None:
                return event

    def _handle(self, event: Any) -> ChunkDone | WorkerDied | None:
        """Update the workers' states from ``event``; the event when it concerns a chunk."""
        if isinstance(event, tuple):  # ("ready", number)
            if event[1] in self._workers:
                self._workers[event[1]].ready = True
            return None
        worker = self._workers.get(event.worker)
        if worker is None:
            return None  # a worker this pool already let go of
        if isinstance(event, ChunkDone):
            worker.busy = False
            return event
        del self._workers[event.worker]
        if not worker.ready:
            self.close(kill=True)
            raise WorkerStartError(
                f"a worker process ({sys.executable} -m scistack_engine.worker) could not "
                f"start: {describe_exit(event.returncode)}; its error is printed above")
        self.launch()
        return event if worker.busy else None

    def kill_busy(self) -> None:
        """Kill the workers that hold a chunk (their results are not wanted any more)."""
        for number in [n for n, w in self._workers.items() if w.busy or not w.ready]:
            self._workers.pop(number).stop(kill=True)

    def close(self, kill: bool = False) -> None:
        """Let every worker go: closing its stdin ends it; ``kill`` ends it at once."""
        workers = list(self._workers.values())
        self._workers.clear()
        for worker in workers:
            worker.stop(kill)
        for worker in workers:
            try:
                worker.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.process.kill()
                worker.process.wait()
