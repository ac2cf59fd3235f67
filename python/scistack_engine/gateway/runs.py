"""Gateway adapter for the for_each protocol: the operations of MATLAB's one for_each driver.

``scidb.for_each``, ``scihist.for_each`` and ``scifor.for_each`` in MATLAB all run through
``+scistack/+internal/run_batches.m``, which speaks the protocol of
:mod:`scistack_engine.batches` through four operations:

=================  ====================================================================
``run_start``      ``front`` (``"scidb"`` or ``"scifor"``) and that front's request →
                   ``run_id``, ``positions`` (of the function's arguments whose
                   values the engine sends, 1-based, in order; MATLAB passes the
                   others, its constants, itself), ``n_out``
                   (outputs to ask of the function: the front's count, else one, or
                   none when ``declared_outputs``, MATLAB's ``nargout`` of the
                   function, is 0), ``mark_tables`` (true: outputs that
                   are ``scifor.Table`` objects are sent as marked tables), ``chunk``
                   (combinations to ask for at a time, and the most outcomes to gather
                   before a commit), ``commit_seconds`` (the longest wait between
                   commits), ``commit_bytes`` (the encoded outputs past which the
                   outcomes gathered are committed), ``to_run``, ``dry_run``,
                   ``done`` (true for a dry run: the result follows at once),
                   ``executor`` (the checked option: ``"processes"`` runs on MATLAB's
                   parallel workers), and what the front adds
``run_next``       ``run_id``, ``size``, ``workers`` (MATLAB's parallel workers:
                   ``kind``, "" for none, ``count`` and ``main_pid``, MATLAB's own
                   process id; the run log names the calls' workers from them, see
                   :func:`worker_name`) → ``indexes`` (plan positions of the next combinations
                   to run, 0-based), ``values``: one wire list holding, combination
                   after combination, the value of each sent input, and ``group``
                   (0: call them one by one in MATLAB; else how many to hand the
                   workers at once, see :class:`Groups`)
``run_commit``     ``run_id`` and the outcomes of finished combinations as flat arrays
                   (see :func:`_outcomes`) → how many the commit ``refused`` (their
                   outputs could not be kept), whether to ``stop`` (a run with
                   ``raise`` met its first failure), and the ``progress`` line to
                   show ("" for none)
``run_finish``     ``run_id``, ``status`` (default: ``failed`` when a failure stopped
                   a run with ``raise``, else ``finished``) → the result (its shape is
                   the front's), the ``line`` of counts, the ``closing`` line to
                   show ("" unless progress lines were shown), for
                   ``interrupted`` the ``note`` of what was kept, and the
                   ``failure`` that stopped the run (identifier, message; None)
=================  ====================================================================

What differs between fronts — how a run is made from the request, how input values are
encoded for MATLAB, what MATLAB's outputs mean, how the result is shaped for MATLAB — is a
:class:`Front`, registered by the front's adapter module (:mod:`.scidb`, :mod:`.scifor`).
"""

from __future__ import annotations

import itertools
import math
import socket
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .. import batches
from ..batches import AUTO_PROGRESS_DELAY, COMMIT_SECONDS, Failure, Outcome, Place, Run, RunResult
from ..codec import framed, wire_list
from ..errors import ScistackError
from .dispatch import operation
from .matlab_args import as_uint8, items, wire_bytes
from .request_profile import raise_wire

__all__ = ["Front", "Groups", "register_front", "RunStateError", "stack_text", "worker_name"]

#: MATLAB's for_each machinery: a stack text ends at the first frame of these.
_DRIVER_FRAMES = ("call_combinations", "run_batches")


class RunStateError(ScistackError, LookupError):
    """A request names a for_each run the engine does not hold, or breaks its protocol."""

    identifier = "scistack:foreach:unknownRun"


class Front(Protocol):
    """How one MATLAB front's runs are made, fed and read."""

    def start(self, args: Mapping[str, Any]) -> tuple[Run, dict[str, Any]]:
        """The run a request asks for, and what the start reply adds (``positions`` at
        least)."""

    def values(self, run: Any, size: int) -> tuple[list[int], list[bytes]]:
        """The next combinations' plan positions, and one wire item (no header) per sent
        input of each."""

    def adapt(self, run: Any, outcome: Outcome, marks: list[bool]) -> Outcome:
        """The outcome as the run takes it, from one as MATLAB sent it (outputs as
        ``wires``; ``marks`` flags the outputs MATLAB marked as tables)."""

    def result(self, run: Any, result: RunResult) -> dict[str, Any]:
        """The finished run's reply: ``result`` and ``summary`` shaped for MATLAB."""


