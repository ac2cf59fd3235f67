"""The for_each protocol: a run hands out chunks of work, takes outcomes back, builds its result.

Every for_each — over the database (``scidb``, ``scihist``) or over in-memory tables
(``scifor``), called from Python or from MATLAB — is one *run* that goes through four steps:

1. **plan** — making the run decides which combinations exist, which of them run and what
   happens to the others (skipped, cached, an input error); nothing is called yet.
2. **chunk of inputs** — :meth:`Run.next_chunk` hands out the next combinations to run,
   each a :class:`WorkItem` holding the inputs the function receives (a database run reads
   the inputs of a whole chunk with one query).
3. **results, commit** — whoever calls the function (this process, MATLAB, a worker) reports
   one :class:`Outcome` per item; :meth:`Run.commit` takes any number of outcomes at once
   (a database run saves their outputs and run-log rows in one transaction).
4. **result** — :meth:`Run.finish` ends the run with a status and returns its
   :class:`RunResult`: the result table, the run summary and what to tell the user.

:func:`drive` is the loop in one process. It commits after a count of outcomes, **or**
``commit_seconds`` after the last commit, **or** once the outcomes held pass
``commit_bytes`` of arrays and wire bytes (:func:`held_bytes`), whichever comes first, so
that a kill loses seconds of work, never hours, and the outcomes waiting for a commit
hold at most about :data:`COMMIT_BYTES` plus one outcome. The count starts at
``batch_size`` and adapts to the function's speed: while a batch gathers in less than
:data:`QUICK_BATCH_SECONDS` it doubles, up to :data:`COMMIT_GROWTH` × ``batch_size``,
so a cheap function pays for few COMMITs; the outcomes held are then at most about a
second's worth, fewer than the time bound lets a slow function gather. On Ctrl-C it
commits what finished, ends the run as ``interrupted`` and raises
:class:`ForEachInterrupted`, which says how much was kept. The MATLAB toolbox runs the
same loop in MATLAB (``+scistack/+internal/run_batches.m``) through the gateway's run
operations.

This module uses the standard library only (and ``tqdm`` when a progress bar is asked for),
so that ``scifor``, which needs nothing but pandas, runs on the same protocol.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
import traceback
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["WorkItem", "Failure", "Place", "Outcome", "RunResult", "Run", "ForEachInterrupted",
           "Outcomes", "drive", "serial_outcomes", "call_item", "COMMIT_SECONDS",
           "AUTO_PROGRESS_DELAY", "QUICK_BATCH_SECONDS", "COMMIT_GROWTH", "COMMIT_BYTES",
           "held_bytes"]

#: Seconds after which the outcomes gathered so far are committed, however few.
COMMIT_SECONDS = 5.0

#: Bytes of arrays and wires held by the outcomes gathered past which they are committed,
#: however few: 16 pieces of a big array (``arrays.PIECE_BYTES``), so that a commit of
#: small arrays, which DuckDB holds 4-5 times over until it ends, stays near 300 MB,
#: while one COMMIT per 64 MB written costs nothing beside writing them.
COMMIT_BYTES = 64 << 20

#: A batch gathered faster than this doubles the count of outcomes the next one gathers.
QUICK_BATCH_SECONDS = 0.5

#: The most outcomes a batch gathers, as a multiple of ``batch_size``.
COMMIT_GROWTH = 16

#: Seconds a run must last before an automatic (``progress=None``) progress bar appears.
AUTO_PROGRESS_DELAY = 2.0


@dataclass(slots=True)
class WorkItem:
    """One combination handed out to run: its position in the plan and its inputs."""

    index: int
    kwargs: dict[str, Any]


@dataclass(slots=True)
class Failure:
    """Why one combination failed: raised by the function, or its outputs were unusable.

    ``error_type`` is the Python exception's class name or the MATLAB error identifier;
    ``stage`` is ``"function"`` or ``"outputs"``. ``exception`` is the exception itself
    when it was raised in this process (re-raised by ``on_error="raise"``).
    """

    error_type: str
    message: str
    stack: str = ""
    stage: str = "function"
    exception: BaseException | None = None

    @property
    def text(self) -> str:
        """The failure as one line: ``"ValueError: too noisy"``."""
        return f"{self.error_type}: {self.message}" if self.error_type else self.message

    @classmethod
    def of(cls, exc: BaseException, stage: str = "function") -> Failure:
        """The failure of an exception raised in this process (its stack included)."""
        stack = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return cls(type(exc).__name__, str(exc), stack, stage, exc)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a combination ran: the host, the process id and the worker's name
    (``"main"`` for the coordinating process itself)."""

    host: str
    pid: int
    worker: str

    @classmethod
    def here(cls) -> Place:
        """This process."""
        return cls(socket.gethostname(), os.getpid(), "main")


