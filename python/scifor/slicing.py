"""Per-combination slicing: find an input's rows for one combination and shape the argument.

Each DataFrame input is grouped once, when ``for_each`` starts, into a dictionary from key
values to row positions (:class:`SourceSlicer`); a combination then costs one dictionary
lookup per input, however large the DataFrame and however many combinations there are.
The same classes turn the rows found into the value the function receives (the rule is in
:meth:`SourceSlicer.slice`), and :class:`MergeSlicer` joins the slices of a ``Merge``.

Key values are compared with :func:`scifor.schema.key_value`, so ``subject=1`` finds rows
whose subject is ``1``, ``1.0`` or ``numpy.int64(1)``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .errors import InputError
from .inputs import Source
from .schema import key_value

__all__ = ["Slice", "SourceSlicer", "MergeSlicer", "NOT_BUILT"]


class _NotBuilt:
    def __repr__(self) -> str:
        return "<not built>"


#: Placeholder value of a :class:`Slice` whose argument was not built (dry runs).
NOT_BUILT = _NotBuilt()


class Slice(NamedTuple):
    """The outcome of slicing one input for one combination."""

    rows: int
    """Number of rows found (after joining, for a Merge)."""
    value: Any
    """The argument for the function, or :data:`NOT_BUILT`."""
    reason: str | None
    """Why the combination must be skipped for this input, or None."""


def _describe_pins(pins: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in pins.items())


class SourceSlicer:
    """One DataFrame input (plain, ``Fixed`` or ``Select``) indexed for fast slicing.

    Parameters
    ----------
    source : Source
        The input, its DataFrame already reduced by any ``where=`` filter.
    label : str
        How messages name the input, e.g. ``"input 'signal'"``.
    iterated : sequence of str
        The keys ``for_each`` iterates over, in combination order.
    schema : sequence of str
        All schema keys (to tell metadata columns from data columns).
    filtered : bool
        Whether a ``where=`` filter removed rows (mentioned in skip reasons).
    """

    def __init__(
        self,
        source: Source,
        label: str,
        iterated: Sequence[str],
        schema: Sequence[str],
        filtered: bool = False,
    ) -> None:
        frame = source.frame
        self.label = label
        self.frame = frame
        self.filtered = filtered
        self.pins = dict(source.pins)
        self.selected = source.columns
        columns = list(frame.columns)
        if len(set(columns)) != len(columns):
            repeated = sorted({str(c) for c in columns if columns.count(c) > 1})
            raise InputError(
                f"{label} has repeated column names {repeated!r}; give each column a "
                f"distinct name before passing it to for_each."
            )
        # Keys this input is sliced on: the iterated keys it has, unless pinned.
        self.slice_keys = tuple(k for k in iterated if k in columns and k not in self.pins)
        self.combo_positions = tuple(iterated.index(k) for k in self.slice_keys)
        self.pin_keys = tuple(self.pins)
        self.pin_values = tuple(key_value(v) for v in self.pins.values())
        self.group_keys = self.slice_keys + self.pin_keys
        self.index, self.raw_values = self._build_index()

        dropped = set(self.group_keys)
        schema_set = set(schema)
        # Columns passed by default: everything but the keys used for slicing.
        self.kept = [c for c in columns if c not in dropped]
        self.kept_frame = frame.iloc[:, [columns.index(c) for c in self.kept]]
        self.single_column: pd.Series | None = None
        if len(self.kept) == 1 and self.kept[0] not in schema_set:
            self.single_column = frame[self.kept[0]]
        # Columns a Merge takes from this part: remaining schema keys plus data columns.
        if self.selected is None:
            self.merge_columns = list(self.kept)
        else:
            lower_keys = [c for c in self.kept if c in schema_set and c not in self.selected]
            self.merge_columns = lower_keys + list(self.selected)
        self.merge_frame = frame.iloc[:, [columns.index(c) for c in self.merge_columns]]
        if self.selected is not None:
            self.selected_frame = frame.iloc[:, [columns.index(c) for c in self.selected]]
            single = frame[self.selected[0]] if len(self.selected) == 1 else None
            self.selected_series = single
            self.selected_array = single.to_numpy() if single is not None else None

    def _build_index(self) -> tuple[dict[tuple, np.ndarray], dict[str, dict[Hashable, Any]]]:
        """Group the DataFrame once by its slicing and pinned keys."""
        raw_values: dict[str, dict[Hashable, Any]] = {k: {} for k in self.group_keys}
        if not self.group_keys:
            return {(): np.arange(len(self.frame))}, raw_values
        groups = self.frame.groupby(list(self.group_keys), sort=False, dropna=True).indices
        index: dict[tuple, np.ndarray] = {}
        single = len(self.group_keys) == 1
        for raw_key, positions in groups.items():
            raw_tuple = (raw_key,) if single else tuple(raw_key)
            key = tuple(key_value(v) for v in raw_tuple)
            for name, raw, norm in zip(self.group_keys, raw_tuple, key):
                raw_values[name].setdefault(norm, raw)
            if key in index:  # e.g. 1 and 1.0 in one object column
                index[key] = np.sort(np.concatenate([index[key], positions]))
            else:
                index[key] = positions
        return index, raw_values

    def values_of(self, key: str) -> list[Any]:
        """Distinct values of an iterated *key* among this input's rows that match its pins.

        Returned as found in the data (first occurrence), for ``key=[]`` expansion.
        """
        if key not in self.slice_keys:
            return []
        where = self.slice_keys.index(key)
        n = len(self.slice_keys)
        seen: dict[Hashable, Any] = {}
        for index_key in self.index:
            if index_key[n:] != self.pin_values:
                continue
            norm = index_key[where]
            if norm not in seen:
                seen[norm] = self.raw_values[key][norm]
        return list(seen.values())

    def positions(self, combo: tuple) -> np.ndarray:
        """Row positions (into the filtered DataFrame) for a combination of key values."""
        key = tuple(combo[i] for i in self.combo_positions) + self.pin_values
        return self.index.get(key, _EMPTY)

    def empty_reason(self) -> str:
        reason = f"{self.label} has no rows"
        if self.pins:
            reason += f" (with pinned {_describe_pins(self.pins)})"
        if self.filtered:
            reason += " after the where= filter"
        return reason

    def slice(self, combo: tuple, as_table: bool, build: bool = True) -> Slice:
        """Slice this input for *combo* and build the function's argument.

        What the function receives (``as_table=False``):

        * ``Select`` of one column: the cell value for one row, else a 1-D array;
        * ``Select`` of several columns: those columns as a DataFrame (index 0..n-1);
        * otherwise, after dropping the columns used for slicing (iterated keys present in
          the input, and pinned keys): if exactly one row and one column remain and that
          column is not a schema key, the cell value; else the remaining DataFrame
          (index 0..n-1).

        With ``as_table=True`` it receives the matching rows with all columns and their
        original index (only the selected columns, for a ``Select``).
        """
        rows = self.positions(combo)
        count = len(rows)
        if count == 0:
            return Slice(0, NOT_BUILT, self.empty_reason())
        if not build:
            return Slice(count, NOT_BUILT, None)
        if as_table:
            if self.selected is None:
                return Slice(count, self.frame.take(rows), None)
            return Slice(count, self.selected_frame.take(rows), None)
        if self.selected is not None:
            if self.selected_series is not None:
                assert self.selected_array is not None  # set with selected_series
                if count == 1:
                    return Slice(count, self.selected_series.iloc[rows[0]], None)
                return Slice(count, self.selected_array[rows], None)
            return Slice(count, _renumbered(self.selected_frame, rows), None)
        if count == 1 and self.single_column is not None:
            return Slice(count, self.single_column.iloc[rows[0]], None)
        return Slice(count, _renumbered(self.kept_frame, rows), None)

    def merge_part(self, combo: tuple) -> pd.DataFrame:
        """The rows for *combo* with the columns this input contributes to a Merge."""
        return _renumbered(self.merge_frame, self.positions(combo))


_EMPTY = np.empty(0, dtype=np.intp)


def _renumbered(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    """The given rows of *frame*, with the index renumbered 0..n-1."""
    part = frame.take(rows)
    part.index = pd.RangeIndex(len(rows))
    return part


class MergeSlicer:
    """A ``Merge`` input: slices each part, then joins the slices column-wise.

    Parameters
    ----------
    parts : sequence of SourceSlicer
        One slicer per part, in the order given to ``Merge``.
    label : str
        How messages name the input.
    schema : sequence of str
        All schema keys (join keys are the schema keys two parts share).

    Raises
    ------
    InputError
        If two parts contribute the same data column.
    """

    def __init__(self, parts: Sequence[SourceSlicer], label: str, schema: Sequence[str]) -> None:
        self.parts = list(parts)
        self.label = label
        self.schema = list(schema)
        schema_set = set(schema)
        # Static plan: the join keys of each step, checked once for column clashes.
        self.join_keys: list[list[str]] = []
        have = list(self.parts[0].merge_columns)
        for number, part in enumerate(self.parts[1:], start=2):
            keys = [c for c in part.merge_columns if c in schema_set and c in have]
            clashes = [c for c in part.merge_columns if c in have and c not in keys]
            if clashes:
                raise InputError(
                    f"{label}: Merge part {number} has column(s) {clashes!r} that an earlier "
                    f"part also has. Choose which to keep with Select(df, [...]) or rename "
                    f"the column in one DataFrame."
                )
            self.join_keys.append(keys)
            have += [c for c in part.merge_columns if c not in keys]
        self.columns = have
        self.single_data_column = len(have) == 1 and have[0] not in schema_set

    def slice(self, combo: tuple, as_table: bool, build: bool = True) -> Slice:
        """Slice every part for *combo* and join them (see :class:`scifor.Merge`).

        The argument follows the same rule as for a plain input: a single non-key column
        in a single row is passed as its value, otherwise the joined DataFrame (index
        0..n-1); ``as_table=True`` always passes the joined DataFrame.

        Raises
        ------
        InputError
            If two parts share no key and both have several rows, so rows cannot be aligned.
        """
        reasons = [
            part.empty_reason() for part in self.parts if len(part.positions(combo)) == 0
        ]
        if reasons:
            return Slice(0, NOT_BUILT, "; ".join(reasons))
        merged = self.parts[0].merge_part(combo)
        for number, (part, keys) in enumerate(zip(self.parts[1:], self.join_keys), start=2):
            right = part.merge_part(combo)
            if keys:
                merged = merged.merge(right, on=keys, how="inner")
            elif len(merged) == 1 or len(right) == 1:
                merged = merged.merge(right, how="cross")
            else:
                raise InputError(
                    f"{self.label}: cannot align Merge part {number} ({len(right)} rows) with "
                    f"the parts before it ({len(merged)} rows): they share no schema key "
                    f"(such as a trial key) to join on. Add that key column to both, or "
                    f"reduce one part to a single row per combination."
                )
        count = len(merged)
        if count == 0:
            keys_used = sorted({k for step in self.join_keys for k in step})
            return Slice(0, NOT_BUILT, f"{self.label} has no rows after joining on {keys_used!r}")
        if not build:
            return Slice(count, NOT_BUILT, None)
        if not as_table and count == 1 and self.single_data_column:
            return Slice(count, merged.iloc[0, 0], None)
        return Slice(count, merged, None)
