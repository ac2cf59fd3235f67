"""scilineage: record how every result was produced, and never compute the same thing twice.

Wrap a function with ``@lineage_fcn`` (or ``Thunk(fn)``) and each call returns a
:class:`LineageResult` holding the plain value (``.data``) and its lineage: the function's
name and code fingerprint, its inputs (saved records or earlier results) and its constants.
A call whose cache key was seen before returns the cached outputs without running the
function. No database is needed: outputs are cached in memory unless a database layer has
installed a persistent store (:func:`set_cache_store`). What invalidates the cache is
described in ``docs/lineage.md``.

Example
-------
>>> from scilineage import lineage_fcn
>>> @lineage_fcn
... def scale(signal, factor):
...     return signal * factor
>>> result = scale(np.arange(3), factor=2)        # doctest: +SKIP
>>> result.data, result.lineage.constant_values   # doctest: +SKIP
(array([0, 2, 4]), {'factor': 2})
"""

from scistack_engine.fingerprint import function_fingerprint
from scistack_engine.lineage import (
    CacheStore,
    ConstantValue,
    FingerprintError,
    LineageError,
    LineageFormatError,
    LineageOptionError,
    LineageRecord,
    MemoryCacheStore,
    OutputCountError,
    RecordRef,
    UnhashableArgumentError,
    UpstreamRef,
    cache_key,
    get_cache_store,
    set_cache_store,
)

from .thunk import LineageResult, Thunk, lineage_fcn

__all__ = [
    "lineage_fcn",
    "Thunk",
    "LineageResult",
    "LineageRecord",
    "RecordRef",
    "UpstreamRef",
    "ConstantValue",
    "CacheStore",
    "MemoryCacheStore",
    "get_cache_store",
    "set_cache_store",
    "cache_key",
    "function_fingerprint",
    "LineageError",
    "FingerprintError",
    "UnhashableArgumentError",
    "OutputCountError",
    "LineageOptionError",
    "LineageFormatError",
]
