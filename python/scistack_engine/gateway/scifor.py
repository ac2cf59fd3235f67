"""Gateway adapter for the MATLAB ``+scifor`` package: scifor's for_each, from MATLAB.

``scifor.for_each`` in MATLAB is a run of the for_each protocol (:mod:`.runs`): the engine
plans and collects with the very same scifor code (:class:`scifor.protocol.TableRun`),
and MATLAB calls the user's function for each combination the engine hands it, in chunks.
This module is the ``scifor`` front of those operations and adds:

=====================  =============================================================
``scifor_set_schema``  keys → the schema (scifor's process-wide schema)
``scifor_get_schema``  → the schema
=====================  =============================================================

How MATLAB values become scifor inputs (the rules of ``docs/scifor.md``, MATLAB part):

* an input spec ``{"kind": ...}``: ``constant`` (the value stays in MATLAB), ``auto`` and
  ``table`` (``value``: nested wire bytes), ``fixed`` (``of``, ``pins``), ``select``
  (``of``, ``columns``), ``merge`` (``parts``);
* a MATLAB table arrives as a DataFrame; a *struct of columns* (what GNU Octave has
  instead of tables) is a scalar struct whose fields are all columns of one height —
  numeric or logical vectors, cell vectors (text columns are cellstr), or scalars for a
  one-row table. Marked as a table (``scifor.Table``, or inside ``Fixed``/``Select``/
  ``Merge``) it must be one; an ``auto`` struct is a table when it is one *and* has a
  field named after a schema key, and a constant otherwise;
* MATLAB has no 1-D arrays: iterable values, ``isin`` values and, under
  ``distribute``, outputs given as row vectors are lists like column vectors, and a
  scalar output is one item.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

import scifor
from scifor import Col, Filter, Fixed, Merge, Select
from scifor.errors import FilterError, InputError
from scifor.protocol import TableRun, plan

from ..batches import Outcome, RunResult
from ..codec import ClassHint, body, decode, encode
from ..foreach_options import as_table_option, executor_option, flag_option, split_pairs
from .dispatch import operation
from .matlab_args import is_empty, items, stored_wire, struct_array, texts
from .runs import register_front

__all__ = ["DEFAULT_BATCH_SIZE", "table_from_struct"]

#: Combinations handed to MATLAB per call when the request does not say.
DEFAULT_BATCH_SIZE = 100


# ------------------------------------------------------------------------ schema


@operation("scifor_set_schema")
def _set_schema(args: dict[str, Any]) -> list[str]:
    """Set scifor's schema from MATLAB (a cellstr, a string array or one char key)."""
    keys = args.get("keys")
    scifor.set_schema(keys if isinstance(keys, str) else items(keys))
    return scifor.get_schema()


@operation("scifor_get_schema")
def _get_schema(args: dict[str, Any]) -> list[str]:
    return scifor.get_schema()


# ------------------------------------------------------------------------ for_each


