"""Input wrappers that change how a DataFrame input is sliced: ``Fixed``, ``Select``, ``Merge``.

By default a DataFrame input of :func:`scifor.for_each` is cut, for each combination, to
the rows whose schema columns equal the combination's values. The wrappers here adjust
that: :class:`Fixed` pins some metadata to fixed values, :class:`Select` keeps only some
columns, and :class:`Merge` joins several DataFrame inputs column-wise into one. They only
describe the request; the slicing itself happens in :mod:`scifor.slicing`.

Wrappers nest in the natural ways: ``Select(Fixed(df, session="pre"), "emg")`` and
``Fixed(Select(df, "emg"), session="pre")`` mean the same, and both may be parts of a
``Merge``. A ``Merge`` cannot be nested inside another wrapper.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import pandas as pd

from .errors import InputError
from .schema import key_value

__all__ = ["Fixed", "Select", "Merge", "Source"]


class Source:
    """A DataFrame plus its pins and column selection: the resolved form of an input.

    Users do not build this; :class:`Fixed` and :class:`Select` are sources, and a plain
    DataFrame is turned into one by :func:`as_source`.
    """

    __slots__ = ("frame", "pins", "columns")

    def __init__(
        self,
        frame: pd.DataFrame,
        pins: dict[str, Any] | None = None,
        columns: tuple[str, ...] | None = None,
    ) -> None:
        self.frame = frame
        self.pins: dict[str, Any] = dict(pins or {})
        self.columns = columns

    def _describe(self) -> str:
        parts = [f"DataFrame {self.frame.shape[0]}x{self.frame.shape[1]}"]
        if self.pins:
            parts.append(", ".join(f"{k}={v!r}" for k, v in self.pins.items()))
        if self.columns is not None:
            parts.append(f"columns={list(self.columns)!r}")
        return ", ".join(parts)


def _unwrap(data: Any, wrapper: str) -> Source:
    if isinstance(data, Source):
        return Source(data.frame, data.pins, data.columns)
    if isinstance(data, pd.DataFrame):
        return Source(data)
    if isinstance(data, Merge):
        raise InputError(
            f"{wrapper}(Merge(...)) is not supported: put {wrapper} around the parts "
            f"inside the Merge instead, e.g. Merge({wrapper}(df_a, ...), df_b)."
        )
    raise InputError(
        f"{wrapper}() wraps a pandas DataFrame (or another Fixed/Select), "
        f"got {type(data).__name__}. Constants need no wrapper: pass them directly in inputs."
    )


class Fixed(Source):
    """A DataFrame input whose metadata is pinned, whatever the current combination says.

    Parameters
    ----------
    data : DataFrame, Fixed or Select
        The input to pin.
    **metadata
        Column name -> value. For every combination, the input is sliced with these values
        instead of the combination's values for the same keys; keys that are not pinned
        follow the combination as usual. Each name must be a column of the DataFrame.

    Examples
    --------
    Compare each session with the subject's baseline:

    >>> for_each(compare, inputs={"baseline": Fixed(raw_df, session="baseline"),
    ...                           "current": raw_df},
    ...          subject=[1, 2], session=["post_1", "post_2"])  # doctest: +SKIP
    """

    __slots__ = ()

    def __init__(self, data: pd.DataFrame | Source, **metadata: Any) -> None:
        inner = _unwrap(data, "Fixed")
        if not metadata:
            raise InputError(
                "Fixed() needs at least one pinned value, e.g. Fixed(df, session='baseline'); "
                "a DataFrame without pins can be passed directly."
            )
        missing = [name for name in metadata if name not in inner.frame.columns]
        if missing:
            raise InputError(
                f"Fixed() pins {missing!r}, which the DataFrame does not have "
                f"(its columns: {list(inner.frame.columns)!r}). Pin existing columns only."
            )
        for name, value in metadata.items():
            if name in inner.pins and key_value(inner.pins[name]) != key_value(value):
                raise InputError(
                    f"Fixed() pins {name!r} twice with different values "
                    f"({inner.pins[name]!r} and {value!r}); keep one."
                )
            try:
                hash(key_value(value))
            except TypeError:
                raise InputError(
                    f"Fixed({name}={value!r}): a pinned value must be a single value "
                    f"(number, text, ...), not {type(value).__name__}."
                ) from None
        super().__init__(inner.frame, {**inner.pins, **metadata}, inner.columns)

    def __repr__(self) -> str:
        return f"Fixed({self._describe()})"


class Select(Source):
    """A DataFrame input reduced to some of its columns.

    Parameters
    ----------
    data : DataFrame, Fixed or Select
        The input to take columns from.
    columns : str or sequence of str
        The column(s) to pass. Slicing and ``where=`` still use all columns of *data*.

    Notes
    -----
    What the function receives for a combination:

    * one column selected, one row: the cell value itself (e.g. a float or an array);
    * one column selected, several rows: a 1-D NumPy array of the column's values;
    * several columns selected: a DataFrame with just those columns (index 0..n-1).

    Examples
    --------
    >>> for_each(np.mean, inputs={"a": Select(trials_df, "peak")},
    ...          subject=[1, 2])  # doctest: +SKIP
    """

    __slots__ = ()

    def __init__(self, data: pd.DataFrame | Source, columns: str | Sequence[str]) -> None:
        inner = _unwrap(data, "Select")
        wanted = (columns,) if isinstance(columns, str) else tuple(columns)
        if not wanted or not all(isinstance(c, str) for c in wanted):
            raise InputError(
                f"Select() takes a column name or a list of column names, got {columns!r}."
            )
        if len(set(wanted)) != len(wanted):
            raise InputError(f"Select() lists a column twice: {list(wanted)!r}.")
        available = inner.columns if inner.columns is not None else tuple(inner.frame.columns)
        missing = [c for c in wanted if c not in available]
        if missing:
            raise InputError(
                f"Select() asks for {missing!r}, which the input does not have "
                f"(available: {list(available)!r})."
            )
        super().__init__(inner.frame, inner.pins, wanted)

    def __repr__(self) -> str:
        return f"Select({self._describe()})"


SourceLike: TypeAlias = pd.DataFrame | Source


class Merge:
    """Several DataFrame inputs combined column-wise into one DataFrame per combination.

    Parameters
    ----------
    *parts : DataFrame, Fixed or Select
        Two or more inputs. Each is sliced for the combination on its own (so a part may be
        ``Fixed``), then the slices are joined left to right.

    Notes
    -----
    Join rule, for each combination: the iterated keys and pinned keys are dropped from each
    slice (they are equal by construction), then consecutive parts are inner-joined on the
    schema keys they both still have (for instance ``trial``). Parts sharing no such key
    are placed side by side when one of them has a single row (its values repeat on every
    row of the other); otherwise the combination is recorded as an error. A data column
    present in two parts is an error: pick columns with :class:`Select`.

    Examples
    --------
    >>> for_each(fit, inputs={"x": Merge(Select(kin_df, "speed"), Select(emg_df, "rms"))},
    ...          subject=[1, 2], session=["pre"])  # doctest: +SKIP
    """

    __slots__ = ("parts",)

    def __init__(self, *parts: SourceLike) -> None:
        if len(parts) < 2:
            raise InputError(
                f"Merge() joins two or more DataFrame inputs, got {len(parts)}; "
                f"pass a single input directly."
            )
        resolved: list[Source] = []
        for number, part in enumerate(parts, start=1):
            if isinstance(part, Merge):
                raise InputError(
                    f"Merge part {number} is itself a Merge; list all parts in one Merge()."
                )
            if not isinstance(part, (pd.DataFrame, Source)):
                raise InputError(
                    f"Merge part {number} is a {type(part).__name__}; Merge joins DataFrames "
                    f"(optionally wrapped in Fixed or Select). Pass constants as their own input."
                )
            resolved.append(_unwrap(part, "Merge"))
        self.parts: tuple[Source, ...] = tuple(resolved)

    def __repr__(self) -> str:
        inner = "; ".join(p._describe() for p in self.parts)
        return f"Merge({inner})"


def as_source(value: Any) -> Source | Merge | None:
    """Return the Source/Merge for a DataFrame-like input, or None for a constant."""
    if isinstance(value, (Source, Merge)):
        return value
    if isinstance(value, pd.DataFrame):
        return Source(value)
    return None
