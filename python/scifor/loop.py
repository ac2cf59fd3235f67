"""``for_each``: run a function over every combination of metadata values.

The model: the keyword iterables (named after schema keys) span a Cartesian product of
combinations, nested in the order the keywords were written. For each combination every DataFrame input is cut to
its matching rows (:mod:`scifor.slicing`), constants are passed unchanged, the function is
called with the inputs as keyword arguments, and its outputs are collected into one tidy
table (:mod:`scifor.outputs`). Combinations without data are skipped and function errors
are recorded (:mod:`scifor.report`), so one bad combination does not stop a long run.

Everything that can be checked before the first call is checked up front, and raises with
a message that names the input or key and the fix.
"""

from __future__ import annotations

import inspect
import itertools
import logging
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from tqdm import tqdm

from .errors import FilterError, InputError, OutputError, SchemaError
from .filters import Filter, split_conjuncts
from .inputs import Merge, Source, as_source
from .outputs import DEFAULT_OUTPUT_NAME, OutputCollector
from .report import RunLog, describe_combo
from .schema import get_schema, is_missing, key_value, ordered_unique
from .slicing import MergeSlicer, SourceSlicer

__all__ = ["for_each"]

logger = logging.getLogger("scifor")

#: Seconds a run must last before an automatic (``progress=None``) progress bar appears.
AUTO_PROGRESS_DELAY = 2.0


def _function_name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)


def _check_iterables(iterables: Mapping[str, Any], schema: list[str]) -> list[str]:
    """Validate the iterable keyword names; return them in the order given."""
    if iterables and not schema:
        raise SchemaError(
            f"for_each got iterables {sorted(iterables)!r} but no schema is set. Call "
            f"scifor.set_schema([...]) first with the keys that identify a condition, "
            f"e.g. set_schema({list(iterables)!r})."
        )
    unknown = [k for k in iterables if k not in schema]
    if unknown:
        raise SchemaError(
            f"for_each iterates over {unknown!r}, which {'is' if len(unknown) == 1 else 'are'}"
            f" not in the schema {schema!r}. Check the spelling, or add the key with "
            f"set_schema([...])."
        )
    return list(iterables)


def _as_value_list(key: str, given: Any) -> list[Any]:
    """Turn one iterable argument into a list of values (empty = every value)."""
    if given is None:
        return []  # like [], every value present
    if isinstance(given, Mapping):
        raise InputError(f"{key}= takes a list of values, not a {type(given).__name__}.")
    if isinstance(given, np.ndarray) and given.ndim > 1:
        raise InputError(f"{key}= takes a 1-D list of values, got an array of shape {given.shape}.")
    if isinstance(given, np.ndarray) and given.ndim == 0:
        values = [given.item()]
    elif isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        values = [given]  # a single value
    elif isinstance(given, (set, frozenset)):
        values = _sorted_if_possible(list(given))
    else:
        values = list(given)
    for value in values:
        try:
            hash(key_value(value))
        except TypeError:
            raise InputError(
                f"{key}= contains {value!r} ({type(value).__name__}); each value must be a "
                f"single number, text or other hashable value."
            ) from None
    return values


def _sorted_if_possible(values: list[Any]) -> list[Any]:
    try:
        return sorted(values, key=key_value)
    except TypeError:
        return values


def _apply_where(
    where: Filter | None, sources: list[tuple[str, Source]]
) -> dict[int, tuple[pd.DataFrame, bool]]:
    """Filter each source's DataFrame by the ``where=`` parts that concern it.

    Returns ``{id(source): (filtered frame, rows were removed)}``.
    """
    out = {id(src): (src.frame, False) for _, src in sources}
    if where is None:
        return out
    if not isinstance(where, Filter):
        raise FilterError(
            f"where= takes a filter built with Col, e.g. where=Col('snr') > 3, "
            f"got {type(where).__name__}."
        )
    for part in split_conjuncts(where):
        needed = part.columns()
        used = False
        for label, src in sources:
            frame, changed = out[id(src)]
            present = needed & set(frame.columns)
            if not present:
                continue
            if present != needed:
                raise FilterError(
                    f"where= part {part!r} reads columns {sorted(needed)!r}, but {label} has "
                    f"only {sorted(present)!r} of them. Split the filter with & so each part "
                    f"reads columns that one input has, or add the missing column(s)."
                )
            mask = part.mask(frame)
            if not mask.all():
                frame, changed = frame[mask], True
            out[id(src)] = (frame, changed)
            used = True
        if not used:
            raise FilterError(
                f"where= part {part!r} reads {sorted(needed)!r}, but no DataFrame input has "
                f"{'that column' if len(needed) == 1 else 'those columns'}. Check the name."
            )
    return out