class _SciforFront:
    """``scifor.for_each`` runs for MATLAB's driver (see :mod:`.runs`).

    ``run_start`` takes the call: ``function`` (its name), ``inputs`` (a cell of input
    specs, each with its ``name``) and ``pairs``: the iterables and the options
    (``where`` as a filter spec, ``as_table``, ``distribute``, ``output_names``,
    ``on_error``, ``dry_run``, ``progress``, ``executor``) in one list of name/value
    pairs as the user gave them, told apart by
    :func:`~scistack_engine.foreach_options.split_pairs` and checked here and by
    scifor's planner; ``batch_size`` (combinations per chunk) is the driver's; the reply
    says how MATLAB runs the function (``raise``,
    ``progress``, ``executor``, ``n_out``: how many outputs ``output_names`` names,
    ``mark_tables``).
    The sent inputs are the table inputs (constants stay in MATLAB); each combination's
    values are its sliced tables. What MATLAB returns is one value per output, a table
    where MATLAB marked it (``scifor.Table``); the result is scifor's table and report,
    its skipped and errors records as struct arrays (see :func:`_records`).
    """

    def start(self, args: Mapping[str, Any]) -> tuple[TableRun, dict[str, Any]]:
        schema = scifor.get_schema()
        names: list[str] = []
        inputs: dict[str, Any] = {}
        for item in items(args.get("inputs")):
            name = str(item["name"])
            names.append(name)
            inputs[name] = _input(item, f"input {name!r}", schema)
        options, iterables = split_pairs(items(args.get("pairs")), "scifor")
        output_names, as_table = options.get("output_names"), options.get("as_table")
        executor = executor_option(options.get("executor") or "serial", "matlab")
        planned = plan(
            str(args.get("function") or "function"),
            inputs,
            {key: _iterable(value) for key, value in iterables.items()},
            where=_filter(options.get("where")),
            as_table=False if is_empty(as_table) else as_table_option(as_table),
            distribute=flag_option("distribute", options.get("distribute", False)),
            output_names=None if is_empty(output_names) else texts(output_names, "output_names"),
            on_error=str(options.get("on_error") or "continue"),
        )
        dry_run = flag_option("dry_run", options.get("dry_run", False))
        progress = options.get("progress")
        run = TableRun(planned, dry_run=dry_run)
        named = planned.output_names
        size: Any = args.get("batch_size")  # a MATLAB number, or empty
        chunk = DEFAULT_BATCH_SIZE if is_empty(size) else max(1, int(size))
        return run, {"positions": [k for k, n in enumerate(names, start=1) if n in planned.inputs],
                     "chunk": float(chunk), "dry_run": dry_run, "send": True,
                     "mark_tables": True,
                     "raise": planned.on_error == "raise", "executor": executor,
                     "n_out": None if named is None else float(len(named)),
                     "progress": None if is_empty(progress) else flag_option("progress",
                                                                             progress)}

    def values(self, run: TableRun, size: int) -> tuple[list[int], list[bytes]]:
        steps = run.next_steps(size)
        sent = run.plan.inputs
        return [s.index for s in steps], [body(encode(_to_matlab(step.kwargs[name])))
                                          for step in steps for name in sent]

    def adapt(self, run: TableRun, outcome: Outcome, marks: list[bool]) -> Outcome:
        if outcome.failure is not None:
            # a MATLAB error without an identifier is of class MException
            outcome.failure.error_type = outcome.failure.error_type or "MException"
            return outcome
        distribute = run.plan.distribute_key is not None
        values = []
        for position, (wire, marked) in enumerate(zip(outcome.wires or [], marks)):
            value = decode(wire)
            if marked:
                value = table_from_struct(value, [], forced=True,
                                          label=f"output {position + 1} (scifor.Table)")
            elif distribute:
                value = _distributable(value)
            values.append(value)
        if run.plan.output_names is not None:
            returned: Any = tuple(values)
        else:
            returned = values[0] if values else None
        return Outcome(outcome.index, returned, duration_s=outcome.duration_s)

    def result(self, run: TableRun, result: RunResult) -> dict[str, Any]:
        table = result.table
        report: dict[str, Any] = {part: _records(table.attrs[part], fields)
                                  for part, fields in _REPORT_FIELDS.items()}
        # 'function' is a MATLAB keyword, never a struct field: the summary says function_name
        report["summary"] = {("function_name" if key == "function" else key): value
                             for key, value in table.attrs["summary"].items()}
        return {"result": _to_matlab(table), "report": report,
                "position": float(run.reached), "total": float(run.plan.total)}


#: The fields of the report's records, in the order of their struct arrays in MATLAB.
_REPORT_FIELDS = {"skipped": ("combo", "reason"),
                  "errors": ("combo", "stage", "error_type", "message", "traceback")}


def _records(records: list[dict[str, Any]], fields: tuple[str, ...]) -> ClassHint:
    """Report records as an N-by-1 MATLAB struct array with ``fields`` (0-by-1 when there
    are none)."""
    return struct_array([{f: r[f] for f in fields} for r in records], fields)


register_front("scifor", _SciforFront())


# ------------------------------------------------------------ MATLAB values → scifor


def table_from_struct(
    value: Any, schema: list[str], *, forced: bool, label: str = "input"
) -> pd.DataFrame | None:
    """The DataFrame a MATLAB table or struct of columns stands for, or None.

    Parameters
    ----------
    value : object
        A decoded MATLAB value: a DataFrame (a MATLAB table) or a dict (a scalar struct).
    schema : list of str
        The schema keys; a struct that is not *forced* must have a field named after one.
    forced : bool
        The value was marked as a table: raise instead of returning None.
    label : str
        How messages name the value.

    Returns
    -------
    pandas.DataFrame or None
        The table; None when *value* is not one (and not *forced*): it is a constant.

    Raises
    ------
    scifor.InputError
        A *forced* value that is not a table.
    """
    if isinstance(value, pd.DataFrame):
        return value
    if not isinstance(value, dict) or not value:
        if forced:
            raise InputError(
                f"{label} must be a table or a struct of columns (a scalar struct whose fields "
                f"are column vectors or cell arrays of one height), got "
                f"{'an empty struct' if isinstance(value, dict) else type(value).__name__}."
            )
        return None
    columns: dict[str, np.ndarray] = {}
    for name, field_value in value.items():
        column = _column(field_value)
        if column is None:
            if forced:
                raise InputError(
                    f"{label}: field {name!r} is not a column ({_describe(field_value)}). "
                    f"Each field of a struct of columns is a numeric or logical vector, a "
                    f"cell vector (text columns are cell arrays of char), or a scalar for a "
                    f"one-row table."
                )
            return None
        columns[str(name)] = column
    heights = {name: len(c) for name, c in columns.items()}
    if len(set(heights.values())) > 1:
        if forced:
            raise InputError(
                f"{label}: the columns of a struct of columns must have one height, got "
                f"{heights}."
            )
        return None
    if not forced and not any(name in schema for name in columns):
        return None
    return pd.DataFrame(columns)


