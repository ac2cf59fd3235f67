"""``where=`` filters and column selections over variable types.

``RawEMG["col"]`` is a :class:`ColumnRef` (a column selection, usable as a for_each
input); comparing a variable type or a column selection with a value builds a
:class:`VariableFilter`: ``Side == "left"``, ``Speed["mean"] > 1.2``,
``Group.isin(["a", "b"])``. Filters combine with ``&``, ``|`` and ``~``; :class:`Sql`
wraps a raw SQL condition over the combination's metadata (``Sql("subject > 2")``).

A combination passes ``Var op value`` when the value of ``Var`` at that combination
satisfies the comparison (for a DataFrame value and a column filter: when any row does).
Every filter turns into the language-neutral spec that the engine's planner evaluates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["ColumnRef", "Filter", "VariableFilter", "Sql"]


class Filter:
    """Base of filters: combine with ``&``, ``|``, ``~``."""

    def to_spec(self) -> dict[str, Any]:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def __and__(self, other: Filter) -> Filter:
        return _Combined("and", [self, _as_filter(other)])

    def __or__(self, other: Filter) -> Filter:
        return _Combined("or", [self, _as_filter(other)])

    def __invert__(self) -> Filter:
        return _Not(self)

    def __bool__(self) -> bool:
        raise TypeError("a filter has no truth value: combine filters with &, |, ~ "
                        "(not and, or, not) and pass it as where=...")


def _as_filter(other: Any) -> Filter:
    if not isinstance(other, Filter):
        raise TypeError(f"cannot combine a filter with {type(other).__name__}; "
                        "use Var == value, Var['col'] > value or Sql('...')")
    return other


class _Combined(Filter):
    def __init__(self, op: str, parts: list[Filter]) -> None:
        self.op, self.parts = op, parts

    def to_spec(self) -> dict[str, Any]:
        return {"op": self.op, "args": [p.to_spec() for p in self.parts]}

    def __repr__(self) -> str:
        return "(" + f" {'&' if self.op == 'and' else '|'} ".join(map(repr, self.parts)) + ")"


class _Not(Filter):
    def __init__(self, inner: Filter) -> None:
        self.inner = inner

    def to_spec(self) -> dict[str, Any]:
        return {"op": "not", "arg": self.inner.to_spec()}

    def __repr__(self) -> str:
        return f"~{self.inner!r}"


class Sql(Filter):
    """A raw SQL condition over the metadata columns of the combinations."""

    def __init__(self, condition: str) -> None:
        self.condition = condition

    def to_spec(self) -> dict[str, Any]:
        return {"op": "sql", "sql": self.condition}

    def __repr__(self) -> str:
        return f"Sql({self.condition!r})"


class VariableFilter(Filter):
    """``Var op value``: passes where the variable's value compares true."""

    def __init__(self, ref: ColumnRef, op: str, value: Any) -> None:
        self.ref, self.op, self.value = ref, op, value

    def to_spec(self) -> dict[str, Any]:
        return {"op": "cmp", "variable": self.ref.variable.__name__, "column": self.ref.columns,
                "cmp": self.op, "value": self.value}

    def __repr__(self) -> str:
        return f"{self.ref!r} {self.op} {self.value!r}"


class ColumnRef:
    """``Var["col"]`` (or ``Var[["a", "b"]]``): selected columns of a DataFrame variable.

    As a for_each input it passes only those columns (one column as an array); compared
    with a value it is a filter.
    """

    def __init__(self, variable: type, columns: str | Sequence[str] | None) -> None:
        self.variable = variable
        self.columns = columns if columns is None or isinstance(columns, str) else list(columns)

    def __repr__(self) -> str:
        name = self.variable.__name__
        return name if self.columns is None else f"{name}[{self.columns!r}]"

    def _filter(self, op: str, value: Any) -> VariableFilter:
        return VariableFilter(self, op, value)

    def __eq__(self, value: Any) -> VariableFilter:  # type: ignore[override]
        return self._filter("==", value)

    def __ne__(self, value: Any) -> VariableFilter:  # type: ignore[override]
        return self._filter("!=", value)

    def __lt__(self, value: Any) -> VariableFilter:
        return self._filter("<", value)

    def __le__(self, value: Any) -> VariableFilter:
        return self._filter("<=", value)

    def __gt__(self, value: Any) -> VariableFilter:
        return self._filter(">", value)

    def __ge__(self, value: Any) -> VariableFilter:
        return self._filter(">=", value)

    def isin(self, values: Sequence[Any]) -> VariableFilter:
        return self._filter("isin", list(values))

    __hash__ = None  # type: ignore[assignment]