def _distribute_key(schema: list[str], iterated: list[str]) -> str:
    lowest = max((schema.index(k) for k in iterated), default=-1)
    if lowest + 1 >= len(schema):
        problem = (
            f"{schema[lowest]!r} is the last key of the schema {schema!r}"
            if schema
            else "no schema is set"
        )
        raise SchemaError(
            f"distribute=True numbers the split rows in the schema key below the iterated "
            f"ones, but {problem}. Add a lower key with set_schema([..., 'trial']) or "
            f"iterate over fewer keys."
        )
    return schema[lowest + 1]


def _check_signature(fn: Callable[..., Any], names: Iterable[str], fn_name: str) -> None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # builtins without a signature: find out when calling
    try:
        signature.bind(**{name: None for name in names})
    except TypeError as exc:
        params = list(signature.parameters)
        raise InputError(
            f"{fn_name} cannot be called with the inputs {sorted(names)!r} as keyword "
            f"arguments ({exc}); its parameters are {params!r}. Name each input after a "
            f"parameter of the function."
        ) from None


def _show_progress(progress: bool | None) -> tuple[bool, float]:
    if progress is None:
        stream = sys.stderr
        is_tty = bool(getattr(stream, "isatty", lambda: False)())
        return is_tty, AUTO_PROGRESS_DELAY
    return bool(progress), 0.0