@dataclass(slots=True)
class Outcome:
    """What running one :class:`WorkItem` gave, and where it ran (None: unknown).

    Exactly one of ``returned`` (what a Python function returned), ``wires`` (the outputs
    encoded as wire bytes, one per output: what MATLAB sends) and ``failure`` is meaningful.
    """

    index: int
    returned: Any = None
    wires: Sequence[bytes] | None = None
    failure: Failure | None = None
    duration_s: float = 0.0
    place: Place | None = None


@dataclass
class RunResult:
    """A finished run: the result ``table`` (a pandas DataFrame), its ``summary`` (run id,
    function, status and counts by outcome), its ``headline`` (one line: the counts) and
    ``notes``, the lines to show the user (the first problems, how many more, where to
    look)."""

    table: Any
    summary: dict[str, Any]
    headline: str = ""
    notes: list[str] = field(default_factory=list)


class Run(Protocol):
    """What every for_each run offers the loops that drive it (see the module docstring)."""

    @property
    def function(self) -> str:
        """The function's name, for messages."""

    @property
    def to_run(self) -> int:
        """How many combinations the run will hand out."""

    def next_chunk(self, size: int) -> list[WorkItem]:
        """The next (at most ``size``) combinations to run; empty when none are left."""

    def commit(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Keep the outcomes of handed-out combinations; return those whose outputs the
        commit refused (their ``failure`` set), e.g. a value that cannot be stored."""

    def finish(self, status: str) -> RunResult:
        """End the run (``finished``, ``failed`` or ``interrupted``); its result."""

    def interrupted_note(self) -> str:
        """What an interruption kept, e.g. ``"120 of 200 combinations saved; run again
        to continue"``."""


class ForEachInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a for_each; what had finished was kept (the message says how much)."""

    identifier = "scistack:foreach:interrupted"


def call_item(call: Callable[..., Any], item: WorkItem) -> Outcome:
    """Call ``call(**item.kwargs)``, timing it; an exception becomes the outcome's failure."""
    start, place = time.perf_counter(), Place.here()
    try:
        returned = call(**item.kwargs)
    except Exception as exc:  # the user's function may raise anything: it is recorded
        return Outcome(item.index, failure=Failure.of(exc),
                       duration_s=time.perf_counter() - start, place=place)
    return Outcome(item.index, returned, duration_s=time.perf_counter() - start, place=place)


def held_bytes(outcome: Outcome) -> int:
    """The bytes an outcome holds as far as :func:`drive`'s byte bound counts them: its
    wire bytes, or the ``nbytes`` of what was returned (of each value of a tuple: one
    per output); other values count nothing."""
    if outcome.wires is not None:
        return sum(len(wire) for wire in outcome.wires)
    returned = outcome.returned
    values = returned if isinstance(returned, tuple) else (returned,)
    return sum(n for n in (getattr(value, "nbytes", 0) for value in values)
               if isinstance(n, int))


def serial_outcomes(run: Run, call: Callable[..., Any],
                    size: int) -> Generator[Outcome, None, None]:
    """Every combination of ``run`` called here, in plan order, read ``size`` at a time."""
    while chunk := run.next_chunk(size):
        for item in chunk:
            yield call_item(call, item)


class Outcomes(Protocol):
    """What runs the combinations: an executor (:mod:`scistack_engine.executors`)."""

    def outcomes(self, run: Run, call: Callable[..., Any],
                 batch_size: int) -> Generator[Outcome | None, None, None]:
        """One outcome per combination ``run`` hands out, in completion order, and
        ``None`` now and then while waiting for one."""


def drive(run: Run, call: Callable[..., Any], *, executor: Outcomes | None = None,
          stop_on_error: bool = False, batch_size: int = 500,
          commit_seconds: float = COMMIT_SECONDS, commit_bytes: int | None = None,
          progress: bool | None = None,
          on_stop: Callable[[Outcome], None] | None = None) -> RunResult:
    """Run every combination of ``run``; commit the outcomes as they come; the result.

    Parameters
    ----------
    run
        The planned run.
    call
        Called as ``call(**inputs)`` once per combination.
    executor
        Where ``call`` runs (:mod:`scistack_engine.executors`); default: here, in order.
    stop_on_error
        Stop at the first failure (after committing what finished, the failing combination
        included) and re-raise its exception; otherwise record it and go on.
    batch_size
        Combinations handed out (and, for a database run, read) at a time by the serial
        path, and the outcomes gathered before the first commit; later commits gather
        more while batches are quick (see the module docstring).
    commit_seconds
        Commit what finished once this long has passed since the last commit.
    commit_bytes
        Commit what finished once it holds more than this many bytes
        (:func:`held_bytes`); default :data:`COMMIT_BYTES`.
    progress
        Show a progress bar: ``True`` always, ``False`` never, ``None`` when stderr is a
        terminal and the run lasts more than :data:`AUTO_PROGRESS_DELAY` seconds.
    on_stop
        Called with the outcome that stops the run (``stop_on_error``) before its
        exception is re-raised, e.g. to add a note naming the combination.

    Raises
    ------
    ForEachInterrupted
        On Ctrl-C, after committing what finished.
    """
    bar = _progress_bar(run, progress)
    pending: list[Outcome] = []
    pending_bytes = 0
    byte_bound = COMMIT_BYTES if commit_bytes is None else commit_bytes
    last_commit = time.monotonic()
    commit_size = batch_size
    stop: Outcome | None = None
    stream = (executor.outcomes(run, call, batch_size) if executor is not None
              else serial_outcomes(run, call, batch_size))

    def commit() -> None:
        nonlocal last_commit, commit_size, stop, pending_bytes
        full = len(pending) >= commit_size
        refused = run.commit(pending)
        pending.clear()
        pending_bytes = 0
        now = time.monotonic()
        if full and now - last_commit < QUICK_BATCH_SECONDS:
            commit_size = min(2 * commit_size, COMMIT_GROWTH * batch_size)
        last_commit = now
        if stop is None and stop_on_error and refused:
            stop = refused[0]

    try:
        with contextlib.closing(stream):
            for outcome in stream:
                if outcome is not None:
                    pending.append(outcome)
                    pending_bytes += held_bytes(outcome)
                    if bar is not None:
                        bar.update(1)
                    if outcome.failure is not None and stop_on_error:
                        stop = outcome
                        break
                if len(pending) >= commit_size or pending_bytes > byte_bound or (
                        pending and time.monotonic() - last_commit >= commit_seconds):
                    commit()
                    if stop is not None:
                        break
        if pending:
            commit()
    except KeyboardInterrupt:
        if pending:
            commit()
        note = run.interrupted_note()
        run.finish("interrupted")
        raise ForEachInterrupted(f"for_each({run.function}) interrupted: {note}") from None
    except BaseException:
        run.finish("failed")
        raise
    finally:
        if bar is not None:
            bar.close()
    result = run.finish("failed" if stop is not None else "finished")
    if stop is not None and stop.failure is not None:
        if on_stop is not None:
            on_stop(stop)
        if stop.failure.exception is not None:
            raise stop.failure.exception
    return result


def _progress_bar(run: Run, progress: bool | None) -> Any:
    show = bool(getattr(sys.stderr, "isatty", lambda: False)()) if progress is None else progress
    if not show:
        return None
    from tqdm.auto import tqdm  # only when a bar is shown

    return tqdm(total=run.to_run, desc=f"for_each({run.function})", unit="combo",
                delay=AUTO_PROGRESS_DELAY if progress is None else 0.0, file=sys.stderr)


def counts_line(counts: Mapping[str, int]) -> str:
    """``"3 done, 1 skipped"``: the non-zero counts by outcome, in the order given."""
    return ", ".join(f"{n} {status}" for status, n in counts.items() if n)
