"""The worker side of a parallel for_each: run one chunk of combinations, report each.

:func:`run_chunk` is the one entry point every executor's workers call — a local worker
process, a Dask worker — with a packed function and a chunk of packed inputs
(:mod:`scistack_engine.transport`). It calls the function once per combination and
returns one :data:`ItemResult` per combination: the packed returned value or the packed
failure, the call's duration, and where it ran (host, pid, worker name). It never opens
the database: only the coordinating process writes.

Run as ``python -m scistack_engine.worker``, this module is a local worker process
(:mod:`scistack_engine.pool`): it reads *frames* (an 8-byte little-endian length, then a
pickle of plain data: bytes, numbers, text) from stdin and writes frames to what was
stdout. The first frame says where to import from; each later frame is one chunk, answered
by one frame of results. The process ends when stdin closes, which is also what happens
when the coordinating process dies, so no worker outlives its run by more than the chunk
at hand. Ctrl-C is left to the coordinating process; output the user's function prints
goes to stderr.
"""

from __future__ import annotations

import os
import pickle
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Sequence
from typing import IO, Any

from .batches import Failure
from .transport import PackedFailure, pack_failure, pack_value, unpack_function, unpack_value

__all__ = ["ItemResult", "run_chunk", "write_frame", "read_frame", "main"]

#: One combination's result: (index, packed returned value or None, packed failure or None,
#: duration in seconds, (host, pid, worker)).
ItemResult = tuple[int, "bytes | None", "PackedFailure | None", float, tuple[str, int, str]]

_FRAME_LENGTH = struct.Struct("<Q")
_functions: dict[bytes, Callable[..., Any]] = {}


def _function(blob: bytes) -> Callable[..., Any]:
    """The unpacked function, unpacked once per worker (chunks repeat the same bytes)."""
    fn = _functions.get(blob)
    if fn is None:
        _functions.clear()
        fn = _functions[blob] = unpack_function(blob)
    return fn


def run_chunk(
    function: bytes, items: Sequence[tuple[int, bytes]], worker: str = ""
) -> list[ItemResult]:
    """Call the packed ``function`` on each item's packed keyword arguments.

    A function that cannot be unpacked fails every item of the chunk with the reason.
    """
    place = (socket.gethostname(), os.getpid(), worker or f"pid-{os.getpid()}")
    try:
        fn = _function(function)
    except Exception as exc:  # importing the user's module may raise anything
        packed = pack_failure(Failure.of(exc))
        return [(index, None, packed, 0.0, place) for index, _ in items]
    results: list[ItemResult] = []
    for index, kwargs in items:
        start = time.perf_counter()
        try:
            returned = fn(**unpack_value(kwargs))
        except Exception as exc:  # the user's function may raise anything: it is recorded
            results.append((index, None, pack_failure(Failure.of(exc)),
                            time.perf_counter() - start, place))
            continue
        duration = time.perf_counter() - start
        try:
            results.append((index, pack_value(returned), None, duration, place))
        except Exception as exc:  # a returned value that neither encodes nor pickles
            failure = Failure.of(exc, stage="outputs")
            failure.message = f"the returned value cannot be sent back from the worker: {exc}"
            results.append((index, None, pack_failure(failure), duration, place))
    return results


def write_frame(stream: IO[bytes], message: Any) -> None:
    """Write one frame (see the module docstring) and flush it."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME_LENGTH.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """Read one frame; ``None`` at the end of the stream."""
    head = stream.read(_FRAME_LENGTH.size)
    if len(head) < _FRAME_LENGTH.size:
        return None
    (length,) = _FRAME_LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        return None
    return pickle.loads(data)


def main() -> None:
    """Serve chunks on stdin/stdout until stdin closes (see the module docstring)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # the user's prints go to stderr
    requests = sys.stdin.buffer
    hello = read_frame(requests)
    if hello is None:
        return
    sys.path[:] = hello["sys_path"]
    name = hello["name"]
    write_frame(replies, ("ready", os.getpid()))
    while True:
        chunk = read_frame(requests)
        if chunk is None:
            return
        function, items = chunk
        write_frame(replies, ("done", run_chunk(function, items, name)))


if __name__ == "__main__":
    main()