def for_each(
    fn: Callable[..., Any],
    inputs: Mapping[str, Any] | None = None,
    *,
    where: Filter | None = None,
    as_table: bool | Sequence[str] = False,
    distribute: bool = False,
    output_names: Sequence[str] | None = None,
    dry_run: bool = False,
    on_error: Literal["continue", "raise"] = "continue",
    progress: bool | None = None,
    **iterables: Any,
) -> pd.DataFrame:
    """Call *fn* once per combination of metadata values and collect the results.

    Parameters
    ----------
    fn : callable
        The analysis function. It is called with the inputs as keyword arguments
        (``fn(signal=..., low_hz=...)``), so input names must be its parameter names.
    inputs : mapping of str to object, optional
        Parameter name -> input. A pandas DataFrame (or :class:`~scifor.Fixed`,
        :class:`~scifor.Select`, :class:`~scifor.Merge`) is sliced to each combination's
        rows on the iterated keys it has as columns; a DataFrame without a key column is
        not filtered on that key. Anything else is a constant, passed unchanged every time.
    where : Filter, optional
        Row filter built with :class:`~scifor.Col`, applied once before slicing. It is
        split at its top-level ``&``; each part filters every DataFrame input that has all
        the columns it reads (and must concern at least one input).
    as_table : bool or sequence of str, default False
        ``True`` passes every DataFrame input as the matching rows, unchanged; a list of
        input names does so for those inputs only. Otherwise the value rule of
        :meth:`scifor.slicing.SourceSlicer.slice` applies (a single value cell is passed as
        the value itself).
    distribute : bool, default False
        Split each output (list, tuple, array, Series or DataFrame of *n* items) into *n*
        result rows numbered 1..n in a column named after the schema key just below the
        lowest iterated key.
    output_names : sequence of str, optional
        Names for the outputs when *fn* returns a tuple; each becomes a column. Without it
        the return value is one output in the column ``"result"``.
    dry_run : bool, default False
        Do not call *fn*; return a table of the combinations with the number of rows found
        per DataFrame input and whether each would run, be skipped (and why) or fail.
    on_error : {"continue", "raise"}, default "continue"
        On an error for one combination, record it and go on, or stop and re-raise it
        (the exception gets a note naming the combination).
    progress : bool or None, default None
        Show a tqdm progress bar: ``True`` always, ``False`` never, ``None`` only when
        stderr is a terminal and the run lasts more than a couple of seconds.
    **iterables
        Schema key -> values to iterate over (list, tuple, range, array, Series; a single
        value counts as a one-item list). An empty list (``subject=[]``) means every value
        of that key present in the DataFrame inputs that have it as a column (after
        ``where=``, respecting ``Fixed`` pins), sorted; ``None`` means the same. The
        first keyword varies slowest.

    Returns
    -------
    pandas.DataFrame
        One row per combination that ran: the iterated keys (in the order given), then one
        column per output. When there is one output and every call returned a DataFrame,
        these DataFrames are stacked instead, with the key columns prepended. With
        ``dry_run=True``, the plan table described above. In every case
        ``result.attrs["skipped"]``, ``["errors"]`` and ``["summary"]`` report the run
        (see :mod:`scifor.report`).

    Raises
    ------
    SchemaError
        No schema set, an iterable that is not a schema key, or no key for ``distribute``.
    InputError
        An unusable input, iterable or ``as_table`` name, or inputs that do not match the
        parameters of *fn*.
    FilterError
        A ``where=`` filter that no input can take.
    Exception
        With ``on_error="raise"``, the first error from *fn* (unchanged) or from
        collecting its outputs (:class:`~scifor.errors.OutputError`).

    Notes
    -----
    Key values match by :func:`scifor.schema.key_value`: numbers by numeric value
    (``subject=1`` finds ``1``, ``1.0``, ``numpy.int64(1)``), text exactly.

    Examples
    --------
    >>> from scifor import set_schema, for_each
    >>> set_schema(["subject", "session"])
    >>> results = for_each(bandpass_filter, inputs={"signal": raw_df, "low_hz": 20},
    ...                    subject=[1, 2, 3], session=["pre", "post"])  # doctest: +SKIP
    """
    plan = _make_plan(fn, inputs, where, as_table, distribute, output_names, on_error, iterables)
    return _execute(plan, dry_run=dry_run, on_error=on_error, progress=progress)


@dataclass
class _Plan:
    """Everything ``for_each`` settled before the first call."""

    fn: Callable[..., Any]
    fn_name: str
    iterated: list[str]
    value_lists: list[list[Any]]
    slicers: dict[str, SourceSlicer | MergeSlicer]
    constants: dict[str, Any]
    as_table: set[str]
    output_names: list[str] | None
    distribute_key: str | None

    @property
    def total(self) -> int:
        count = 1
        for values in self.value_lists:
            count *= len(values)
        return count


def _make_plan(
    fn: Callable[..., Any],
    inputs: Mapping[str, Any] | None,
    where: Filter | None,
    as_table: bool | Sequence[str],
    distribute: bool,
    output_names: Sequence[str] | None,
    on_error: str,
    iterables: Mapping[str, Any],
) -> _Plan:
    """Check the call and index the inputs; raise on anything that cannot work."""
    if not callable(fn):
        raise InputError(f"for_each needs a function as its first argument, got {fn!r}.")
    fn_name = _function_name(fn)
    if inputs is None:
        inputs = {}
    if not isinstance(inputs, Mapping):
        raise InputError(
            f"inputs= takes a dict of parameter name -> input, got {type(inputs).__name__}."
        )
    bad_names = [name for name in inputs if not isinstance(name, str) or not name.isidentifier()]
    if bad_names:
        raise InputError(f"Input names must be parameter names of {fn_name}, got {bad_names!r}.")
    if on_error not in ("continue", "raise"):
        raise InputError(f"on_error must be 'continue' or 'raise', got {on_error!r}.")

    schema = get_schema()
    iterated = _check_iterables(iterables, schema)
    resolved: dict[str, Source | Merge | None] = {n: as_source(v) for n, v in inputs.items()}
    table_inputs = _check_as_table(as_table, inputs, resolved)
    names = _check_output_names(output_names)
    distribute_key = _distribute_key(schema, iterated) if distribute else None
    meta_columns = iterated + ([distribute_key] if distribute_key else [])
    clash = [n for n in (names or [DEFAULT_OUTPUT_NAME]) if n in meta_columns]
    if clash:
        raise InputError(
            f"Output column(s) {clash!r} would have the same name as a metadata column; "
            f"choose other names with output_names=[...]."
        )

    slicers = _index_inputs(resolved, where, iterated, schema)
    value_lists = [_values_for(key, iterables[key], slicers) for key in iterated]
    _check_signature(fn, inputs.keys(), fn_name)
    return _Plan(
        fn=fn,
        fn_name=fn_name,
        iterated=iterated,
        value_lists=value_lists,
        slicers=slicers,
        constants={n: v for n, v in inputs.items() if resolved[n] is None},
        as_table=table_inputs,
        output_names=names,
        distribute_key=distribute_key,
    )


