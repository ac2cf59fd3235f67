"""Row filters for ``for_each(where=...)``: ``Col("x") > 3`` and friends.

A filter is a small expression tree built from :class:`Col` with comparisons
(``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``), :meth:`Col.isin`, :meth:`Col.isna` and
:meth:`Col.notna`, combined with ``&`` (and), ``|`` (or) and ``~`` (not). It knows which
columns it names and can compute a boolean row mask for a DataFrame; deciding which inputs
a filter applies to is the job of :func:`scifor.for_each`.

Rows where a compared value is missing do not pass a comparison (``~`` then selects them).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from .errors import FilterError

__all__ = ["Col", "Filter", "split_conjuncts"]

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class Filter:
    """A row condition on one or more columns; build it from :class:`Col`.

    Combine filters with ``&``, ``|`` and ``~`` (not with ``and``/``or``/``not``), and
    put each comparison in parentheses: ``(Col("x") > 3) & (Col("y") == "a")``.
    """

    __slots__ = ()

    def columns(self) -> frozenset[str]:
        """Return the names of the columns this filter reads."""
        raise NotImplementedError

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        """Return a boolean array, one entry per row of *frame*, True where the row passes.

        Parameters
        ----------
        frame : pandas.DataFrame
            Must contain every column in :meth:`columns`.
        """
        raise NotImplementedError

    def __and__(self, other: Filter) -> Filter:
        return _Combined(self, _as_filter(other, "&"), "&")

    def __or__(self, other: Filter) -> Filter:
        return _Combined(self, _as_filter(other, "|"), "|")

    def __invert__(self) -> Filter:
        return _Not(self)

    def __rand__(self, other: Any) -> Filter:
        return _Combined(_as_filter(other, "&"), self, "&")

    def __ror__(self, other: Any) -> Filter:
        return _Combined(_as_filter(other, "|"), self, "|")

    def __bool__(self) -> bool:
        raise TypeError(
            f"The filter {self!r} has no truth value. Combine filters with & | ~ instead of "
            f"and / or / not, put each comparison in parentheses, and write a range as "
            f"(Col('x') > 1) & (Col('x') < 3) rather than 1 < Col('x') < 3."
        )


def _as_filter(value: Any, symbol: str) -> Filter:
    if isinstance(value, Filter):
        return value
    raise TypeError(
        f"'{symbol}' combines two filters built with Col(...), but got {value!r}. "
        f"Did you forget parentheses, e.g. (Col('x') > 3) {symbol} (Col('y') == 1)?"
    )


def _bool_array(result: Any) -> np.ndarray:
    """Turn a (possibly nullable) boolean Series into a plain bool array; missing -> False."""
    if isinstance(result, pd.Series):
        if result.dtype != bool:
            result = result.astype("boolean").fillna(False)
        return result.to_numpy(dtype=bool)
    return np.asarray(result, dtype=bool)


class Col:
    """A column reference, the starting point of a ``where=`` filter.

    Parameters
    ----------
    name : str
        The column the filter reads. Any column may be named, schema key or data.

    Examples
    --------
    >>> from scifor import Col
    >>> quality = (Col("snr") >= 3) & ~Col("channel").isin(["EMG9"])
    >>> sorted(quality.columns())
    ['channel', 'snr']
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Col() takes a column name (text), got {name!r}.")
        self.name = name

    def __repr__(self) -> str:
        return f"Col({self.name!r})"

    def _compare(self, symbol: str, value: Any) -> Filter:
        if isinstance(value, (Col, Filter)):
            raise TypeError(
                f"{self!r} {symbol} {value!r}: a filter compares a column with a value, "
                f"not with another column or filter."
            )
        return _Compare(self.name, symbol, value)

    def __eq__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._compare("==", value)

    def __ne__(self, value: Any) -> Filter:  # type: ignore[override]
        return self._compare("!=", value)

    def __lt__(self, value: Any) -> Filter:
        return self._compare("<", value)

    def __le__(self, value: Any) -> Filter:
        return self._compare("<=", value)

    def __gt__(self, value: Any) -> Filter:
        return self._compare(">", value)

    def __ge__(self, value: Any) -> Filter:
        return self._compare(">=", value)

    __hash__ = None  # type: ignore[assignment]

    def isin(self, values: Iterable[Any]) -> Filter:
        """Rows whose value is one of *values*.

        Parameters
        ----------
        values : iterable
            Candidate values (a list, tuple, set, array or Series; not a single string).
        """
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise TypeError(
                f"{self!r}.isin() takes a list of values, got {values!r}; "
                f"write .isin([{values!r}]) for a single value."
            )
        return _IsIn(self.name, list(values))

    def isna(self) -> Filter:
        """Rows whose value is missing (``None``, ``NaN``, ``NA``, ``NaT``)."""
        return _IsNa(self.name)

    def notna(self) -> Filter:
        """Rows whose value is present."""
        return _Not(_IsNa(self.name))


