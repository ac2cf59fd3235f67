"""How a grid over any number of keys is shown as a two-dimensional table.

A grid has keys (``subject``, ``session``, ``trial``) and the values of each (its axes).
As a table, the last key goes across (one column per value) and the others down (one row
per combination of their values, in axis order); a grid of one key is one column,
``status``. ``scistack status`` prints this table, the run report draws it as a heat map
and the HTML view's script builds the same shape in the browser.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["GridTable", "grid_table"]


@dataclass(frozen=True)
class GridTable:
    """The table shape of a grid: row keys, column headers, and each row's coordinates."""

    row_keys: list[str]
    headers: list[str]  # one per column after the row keys
    rows: list[tuple[Any, ...]]  # the row keys' values of each row
    column_values: list[Any]  # the last key's value of each column (None: a one-key grid)

    def cells(self, row: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
        """The grid coordinates of each cell of ``row``, left to right."""
        for value in self.column_values:
            yield row + ((value,) if value is not None else ())


def grid_table(keys: Sequence[str], axes: Sequence[Sequence[Any]]) -> GridTable:
    """The table shape of the grid of ``keys`` whose values are ``axes``."""
    keys = list(keys)
    if len(keys) > 1:
        across = list(axes[-1])
        return GridTable(keys[:-1], [f"{keys[-1]}={v}" for v in across],
                         list(itertools.product(*axes[:-1])), across)
    return GridTable(keys, ["status"], list(itertools.product(*axes)), [None])