def _check_as_table(
    as_table: bool | Sequence[str],
    inputs: Mapping[str, Any],
    resolved: Mapping[str, Source | Merge | None],
) -> set[str]:
    if isinstance(as_table, bool):
        return {n for n, r in resolved.items() if r is not None} if as_table else set()
    requested = [as_table] if isinstance(as_table, str) else list(as_table)
    for name in requested:
        if name not in inputs:
            raise InputError(
                f"as_table names {name!r}, which is not an input (inputs: {list(inputs)!r})."
            )
        if resolved[name] is None:
            raise InputError(
                f"as_table names {name!r}, a constant; as_table applies to DataFrame "
                f"inputs, and constants are always passed unchanged."
            )
    return set(requested)


def _check_output_names(output_names: Sequence[str] | None) -> list[str] | None:
    if output_names is None:
        return None
    names = [output_names] if isinstance(output_names, str) else list(output_names)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise InputError(f"output_names takes a list of column names, got {output_names!r}.")
    if len(set(names)) != len(names):
        raise InputError(f"output_names lists a name twice: {names!r}.")
    return names


def _index_inputs(
    resolved: Mapping[str, Source | Merge | None],
    where: Filter | None,
    iterated: list[str],
    schema: list[str],
) -> dict[str, SourceSlicer | MergeSlicer]:
    """Apply ``where=`` to every DataFrame once, then build one slicer per input."""
    labelled: list[tuple[str, Source]] = []
    for name, item in resolved.items():
        if isinstance(item, Merge):
            for number, part in enumerate(item.parts, start=1):
                labelled.append((f"input {name!r} (Merge part {number})", part))
        elif item is not None:
            labelled.append((f"input {name!r}", item))
    filtered = _apply_where(where, labelled)

    def make(label: str, src: Source) -> SourceSlicer:
        frame, changed = filtered[id(src)]
        return SourceSlicer(Source(frame, src.pins, src.columns), label, iterated, schema, changed)

    slicers: dict[str, SourceSlicer | MergeSlicer] = {}
    for name, item in resolved.items():
        if isinstance(item, Merge):
            parts = [
                make(f"input {name!r} (Merge part {i})", p)
                for i, p in enumerate(item.parts, start=1)
            ]
            slicers[name] = MergeSlicer(parts, f"input {name!r}", schema)
        elif item is not None:
            slicers[name] = make(f"input {name!r}", item)
    return slicers


def _values_for(
    key: str, given: Any, slicers: Mapping[str, SourceSlicer | MergeSlicer]
) -> list[Any]:
    """The values to iterate for *key*; ``[]`` collects those present in the inputs."""
    values = _as_value_list(key, given)
    if values:
        return ordered_unique(values)
    sources: list[SourceSlicer] = []
    for slicer in slicers.values():
        sources.extend(slicer.parts if isinstance(slicer, MergeSlicer) else [slicer])
    holders = [s for s in sources if key in s.slice_keys]
    if not holders:
        raise InputError(
            f"{key}=[] asks for every {key!r} value in the DataFrame inputs, but no "
            f"DataFrame input has a {key!r} column (pinned columns do not count). "
            f"List the values explicitly."
        )
    found = [v for s in holders for v in s.values_of(key) if not is_missing(v)]
    return _sorted_if_possible(ordered_unique(found))