class _Compare(Filter):
    __slots__ = ("column", "symbol", "value")

    def __init__(self, column: str, symbol: str, value: Any) -> None:
        self.column = column
        self.symbol = symbol
        self.value = value

    def columns(self) -> frozenset[str]:
        return frozenset({self.column})

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        try:
            result = _OPERATORS[self.symbol](frame[self.column], self.value)
        except TypeError as exc:
            raise FilterError(
                f"Cannot evaluate {self!r} on column {self.column!r} "
                f"(dtype {frame[self.column].dtype}): {exc}. Compare with a value of the "
                f"column's type."
            ) from exc
        return _bool_array(result)

    def __repr__(self) -> str:
        return f"(Col({self.column!r}) {self.symbol} {self.value!r})"


class _IsIn(Filter):
    __slots__ = ("column", "values")

    def __init__(self, column: str, values: list[Any]) -> None:
        self.column = column
        self.values = values

    def columns(self) -> frozenset[str]:
        return frozenset({self.column})

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return _bool_array(frame[self.column].isin(self.values))

    def __repr__(self) -> str:
        return f"Col({self.column!r}).isin({self.values!r})"


class _IsNa(Filter):
    __slots__ = ("column",)

    def __init__(self, column: str) -> None:
        self.column = column

    def columns(self) -> frozenset[str]:
        return frozenset({self.column})

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.column].isna().to_numpy(dtype=bool)

    def __repr__(self) -> str:
        return f"Col({self.column!r}).isna()"


class _Combined(Filter):
    """``left & right`` or ``left | right``."""

    __slots__ = ("left", "right", "symbol")

    _COMBINE = {"&": np.logical_and, "|": np.logical_or}

    def __init__(self, left: Filter, right: Filter, symbol: str) -> None:
        self.left = left
        self.right = right
        self.symbol = symbol

    def columns(self) -> frozenset[str]:
        return self.left.columns() | self.right.columns()

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return self._COMBINE[self.symbol](self.left.mask(frame), self.right.mask(frame))

    def __repr__(self) -> str:
        return f"({self.left!r} {self.symbol} {self.right!r})"


class _Not(Filter):
    __slots__ = ("inner",)

    def __init__(self, inner: Filter) -> None:
        self.inner = inner

    def columns(self) -> frozenset[str]:
        return self.inner.columns()

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return ~self.inner.mask(frame)

    def __repr__(self) -> str:
        return f"~{self.inner!r}"


def split_conjuncts(where: Filter) -> list[Filter]:
    """Split a filter at its top-level ``&`` into parts that can be applied separately.

    ``(A & B) & C`` gives ``[A, B, C]``; an ``|`` or ``~`` expression stays whole.
    """
    if isinstance(where, _Combined) and where.symbol == "&":
        return split_conjuncts(where.left) + split_conjuncts(where.right)
    return [where]
