"""The gateway: the one entry point through which the MATLAB toolbox reaches the engine.

MATLAB (through ``py.``) and GNU Octave (through the toolbox's MEX bridge) call
:func:`handle` with a wire-encoded request and get wire-encoded reply bytes back; nothing
but bytes crosses the language boundary (the encoding is ``docs/data-model.md``).

* A request is the dict ``{"op": <name>, "args": <dict>}`` (``args`` may also be a cell
  of name/value pairs, which becomes the dict), and from the toolbox also
  ``"profile": "matlab"`` or ``"octave"``: the reply, and every wire value nested in it,
  is then lowered to that profile (:mod:`scistack_engine.gateway.profile`).
* Values MATLAB sends in the request (and nested as wire bytes) may use the MATLAB request
  profile, raised to the stored encoding first (:mod:`scistack_engine.gateway.request_profile`).
* A reply is ``{"ok": <result>}`` or ``{"error": {"identifier": ..., "message": ...,
  "type": ...}}``, where ``identifier`` is ``scistack:<area>:<reason>`` and becomes the
  MATLAB error identifier.
* The warnings Python issues while an operation runs are captured, not printed: a reply
  with any also holds ``"warnings"``, a list of ``{"identifier": ..., "message": ...}``
  in the order they were issued (the identifier a :class:`~scistack_engine.errors.ScistackWarning`'s
  own, else ``scistack:engine:<class name>``), which the toolbox raises with MATLAB's
  ``warning`` before it returns the result or raises the error. Every SciStack warning is
  sent each time it is issued (MATLAB's warning state decides what shows); other warnings
  follow Python's filters.

Operations are plain functions taking the ``args`` dict, registered by name with the
:func:`operation` decorator; any engine module can add its own. This module holds the
dispatch and the error mapping only, never the semantics of an operation.
"""

from __future__ import annotations

import importlib
import logging
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import __version__
from ..codec import decode, encode, with_entry
from ..errors import GatewayError, ScistackError, ScistackWarning
from ..hashing import content_hash
from .profile import PROFILES, lower, lower_active, serving
from .request_profile import raise_wire

__all__ = ["handle", "operation", "operations", "GatewayError", "OPERATION_MODULES"]

logger = logging.getLogger(__name__)

Operation = Callable[[dict[Any, Any]], Any]

_OPERATIONS: dict[str, Operation] = {}

#: Engine modules that register operations with :func:`operation`. They are imported
#: when a request names an operation not registered yet (and by :func:`operations`), so
#: importing this module stays cheap and free of import cycles, and ``ping`` answers even
#: if one of them fails to import.
OPERATION_MODULES: tuple[str, ...] = (
    "scistack_engine.gateway.scidb",        # +scidb/+scihist: databases, records, for_each
    "scistack_engine.gateway.scilineage",   # +scilineage: Thunk calls
    "scistack_engine.gateway.scifor",       # +scifor
    "scistack_engine.gateway.inspection",   # scistack.lineage/report, scidb.export
    "scistack_engine.gateway.run_folders",  # scistack.merge_run/resubmit_run
)

