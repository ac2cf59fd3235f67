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
``array:f8``   float64 ndarrays of any shape       ``value_arr`` (DOUBLE[], C order) and
                                                   ``shape``
``frame``      pandas DataFrames                   ``payload`` (wire bytes), rows also
                                                   in the variable's row table
``wire``       everything else                     ``payload`` (wire bytes)
=============  ==================================  ===================================

Values that arrive from MATLAB as wire bytes keep those exact bytes when they carry a
MATLAB class hint, so MATLAB gets its own class back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .codec import decode, encode
from .hashing import content_hash

__all__ = ["StoredValue", "to_stored", "from_columns", "FLOAT_KINDS", "INT_KINDS", "BOOL_KINDS"]

_INT64_MAX = 2**63 - 1

FLOAT_KINDS = frozenset({"float", "np:f8", "np:f4", "np:f2"})
INT_KINDS = frozenset({"int", "np:i1", "np:i2", "np:i4", "np:i8", "np:u1", "np:u2", "np:u4", "np:u8"})
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
            return StoredValue("wire", content_hash(value), payload=bytes(wire))
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
    return StoredValue("wire", digest, payload=payload)


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
        return np.array(arr, dtype=np.float64).reshape(dims)
    return decode(payload)  # type: ignore[arg-type]
