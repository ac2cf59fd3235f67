"""How a for_each function and its values travel to a worker process and back.

A parallel for_each sends *work units* to workers: the function to call and, per
combination, its inputs; the worker sends back, per combination, what the function
returned or how it failed. Everything travels as bytes made here:

* **values** (inputs and returned values) travel as wire bytes of the value model
  (:mod:`scistack_engine.codec`), so a worker rebuilds exactly the values the serial path
  would pass, and the writer saves exactly what the serial path would save. A value outside
  the value model (a user's own class) travels pickled instead.
* **the function** travels *by reference* (module and qualified name, imported by the
  worker) when that name leads back to the very same function, or to a decorator holding
  it as ``__wrapped__`` (a ``@lineage_fcn``); otherwise — a function defined in
  ``__main__``, a notebook, a lambda, a closure — *by value* with ``cloudpickle``, which
  carries its code and the globals it uses. A function that neither way can carry raises
  :class:`UnsendableFunctionError`.
* **failures** travel as their type name, message and traceback text, plus the exception
  itself pickled when it can be, so ``on_error="raise"`` re-raises the user's exception.

Nothing of the database travels: workers never open it.
"""

from __future__ import annotations

import importlib
import pickle
from collections.abc import Callable
from typing import Any

from .batches import Failure
from .codec import decode, encode
from .errors import RemoteError, UnsendableFunctionError, UnsupportedValueError

__all__ = ["pack_function", "unpack_function", "pack_value", "pack_pickled", "unpack_value",
           "PackedFailure", "pack_failure", "unpack_failure"]

_BY_REFERENCE, _BY_VALUE = b"R", b"C"
_WIRE, _PICKLE = b"W", b"P"


def _resolve(module: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def pack_function(fn: Callable[..., Any]) -> bytes:
    """``fn`` as bytes a worker turns back into it (see the module docstring)."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if module and module != "__main__" and "<" not in qualname:
        try:
            found = _resolve(module, qualname)
        except (ImportError, AttributeError):
            found = None
        if found is fn:
            return _BY_REFERENCE + f"{module}:{qualname}".encode()
        if getattr(found, "__wrapped__", None) is fn:  # the function under a decorator
            return _BY_REFERENCE + f"{module}:{qualname}:__wrapped__".encode()
    import cloudpickle  # only when a function must travel by value

    try:
        return _BY_VALUE + cloudpickle.dumps(fn)
    except Exception as exc:  # cloudpickle raises whatever the captured objects raise
        name = getattr(fn, "__qualname__", repr(fn))
        raise UnsendableFunctionError(
            f"for_each cannot send the function {name} to worker processes: {exc}. Define it "
            "at the top level of a module (or of your script) and keep what it captures "
            "picklable (no open files, database connections or locks), or run with "
            "executor='serial'") from exc


def unpack_function(blob: bytes) -> Callable[..., Any]:
    """The function :func:`pack_function` packed."""
    kind, rest = blob[:1], blob[1:]
    if kind == _BY_REFERENCE:
        module, qualname, *unwrap = rest.decode().split(":")
        found = _resolve(module, qualname)
        return found.__wrapped__ if unwrap else found
    return pickle.loads(rest)


def pack_value(value: Any) -> bytes:
    """``value`` as wire bytes, or pickled when it lies outside the value model."""
    try:
        return _WIRE + encode(value)
    except UnsupportedValueError:
        return pack_pickled(value)


def pack_pickled(value: Any) -> bytes:
    """``value`` pickled, for :func:`unpack_value` in Python only: what this engine writes
    and reads back itself (a run folder's staged metadata), an order of magnitude quicker
    to read than wire bytes and exactly the objects given."""
    return _PICKLE + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_value(blob: bytes) -> Any:
    """The value :func:`pack_value` packed."""
    kind, rest = blob[:1], memoryview(blob)[1:]
    return decode(rest) if kind == _WIRE else pickle.loads(rest)


PackedFailure = tuple[str, str, str, str, "bytes | None"]


def pack_failure(failure: Failure) -> PackedFailure:
    """A failure as plain data: type, message, traceback text, stage, the pickled
    exception (None when it cannot travel)."""
    exc_blob = None
    if failure.exception is not None:
        try:
            exc_blob = pickle.dumps(failure.exception)
            pickle.loads(exc_blob)  # some exceptions pickle but cannot be rebuilt
        except Exception:  # any exception may fail to pickle; the text still travels
            exc_blob = None
    return failure.error_type, failure.message, failure.stack, failure.stage, exc_blob


def unpack_failure(packed: PackedFailure, where: str) -> Failure:
    """The failure :func:`pack_failure` packed; ``where`` names the worker for the message
    of an exception that could not travel back."""
    error_type, message, stack, stage, exc_blob = packed
    exception: BaseException = (pickle.loads(exc_blob) if exc_blob is not None else
                                RemoteError(f"{error_type}: {message} (raised in {where})"))
    return Failure(error_type, message, stack, stage, exception)
