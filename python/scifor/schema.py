"""The schema: which columns identify an experimental condition, and when two values match.

The schema is an ordered list of key names (for example ``["subject", "session",
"trial"]``), highest level first. It is set once per process with :func:`set_schema` and
read by :func:`scifor.for_each` to know which keyword arguments are iterables, which
DataFrame columns are metadata rather than data, and which key lies below the iterated ones
(used by ``distribute=True``).

This module also holds the one rule for comparing metadata values (:func:`key_value`):
numbers match by numeric value whatever their type (``1``, ``1.0``, ``numpy.int64(1)`` are
the same subject), text matches text exactly (``"1"`` is not ``1``), and every other value
matches by ``==``. It does not slice data; that is :mod:`scifor.slicing`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import SchemaError

__all__ = ["set_schema", "get_schema", "key_value", "RESERVED_NAMES"]

#: Names a schema key may not take, because they are parameters of ``for_each``.
RESERVED_NAMES: frozenset[str] = frozenset(
    {
        "fn",
        "inputs",
        "where",
        "as_table",
        "distribute",
        "output_names",
        "dry_run",
        "on_error",
        "progress",
    }
)

_schema: list[str] = []


def set_schema(keys: Sequence[str] | str) -> None:
    """Declare the metadata keys that identify an experimental condition.

    Parameters
    ----------
    keys : sequence of str
        Key names, highest level first, e.g. ``["subject", "session", "trial"]``. A single
        string is taken as a one-key schema. An empty list clears the schema.

    Raises
    ------
    SchemaError
        If a key is not a valid Python identifier, is repeated, or is the name of a
        ``for_each`` parameter (``where``, ``progress``, ...), since keys are passed to
        ``for_each`` as keyword arguments.

    Examples
    --------
    >>> from scifor import set_schema, get_schema
    >>> set_schema(["subject", "session"])
    >>> get_schema()
    ['subject', 'session']
    """
    global _schema
    if isinstance(keys, str):
        keys = [keys]
    try:
        candidate = list(keys)
    except TypeError:
        raise SchemaError(
            f"set_schema expects a list of key names such as ['subject', 'session'], "
            f"got {type(keys).__name__}."
        ) from None
    seen: set[str] = set()
    for key in candidate:
        if not isinstance(key, str) or not key.isidentifier():
            raise SchemaError(
                f"Schema key {key!r} is not usable: each key must be a text name that is a "
                f"valid Python identifier (letters, digits, underscores), because for_each "
                f"takes keys as keyword arguments."
            )
        if key in RESERVED_NAMES:
            raise SchemaError(
                f"Schema key {key!r} clashes with the for_each parameter of the same name; "
                f"rename the key (reserved: {sorted(RESERVED_NAMES)})."
            )
        if key in seen:
            raise SchemaError(f"Schema key {key!r} is listed twice in {candidate!r}.")
        seen.add(key)
    _schema = candidate


def get_schema() -> list[str]:
    """Return the current schema keys, highest level first.

    Returns
    -------
    list of str
        A copy of the keys given to :func:`set_schema` (empty if none were set).
    """
    return list(_schema)


def key_value(value: Any) -> Hashable:
    """Return the form of a metadata value that scifor uses to compare and look it up.

    Parameters
    ----------
    value : object
        A value from an iterable, a ``Fixed`` pin, or a key column of a DataFrame.

    Returns
    -------
    hashable
        Integers of any type, and floats with an integral value, become ``int``; other real
        numbers become ``float``; NumPy text becomes ``str``; ``numpy.datetime64`` becomes
        ``pandas.Timestamp``; anything else is returned unchanged. Booleans stay ``bool``
        (which, as everywhere in Python, equals ``0``/``1``).

    Notes
    -----
    Missing values (``None``, ``NaN``, ``pandas.NA``, ``NaT``) never match anything: key
    columns are grouped with missing values dropped, and a missing iterable value simply
    finds no rows.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return int(number)
        return number
    if isinstance(value, np.str_):
        return str(value)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value)
    return value


def is_missing(value: Any) -> bool:
    """Return True for ``None``, ``NaN``, ``pandas.NA`` and ``NaT`` (scalars only)."""
    if value is None:
        return True
    try:
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return bool(result) if isinstance(result, (bool, np.bool_)) else False


def ordered_unique(values: Iterable[Any]) -> list[Any]:
    """Return the distinct values (by :func:`key_value`) in first-seen order."""
    seen: set[Hashable] = set()
    out: list[Any] = []
    for value in values:
        key = key_value(value)
        if key in seen:
            continue
        seen.add(key)
        out.append(value)
    return out