class _Progress:
    """MATLAB's progress lines: one at every tenth of the run and after 30 s without one,
    checked at each commit; ``mode`` None shows them only once the run has lasted 2 s."""

    def __init__(self, name: str, total: int, mode: bool | None) -> None:
        self.name, self.total, self.mode = name, total, mode
        self.step = max(1, -(-total // 10))
        self.next, self.done, self.failed, self.shown = self.step, 0, 0, False
        self.started = self.last = time.monotonic()

    def line(self, outcomes: list[Outcome]) -> str:
        """The line to show after committing ``outcomes`` ("" for none)."""
        self.done += len(outcomes)
        self.failed += sum(o.failure is not None for o in outcomes)
        now = time.monotonic()
        if self.mode is False or (self.done < self.next and now - self.last < 30):
            return ""
        self.next, self.last = (self.done // self.step + 1) * self.step, now
        if self.mode is None and now - self.started < AUTO_PROGRESS_DELAY:
            return ""
        self.shown = True
        return (f"for_each({self.name}): {self.done} of {self.total} combinations run "
                f"({round(100 * self.done / max(self.total, 1))}%), {self.failed} failed, "
                f"{now - self.started:.1f} s")

    def end(self, headline: str) -> str:
        """The closing line, when progress lines were shown ("" otherwise)."""
        return f"{headline} in {time.monotonic() - self.started:.1f} s" if self.shown else ""


#: Combinations MATLAB runs itself to measure the function before its workers take groups.
PROBE_CALLS = 3
#: Seconds per call under which MATLAB's parallel workers would not pay off.
SERIAL_BELOW = 1e-3


class Groups:
    """How many combinations MATLAB's driver hands its parallel workers at once.

    The first :data:`PROBE_CALLS` combinations run in MATLAB itself, to measure the
    function: ``run_next`` hands out no more until their outcomes are committed. A median
    call under :data:`SERIAL_BELOW` keeps the whole run in MATLAB (workers would not pay
    off); otherwise each group is what the workers finish in one commit interval, at least
    two combinations per worker. MATLAB's workers (``parfeval``, ``parcellfun``) take a
    group as two tasks per worker, so these sizes are not those of the Python executors.
    """

    def __init__(self) -> None:
        self.durations: list[float] = []
        self.group: int | None = None  # None: not decided yet; 0: every call in MATLAB

    def measured(self, outcomes: list[Outcome]) -> None:
        """Note the durations of committed calls while the size is not decided."""
        if self.group is None:
            self.durations.extend(o.duration_s for o in outcomes)

    def next(self, workers: int, size: int) -> tuple[int, int]:
        """The combinations to hand out now (at most ``size``) and the group size, for a
        driver with ``workers`` parallel workers (0: none)."""
        if workers <= 0 or self.group == 0:
            return size, 0
        if self.group is None:
            if len(self.durations) < PROBE_CALLS:
                return min(size, PROBE_CALLS - len(self.durations)), 0
            per_call = statistics.median(self.durations)
            self.group = 0 if per_call < SERIAL_BELOW else max(
                2 * workers, math.floor(COMMIT_SECONDS * workers / per_call))
        return size, self.group


@dataclass
class _Held:
    front: Front
    run: Any
    progress: _Progress
    groups: Groups
    stops: bool = False  # the run stops at its first failure (option 'raise')
    workers: tuple[str, int] = ("", 0)  # MATLAB's workers: their kind, MATLAB's own pid
    failure: dict[str, str] | None = None  # the failure that stopped it (identifier, message)


_fronts: dict[str, Front] = {}
_held: dict[str, _Held] = {}
_ids = itertools.count(1)


def register_front(name: str, front: Front) -> None:
    """Make ``front`` answer ``run_start`` requests with ``front=name``."""
    _fronts[name] = front


def _get(args: Mapping[str, Any]) -> _Held:
    run_id = str(args.get("run_id"))
    held = _held.get(run_id)
    if held is None:
        raise RunStateError(f"no for_each run {run_id!r} is in progress (it ended or failed)")
    return held


@operation("run_start")
def _run_start(args: dict[str, Any]) -> dict[str, Any]:
    name = str(args.get("front"))
    front = _fronts.get(name)
    if front is None:
        raise RunStateError(f"unknown for_each front {name!r}; known: {sorted(_fronts)}")
    run, extra = front.start(args)
    run_id = f"run-{next(_ids)}"
    mode = extra.get("progress")
    _held[run_id] = _Held(front, run, _Progress(run.function, run.to_run,
                                                None if mode is None else bool(mode)), Groups(),
                          stops=bool(extra.get("raise")))
    reply = {"run_id": run_id, "to_run": run.to_run, "commit_seconds": COMMIT_SECONDS,
             "commit_bytes": float(batches.COMMIT_BYTES),
             "done": False, "n_out": None, "mark_tables": False, **extra,
             "positions": np.asarray(extra["positions"], dtype=np.float64)}  # none: still numbers
    if reply["n_out"] is None:  # one output, or none when the function declares none
        reply["n_out"] = 0.0 if args.get("declared_outputs") == 0 else 1.0
    if extra.get("dry_run"):
        reply.update(_finish(run_id, "finished"), done=True)
    return reply


@operation("run_next")
def _run_next(args: dict[str, Any]) -> dict[str, Any]:
    held = _get(args)
    workers = args.get("workers")
    workers = workers if isinstance(workers, Mapping) else {}
    kind = workers.get("kind")
    held.workers = (kind if isinstance(kind, str) else "", int(workers.get("main_pid") or 0))
    size, group = held.groups.next(int(workers.get("count") or 0),
                                   max(1, int(args.get("size") or 1)))
    try:
        indexes, parts = held.front.values(held.run, size)
    except BaseException:
        _finish(str(args.get("run_id")), "failed")
        raise
    return {"indexes": np.asarray(indexes, dtype=np.float64),
            "values": as_uint8(wire_list(parts)), "group": float(group)}


@operation("run_commit")
def _run_commit(args: dict[str, Any]) -> dict[str, Any]:
    held = _get(args)
    outcomes = _outcomes(held, args)
    held.groups.measured(outcomes)
    sent = [o.failure for o in outcomes if o.failure]
    failures = [o.failure for o in held.run.commit(outcomes) if o.failure]
    if held.stops and held.failure is None and (sent or failures):
        # what MATLAB raises: the first failure it sent, else the first the commit refused
        held.failure = {"identifier": sent[0].error_type if sent else _identifier(failures[0]),
                        "message": (sent or failures)[0].message}
    return {"refused": float(len(failures)), "stop": held.failure is not None,
            "progress": held.progress.line(outcomes)}


def _identifier(failure: Failure) -> str:
    """The MATLAB error identifier of a failure the commit found."""
    identifier = getattr(failure.exception, "identifier", None)
    return identifier if isinstance(identifier, str) else "scistack:foreach:outputs"


@operation("run_finish")
def _run_finish(args: dict[str, Any]) -> dict[str, Any]:
    """End a run as ``status`` says; without one, as ``failed`` when a failure stopped it
    (option ``raise``), else ``finished``."""
    run_id = str(args.get("run_id"))
    status = args.get("status")
    if not status:
        status = "failed" if _get(args).failure else "finished"
    return _finish(run_id, str(status))


def _finish(run_id: str, status: str) -> dict[str, Any]:
    held = _held.pop(run_id, None)
    if held is None:
        raise RunStateError(f"no for_each run {run_id!r} is in progress (it ended or failed)")
    note = held.run.interrupted_note() if status == "interrupted" else ""
    result = held.run.finish(status)
    return {**held.front.result(held.run, result), "line": result.headline,
            "closing": held.progress.end(result.headline), "note": note,
            "failure": held.failure}


def _outcomes(held: _Held, args: Mapping[str, Any]) -> list[Outcome]:
    """Outcomes from the flat arrays MATLAB sends, one entry per finished combination:

    ``indexes`` (plan positions), ``ok`` (the function returned), ``seconds``; for those
    that returned, ``lengths`` (one per output) of their output wire items concatenated
    in ``blob``, and ``marks`` (one per output: MATLAB marked it as a table); for those
    that failed, their ``failures`` (see :func:`_failures`). Where each ran: ``pids``,
    one per combination, when MATLAB sends them, named by :func:`worker_name` from the
    workers ``run_next`` was last told of.
    """
    indexes = [int(i) for i in items(args.get("indexes"))]
    ok = [bool(v) for v in items(args.get("ok"))]
    seconds = [float(v) for v in items(args.get("seconds"))]
    lengths = [int(n) for n in items(args.get("lengths"))]
    marks = [bool(v) for v in items(args.get("marks"))] or [False] * len(lengths)
    blob = wire_bytes(args.get("blob", np.zeros(0)))
    failures = _failures(args)
    places = _places(held, args, len(indexes))
    n_ok = sum(ok)
    if not (len(ok) == len(indexes) == len(seconds)) or len(failures) != len(ok) - n_ok:
        raise RunStateError("run_commit: indexes, ok, seconds and the failures differ in length")
    if sum(lengths) != len(blob) or len(marks) != len(lengths) or (n_ok and len(lengths) % n_ok):
        raise RunStateError("run_commit: the output lengths do not match the outputs sent")
    per = len(lengths) // n_ok if n_ok else 0
    outcomes: list[Outcome] = []
    offset = cursor = 0
    failed = iter(failures)
    for index, returned, took, place in zip(indexes, ok, seconds, places):
        if not returned:
            outcome = Outcome(index, failure=next(failed), duration_s=took, place=place)
            outcomes.append(held.front.adapt(held.run, outcome, []))
            continue
        wires = []
        for size in lengths[cursor:cursor + per]:
            wires.append(raise_wire(framed(blob[offset:offset + size])))
            offset += size
        # no outputs sent: the function has none, or MATLAB keeps them (save=false)
        outcome = Outcome(index, wires=wires if per else None, duration_s=took, place=place)
        outcomes.append(held.front.adapt(held.run, outcome, marks[cursor:cursor + per]))
        cursor += per
    return outcomes


def _places(held: _Held, args: Mapping[str, Any], n: int) -> list[Place | None]:
    pids = [int(p) for p in items(args.get("pids"))]
    if not pids:
        return [None] * n
    if len(pids) != n:
        raise RunStateError("run_commit: pids differ in length from indexes")
    kind, main = held.workers
    host = socket.gethostname()
    return [Place(host, pid, worker_name(pid, kind, main)) for pid in pids]


def worker_name(pid: int, kind: str, main_pid: int) -> str:
    """The run log's name of the MATLAB process ``pid`` that made a call: ``"main"`` for
    the MATLAB driving the run (``main_pid``; every call when ``kind`` is ""), ``kind``
    alone for a worker that was lost (pid 0), else ``kind-pid`` (``"parcellfun-4711"``)."""
    if not kind or pid == main_pid:
        return "main"
    return kind if pid == 0 else f"{kind}-{pid}"


def _failures(args: Mapping[str, Any]) -> list[Failure]:
    """The failures MATLAB sends: ``failures``, one struct per failed combination as
    ``scistack.internal.failure_report`` makes it (``identifier``, ``message``, ``stage``
    and the stack frames, innermost first, as ``names``, ``files`` and ``lines``)."""
    failures = []
    for sent in items(args.get("failures")):
        if not isinstance(sent, dict):
            raise RunStateError("run_commit: a failure is a struct of failure_report's fields")
        names, files = ([_text(v) for v in items(sent.get(part))] for part in ("names", "files"))
        lines = [int(n) for n in items(sent.get("lines"))]
        if not len(names) == len(files) == len(lines):
            raise RunStateError("run_commit: a failure's stack names, files and lines differ "
                                "in length")
        identifier, message = _text(sent.get("identifier")), _text(sent.get("message"))
        stack = stack_text(identifier, message, list(zip(names, files, lines)))
        failures.append(Failure(identifier, message, stack, _text(sent.get("stage")) or "function"))
    return failures


def _text(value: Any) -> str:
    """MATLAB text; an empty char (an error without an identifier, a frame without a
    file) arrives as an empty array."""
    return value if isinstance(value, str) else ""


def stack_text(identifier: str, message: str, frames: list[tuple[str, str, int]]) -> str:
    """The stack of a MATLAB error as the run log keeps it: ``identifier: message`` (the
    message alone without an identifier), then ``  at NAME (FILE, line N)`` for each of
    the ``frames`` (name, file, line; innermost first) of the user's code, ending before
    the first frame of the for_each machinery; one line each, each ended by a newline."""
    shown = [f"{identifier}: {message}" if identifier else message]
    for name, file, line in frames:
        if any(driver in name for driver in _DRIVER_FRAMES):
            break
        shown.append(f"  at {name} ({file}, line {line})")
    return "".join(f"{text}\n" for text in shown)