def _execute(
    plan: _Plan, *, dry_run: bool, on_error: str, progress: bool | None
) -> pd.DataFrame:
    """Run (or, for a dry run, inspect) every combination of the plan."""
    log = RunLog(plan.fn_name, dry_run=dry_run)
    log.combos = plan.total
    collector = OutputCollector(plan.iterated, plan.output_names, plan.distribute_key)
    plan_rows: list[dict[str, Any]] = []
    show, delay = _show_progress(progress)
    logger.debug(
        "for_each(%s): %d combination(s) over %r, inputs %r",
        plan.fn_name, plan.total, plan.iterated, list(plan.slicers) + list(plan.constants),
    )
    bar = tqdm(
        itertools.product(*plan.value_lists),
        total=plan.total,
        disable=not show,
        delay=delay,
        desc=f"for_each({plan.fn_name})",
        unit="combo",
        file=sys.stderr,
    )
    try:
        for raw in bar:
            combo_values = dict(zip(plan.iterated, raw))
            combo = tuple(key_value(v) for v in raw)
            kwargs: dict[str, Any] = {}
            counts: dict[str, int] = {}
            reasons: list[str] = []
            try:
                for name, slicer in plan.slicers.items():
                    piece = slicer.slice(combo, name in plan.as_table, build=not dry_run)
                    counts[name] = piece.rows
                    if piece.reason is not None:
                        reasons.append(piece.reason)
                    else:
                        kwargs[name] = piece.value
            except InputError as exc:
                log.record_error(combo_values, "inputs", exc)
                if dry_run:
                    plan_rows.append(_plan_row(combo_values, counts, plan, "error", str(exc)))
                elif on_error == "raise":
                    raise
                continue
            if reasons:
                reason = "; ".join(reasons)
                log.record_skip(combo_values, reason)
                if dry_run:
                    plan_rows.append(_plan_row(combo_values, counts, plan, "skip", reason))
                continue
            if dry_run:
                log.record_run()
                plan_rows.append(_plan_row(combo_values, counts, plan, "run", ""))
                continue
            kwargs.update(plan.constants)
            try:
                returned = plan.fn(**kwargs)
            except Exception as exc:
                log.record_error(combo_values, "function", exc)
                if on_error == "raise":
                    if hasattr(exc, "add_note"):  # Python 3.11+
                        exc.add_note(
                            f"(raised by {plan.fn_name} in for_each for "
                            f"{describe_combo(combo_values)})"
                        )
                    raise
                continue
            try:
                outputs = collector.split(returned)
            except OutputError as exc:
                exc.args = (f"{plan.fn_name} for {describe_combo(combo_values)}: {exc}",)
                log.record_error(combo_values, "outputs", exc)
                if on_error == "raise":
                    raise
                continue
            collector.add(raw, outputs)
            log.record_run()
    finally:
        bar.close()

    if dry_run:
        return log.finish(_plan_frame(plan, plan_rows))
    return log.finish(collector.to_frame())


def _count_column(name: str) -> str:
    return f"rows_{name}"


def _plan_row(
    combo: dict[str, Any], counts: dict[str, int], plan: _Plan, status: str, reason: str
) -> dict[str, Any]:
    """One row of the dry-run table."""
    row: dict[str, Any] = dict(combo)
    for name in plan.slicers:
        row[_count_column(name)] = counts.get(name)
    row["status"] = status
    row["reason"] = reason
    return row


def _plan_frame(plan: _Plan, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The dry-run table: key columns, rows found per DataFrame input, status, reason."""
    columns = plan.iterated + [_count_column(n) for n in plan.slicers] + ["status", "reason"]
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return pd.DataFrame(rows, columns=columns)
