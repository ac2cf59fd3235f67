"""Lineage-tracked calls: ``Thunk`` wraps a function, ``LineageResult`` is what a call returns.

A wrapped call classifies each argument -- a :class:`LineageResult` or a loaded variable is
*data* (unwrapped to its plain value, recorded as an input), anything else a *constant* --
computes the cache key (:func:`scistack_engine.lineage.cache_key`), and either returns the
cached outputs without calling the function or calls it and stores the outputs. Either
way, the outputs come back as LineageResults carrying the lineage of *this* call. Keys,
fingerprints and the store live in :mod:`scistack_engine`; this module only wraps.
"""

from __future__ import annotations

import functools
import inspect
import sys
import types
from collections.abc import Callable
from typing import Any, TypeVar, overload

import numpy as np

from scistack_engine.errors import UnsupportedValueError
from scistack_engine.fingerprint import (
    FingerprintState,
    fingerprint_state,
    object_fingerprint,
    version_fingerprint,
)
from scistack_engine.hashing import content_hash
from scistack_engine.lineage import (
    ConstantValue,
    LineageOptionError,
    LineageRecord,
    OutputCountError,
    RecordRef,
    UnhashableArgumentError,
    UpstreamRef,
    _fast_cache_key,
    check_thunk_options,
    get_cache_store,
)

__all__ = ["Thunk", "LineageResult", "lineage_fcn"]

F = TypeVar("F", bound=Callable[..., Any])

_MISSING = object()
_POSITIONAL_OR_KEYWORD = inspect.Parameter.POSITIONAL_OR_KEYWORD
_KEYWORD_ONLY = inspect.Parameter.KEYWORD_ONLY
_VAR_POSITIONAL = inspect.Parameter.VAR_POSITIONAL
_VAR_KEYWORD = inspect.Parameter.VAR_KEYWORD

#: Argument types that are never data wrappers; skips an attribute probe on the hot path.
_PLAIN_TYPES = frozenset(
    {int, float, str, bool, type(None), complex, np.ndarray, list, tuple, dict}
)


class LineageResult:
    """The value returned by a lineage-tracked call, with how it was produced.

    Attributes
    ----------
    data : Any
        The plain value the function returned (or that the cache held).
    lineage : LineageRecord
        The call that produced it: function, fingerprint, inputs, constants.
    output_index : int
        Which output of that call this is (0-based, declaration order).

    Passing a LineageResult to another wrapped function hands the function ``data`` and
    records this result's lineage as an upstream input, so a chain keeps its whole history.
    Treat ``data`` as read-only: it is hashed again when passed on, so an in-place change
    is seen, but the lineage would then describe a value that no longer exists.
    """

    __slots__ = ("data", "lineage", "output_index")

    def __init__(self, data: Any, lineage: LineageRecord, output_index: int = 0) -> None:
        self.data = data
        self.lineage = lineage
        self.output_index = output_index

    def __repr__(self) -> str:
        value = type(self.data).__name__
        shape = getattr(self.data, "shape", None)
        if shape is not None:
            value += f" shape={tuple(shape)}"
        suffix = f"[{self.output_index}]" if self.lineage.n_outputs != 1 else ""
        return f"<LineageResult of {self.lineage.function_name}(){suffix}: {value}>"


class _Call:
    """One call, classified: what the function receives and what the key is made of."""

    __slots__ = ("args", "kwargs", "inputs", "constants", "input_hashes", "constant_hashes")

    def __init__(self) -> None:
        self.args: list[Any] = []
        self.kwargs: dict[str, Any] = {}
        self.inputs: dict[str, RecordRef | UpstreamRef] = {}
        self.constants: dict[str, ConstantValue] = {}
        self.input_hashes: list[tuple[str, str]] = []
        self.constant_hashes: list[tuple[str, str]] = []