def _column(value: Any) -> np.ndarray | None:
    """A struct field as a 1-D column, or None when it is not a column."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US" or value.ndim > 2:
            return None
        if value.ndim == 2 and min(value.shape) > 1:
            return None
        return value.reshape(-1)
    if isinstance(value, (bool, int, float, complex)) or (
        isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_))
    ):
        return np.array([value])
    return None


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, str):
        return "text (a text column is a cell array of char)"
    return f"a {type(value).__name__}"


def _input(item: Mapping[str, Any], label: str, schema: list[str]) -> Any:
    """Turn one input spec from MATLAB into what scifor.for_each takes."""
    kind = str(item.get("kind"))
    if kind == "constant":
        return _Constant(label)
    if kind == "auto":
        frame = table_from_struct(decode(stored_wire(item["value"])), schema, forced=False,
                                  label=label)
        return _Constant(label) if frame is None else frame
    return _source(item, label)


def _source(item: Mapping[str, Any], label: str) -> Any:
    """A DataFrame, Fixed, Select or Merge from a spec (structs here must be tables)."""
    kind = str(item.get("kind"))
    if kind in ("table", "auto"):
        return table_from_struct(decode(stored_wire(item["value"])), [], forced=True, label=label)
    if kind == "fixed":
        pins = item.get("pins")
        if not isinstance(pins, dict) or not pins:
            raise InputError(f"{label}: scifor.Fixed needs at least one 'name', value pair.")
        inner = _source(item["of"], label)
        return Fixed(inner, **{str(k): _scalar(v) for k, v in pins.items()})
    if kind == "select":
        return Select(_source(item["of"], label), texts(item.get("columns"), "Select"))
    if kind == "merge":
        parts = [_source(part, f"{label} (Merge part {n})")
                 for n, part in enumerate(items(item.get("parts")), start=1)]
        return Merge(*parts)
    if kind == "constant":
        raise InputError(f"{label}: scifor.Fixed, scifor.Select and scifor.Merge wrap tables (a "
                         f"table, a struct of columns or a scifor.Table), got a "
                         f"{item.get('class') or 'constant'}.")
    raise InputError(f"{label}: unknown input kind {kind!r}.")


class _Constant:
    """Stands for a constant input whose value stays in MATLAB."""

    __slots__ = ("label",)

    def __init__(self, label: str) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"<{self.label}: a constant kept in MATLAB>"


def _scalar(value: Any) -> Any:
    """A pinned value: a 1-element MATLAB array is its element."""
    if isinstance(value, np.ndarray) and value.size == 1:
        return value.reshape(-1)[0]
    return value


def _iterable(value: Any) -> Any:
    """An iterable's values: MATLAB rows, columns and [] are lists; a scalar is one value."""
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return value.item()
        if value.ndim == 1 or (value.ndim == 2 and (min(value.shape) <= 1)):
            return value.reshape(-1).tolist()
    return value


def _filter(spec: Any) -> Filter | None:
    """A scifor filter from the spec a MATLAB scifor.Filter carries."""
    if is_empty(spec):
        return None
    if isinstance(spec, dict) and set(spec) == {"column"}:
        raise FilterError(f"where takes a filter: compare the column, e.g. "
                          f"scifor.Col('{spec['column']}') > 3")
    if not isinstance(spec, dict) or "op" not in spec:
        raise FilterError(
            "where takes a filter built with scifor.Col, e.g. scifor.Col('snr') > 3."
        )
    op = str(spec["op"])
    try:
        if op == "&":
            # an empty operand (None) raises TypeError, reported as a FilterError below
            return _filter(spec["left"]) & _filter(spec["right"])  # type: ignore[operator]
        if op == "|":
            return _filter(spec["left"]) | _filter(spec["right"])  # type: ignore[operator]
        if op == "~":
            return ~_filter(spec["inner"])  # type: ignore[operator]
        column = Col(str(spec["column"]))
        if op in _COMPARISONS:
            return _COMPARISONS[op](column, _scalar(spec.get("value")))
        if op == "isin":
            values = spec.get("values")
            listed = _iterable(values)
            return column.isin(listed if isinstance(listed, list) else [listed])
        if op == "isna":
            return column.isna()
        if op == "notna":
            return column.notna()
    except TypeError as exc:
        raise FilterError(str(exc)) from None
    raise FilterError(f"unknown filter operation {op!r}")


_COMPARISONS = {"==": operator.eq, "~=": operator.ne, "!=": operator.ne, "<": operator.lt,
                "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _distributable(value: Any) -> Any:
    """An output under ``distribute``: MATLAB row vectors are lists, a scalar one item."""
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape[0] == 1:
        return value.reshape(-1)
    if isinstance(value, (bool, int, float, complex)) or (
        isinstance(value, np.generic) and not isinstance(value, (np.str_, np.bytes_))
    ):
        return np.array([value])
    return value


# ------------------------------------------------------------ scifor → MATLAB values


def _to_matlab(value: Any) -> Any:
    """A value for MATLAB: DataFrames lose an index MATLAB would show as a column."""
    if isinstance(value, pd.DataFrame):
        index = value.index
        default = (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1
                   and index.name is None)
        if not default:
            value = value.reset_index(drop=True)
    return value