_loaded_modules: set = set()


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register the decorated function as the gateway operation ``name``.

    The function receives the request's ``args`` dict and returns any value of the value
    model; it is returned unchanged, so it stays callable from Python.

    Example
    -------
    >>> @operation("double_it")
    ... def _double_it(args):
    ...     return 2 * args["value"]
    """
    if not isinstance(name, str) or not name:
        raise ValueError("an operation name is a non-empty str")

    def register(fn: Operation) -> Operation:
        existing = _OPERATIONS.get(name)
        if existing is not None and existing is not fn:
            raise ValueError(
                f"gateway operation {name!r} is already registered by "
                f"{existing.__module__}.{existing.__qualname__}"
            )
        _OPERATIONS[name] = fn
        return fn

    return register


def operations() -> list[str]:
    """The names of every registered operation, sorted."""
    _load_operation_modules()
    return sorted(_OPERATIONS)


def handle(request: bytes) -> bytes:
    """Serve one wire-encoded request and return the wire-encoded reply.

    Never raises: every failure, including a malformed request or a result outside the
    value model, comes back as an ``{"error": ...}`` reply.
    """
    profile = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ScistackWarning)
        try:
            op, args, profile = _parse(request)
            fn = _OPERATIONS.get(op)
            if fn is None:
                _load_operation_modules()
                fn = _OPERATIONS.get(op)
            if fn is None:
                raise GatewayError(
                    f"unknown engine operation {op!r}; known: {', '.join(sorted(_OPERATIONS))}",
                    identifier="scistack:gateway:unknownOperation",
                )
            with serving(profile):
                reply = lower_active(encode({"ok": fn(args)}))
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error reply
            reply = _error_reply(exc)
    if not caught:
        return reply
    sent = encode([_warning(w) for w in caught])
    if profile in PROFILES:
        sent = lower(sent, profile)
    return with_entry(reply, "warnings", sent)


def _warning(caught: warnings.WarningMessage) -> dict[str, str]:
    """A captured warning as the reply sends it: its identifier and its message."""
    return {"identifier": _identifier(caught.message, "scistack:engine:warning"),
            "message": _safe(str(caught.message)) or caught.category.__name__}


def _parse(request: Any) -> tuple[str, dict[Any, Any], str | None]:
    if not isinstance(request, (bytes, bytearray, memoryview)):
        raise GatewayError(
            f"a request is bytes, got {type(request).__name__}",
        )
    message = decode(raise_wire(bytes(request)))
    if not isinstance(message, dict) or "op" not in message:
        raise GatewayError('a request is a dict {"op": name, "args": dict}')
    op = message["op"]
    args = message.get("args")
    if not isinstance(op, str):
        raise GatewayError(f"the request's op must be text, got {type(op).__name__}")
    if args is None:
        args = {}
    if isinstance(args, np.ndarray) and args.dtype == object:
        args = _pairs(list(args.reshape(-1)))
    if not isinstance(args, dict):
        raise GatewayError(
            f"the args of operation {op!r} must be a dict (a MATLAB struct), got "
            f"{type(args).__name__}"
        )
    profile = message.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise GatewayError(f"the request's profile must be text, got {type(profile).__name__}")
    return op, args, profile


#: What MATLAB's ``isvarname`` accepts: a field name of a struct.
_MATLAB_FIELD = re.compile(r"[A-Za-z]\w{0,62}", re.ASCII)


def _pairs(values: list[Any]) -> dict[str, Any]:
    """The args of ``engine_call(op, name, value, ...)``, sent as the cell of the pairs:
    a dict in their order, each name a valid MATLAB field name."""
    if len(values) % 2:
        raise GatewayError("usage: engine_call(op), engine_call(op, args) or "
                           "engine_call(op, name, value, ...)",
                           identifier="scistack:engine:badArguments")
    for name in values[::2]:
        if not isinstance(name, str) or not _MATLAB_FIELD.fullmatch(name):
            raise GatewayError("argument names must be valid field names given as char; "
                               f"got {name!r}", identifier="scistack:engine:badArguments")
    return dict(zip(values[::2], values[1::2]))


#: What MATLAB's ``error`` accepts as an identifier (components of letters, digits, _).
_MATLAB_IDENTIFIER = re.compile(r"[A-Za-z]\w*(:[A-Za-z]\w*)+", re.ASCII)


def _identifier(exc: BaseException | Warning | str,
                fallback: str = "scistack:engine:error") -> str:
    """The identifier of an error or warning: its own ``scistack:`` one, else
    ``scistack:engine:<class name>``, else ``fallback``; always one MATLAB's ``error`` and
    ``warning`` accept, so the toolbox raises it as it is."""
    for ident in (getattr(exc, "identifier", None), f"scistack:engine:{type(exc).__name__}"):
        if isinstance(ident, str) and ident.startswith("scistack:") and \
                _MATLAB_IDENTIFIER.fullmatch(ident):
            return ident
    return fallback


def _error_reply(exc: BaseException) -> bytes:
    identifier = _identifier(exc)
    message = str(exc) or type(exc).__name__
    if not isinstance(exc, ScistackError):
        logger.debug("engine operation failed", exc_info=exc)
    try:
        return encode(
            {"error": {"identifier": identifier, "message": message,
                       "type": type(exc).__name__}}
        )
    except Exception:  # noqa: BLE001 - e.g. text that is not valid UTF-8
        return _plain_error_reply(identifier, type(exc).__name__)


def _safe(text: str) -> str:
    """``text`` made encodable: what UTF-8 cannot hold (a lone surrogate) replaced."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _plain_error_reply(identifier: str, type_name: str) -> bytes:
    """An error reply for when the error's own message cannot be encoded (e.g. text that
    is not valid UTF-8): the message is replaced, every text made encodable."""
    return encode({"error": {"identifier": _safe(identifier),
                             "message": f"{_safe(type_name)} (its message could not be encoded)",
                             "type": _safe(type_name)}})


