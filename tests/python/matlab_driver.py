"""What ``+scistack/+internal/run_batches.m`` does, in Python: drive a run through the gateway.

Tests of the gateway's run operations (``run_start``, ``run_next``, ``run_commit``,
``run_finish``) use this to play MATLAB's part without Octave: ask for chunks, call the
function with the sent values in place, send the outcomes back as MATLAB's flat arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scistack_engine import gateway
from scistack_engine.codec import body, decode, encode


def call(op: str, **args: Any) -> Any:
    """One request through the gateway; the result, or the error dict."""
    reply = decode(gateway.handle(encode({"op": op, "args": args})))
    return reply["ok"] if "ok" in reply else reply


@dataclass
class Driven:
    """What a driven run gave: the replies in order, and the finish reply (or an error)."""

    replies: list[Any] = field(default_factory=list)
    chunks: list[int] = field(default_factory=list)  # combinations per run_next reply

    @property
    def last(self) -> Any:
        return self.replies[-1]

    @property
    def failed(self) -> bool:
        return isinstance(self.last, dict) and "error" in self.last

    @property
    def calls(self) -> int:
        return len(self.replies)


def drive(start: Mapping[str, Any], fn: Callable[..., Any], local: Mapping[str, Any], *,
          n_out: int = 1, chunk: int | None = None, raise_on_error: bool = False,
          identifier: Callable[[Exception], str] = lambda exc: f"test:{type(exc).__name__}",
          marks: Callable[[int], bool] = lambda position: False) -> Driven:
    """Run ``start`` (a ``run_start`` request) as MATLAB would.

    ``local`` maps each input name, in the order of MATLAB's inputs struct (the order of
    the function's positional arguments), to its value as MATLAB has it; the values the
    engine sends replace those at the start reply's ``positions``.
    """
    driven = Driven()
    started = call("run_start", **start)
    driven.replies.append(started)
    if "error" in started or started["done"]:
        return driven
    positions = [int(p) - 1 for p in np.asarray(started["positions"]).reshape(-1)]
    size = chunk or int(started["chunk"])
    stopped = None
    while stopped is None:
        reply = call("run_next", run_id=started["run_id"], size=float(size))
        driven.replies.append(reply)
        if "error" in reply:
            return driven
        indexes = [int(i) for i in np.asarray(reply["indexes"]).reshape(-1)]
        driven.chunks.append(len(indexes))
        if not indexes:
            break
        values = decode(reply["values"])
        outcomes: list[tuple[int, Any, float, Any]] = []
        n_sent = len(positions)
        for i, index in enumerate(indexes):
            args = list(local.values())
            for position, value in zip(positions, values[i * n_sent:(i + 1) * n_sent]):
                args[position] = value
            try:
                returned = fn(*args)
            except Exception as exc:  # the role of MATLAB's catch
                outcomes.append((index, None, 0.01, exc))
                if raise_on_error:
                    stopped = exc
                    break
                continue
            outputs = list(returned) if isinstance(returned, tuple) else [returned]
            outcomes.append((index, outputs[:n_out] if n_out else [], 0.01, None))
        driven.replies.append(call("run_commit", **commit_request(started["run_id"], outcomes,
                                                                  identifier, marks)))
        if "error" in driven.last:
            return driven
        if driven.last["stop"]:
            driven.replies.append(call("run_finish", run_id=started["run_id"]))
            # what MATLAB raises after the run ends: the failure that stopped it
            driven.replies.append({"error": dict(driven.last["failure"])})
            return driven
    driven.replies.append(call("run_finish", run_id=started["run_id"]))
    return driven


def commit_request(run_id: str, outcomes: Sequence[tuple[int, Any, float, Any]],
                   identifier: Callable[[Exception], str],
                   marks: Callable[[int], bool]) -> dict[str, Any]:
    """The flat arrays of ``run_commit`` for ``(index, outputs, seconds, error)`` tuples."""
    items: list[bytes] = []
    marked: list[bool] = []
    failed = [o for o in outcomes if o[3] is not None]
    for _, outputs, _, error in outcomes:
        if error is None:
            for position, value in enumerate(outputs):
                items.append(body(encode(value)))
                marked.append(marks(position))
    blob = b"".join(items)
    return {"run_id": run_id,
            "indexes": np.asarray([o[0] for o in outcomes], dtype=np.float64),
            "ok": np.asarray([o[3] is None for o in outcomes], dtype=bool),
            "seconds": np.asarray([o[2] for o in outcomes], dtype=np.float64),
            "lengths": np.asarray([len(i) for i in items], dtype=np.float64),
            "marks": np.asarray(marked, dtype=bool),
            "blob": np.frombuffer(blob, dtype=np.uint8).copy(),
            # the user's frame, then the driver's (left out of the stack text)
            "failures": [{"identifier": identifier(o[3]), "message": str(o[3]),
                          "stage": "function",
                          "names": ["fn", "scistack.internal.call_combinations"],
                          "files": ["/work/fn.m", "/toolbox/call_combinations.m"],
                          "lines": np.asarray([1.0, 40.0])} for o in failed]}
