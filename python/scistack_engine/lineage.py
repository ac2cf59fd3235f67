"""Lineage records, the cache-key rule, and where cached outputs are kept.

A lineage record says which function (name, code fingerprint, language) produced a result,
from which inputs (saved records, or outputs of earlier lineage records) and with which
constants. The cache key of a call is a hash of exactly what decides its outputs: the
fingerprint, the content hash of every input and constant by parameter name, and the
output arity -- never record ids, so re-saving identical data keeps the cache valid.

Everything here is plain data with ``to_dict``/``from_dict``, so the MATLAB front can send
the same information as structs. How a Python function gets its fingerprint is
:mod:`scistack_engine.fingerprint`; how a call is wrapped is :mod:`scilineage`.

Cached outputs live in a :class:`CacheStore`. Without a database the process-wide store is
a :class:`MemoryCacheStore`; a database layer installs its persistent store with
:func:`set_cache_store`.
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .errors import (
    FingerprintError,
    LineageError,
    LineageFormatError,
    LineageOptionError,
    OutputCountError,
    UnhashableArgumentError,
)

__all__ = [
    "LANGUAGES",
    "CACHE_KEY_PREFIX",
    "cache_key",
    "check_thunk_options",
    "RecordRef",
    "UpstreamRef",
    "ConstantValue",
    "LineageRecord",
    "CacheStore",
    "MemoryCacheStore",
    "get_cache_store",
    "set_cache_store",
    "LineageError",
    "FingerprintError",
    "UnhashableArgumentError",
    "OutputCountError",
    "LineageOptionError",
    "LineageFormatError",
]

#: The languages a lineage record can name.
LANGUAGES = ("python", "matlab")

#: First line of the text hashed into a cache key; a new rule gets a new prefix.
CACHE_KEY_PREFIX = "scistack-cache-key-v1"


# --------------------------------------------------------------------------- cache key


def check_thunk_options(n_outputs: Any, version: Any, unpack_output: bool = False) -> None:
    """Refuse the options of a lineage-tracked function that no call could honour.

    The one rule of both fronts: ``n_outputs`` is None or a positive whole number (not a
    bool); one declared output cannot also be unpacked; ``version`` is None or non-empty
    text. Raises :class:`LineageOptionError` naming the option.
    """
    if n_outputs is not None:
        if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
            raise LineageOptionError(f"n_outputs must be a positive integer, not {n_outputs!r}")
        if n_outputs == 1 and unpack_output:
            raise LineageOptionError(
                "unpack_output=True with n_outputs=1 is ambiguous; "
                "a single output is returned as is"
            )
    if version is not None and (not isinstance(version, str) or not version):
        raise LineageOptionError(f"version must be a non-empty string, not {version!r}")


def _key_text(
    fingerprint: str,
    inputs: Sequence[tuple[str, str]],
    constants: Sequence[tuple[str, str]],
    n_outputs: int,
) -> str:
    # Names are length-prefixed, so no name can imitate a separator.
    lines = [CACHE_KEY_PREFIX, "f" + fingerprint]
    lines += [f"i{len(name)}:{name}={digest}" for name, digest in sorted(inputs)]
    lines += [f"c{len(name)}:{name}={digest}" for name, digest in sorted(constants)]
    lines.append(f"n{n_outputs}")
    return "\n".join(lines)


def cache_key(
    fingerprint: str,
    inputs: Mapping[str, str],
    constants: Mapping[str, str],
    n_outputs: int,
) -> str:
    """The cache key of one call (64 hex characters).

    Parameters
    ----------
    fingerprint : str
        The function's code fingerprint, or its declared-version fingerprint.
    inputs : mapping of str to str
        Parameter name -> content hash, for arguments that are data: saved records and
        outputs of other lineage-tracked calls.
    constants : mapping of str to str
        Parameter name -> content hash, for every other explicitly passed argument.
    n_outputs : int
        The output arity: ``1`` for a single return value, ``k >= 2`` for ``k`` declared
        outputs, ``0`` for outputs unpacked from a returned tuple whose length was not
        declared in advance (Python's ``unpack_output=True`` without ``n_outputs``).

    Returns
    -------
    str
        SHA-256 hex digest. The order of the mappings does not matter; whether an argument
        arrived as data or as a constant does.
    """
    if not isinstance(fingerprint, str) or not fingerprint:
        raise TypeError("fingerprint must be a non-empty string")
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, (int, np.integer)) or n_outputs < 0:
        raise ValueError(f"n_outputs must be an integer >= 0, not {n_outputs!r}")
    for kind, mapping in (("input", inputs), ("constant", constants)):
        for name, digest in mapping.items():
            if not isinstance(name, str) or not isinstance(digest, str):
                raise TypeError(
                    f"{kind} names and content hashes must be strings: {name!r}: {digest!r}"
                )
    overlap = set(inputs) & set(constants)
    if overlap:
        raise ValueError(f"parameters given both as input and as constant: {sorted(overlap)}")
    text = _key_text(fingerprint, list(inputs.items()), list(constants.items()), int(n_outputs))
    return hashlib.sha256(text.encode()).hexdigest()


def _fast_cache_key(
    fingerprint: str,
    inputs: list[tuple[str, str]],
    constants: list[tuple[str, str]],
    n_outputs: int,
) -> str:
    """:func:`cache_key` for callers that already hold validated (name, hash) pairs."""
    return hashlib.sha256(_key_text(fingerprint, inputs, constants, n_outputs).encode()).hexdigest()


# --------------------------------------------------------------------------- lineage records


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A saved record used as an input: which variable, which record, which version.

    Attributes
    ----------
    variable : str
        The variable type's name (``"RawEMG"``).
    metadata : mapping
        The record's metadata (schema keys and their values).
    record_id : str
        The record's id in its database.
    version : int or str or None
        The version of the record that was loaded.
    content_hash : str
        Content hash of the record's value; this, not the id, enters cache keys.
    """

    variable: str
    metadata: Mapping[str, Any]
    record_id: str
    version: int | str | None
    content_hash: str

    kind = "record"

    @classmethod
    def coerce(cls, ref: Any) -> RecordRef:
        """A RecordRef from a RecordRef, a mapping with its fields, or an object with them."""
        if isinstance(ref, RecordRef):
            return ref
        if isinstance(ref, Mapping):
            get = ref.get
        else:
            def get(name: str, default: Any = None) -> Any:
                return getattr(ref, name, default)
        content = get("content_hash")
        if not isinstance(content, str) or not content:
            raise LineageFormatError(f"a record reference needs a content_hash string, got {ref!r}")
        return cls(
            variable=str(get("variable", "")),
            metadata=dict(get("metadata", None) or {}),
            record_id=str(get("record_id", "")),
            version=get("version", None),
            content_hash=content,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "record",
            "variable": self.variable,
            "metadata": dict(self.metadata),
            "record_id": self.record_id,
            "version": self.version,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True, slots=True, eq=False)
class UpstreamRef:
    """An output of an earlier lineage-tracked call used as an input.

    Attributes
    ----------
    lineage : LineageRecord
        How the upstream output was produced.
    output_index : int
        Which of that call's outputs (0-based, declaration order).
    content_hash : str
        Content hash of the output's value as it was passed in.
    """

    lineage: LineageRecord
    output_index: int
    content_hash: str

    kind = "upstream"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "upstream",
            "output_index": self.output_index,
            "content_hash": self.content_hash,
            "lineage": self.lineage.to_dict(),
        }


