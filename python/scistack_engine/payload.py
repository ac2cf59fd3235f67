"""How a value is laid into a record's value columns, and read back exactly.

Every record row has a small set of value columns; each value uses the ones that keep it
exact *and* readable in SQL:

=============  ==================================  ===================================
kind           values                              columns
=============  ==================================  ===================================
``float``      Python float                        ``value_num``
``int``        Python int within int64             ``value_int``
``bool``       Python bool                         ``value_int`` (0/1)
``str``        Python str                          ``value_txt``
``np:<code>``  NumPy float64/float32 scalars       ``value_num``
               NumPy int/uint/bool scalars         ``value_int``
``array:f8``   float64 ndarrays of any shape       its raw bytes (C order) in ``_arrays``,
                                                   ``value_array_id`` and ``shape``
``frame``      pandas DataFrames                   ``payload`` (wire bytes), rows also
                                                   in the variable's row table
``wire``       everything else                     ``payload`` (wire bytes), and
                                                   ``value_txt``: the value as JSON text
=============  ==================================  ===================================

The JSON text of a ``wire`` value is only for reading in SQL (loads decode the payload):
dicts and MATLAB structs are objects, lists, tuples and arrays (nested by their shape)
are arrays, non-finite floats are the strings ``"NaN"``, ``"Infinity"`` and
``"-Infinity"``, and complex numbers, times and other values are strings. A missing
value (``None``, ``pd.NA``, ``NaT``) has no text, so it reads as NULL; a value whose text
would exceed :data:`DISPLAY_LIMIT` characters shows as a JSON object naming its type and
shape instead.

Values that arrive from MATLAB as wire bytes keep those exact bytes when they carry a
MATLAB class hint, so MATLAB gets its own class back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codec import decode, encode
from .hashing import content_hash, scalar_hashes

__all__ = ["StoredValue", "StoredColumns", "to_stored", "stored_columns", "from_columns",
           "scalar_column",
           "display_text", "DISPLAY_LIMIT", "FLOAT_KINDS", "INT_KINDS", "BOOL_KINDS"]

#: Longest JSON text kept for a value in ``value_txt`` (characters).
DISPLAY_LIMIT = 65536

_INT64_MAX = 2**63 - 1

FLOAT_KINDS = frozenset({"float", "np:f8", "np:f4", "np:f2"})
INT_KINDS = frozenset(
    {"int", "np:i1", "np:i2", "np:i4", "np:i8", "np:u1", "np:u2", "np:u4", "np:u8"}
)
BOOL_KINDS = frozenset({"bool", "np:b1"})


@dataclass(slots=True)
class StoredValue:
    """A value split into its record columns, with its content hash."""

    kind: str
    content_hash: str
    num: float | None = None
    int_: int | None = None
    txt: str | None = None
    arr: np.ndarray | None = None  # flat float64, C order
    shape: str | None = None
    payload: bytes | None = None
    frame: pd.DataFrame | None = None


def to_stored(value: Any, wire: bytes | None = None) -> StoredValue:
    """Lay ``value`` (or the value encoded in ``wire``) into record columns.

    Raises :class:`~scistack_engine.errors.UnsupportedValueError` for values outside the
    value model, before anything is written.
    """
    if wire is not None:
        value = decode(wire)
        if wire[4:5] == b"h":  # a MATLAB class hint: keep MATLAB's exact bytes
            return StoredValue("wire", content_hash(value), txt=display_text(value),
                               payload=bytes(wire))
    digest = content_hash(value)
    t = type(value)
    if t is float:
        return StoredValue("float", digest, num=value)
    if t is bool:
        return StoredValue("bool", digest, int_=int(value))
    if t is int and -_INT64_MAX - 1 <= value <= _INT64_MAX:
        return StoredValue("int", digest, int_=value)
    if t is str:
        return StoredValue("str", digest, txt=value)
    if isinstance(value, np.generic) and value.dtype.kind in "fiub":
        code = value.dtype.str[1:]
        if value.dtype.kind == "f":
            return StoredValue(f"np:{code}", digest, num=float(value))
        if int(value) <= _INT64_MAX:
            return StoredValue(f"np:{code}", digest, int_=int(value))
    if t is np.ndarray and value.dtype == np.float64:
        flat = np.ascontiguousarray(value).reshape(-1)
        return StoredValue("array:f8", digest, arr=flat,
                           shape=",".join(str(n) for n in value.shape))
    payload = bytes(wire) if wire is not None else encode(value)
    if t is pd.DataFrame:
        return StoredValue("frame", digest, payload=payload, frame=value)
    return StoredValue("wire", digest, txt=display_text(value), payload=payload)


@dataclass(slots=True)
class StoredColumns:
    """A column of scalar values of one kind laid into record columns at once: what
    :func:`to_stored` makes of each value, as columns."""

    kind: str
    content_hashes: list[str]
    num: np.ndarray | None = None  # float64
    int_: np.ndarray | None = None  # int64
    txt: list[str] | None = None


_BOOL_HASHES = {flag: content_hash(flag) for flag in (False, True)}


def stored_columns(values: Any) -> StoredColumns | None:
    """Lay a column of values (a pandas Series or a 1-d NumPy array) into record
    columns in one step when each of its values (``values.tolist()``) is a Python float,
    a Python int within int64, a bool or a str; None for any other column (lay each
    value with :func:`to_stored`). The kinds and content hashes equal those of
    :func:`to_stored` value by value."""
    array = values.to_numpy() if hasattr(values, "to_numpy") else values
    if not isinstance(array, np.ndarray) or array.ndim != 1:
        return None
    kind = array.dtype.kind
    if kind == "f":
        num = array.astype(np.float64)
        return StoredColumns("float", scalar_hashes(num, float), num=num)
    if kind == "i" or (kind == "u" and (not len(array) or int(array.max()) <= _INT64_MAX)):
        ints = array.astype(np.int64)
        return StoredColumns("int", scalar_hashes(ints, int), int_=ints)
    if kind == "b":
        return StoredColumns("bool", [_BOOL_HASHES[flag] for flag in array.tolist()],
                             int_=array.astype(np.int64))
    if kind == "O":
        texts = array.tolist()
        if all(type(text) is str for text in texts):
            return StoredColumns("str", [content_hash(text) for text in texts], txt=texts)
    return None


class _TooLong(Exception):
    """The JSON text of a value would exceed the display limit."""


def display_text(value: Any) -> str | None:
    """The JSON text a ``wire`` value shows in SQL views; None for a missing value."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    try:
        text = json.dumps(_jsonable(value, [0]), ensure_ascii=False, allow_nan=False)
    except _TooLong:
        text = None
    if text is None or len(text) > DISPLAY_LIMIT:
        summary: dict[str, Any] = {"type": type(value).__name__}
        if isinstance(value, (np.ndarray, pd.DataFrame, pd.Series)):
            summary["shape"] = list(value.shape)
        if isinstance(value, np.ndarray):
            summary["dtype"] = str(value.dtype)
        elif hasattr(value, "__len__"):
            summary["length"] = len(value)
        text = json.dumps(summary)
    return text


