"""``for_each``: run a function over every combination of metadata values.

The model: the keyword iterables (named after schema keys) span a Cartesian product of
combinations, nested in the order the keywords were written. For each combination every
DataFrame input is cut to its matching rows (:mod:`scifor.slicing`), constants are passed
unchanged, the function is called with the inputs as keyword arguments, and its outputs
are collected into one tidy table (:mod:`scifor.outputs`). Combinations without data are
skipped and function errors are recorded (:mod:`scifor.report`), so one bad combination
does not stop a long run.

``for_each`` is the three steps of :mod:`scifor.protocol` run in one process: plan (every
check that can be made before the first call, raising with a message that names the input
or key and the fix), execute (call the function per combination, with a progress bar),
collect (build the result table and its report).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd

from scistack_engine.batches import Outcome, drive
from scistack_engine.executors import Executor, resolve_executor

from .errors import InputError
from .filters import Filter
from .protocol import TableRun, plan

__all__ = ["for_each"]

logger = logging.getLogger("scifor")

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
    executor: Executor | str = "serial",
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
    executor : str or Executor, default "serial"
        Where *fn* runs: ``"serial"`` (here, in order), ``"processes"`` (local worker
        processes on every core), ``Processes(workers=8)`` or ``Dask(client)``. The
        combinations' inputs and results travel to and from the workers as encoded values;
        the result is the same as serial.
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
    if not callable(fn):
        raise InputError(f"for_each needs a function as its first argument, got {fn!r}.")
    planned = plan(
        fn,
        inputs,
        iterables,
        where=where,
        as_table=as_table,
        distribute=distribute,
        output_names=output_names,
        on_error=on_error,
    )
    logger.debug(
        "for_each(%s): %d combination(s) over %r, inputs %r",
        planned.fn_name, planned.total, planned.iterated, planned.inputs + list(planned.constants),
    )
    run = TableRun(planned, dry_run=dry_run)

    def note_combination(outcome: Outcome) -> None:
        exc = outcome.failure.exception if outcome.failure else None
        if exc is not None and hasattr(exc, "add_note"):  # Python 3.11+
            exc.add_note(f"(raised by {planned.fn_name} in for_each for "
                         f"{run.describe(outcome.index)})")

    return drive(run, fn, executor=resolve_executor(executor),
                 stop_on_error=on_error == "raise", progress=progress,
                 on_stop=note_combination).table