InputRef = RecordRef | UpstreamRef


@dataclass(frozen=True, slots=True, eq=False)
class ConstantValue:
    """A constant argument: the value as passed and its content hash.

    For a callable passed as an argument, ``value`` is its qualified name (a string) and
    ``content_hash`` is its fingerprint.
    """

    value: Any
    content_hash: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "content_hash": self.content_hash}


@dataclass(frozen=True, slots=True, eq=False)
class LineageRecord:
    """What produced a result: function, code fingerprint, inputs and constants.

    Attributes
    ----------
    function_name : str
        The function's name as the user wrote it (``"bandpass_filter"``).
    fingerprint : str
        Its code fingerprint (or declared-version fingerprint).
    language : str
        ``"python"`` or ``"matlab"``.
    inputs : mapping of str to RecordRef or UpstreamRef
        Data arguments by parameter name.
    constants : mapping of str to ConstantValue
        Other explicitly passed arguments by parameter name.
    n_outputs : int
        The output arity used in the cache key (see :func:`cache_key`).
    cache_key : str
        The call's cache key; computed from the fields above when not given.
    """

    function_name: str
    fingerprint: str
    language: str
    inputs: Mapping[str, InputRef]
    constants: Mapping[str, ConstantValue]
    n_outputs: int = 1
    cache_key: str = ""

    def __post_init__(self) -> None:
        if not self.cache_key:
            key = _fast_cache_key(
                self.fingerprint,
                [(n, r.content_hash) for n, r in self.inputs.items()],
                [(n, c.content_hash) for n, c in self.constants.items()],
                self.n_outputs,
            )
            object.__setattr__(self, "cache_key", key)

    @property
    def constant_values(self) -> dict[str, Any]:
        """Constants as ``{parameter: value}`` (what provenance shows)."""
        return {name: c.value for name, c in self.constants.items()}

    def upstream(self) -> Iterator[LineageRecord]:
        """Every earlier record in this record's history, depth-first, each once."""
        seen: set[int] = set()
        stack = [
            ref.lineage
            for ref in reversed(list(self.inputs.values()))
            if isinstance(ref, UpstreamRef)
        ]
        while stack:
            record = stack.pop()
            if id(record) in seen:
                continue
            seen.add(id(record))
            yield record
            stack.extend(
                ref.lineage
                for ref in reversed(list(record.inputs.values()))
                if isinstance(ref, UpstreamRef)
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain data: str, int, None, dicts, lists and constant values."""
        return {
            "function_name": self.function_name,
            "fingerprint": self.fingerprint,
            "language": self.language,
            "n_outputs": self.n_outputs,
            "cache_key": self.cache_key,
            "inputs": {name: ref.to_dict() for name, ref in self.inputs.items()},
            "constants": {name: c.to_dict() for name, c in self.constants.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LineageRecord:
        """Rebuild a record from :meth:`to_dict` output (or the MATLAB front's struct).

        ``cache_key`` may be omitted; when given it must equal the key the rule computes.
        """
        try:
            language = data["language"]
            if language not in LANGUAGES:
                raise LineageFormatError(f"language must be one of {LANGUAGES}, not {language!r}")
            inputs: dict[str, InputRef] = {}
            for name, ref in dict(data.get("inputs") or {}).items():
                kind = ref.get("kind")
                if kind == "record":
                    inputs[name] = RecordRef.coerce(ref)
                elif kind == "upstream":
                    inputs[name] = UpstreamRef(
                        lineage=cls.from_dict(ref["lineage"]),
                        output_index=int(ref.get("output_index", 0)),
                        content_hash=str(ref["content_hash"]),
                    )
                else:
                    raise LineageFormatError(f"input {name!r} has unknown kind {kind!r}")
            constants = {
                name: ConstantValue(value=c.get("value"), content_hash=str(c["content_hash"]))
                for name, c in dict(data.get("constants") or {}).items()
            }
            record = cls(
                function_name=str(data["function_name"]),
                fingerprint=str(data["fingerprint"]),
                language=language,
                inputs=inputs,
                constants=constants,
                n_outputs=int(data.get("n_outputs", 1)),
            )
        except LineageFormatError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LineageFormatError(f"not a lineage record: {exc}") from exc
        given = data.get("cache_key")
        if given and given != record.cache_key:
            raise LineageFormatError(
                f"cache_key {given!r} does not match the key computed from the record "
                f"({record.cache_key!r})"
            )
        return record


# --------------------------------------------------------------------------- cache stores


@runtime_checkable
class CacheStore(Protocol):
    """Where the outputs of lineage-tracked calls are kept, by cache key.

    A store must never return outputs for a key under which it did not receive them.
    ``put`` may decline to keep anything (a store that only answers from saved records).
    """

    def get(self, cache_key: str) -> tuple[Any, ...] | None:
        """The outputs stored under ``cache_key`` in declaration order, or None on a miss."""

    def put(self, cache_key: str, outputs: tuple[Any, ...], lineage: LineageRecord) -> None:
        """Keep ``outputs`` (declaration order) of the call described by ``lineage``."""


_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, np.generic)


def _private_copy(value: Any) -> Any:
    """A copy that later mutation of the original (or of the copy) cannot reach."""
    if isinstance(value, _IMMUTABLE):
        return value
    if type(value) is np.ndarray:
        return value.copy()
    return copy.deepcopy(value)


class MemoryCacheStore:
    """The in-process cache used when no database is configured.

    Values are copied on the way in and on the way out, so mutating a returned array never
    changes what a later cache hit returns.

    Parameters
    ----------
    max_entries : int, optional
        Keep at most this many calls, forgetting the least recently used. Unbounded when
        None (the default).
    """

    def __init__(self, max_entries: int | None = None) -> None:
        if max_entries is not None and max_entries < 1:
            raise ValueError("max_entries must be a positive integer or None")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[Any, ...]] = OrderedDict()
        self._lineage: dict[str, LineageRecord] = {}
        self._lock = threading.Lock()

    def get(self, cache_key: str) -> tuple[Any, ...] | None:
        outputs = self._entries.get(cache_key)
        if outputs is None:
            return None
        if self.max_entries is not None:
            with self._lock:
                if cache_key in self._entries:
                    self._entries.move_to_end(cache_key)
        return tuple(_private_copy(v) for v in outputs)

    def put(self, cache_key: str, outputs: tuple[Any, ...], lineage: LineageRecord) -> None:
        stored = tuple(_private_copy(v) for v in outputs)
        with self._lock:
            self._entries[cache_key] = stored
            self._entries.move_to_end(cache_key)
            self._lineage[cache_key] = lineage
            if self.max_entries is not None:
                while len(self._entries) > self.max_entries:
                    old, _ = self._entries.popitem(last=False)
                    self._lineage.pop(old, None)

    def lineage(self, cache_key: str) -> LineageRecord | None:
        """The lineage of the call that stored ``cache_key``, if it is held."""
        return self._lineage.get(cache_key)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self._lineage.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, cache_key: object) -> bool:
        return cache_key in self._entries

    def __repr__(self) -> str:
        return f"MemoryCacheStore({len(self)} entries, max_entries={self.max_entries})"


_default_store = MemoryCacheStore()
_installed_store: CacheStore | None = None


def get_cache_store() -> CacheStore:
    """The store lineage-tracked calls use now: the installed one, else the in-memory one."""
    return _installed_store if _installed_store is not None else _default_store


def set_cache_store(store: CacheStore | None) -> CacheStore | None:
    """Install ``store`` for every lineage-tracked call in this process.

    Parameters
    ----------
    store : CacheStore or None
        An object with ``get(cache_key)`` and ``put(cache_key, outputs, lineage)``; None goes
        back to the process's in-memory store.

    Returns
    -------
    CacheStore or None
        The store installed before (None when it was the in-memory default), so that a
        caller can restore it.
    """
    global _installed_store
    if store is not None and not (
        callable(getattr(store, "get", None)) and callable(getattr(store, "put", None))
    ):
        raise TypeError(
            "a cache store needs get(cache_key) and put(cache_key, outputs, lineage); "
            f"got {store!r}"
        )
    previous = _installed_store
    _installed_store = store
    return previous