class Thunk:
    """A function wrapped so that each call records its lineage and is cached.

    Parameters
    ----------
    fn : callable
        The function. It receives plain values and returns plain values.
    unpack_output : bool, default False
        The function returns a tuple (or list) of several outputs; the call returns a tuple
        of LineageResults in the same order. Without ``n_outputs`` the count is taken from
        what the function returns.
    n_outputs : int, optional
        The declared number of outputs. ``n_outputs >= 2`` implies ``unpack_output=True``;
        the function must then return exactly that many.
    version : str, optional
        Replaces the code fingerprint: while the version string stays the same, edits to
        the function (and to what it references) do not invalidate its cache. Change the
        string to invalidate.

    Notes
    -----
    Call the Thunk as you would call ``fn``. ``thunk.recompute(...)`` runs ``fn`` even when
    the call is cached and replaces the cached outputs; ``thunk.cache_key(...)`` returns
    the key a call would use without running anything. These are attributes of the
    wrapper, so they can never collide with ``fn``'s own parameter names.

    The code fingerprint is computed at the first call and re-checked cheaply on every
    later call (see :mod:`scistack_engine.fingerprint`).
    """

    __wrapped__: Callable[..., Any]

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        unpack_output: bool = False,
        n_outputs: int | None = None,
        version: str | None = None,
    ) -> None:
        if isinstance(fn, Thunk):
            fn = fn.__wrapped__
        if not callable(fn):
            raise LineageOptionError(f"Thunk needs a callable, not {type(fn).__name__}")
        check_thunk_options(n_outputs, version, unpack_output)
        if n_outputs is not None and n_outputs >= 2:
            unpack_output = True

        functools.update_wrapper(self, fn)
        self.__wrapped__ = fn
        self.unpack_output = bool(unpack_output)
        self.n_outputs = n_outputs if n_outputs is not None else (None if unpack_output else 1)
        self.version = version
        # Output arity in the cache key: 1 single, k declared, 0 unpacked with count undeclared.
        self._arity = self.n_outputs if self.n_outputs is not None else 0
        self._name = getattr(fn, "__name__", None) or type(fn).__name__
        self._version_fingerprint = version_fingerprint(fn, version) if version else None
        self._state: FingerprintState | None = None
        self._binder = _Binder(fn)

    # ---------------------------------------------------------------- public

    @property
    def fingerprint(self) -> str:
        """The fingerprint that enters cache keys (the version fingerprint if declared)."""
        if self._version_fingerprint is not None:
            return self._version_fingerprint
        state = self._state
        if state is None or not state.is_current():
            state = self._state = fingerprint_state(self.__wrapped__)
        return state.hexdigest

    @property
    def output_arity(self) -> int:
        """The output arity in cache keys: 1 single, k declared outputs, 0 unpacked, undeclared."""
        return self._arity

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._run(args, kwargs, False)

    def recompute(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function even when the call is cached, and store the new outputs."""
        return self._run(args, kwargs, True)

    def cache_key(self, *args: Any, **kwargs: Any) -> str:
        """The cache key this call would use; nothing is run or stored."""
        call = self._classify(args, kwargs)
        return _fast_cache_key(
            self.fingerprint, call.input_hashes, call.constant_hashes, self._arity
        )

    def __scistack_fingerprint__(self) -> Any:
        # A Thunk referenced from another function stands for its fingerprint: the declared
        # version's, or else the wrapped function's, followed like any user function.
        return (
            self._version_fingerprint if self._version_fingerprint is not None else self.__wrapped__
        )

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        # As a class attribute it binds like a function; ``self`` is then an argument like
        # any other and must be hashable (methods of plain objects usually are not).
        if instance is None:
            return self
        return types.MethodType(self, instance)

    def __reduce__(self) -> Any:
        # A module-level ``@lineage_fcn`` function pickles by reference (its module holds
        # the Thunk, not the bare function); any other Thunk by its function and options.
        module = sys.modules.get(getattr(self, "__module__", "") or "")
        target: Any = module
        for part in str(getattr(self, "__qualname__", "")).split("."):
            target = getattr(target, part, None)
        if target is self:
            return self.__qualname__
        declared = self.n_outputs if self.unpack_output else None
        return (_rebuild, (self.__wrapped__, self.unpack_output, declared, self.version))

    def __repr__(self) -> str:
        options = []
        if self.unpack_output:
            options.append("unpack_output=True")
        if self.n_outputs not in (None, 1):
            options.append(f"n_outputs={self.n_outputs}")
        if self.version:
            options.append(f"version={self.version!r}")
        extra = ", " + ", ".join(options) if options else ""
        return f"Thunk({getattr(self.__wrapped__, '__qualname__', self._name)}{extra})"

    # ---------------------------------------------------------------- the call

    def _run(self, args: tuple[Any, ...], kwargs: dict[str, Any], force: bool) -> Any:
        fingerprint = self.fingerprint
        call = self._classify(args, kwargs)
        key = _fast_cache_key(fingerprint, call.input_hashes, call.constant_hashes, self._arity)
        store = get_cache_store()
        if not force:
            outputs = store.get(key)
            if outputs is not None and (self._arity == 0 or len(outputs) == self._arity):
                return self._wrap(outputs, self._lineage(fingerprint, call, key))
        returned = self.__wrapped__(*call.args, **call.kwargs)
        outputs = self._split(returned)
        lineage = self._lineage(fingerprint, call, key)
        store.put(key, outputs, lineage)
        return self._wrap(outputs, lineage)

    def _lineage(self, fingerprint: str, call: _Call, key: str) -> LineageRecord:
        return LineageRecord(
            function_name=self._name,
            fingerprint=fingerprint,
            language="python",
            inputs=call.inputs,
            constants=call.constants,
            n_outputs=self._arity,
            cache_key=key,
        )

    def _wrap(self, outputs: tuple[Any, ...], lineage: LineageRecord) -> Any:
        if not self.unpack_output:
            return LineageResult(outputs[0], lineage, 0)
        return tuple(LineageResult(value, lineage, i) for i, value in enumerate(outputs))

    def _split(self, returned: Any) -> tuple[Any, ...]:
        if not self.unpack_output:
            return (_plain(returned),)
        if not isinstance(returned, (tuple, list)):
            raise OutputCountError(
                f"{self._name} is declared with several outputs but returned "
                f"{type(returned).__name__}, not a tuple"
            )
        if self.n_outputs is not None and len(returned) != self.n_outputs:
            raise OutputCountError(
                f"{self._name} is declared with {self.n_outputs} outputs "
                f"but returned {len(returned)}"
            )
        return tuple(_plain(v) for v in returned)

    def _classify(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Call:
        call = _Call()
        items, call_positional = self._binder.bind(args, kwargs)
        plain_values: list[Any] = []
        for name, value in items:
            plain_values.append(self._take(call, name, value))
        self._binder.arrange(call, items, plain_values, call_positional)
        return call

    def _take(self, call: _Call, name: str, value: Any) -> Any:
        """Record one argument as input or constant; return the plain value for the function."""
        cls = type(value)
        if cls not in _PLAIN_TYPES:
            if cls is LineageResult:
                data = value.data
                digest = self._hash(name, data)
                call.inputs[name] = UpstreamRef(value.lineage, value.output_index, digest)
                call.input_hashes.append((name, digest))
                return data
            record = getattr(value, "__scistack_record__", _MISSING)
            if record is not _MISSING:
                data = value.data
                if record is None:  # a variable that is not saved: its value is a constant
                    value = data
                else:
                    ref = RecordRef.coerce(record)
                    call.inputs[name] = ref
                    call.input_hashes.append((name, ref.content_hash))
                    return data
            elif callable(value):
                try:
                    digest = object_fingerprint(value)
                except TypeError as exc:
                    raise self._unhashable(name, value, exc) from exc
                shown = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
                label = ".".join(p for p in shown if isinstance(p, str)) or repr(type(value))
                call.constants[name] = ConstantValue(label, digest)
                call.constant_hashes.append((name, digest))
                return value
        digest = self._hash(name, value)
        call.constants[name] = ConstantValue(value, digest)
        call.constant_hashes.append((name, digest))
        return value

    def _hash(self, name: str, value: Any) -> str:
        try:
            return content_hash(value)
        except (UnsupportedValueError, TypeError) as exc:
            raise self._unhashable(name, value, exc) from exc

    def _unhashable(self, name: str, value: Any, exc: Exception) -> UnhashableArgumentError:
        hint = ""
        if isinstance(value, (list, tuple, dict)):
            hint = (
                " Loaded variables and LineageResults are unwrapped only when passed directly, "
                "not inside a container."
            )
        return UnhashableArgumentError(
            f"{self._name}: argument {name!r} "
            f"({type(value).__module__}.{type(value).__qualname__}) "
            f"cannot be hashed, so the call has no cache key: {exc}.{hint}",
            function=self._name,
            parameter=name,
        )


class _Binder:
    """Maps a call's arguments to parameter names, the same for positional and keyword calls."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        try:
            self.signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):  # some builtins have no signature
            self.signature = None
            self.fast = False
            return
        params = list(self.signature.parameters.values())
        self.fast = all(p.kind in (_POSITIONAL_OR_KEYWORD, _KEYWORD_ONLY) for p in params)
        self.names = [p.name for p in params]
        self.positional = [p.name for p in params if p.kind is _POSITIONAL_OR_KEYWORD]
        self.known = frozenset(self.names)
        self.required = frozenset(p.name for p in params if p.default is inspect.Parameter.empty)

    def bind(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[list[tuple[str, Any]], Any]:
        """``(name, value)`` pairs in declaration order, plus what ``arrange`` needs."""
        if self.fast and len(args) <= len(self.positional):
            bound = dict(zip(self.positional, args))
            if kwargs:
                for key in kwargs:
                    if key in bound or key not in self.known:
                        return self._slow(args, kwargs)
                bound.update(kwargs)
            if self.required.issubset(bound):
                return [(n, bound[n]) for n in self.names if n in bound], None
        return self._slow(args, kwargs)

    def _slow(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[list[tuple[str, Any]], Any]:
        items: list[tuple[str, Any]]
        if self.signature is None:
            items = [(f"args[{i}]", v) for i, v in enumerate(args)] + list(kwargs.items())
            return items, ("raw", len(args))
        bound = self.signature.bind(*args, **kwargs)  # raises the usual TypeError
        items = []
        for name, value in bound.arguments.items():
            kind = self.signature.parameters[name].kind
            if kind is _VAR_POSITIONAL:
                items += [(f"{name}[{i}]", v) for i, v in enumerate(value)]
            elif kind is _VAR_KEYWORD:
                items += list(value.items())
            else:
                items.append((name, value))
        return items, ("bound", bound)

    def arrange(
        self, call: _Call, items: list[tuple[str, Any]], plain: list[Any], how: Any
    ) -> None:
        """Fill ``call.args``/``call.kwargs`` with the plain values."""
        if how is None:
            call.kwargs = {name: value for (name, _), value in zip(items, plain)}
            return
        mode, detail = how
        if mode == "raw":
            call.args = plain[:detail]
            call.kwargs = {name: value for (name, _), value in zip(items[detail:], plain[detail:])}
            return
        bound: inspect.BoundArguments = detail
        replaced = dict(zip((name for name, _ in items), plain))
        for name in list(bound.arguments):
            kind = self.signature.parameters[name].kind  # type: ignore[union-attr]
            if kind is _VAR_POSITIONAL:
                bound.arguments[name] = tuple(
                    replaced[f"{name}[{i}]"] for i in range(len(bound.arguments[name]))
                )
            elif kind is _VAR_KEYWORD:
                bound.arguments[name] = {k: replaced[k] for k in bound.arguments[name]}
            else:
                bound.arguments[name] = replaced[name]
        call.args = list(bound.args)
        call.kwargs = dict(bound.kwargs)


def _rebuild(
    fn: Callable[..., Any], unpack_output: bool, n_outputs: int | None, version: str | None
) -> Thunk:
    return Thunk(fn, unpack_output=unpack_output, n_outputs=n_outputs, version=version)


def _plain(value: Any) -> Any:
    """A returned LineageResult stands for its data (its lineage is internal to the call)."""
    return value.data if type(value) is LineageResult else value


@overload
def lineage_fcn(fn: F) -> Thunk: ...


@overload
def lineage_fcn(
    fn: None = None,
    *,
    unpack_output: bool = False,
    n_outputs: int | None = None,
    version: str | None = None,
) -> Callable[[F], Thunk]: ...


def lineage_fcn(
    fn: Callable[..., Any] | None = None,
    *,
    unpack_output: bool = False,
    n_outputs: int | None = None,
    version: str | None = None,
) -> Any:
    """Decorator: track the lineage of every call of a function and cache its outputs.

    Use it bare (``@lineage_fcn``) or with options
    (``@lineage_fcn(unpack_output=True)``, ``@lineage_fcn(n_outputs=2)``,
    ``@lineage_fcn(version="v2")``); the options are those of :class:`Thunk`.

    Returns
    -------
    Thunk
        The wrapped function.
    """
    if fn is not None:
        return Thunk(fn, unpack_output=unpack_output, n_outputs=n_outputs, version=version)

    def decorate(f: Callable[..., Any]) -> Thunk:
        return Thunk(f, unpack_output=unpack_output, n_outputs=n_outputs, version=version)

    return decorate
