"""``for_each`` as three steps: plan, execute, collect — and as a run of the for_each protocol.

:class:`TableRun` puts these three steps behind the protocol every SciStack for_each runs
on (:mod:`scistack_engine.batches`): :func:`scifor.for_each` drives it in one process, the
MATLAB toolbox drives it from MATLAB (through ``scistack_engine.gateway.scifor``), and an
executor can drive it from other processes. The steps are:

1. **plan** — :func:`plan` checks the call, applies ``where=``, indexes every DataFrame
   input and fixes the list of combinations. It raises on anything that cannot work,
   before any call.
2. **execute** — :meth:`Plan.steps` yields one :class:`Step` per combination, in order:
   its key values, and either the arguments the function receives (``status == "run"``)
   or why it cannot run (``"skip"``: an input has no rows; ``"error"``: slicing failed).
   Whoever executes calls the function with :meth:`Plan.arguments` (keyword arguments).
3. **collect** — a :class:`Collection` takes each step's outcome (:meth:`Collection.record`
   for steps that do not run, :meth:`Collection.add` for a returned value,
   :meth:`Collection.fail` / :meth:`Collection.fail_foreign` for a function error) and
   :meth:`Collection.finish` builds the result DataFrame with its report in ``attrs``.

The ``on_error`` policy lives in the collection: :meth:`Collection.record` and
:meth:`Collection.add` raise when the run must stop, and :meth:`Collection.fail` says
whether it must.

>>> from scifor import protocol, set_schema
>>> set_schema(["subject"])
>>> p = protocol.plan(f, {"x": df}, {"subject": [1, 2]})       # doctest: +SKIP
>>> done = protocol.Collection(p)                               # doctest: +SKIP
>>> for step in p.steps():                                      # doctest: +SKIP
...     if step.status != "run":
...         done.record(step)
...     else:
...         done.add(step, f(**p.arguments(step)))
>>> result = done.finish()                                      # doctest: +SKIP
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scistack_engine.batches import Failure, Outcome, RunResult, WorkItem, counts_line

from .errors import FilterError, InputError, OutputError, SchemaError
from .filters import Filter, split_conjuncts
from .inputs import Merge, Source, as_source
from .outputs import DEFAULT_OUTPUT_NAME, OutputCollector
from .report import RunLog, describe_combo
from .schema import get_schema, is_missing, key_value, ordered_unique
from .slicing import MergeSlicer, SourceSlicer

__all__ = ["Collection", "Plan", "Step", "TableRun", "plan"]

#: Statuses of a :class:`Step`.
RUN, SKIP, ERROR = "run", "skip", "error"


# ------------------------------------------------------------------------------ plan


@dataclass
class Step:
    """One combination of a plan, ready to run or explaining why it cannot.

    Attributes
    ----------
    index : int
        Position of the combination in the plan (0-based, iteration order).
    values : tuple
        The key values as given in the iterables, in the order of :attr:`Plan.iterated`.
    combo : dict
        Key name -> value (as given), for messages and the report.
    status : {"run", "skip", "error"}
        ``"run"``: the function can be called; ``"skip"``: a DataFrame input has no rows
        (see :attr:`reason`); ``"error"``: slicing an input failed (see :attr:`error`).
    kwargs : dict
        For ``"run"``: the sliced DataFrame inputs' arguments, by input name (constants are
        added by :meth:`Plan.arguments`). Not built when the plan was stepped with
        ``build=False``.
    counts : dict
        Input name -> rows found, for the DataFrame inputs sliced before a failure.
    reason : str
        Why the combination is skipped, or the error message; ``""`` for ``"run"``.
    error : InputError or None
        The slicing error, for ``"error"``.
    """

    index: int
    values: tuple
    combo: dict[str, Any]
    status: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    error: InputError | None = None


@dataclass
class Plan:
    """Everything ``for_each`` settles before the first call (built by :func:`plan`)."""

    fn: Callable[..., Any] | None
    """The function, or None when it runs elsewhere (a name was given)."""
    fn_name: str
    iterated: list[str]
    value_lists: list[list[Any]]
    slicers: dict[str, SourceSlicer | MergeSlicer]
    constants: dict[str, Any]
    as_table: set[str]
    output_names: list[str] | None
    distribute_key: str | None
    on_error: str = "continue"

    @property
    def total(self) -> int:
        """The number of combinations."""
        count = 1
        for values in self.value_lists:
            count *= len(values)
        return count

    @property
    def inputs(self) -> list[str]:
        """Names of the DataFrame inputs (those that are sliced), in the order given."""
        return list(self.slicers)

    def steps(self, build: bool = True) -> Iterator[Step]:
        """Yield one :class:`Step` per combination, in iteration order (first key slowest).

        Parameters
        ----------
        build : bool, default True
            Build the arguments; ``False`` only counts rows (what a dry run needs).
        """
        for index, raw in enumerate(itertools.product(*self.value_lists)):
            yield self.step(index, raw, build)

    def step(self, index: int, raw: tuple, build: bool = True) -> Step:
        """The :class:`Step` of the combination *raw* (key values in iteration order)."""
        combo = dict(zip(self.iterated, raw))
        normalised = tuple(key_value(v) for v in raw)
        kwargs: dict[str, Any] = {}
        counts: dict[str, int] = {}
        reasons: list[str] = []
        try:
            for name, slicer in self.slicers.items():
                piece = slicer.slice(normalised, name in self.as_table, build=build)
                counts[name] = piece.rows
                if piece.reason is not None:
                    reasons.append(piece.reason)
                else:
                    kwargs[name] = piece.value
        except InputError as exc:
            return Step(index, raw, combo, ERROR, counts=counts, reason=str(exc), error=exc)
        if reasons:
            return Step(index, raw, combo, SKIP, counts=counts, reason="; ".join(reasons))
        return Step(index, raw, combo, RUN, kwargs=kwargs, counts=counts)

    def arguments(self, step: Step) -> dict[str, Any]:
        """The keyword arguments of the call for a ``"run"`` step: sliced inputs, constants."""
        kwargs = dict(step.kwargs)
        kwargs.update(self.constants)
        return kwargs


def plan(
    fn: Callable[..., Any] | str,
    inputs: Mapping[str, Any] | None = None,
    iterables: Mapping[str, Any] | None = None,
    *,
    where: Filter | None = None,
    as_table: bool | Sequence[str] = False,
    distribute: bool = False,
    output_names: Sequence[str] | None = None,
    on_error: str = "continue",
) -> Plan:
    """Check a ``for_each`` call and index its inputs; raise on anything that cannot work.

    Parameters
    ----------
    fn : callable or str
        The function. A ``str`` names a function that is called elsewhere (another
        language or process): it is used in messages, and the inputs are not checked
        against a Python signature.
    inputs, where, as_table, distribute, output_names, on_error
        As for :func:`scifor.for_each`.
    iterables : mapping of str to values, optional
        Schema key -> values, in iteration order (what ``for_each`` takes as keywords).

    Returns
    -------
    Plan

    Raises
    ------
    SchemaError, InputError, FilterError
        As :func:`scifor.for_each` does before its first call.
    """
    if isinstance(fn, str):
        if not fn:
            raise InputError("for_each needs a function name, got an empty text.")
        fn_name, call = fn, None
    elif callable(fn):
        fn_name, call = _function_name(fn), fn
    else:
        raise InputError(f"for_each needs a function as its first argument, got {fn!r}.")
    if inputs is None:
        inputs = {}
    if iterables is None:
        iterables = {}
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
    if call is not None:
        _check_signature(call, inputs.keys(), fn_name)
    return Plan(
        fn=call,
        fn_name=fn_name,
        iterated=iterated,
        value_lists=value_lists,
        slicers=slicers,
        constants={n: v for n, v in inputs.items() if resolved[n] is None},
        as_table=table_inputs,
        output_names=names,
        distribute_key=distribute_key,
        on_error=on_error,
    )


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
        # values whose keys do not compare raise TypeError, handled below
        return sorted(values, key=key_value)  # type: ignore[arg-type]
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


# --------------------------------------------------------------------------- collect


class Collection:
    """Collects the outcome of each step of a :class:`Plan` into the result table.

    Parameters
    ----------
    plan : Plan
        The plan whose steps are collected.
    dry_run : bool, default False
        Collect a dry run: every step goes to :meth:`record` and :meth:`finish` returns the
        plan table (key columns, ``rows_<input>``, ``status``, ``reason``).

    Notes
    -----
    Outcomes may come in any order (parallel executors report in completion order); the
    result rows follow the plan.
    """

    def __init__(self, plan: Plan, dry_run: bool = False) -> None:
        self.plan = plan
        self.dry_run = dry_run
        self.log = RunLog(plan.fn_name, dry_run=dry_run)
        self.log.combos = plan.total
        self.outputs = OutputCollector(plan.iterated, plan.output_names, plan.distribute_key)
        self.plan_rows: list[dict[str, Any]] = []

    @property
    def stop_on_error(self) -> bool:
        """Whether an error ends the run (``on_error="raise"``, not a dry run)."""
        return self.plan.on_error == "raise" and not self.dry_run

    def record(self, step: Step) -> None:
        """Record a step that is not called: a skip, an input error, or any dry-run step.

        Raises
        ------
        InputError
            The step's slicing error, when the run stops on errors.
        """
        if step.status == ERROR:
            assert step.error is not None  # an "error" step carries its slicing error
            self.log.record_error(step.combo, "inputs", step.error)
            if self.dry_run:
                self._plan_row(step, ERROR, step.reason)
            elif self.stop_on_error:
                raise step.error
        elif step.status == SKIP:
            self.log.record_skip(step.combo, step.reason)
            if self.dry_run:
                self._plan_row(step, SKIP, step.reason)
        elif self.dry_run:
            self.log.record_run()
            self._plan_row(step, RUN, "")
        else:
            raise ValueError(f"step {step.index} can run: collect what it returned with add()")

    def add(self, step: Step, returned: Any) -> None:
        """Collect what the function returned for a ``"run"`` step.

        Raises
        ------
        OutputError
            When the value does not fit ``output_names``/``distribute`` and the run stops
            on errors (otherwise the error is recorded and the run goes on).
        """
        try:
            outputs = self.outputs.split(returned)
        except OutputError as exc:
            exc.args = (f"{self.plan.fn_name} for {describe_combo(step.combo)}: {exc}",)
            self.log.record_error(step.combo, "outputs", exc)
            if self.stop_on_error:
                raise
            return
        self.outputs.add(step.values, outputs, step.index)
        self.log.record_run()

    def fail(self, step: Step, error: BaseException, stage: str = "function") -> bool:
        """Record an exception raised by the function for *step*.

        Returns True when the run must stop (the caller re-raises *error*).
        """
        self.log.record_error(step.combo, stage, error)
        return self.stop_on_error

    def fail_foreign(
        self, step: Step, error_type: str, message: str, traceback: str = "",
        stage: str = "function",
    ) -> bool:
        """Record an error raised outside Python (e.g. by a MATLAB function) for *step*.

        Parameters
        ----------
        error_type : str
            What kind of error it was (a MATLAB error identifier, for instance).
        message : str
            Its message.
        traceback : str
            Its stack, as text.
        stage : {"function", "outputs"}
            Where it happened.

        Returns True when the run must stop.
        """
        self.log.record_error_text(step.combo, stage, error_type, message, traceback)
        return self.stop_on_error

    def finish(self) -> pd.DataFrame:
        """The result table (or the dry-run plan table), with the report in ``attrs``."""
        if self.dry_run:
            return self.log.finish(self._plan_frame())
        return self.log.finish(self.outputs.to_frame())

    def _plan_row(self, step: Step, status: str, reason: str) -> None:
        row: dict[str, Any] = dict(step.combo)
        for name in self.plan.slicers:
            row[_count_column(name)] = step.counts.get(name)
        row["status"] = status
        row["reason"] = reason
        self.plan_rows.append(row)

    def _plan_frame(self) -> pd.DataFrame:
        columns = (
            self.plan.iterated
            + [_count_column(n) for n in self.plan.slicers]
            + ["status", "reason"]
        )
        if not self.plan_rows:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        return pd.DataFrame(self.plan_rows, columns=columns)


def _count_column(name: str) -> str:
    return f"rows_{name}"


# ------------------------------------------------------------------------------ run


class TableRun:
    """A planned scifor for_each as a run of the for_each protocol
    (:mod:`scistack_engine.batches`): the plan's steps handed out in chunks, outcomes
    collected, the result table built by :class:`Collection`.

    Steps that do not run (skips, input errors) are recorded as the run reaches them. With
    ``on_error="raise"`` an input error is raised once the combinations before it have run
    and been committed, so the order of events is that of a plain loop.

    Parameters
    ----------
    plan : Plan
        The plan.
    dry_run : bool, default False
        Record every step without running any; :meth:`finish` returns the plan table.
    """

    def __init__(self, plan: Plan, dry_run: bool = False) -> None:
        self.plan = plan
        self.collection = Collection(plan, dry_run=dry_run)
        self._steps = plan.steps(build=not dry_run)
        self._pending: dict[int, Step] = {}
        self._held: Step | None = None
        self._reached = 0
        if dry_run:
            for step in self._steps:
                self.collection.record(step)

    @property
    def function(self) -> str:
        return self.plan.fn_name

    @property
    def to_run(self) -> int:
        """The number of combinations (an upper bound: skips are found on the way)."""
        return self.plan.total

    @property
    def reached(self) -> int:
        """How many combinations of the plan have been stepped through."""
        return self._reached

    def next_steps(self, size: int) -> list[Step]:
        """The next (at most ``size``) steps that run, recording those that do not."""
        batch: list[Step] = []
        if self._held is not None:
            held, self._held = self._held, None
            self.collection.record(held)
        while len(batch) < size:
            step = next(self._steps, None)
            if step is None:
                break
            self._reached = step.index + 1
            if step.status != RUN:
                if batch and self.collection.stop_on_error and step.error is not None:
                    self._held = step  # raised once the calls before it have run
                    break
                self.collection.record(step)
                continue
            self._pending[step.index] = step
            batch.append(step)
        return batch

    def next_chunk(self, size: int) -> list[WorkItem]:
        return [WorkItem(step.index, self.plan.arguments(step)) for step in self.next_steps(size)]

    def commit(self, outcomes: Sequence[Outcome]) -> list[Outcome]:
        """Collect outcomes; return those whose outputs failed and must stop the run."""
        refused: list[Outcome] = []
        for outcome in outcomes:
            step = self._pending.pop(outcome.index, None)
            if step is None:
                raise InputError(f"for_each({self.function}): combination {outcome.index} was "
                                 "not handed out, or its outcome was collected already.")
            failure = outcome.failure
            if failure is not None:
                if failure.exception is not None:
                    self.collection.fail(step, failure.exception, failure.stage)
                else:
                    self.collection.fail_foreign(step, failure.error_type, failure.message,
                                                 failure.stack, failure.stage)
                continue
            try:
                self.collection.add(step, outcome.returned)
            except OutputError as exc:  # raised only when the run stops on errors
                outcome.failure = Failure.of(exc, "outputs")
                refused.append(outcome)
        return refused

    def finish(self, status: str = "finished") -> RunResult:
        table = self.collection.finish()
        summary = {**table.attrs["summary"], "status": status}
        counts = {key: summary.get(key, 0) for key in ("ran", "skipped", "errors")}
        return RunResult(table, summary, f"for_each({self.function}): {counts_line(counts)}")

    def interrupted_note(self) -> str:
        return (f"{self._reached} of {self.plan.total} combinations reached; scifor keeps its "
                "results in memory, so nothing was kept")

    def describe(self, index: int) -> str:
        """The combination at ``index``, for messages (``subject=1, session='pre'``)."""
        raw = next(itertools.islice(itertools.product(*self.plan.value_lists), index, None))
        return describe_combo(dict(zip(self.plan.iterated, raw)))
