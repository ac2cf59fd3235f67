"""Gateway adapter for the MATLAB ``+scifor`` package: scifor's for_each, from MATLAB.

``scifor.for_each`` is *plan → execute → collect* (:mod:`scifor.protocol`). For a MATLAB
caller the engine plans and collects with the very same scifor code, and MATLAB executes:
it calls the user's function for each combination the engine hands it, in batches.

=====================  =============================================================
``scifor_set_schema``  keys → the schema (scifor's process-wide schema)
``scifor_get_schema``  → the schema
``scifor_plan``        a for_each call → the first batch of combinations to run (a dry
                       run: the plan table at once)
``scifor_step``        run id, what the last batch returned → the next batch, or, once
                       every combination is done, the result table and the report
``scifor_cancel``      run id → forget the run (MATLAB stopped)
=====================  =============================================================

A batch is a list of ``{"index": i, "args": {input name: value}}``: the sliced
DataFrame inputs of one combination that can run (skips and input errors are recorded
here and never sent). Constants stay in MATLAB, which calls the function with its
inputs in the order of its inputs struct. Each outcome sent back is
``{"index": i, "outputs": <wire bytes of a cell of outputs>}`` or ``{"index": i,
"error": {"identifier", "message", "stack", "stage"}}``.

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

import itertools
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import scifor
from scifor import Col, Filter, Fixed, Merge, Select
from scifor.errors import FilterError, InputError
from scifor.protocol import RUN, Collection, Plan, Step, plan

from ..codec import decode
from ..errors import ScistackError
from .dispatch import operation
from .matlab_args import is_empty, items, texts, wire_bytes

__all__ = ["DEFAULT_BATCH_SIZE", "table_from_struct"]

#: Combinations handed to MATLAB per call when the request does not say.
DEFAULT_BATCH_SIZE = 100

_run_ids = itertools.count(1)
_runs: dict[str, _Run] = {}


class RunStateError(ScistackError, LookupError):
    """A request names a for_each run the engine does not hold, or breaks its protocol."""

    identifier = "scistack:scifor:unknownRun"


@dataclass
class _Run:
    """A for_each run between two MATLAB calls."""

    plan: Plan
    collection: Collection
    steps: Iterator[Step]
    position: int = 0
    pending: dict[int, Step] = field(default_factory=dict)
    held: Step | None = None


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


@operation("scifor_plan")
def _plan(args: dict[str, Any]) -> dict[str, Any]:
    """Plan a MATLAB for_each; reply with its first batch (or the dry-run table)."""
    schema = scifor.get_schema()
    names: list[str] = []
    inputs: dict[str, Any] = {}
    for item in items(args.get("inputs")):
        name = str(item["name"])
        names.append(name)
        inputs[name] = _input(item, f"input {name!r}", schema)
    keys = texts(args.get("keys"), "for_each")
    values = items(args.get("values"))
    if len(keys) != len(values):
        raise InputError("for_each: every iterable name needs a value.")
    iterables = {key: _iterable(value) for key, value in zip(keys, values)}
    output_names = args.get("output_names")
    planned = plan(
        str(args.get("function") or "function"),
        inputs,
        iterables,
        where=_filter(args.get("where")),
        as_table=_as_table(args.get("as_table", False)),
        distribute=bool(args.get("distribute", False)),
        output_names=None if is_empty(output_names) else texts(output_names, "output_names"),
        on_error=str(args.get("on_error") or "continue"),
    )
    tables = planned.inputs
    info = {"tables": tables, "constants": [n for n in names if n not in tables]}
    if bool(args.get("dry_run", False)):
        collection = Collection(planned, dry_run=True)
        for step in planned.steps(build=False):
            collection.record(step)
        return {**info, **_finished(collection, "", planned.total)}
    run_id = f"scifor-{next(_run_ids)}"
    run = _Run(planned, Collection(planned), planned.steps())
    _runs[run_id] = run
    return {**info, **_advance(run_id, run, _batch_size(args))}


@operation("scifor_step")
def _step(args: dict[str, Any]) -> dict[str, Any]:
    """Collect what MATLAB's function returned for the last batch; reply with the next."""
    run_id = str(args.get("run_id"))
    run = _runs.get(run_id)
    if run is None:
        raise RunStateError(f"no for_each run {run_id!r} is in progress (it ended or failed)")
    try:
        for item in items(args.get("results")):
            index = int(item["index"])
            step = run.pending.pop(index, None)
            if step is None:
                raise RunStateError(f"for_each run {run_id!r} did not hand out combination {index}")
            if _collect(run, step, item):
                del _runs[run_id]
                return {"run_id": run_id, "done": True, "stopped": True,
                        "position": run.position, "total": run.plan.total, "batch": [],
                        "result": None, "report": None}
        if run.pending:
            missing = sorted(run.pending)
            raise RunStateError(f"for_each run {run_id!r} got no outcome for combination(s) "
                                f"{missing}")
    except BaseException:
        _runs.pop(run_id, None)
        raise
    return _advance(run_id, run, _batch_size(args))


