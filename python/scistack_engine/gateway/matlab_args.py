"""Reading the arguments MATLAB sends: what its cells, vectors, empties and names arrive as.

A request's ``args`` is a decoded MATLAB struct. MATLAB has no 1-D arrays, no ``None`` and
no list type, so the same intent arrives in several forms: a list is a cell (a Python list,
or an object array when the cell is not a row), a numeric row or column, or one scalar;
"nothing" is ``[]``, ``''`` or ``{}``; names are a char row, a cellstr or a string array.
Every adapter of the gateway reads its arguments through these functions, so all of them
agree on the forms; none of them holds a rule of the engine. Replies have two forms of
their own here: nested wire bytes (:func:`as_uint8`) and struct arrays (:func:`struct_array`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..codec import ClassHint
from .dispatch import GatewayError
from .profile import lower_active
from .request_profile import raise_wire

__all__ = ["items", "is_empty", "is_many", "one_or_list", "texts", "wire_bytes", "stored_wire",
           "as_uint8", "struct_array", "metadata"]


def items(value: Any) -> list[Any]:
    """A MATLAB list (a cell, a numeric or logical vector, or one value) as a flat list.

    Numeric elements become Python numbers; the elements of a cell are kept as decoded.
    """
    if value is None:
        return []
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return [value.item()]
        if value.dtype == object:
            return list(value.reshape(-1))
        return value.reshape(-1).tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def is_empty(value: Any) -> bool:
    """None, or an empty array, cell, struct or text: what MATLAB sends for "nothing"."""
    return value is None or (isinstance(value, np.ndarray) and value.size == 0) or (
        isinstance(value, (list, tuple, dict, str)) and len(value) == 0)


def is_many(value: Any) -> bool:
    """A value that stands for several values (a cell or an array with a dimension)."""
    return isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0)


def texts(value: Any, what: str) -> list[str]:
    """Names: one char row, a cellstr or a string array; ``what`` names the argument."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = items(value)
    if not all(isinstance(name, str) for name in names):
        raise GatewayError(
            f"{what} takes names as text (char, cellstr or string), got "
            f"{[type(n).__name__ for n in names]}",
            identifier="scistack:gateway:badArgument")
    return names


def wire_bytes(data: Any) -> bytes:
    """Nested wire bytes sent as a uint8 vector, as bytes."""
    return np.asarray(data, dtype=np.uint8).tobytes()


def stored_wire(data: Any) -> bytes:
    """A value MATLAB sent as nested wire bytes (a uint8 vector, in the MATLAB request
    profile), raised to the stored encoding (see :mod:`.request_profile`)."""
    return raise_wire(wire_bytes(data))


def as_uint8(wire: bytes) -> np.ndarray:
    """Wire bytes to send back nested in a reply: a uint8 vector MATLAB receives as such,
    lowered to the profile of the request (see :mod:`scistack_engine.gateway.profile`)."""
    return np.frombuffer(lower_active(wire), dtype=np.uint8).copy()


def struct_array(records: list[dict[str, Any]], fields: tuple[str, ...] = ()) -> ClassHint:
    """Dicts with the same keys in the same order, to send back as an N-by-1 MATLAB struct
    array; Python reads a 1-D object array. When there are none, a 0-by-1 struct array
    with the ``fields`` given (none by default): the hint is then over a dict of those
    fields, each ``None``, which is what Python reads."""
    if not records and fields:
        return ClassHint("struct", dict.fromkeys(fields))
    column = np.empty(len(records), dtype=object)
    column[:] = records
    return ClassHint("struct", column)


def one_or_list(value: Any) -> Any:
    """A value that stands for several (a vector, a cell, a string array) as a flat list,
    except that a list of one value is that value (MATLAB's ``{1}`` means ``1``)."""
    if not is_many(value):
        return value
    values = items(value)
    return values[0] if len(values) == 1 else values


def metadata(value: Any) -> dict[str, Any]:
    """A metadata struct as MATLAB sends it, each value read by :func:`one_or_list`: several
    values mean "any of these" in a query (and are refused by a save). The values
    themselves are checked by :mod:`scistack_engine.metadata` where they are used, so a
    MATLAB caller and a Python caller meet the same rules and errors."""
    return {str(key): one_or_list(v) for key, v in dict(value or {}).items()}
