"""Collecting what the function returns into the tidy result table.

:class:`OutputCollector` receives each successful combination's return value, splits it
into named outputs (``output_names``) and, with ``distribute=True``, into numbered rows,
then builds the result DataFrame. Two shapes are possible:

* **one row per result**: the metadata columns, then one column per output (default
  name ``"result"``);
* **concatenated tables**: when there is a single output and every combination returned a
  DataFrame, those DataFrames are stacked, with the metadata columns prepended to each.

It does not call the function or decide what to skip; :mod:`scifor.loop` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import OutputError

__all__ = ["OutputCollector", "DEFAULT_OUTPUT_NAME"]

#: Column name of the single output when ``output_names`` is not given.
DEFAULT_OUTPUT_NAME = "result"


def _length(value: Any, name: str) -> int:
    """Number of items *value* splits into under ``distribute=True``."""
    if isinstance(value, (pd.DataFrame, pd.Series, list, tuple)):
        return len(value)
    if isinstance(value, np.ndarray) and value.ndim >= 1:
        return value.shape[0]
    raise OutputError(
        f"distribute=True splits each output into rows, but output {name!r} is a "
        f"{type(value).__name__}, which has no items to split. Return a list, tuple, 1-D+ "
        f"array, Series or DataFrame (one item per row), or drop distribute=True."
    )


def _item(value: Any, i: int) -> Any:
    if isinstance(value, pd.DataFrame):
        return value.iloc[[i]].reset_index(drop=True)
    if isinstance(value, pd.Series):
        return value.iloc[i]
    return value[i]


def _column(values: list[Any]) -> pd.Series:
    """A Series from cell values; non-scalar cells (arrays, frames) go in an object column."""
    if all(v is None or np.isscalar(v) or isinstance(v, pd.Timestamp) for v in values):
        return pd.Series(values)
    holder = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):
        holder[i] = value
    return pd.Series(holder, dtype=object)


class OutputCollector:
    """Turns return values into the rows of the result table.

    Parameters
    ----------
    meta_keys : sequence of str
        The iterated keys, in iteration order (the leading columns of the result).
    output_names : sequence of str or None
        Names of the outputs if the function returns a tuple; None for a single output
        named :data:`DEFAULT_OUTPUT_NAME`.
    distribute_key : str or None
        With ``distribute=True``, the schema key whose column numbers the split rows 1..n.
    """

    def __init__(
        self,
        meta_keys: Sequence[str],
        output_names: Sequence[str] | None,
        distribute_key: str | None,
    ) -> None:
        self.meta_keys = list(meta_keys)
        self.unpack = output_names is not None
        self.names = list(output_names) if output_names is not None else [DEFAULT_OUTPUT_NAME]
        self.distribute_key = distribute_key
        self._entries: list[tuple[int, tuple, tuple]] = []

    @property
    def meta_columns(self) -> list[str]:
        """The metadata columns of the result, including the distribute key if any."""
        return self.meta_keys + ([self.distribute_key] if self.distribute_key else [])

    def split(self, returned: Any) -> tuple:
        """Split one return value into one value per output name.

        Raises
        ------
        OutputError
            If the number of returned values does not match ``output_names``, or an output
            cannot be distributed.
        """
        if not self.unpack:
            outputs: tuple = (returned,)
        elif len(self.names) == 1:
            one_tuple = isinstance(returned, tuple) and len(returned) == 1
            outputs = (returned[0],) if one_tuple else (returned,)
        else:
            if not isinstance(returned, (tuple, list)) or len(returned) != len(self.names):
                got = (
                    f"{len(returned)} values"
                    if isinstance(returned, (tuple, list))
                    else f"a single {type(returned).__name__}"
                )
                raise OutputError(
                    f"output_names={self.names!r} expects the function to return a tuple of "
                    f"{len(self.names)} values, but it returned {got}. Return one value per "
                    f"name, e.g. 'return a, b', or change output_names."
                )
            outputs = tuple(returned)
        if self.distribute_key:
            lengths = {name: _length(value, name) for name, value in zip(self.names, outputs)}
            if len(set(lengths.values())) > 1:
                raise OutputError(
                    f"distribute=True needs every output to split into the same number of "
                    f"rows, got {lengths}."
                )
        return outputs

    def add(self, meta: tuple, outputs: tuple, order: int) -> None:
        """Keep the outputs of one combination (*meta*: its key values, as given; *order*:
        its place in the plan, which orders the rows whatever order results came in)."""
        self._entries.append((order, meta, outputs))

    @property
    def entries(self) -> list[tuple[tuple, tuple]]:
        """``(meta, outputs)`` of each combination kept, in plan order."""
        return [(meta, outputs) for _, meta, outputs in sorted(self._entries,
                                                                key=lambda entry: entry[0])]

    def to_frame(self) -> pd.DataFrame:
        """Build the result table (see the module docstring for its two shapes)."""
        entries = self.entries
        if (
            len(self.names) == 1
            and entries
            and all(isinstance(out[0], pd.DataFrame) for _, out in entries)
        ):
            return self._stacked_frames(entries)
        return self._one_row_per_result(entries)

    def _stacked_frames(self, entries: list[tuple[tuple, tuple]]) -> pd.DataFrame:
        meta_columns = self.meta_columns
        bodies: list[pd.DataFrame] = []
        meta_values: dict[str, list[Any]] = {c: [] for c in meta_columns}
        for meta, (frame,) in entries:
            n = len(frame)
            for key, value in zip(self.meta_keys, meta):
                meta_values[key].extend([value] * n)
            if self.distribute_key:
                meta_values[self.distribute_key].extend(range(1, n + 1))
            bodies.append(frame.reset_index(drop=True))
        non_empty = [b for b in bodies if len(b)] or bodies[:1]
        body = pd.concat(non_empty, ignore_index=True, sort=False)
        if not any(len(b) for b in bodies):
            body = body.iloc[0:0]
        # A returned column named like a metadata key is replaced by the metadata column.
        body = body.drop(columns=[c for c in meta_columns if c in body.columns])
        meta = pd.DataFrame({c: _column(v) for c, v in meta_values.items()}, index=body.index)
        return pd.concat([meta, body], axis=1)

    def _one_row_per_result(self, entries: list[tuple[tuple, tuple]]) -> pd.DataFrame:
        columns: dict[str, list[Any]] = {c: [] for c in self.meta_columns + self.names}
        for meta, outputs in entries:
            if self.distribute_key:
                n = _length(outputs[0], self.names[0])
                for i in range(n):
                    for key, value in zip(self.meta_keys, meta):
                        columns[key].append(value)
                    columns[self.distribute_key].append(i + 1)
                    for name, value in zip(self.names, outputs):
                        columns[name].append(_item(value, i))
            else:
                for key, value in zip(self.meta_keys, meta):
                    columns[key].append(value)
                for name, value in zip(self.names, outputs):
                    columns[name].append(value)
        if not entries:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return pd.DataFrame({c: _column(v) for c, v in columns.items()})