def _jsonable(value: Any, budget: list[int]) -> Any:
    """``value`` as JSON-ready Python values; ``budget`` counts the items made, so a huge
    value stops early (:class:`_TooLong`)."""
    budget[0] += 1
    if budget[0] > DISPLAY_LIMIT:
        raise _TooLong
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.datetime64, np.timedelta64)):  # (a timedelta64 is an integer)
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number):
            return number
        return "NaN" if number != number else ("Infinity" if number > 0 else "-Infinity")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, budget) for v in value]
    if isinstance(value, np.ndarray):
        if value.size > DISPLAY_LIMIT:
            raise _TooLong
        if value.ndim == 0:
            return _jsonable(value[()], budget)
        return [_jsonable(v, budget) for v in value]
    if isinstance(value, pd.Series):
        return [_jsonable(v, budget) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [{str(k): _jsonable(v, budget) for k, v in row.items()}
                for row in value.to_dict("records")]
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return value.isoformat()
    return str(value)


def scalar_column(kinds: list[str], nums: list[Any], ints: list[Any],
                  txts: list[Any]) -> list[Any] | None:
    """The values of records stored as ``float``, ``int``, ``bool`` or ``str`` (all of one
    of these kinds), rebuilt at once as :func:`from_columns` rebuilds each; None for any
    other kinds or a mix of kinds."""
    first = kinds[0] if kinds else None
    if first not in ("float", "int", "bool", "str") or kinds.count(first) != len(kinds):
        return None
    if first == "float":
        return nums
    if first == "int":
        return ints
    return [bool(i) for i in ints] if first == "bool" else txts


def from_columns(kind: str, num: float | None, int_: int | None, txt: str | None,
                 arr: np.ndarray | None, shape: str | None,
                 payload: bytes | None) -> Any:
    """Rebuild the exact value stored under ``kind``."""
    if kind == "float":
        return float(num)  # type: ignore[arg-type]
    if kind == "int":
        return int(int_)  # type: ignore[arg-type]
    if kind == "bool":
        return bool(int_)
    if kind == "str":
        return txt
    if kind.startswith("np:"):
        dtype = np.dtype("<" + kind[3:])
        return dtype.type(num if dtype.kind == "f" else int_)
    if kind == "array:f8":
        dims = tuple(int(n) for n in shape.split(",")) if shape else ()
        # a read-only view of the bytes read is copied; an array of its own (the pieces of
        # a big array, joined) is used as it is
        owned = isinstance(arr, np.ndarray) and arr.flags.writeable and arr.base is None
        return np.array(arr, dtype=np.float64, copy=not owned).reshape(dims)
    return decode(payload)  # type: ignore[arg-type]