def _load_operation_modules() -> None:
    for name in OPERATION_MODULES:
        if name not in _loaded_modules:
            importlib.import_module(name)
            _loaded_modules.add(name)


# --------------------------------------------------------------------- basic operations


@operation("ping")
def _ping(args: dict[Any, Any]) -> str:
    """The engine's version: proves the engine answers. With ``version`` (the toolbox's,
    from ``scistack.setup``) another engine version is ``scistack:setup:versionMismatch``,
    whose message names the interpreter ``python``."""
    expected = args.get("version")
    if expected is not None and expected != __version__:
        raise GatewayError(
            f"the engine in '{args.get('python', '')}' is version {__version__} but the "
            f"toolbox is {expected}: run scistack.setup('Reinstall', true), restarting "
            "first if Python already ran", identifier="scistack:setup:versionMismatch")
    return __version__


@operation("setup")
def _setup(args: dict[Any, Any]) -> Any:
    """``scistack.setup``'s helper run by the engine already running in the session: the
    report of the ``setup_support`` command line ``argv`` (a cellstr), made in this
    process (a repeated setup starts no other Python)."""
    from .. import setup_support
    from .matlab_args import texts

    argv = texts(_require(args, "setup", "argv"), "argv")
    try:
        parsed = setup_support.parse(argv)
    except SystemExit as exc:  # argparse refuses the command line
        raise GatewayError(f"the setup helper cannot read {argv}",
                           identifier="scistack:gateway:badArgument") from exc
    return setup_support.report_for(parsed)


@operation("echo")
def _echo(args: dict[Any, Any]) -> Any:
    """``args["value"]`` unchanged: a round trip through both codecs."""
    return _require(args, "echo", "value")


@operation("hash")
def _hash(args: dict[Any, Any]) -> str:
    """The content hash of ``args["value"]`` (see ``docs/data-model.md`` 2.5)."""
    return content_hash(_require(args, "hash", "value"))


@operation("lower_wire")
def _lower_wire(args: dict[Any, Any]) -> np.ndarray:
    """``args["wire"]`` (wire bytes as uint8: a stored payload read by other means, or a
    value in the MATLAB request profile, raised first) lowered to the caller's profile,
    as uint8: what ``wire_decode.m`` reads."""
    wire = _require(args, "lower_wire", "wire")
    if not isinstance(wire, np.ndarray) or wire.dtype != np.uint8:
        raise GatewayError("operation 'lower_wire' takes wire bytes as a uint8 vector",
                           identifier="scistack:gateway:badArgument")
    return np.frombuffer(lower_active(raise_wire(wire.tobytes())), dtype=np.uint8).copy()


@operation("operations")
def _operations(args: dict[Any, Any]) -> list:
    """The names of every registered operation."""
    return operations()


def _require(args: dict[Any, Any], op: str, name: str) -> Any:
    if name not in args:
        raise GatewayError(
            f"operation {op!r} needs the argument {name!r}",
            identifier="scistack:gateway:missingArgument",
        )
    return args[name]