@operation("scifor_cancel")
def _cancel(args: dict[str, Any]) -> bool:
    """Forget a run (MATLAB stopped it); True when it was still held."""
    return _runs.pop(str(args.get("run_id")), None) is not None


def _advance(run_id: str, run: _Run, batch_size: int) -> dict[str, Any]:
    """Record steps that do not run and gather the next batch of steps that do."""
    batch: list[dict[str, Any]] = []
    collection = run.collection
    try:
        if run.held is not None:
            step, run.held = run.held, None
            collection.record(step)
        while len(batch) < batch_size:
            step = next(run.steps, None)
            if step is None:
                break
            run.position = step.index + 1
            if step.status != RUN:
                if batch and collection.stop_on_error and step.error is not None:
                    run.held = step  # raise it after the calls before it have run
                    break
                collection.record(step)
                continue
            run.pending[step.index] = step
            batch.append({"index": step.index,
                          "args": {name: _to_matlab(v) for name, v in step.kwargs.items()}})
    except BaseException:
        _runs.pop(run_id, None)
        raise
    if batch:
        return {"run_id": run_id, "done": False, "stopped": False, "position": run.position,
                "total": run.plan.total, "batch": batch, "result": None, "report": None}
    del _runs[run_id]
    return _finished(collection, run_id, run.plan.total)


def _finished(collection: Collection, run_id: str, total: int) -> dict[str, Any]:
    result = collection.finish()
    report = {key: result.attrs[key] for key in ("skipped", "errors", "summary")}
    # 'function' is a MATLAB keyword, never a struct field: the summary says function_name
    report["summary"] = {("function_name" if key == "function" else key): value
                         for key, value in report["summary"].items()}
    return {"run_id": run_id, "done": True, "stopped": False, "position": total,
            "total": total, "batch": [], "result": _to_matlab(result), "report": report}


def _collect(run: _Run, step: Step, item: Mapping[str, Any]) -> bool:
    """Collect one outcome from MATLAB; True when the run must stop."""
    failure = item.get("error")
    if isinstance(failure, dict):
        identifier = str(failure.get("identifier") or "") or "MException"
        return run.collection.fail_foreign(
            step, identifier, str(failure.get("message") or ""),
            str(failure.get("stack") or ""), stage=str(failure.get("stage") or "function"),
        )
    outputs = items(decode(wire_bytes(item["outputs"])))
    marked = {int(i) - 1 for i in items(item.get("table_outputs"))}
    distribute = run.plan.distribute_key is not None
    values = []
    for position, value in enumerate(outputs):
        if position in marked:
            value = table_from_struct(value, [], forced=True,
                                      label=f"output {position + 1} (scifor.Table)")
        elif distribute:
            value = _distributable(value)
        values.append(value)
    if run.plan.output_names is not None:
        returned: Any = tuple(values)
    else:
        returned = values[0] if values else None
    run.collection.add(step, returned)
    return False


def _batch_size(args: Mapping[str, Any]) -> int:
    size = args.get("batch_size")
    return DEFAULT_BATCH_SIZE if is_empty(size) else max(1, int(size))


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
        frame = table_from_struct(decode(wire_bytes(item["value"])), schema, forced=False,
                                  label=label)
        return _Constant(label) if frame is None else frame
    return _source(item, label)


def _source(item: Mapping[str, Any], label: str) -> Any:
    """A DataFrame, Fixed, Select or Merge from a spec (structs here must be tables)."""
    kind = str(item.get("kind"))
    if kind in ("table", "auto"):
        return table_from_struct(decode(wire_bytes(item["value"])), [], forced=True, label=label)
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
        raise InputError(f"{label}: scifor.Fixed, Select and Merge wrap tables, not constants.")
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


def _as_table(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if is_empty(value):
        return False
    return texts(value, "as_table")


def _filter(spec: Any) -> Filter | None:
    """A scifor filter from the spec a MATLAB scifor.Filter carries."""
    if is_empty(spec):
        return None
    if not isinstance(spec, dict) or "op" not in spec:
        raise FilterError(
            "where takes a filter built with scifor.Col, e.g. scifor.Col('snr') > 3."
        )
    op = str(spec["op"])
    try:
        if op == "&":
            return _filter(spec["left"]) & _filter(spec["right"])
        if op == "|":
            return _filter(spec["left"]) | _filter(spec["right"])
        if op == "~":
            return ~_filter(spec["inner"])
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
