"""``for_each`` over the database: load inputs by metadata, run a function, save outputs.

``for_each(fn, inputs={...}, outputs=[...], subject=[...], session=[...])`` runs ``fn``
once per combination of the iterables. Inputs are variable types (loaded at each
combination), selections, ``Fixed``, ``Merge``, path templates or constants (see
:mod:`scidb.inputs`); outputs are variable types, saved at the combination's metadata.

Every output is saved with its provenance (function name, code fingerprint, constants,
input records); skipping what was already computed is for lineage functions and
:func:`scihist.for_each`.

The run is *plan → execute → commit* (:mod:`scistack_engine.execution`): the engine plans
every combination and reads each batch's inputs with one query, this module calls ``fn``,
and each batch's outputs and run-log rows are committed in one transaction. A combination
with a missing input is skipped with its reason, an exception in ``fn`` is logged with its
message and the loop goes on (``on_error="raise"`` stops instead, after committing what
finished). Every run and combination is logged in the ``_runs`` and ``_run_combos`` tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from scilineage import Thunk
from scistack_engine.batches import drive
from scistack_engine.execution import ForEachRun
from scistack_engine.executors import Executor, resolve_executor
from scistack_engine.fingerprint import FingerprintError, function_fingerprint
from scistack_engine.foreach_options import ForEachOptions, settle_options

from .database import Database, get_database
from .filters import Filter
from .inputs import input_set, input_spec
from .variable import serialising_call

__all__ = ["for_each", "build_spec", "run_for_each"]

log = logging.getLogger("scidb.for_each")

def build_spec(fn: Callable[..., Any], inputs: Mapping[str, Any], outputs: Sequence[Any],
               iterables: Mapping[str, Any], options: ForEachOptions,
               fingerprint: str | None = None) -> dict[str, Any]:
    """The engine's language-neutral spec of a for_each call with settled ``options``."""
    return {
        "function": getattr(fn, "__name__", type(fn).__name__),
        "inputs": {name: input_spec(value) for name, value in input_set(inputs).items()},
        "outputs": [o if isinstance(o, str) else o.__name__ for o in outputs],
        "iterables": {k: (None if isinstance(v, (list, tuple)) and len(v) == 0 else v)
                      for k, v in iterables.items()},
        "where": options.where,
        "as_table": options.as_table,
        "batch_size": options.batch_size,
        "fingerprint": fingerprint,
        "skip_computed": options.skip_computed,
        "skip_existing": options.skip_existing,
    }


def for_each(fn: Callable[..., Any], inputs: Mapping[str, Any] | None = None,
             outputs: Sequence[Any] = (), *, where: Filter | str | None = None,
             dry_run: bool = False, save: bool = True, skip_existing: bool = False,
             as_table: bool | Sequence[str] = False, batch_size: int = 500,
             on_error: str = "continue", progress: bool | None = None,
             executor: Executor | str = "serial", db: Database | None = None,
             **iterables: Any) -> pd.DataFrame:
    """Run ``fn`` over every combination of the iterables, loading and saving by metadata.

    Parameters
    ----------
    fn
        Called as ``fn(**inputs)`` per combination; returns one value per output (a tuple
        when there are several outputs).
    inputs
        Parameter name -> variable type, selection, ``Fixed``, ``Merge``, ``PathTemplate``
        or constant; or a list of variable types (``db.get_var_group("kinematics")``),
        each passed as the parameter of its name.
    outputs
        Variable types the return values are saved as, in order.
    where
        A filter on combinations: ``Var == v``, ``Var["col"] > v``, ``Var.isin([...])``,
        combined with ``&``, ``|``, ``~``, or ``Sql("subject > 2")`` (a string is SQL).
    dry_run
        Plan only: return what would run, what is missing and why; run and save nothing.
    save
        ``False`` runs ``fn`` and returns its outputs without saving or logging.
    skip_existing
        Skip a combination whose every output already has a record at its metadata
        (status ``cached``): a rerun after an interruption continues where it stopped.
        A changed ``fn`` is not noticed; lineage functions skip by cache key instead.
    as_table
        Pass inputs that match several records as a DataFrame (metadata columns and a
        ``data`` column) instead of a list; ``True`` for all inputs or a list of names.
    batch_size
        Combinations whose inputs are read in one query and outputs committed in one
        transaction.
    on_error
        ``"continue"`` (default) logs a failing combination and goes on; ``"raise"``
        commits what finished, then re-raises.
    progress
        Show a progress bar (default: when stderr is a terminal).
    executor
        Where ``fn`` runs: ``"serial"`` (here, in order; the default), ``"processes"``
        (local worker processes on every core), ``Processes(workers=8)`` or
        ``Dask(client)``. Whatever runs ``fn``, this process alone reads and writes the
        database, and the records saved are the same (see ``docs/parallel.md``).
    db
        The database (default: the current one).
    **iterables
        Metadata key -> values to iterate over; ``[]`` means every value the inputs have.

    Returns
    -------
    pandas.DataFrame
        One row per combination: its metadata, ``status`` (``done``, ``skipped``,
        ``failed``; ``would_run`` in a dry run) and ``reason``; then per output either the
        saved record id (``save=True``) or the returned value (``save=False``).
        ``result.attrs["run_id"]`` names the run in the ``_runs`` table and
        ``result.attrs["summary"]`` holds its counts. A saving run over more than 100,000
        combinations has rows for its skipped and failed ones only
        (``result.attrs["all_rows"]`` is False); every row is in ``_run_combos``.

    Notes
    -----
    Every output is saved with its provenance: the function's name and code fingerprint,
    the constants and the input records, so ``db.get_provenance(Out, ...)`` answers and
    ``Out.load(..., low_hz=20)`` selects the version made with that constant. Every
    combination runs all the same (a function that cannot be fingerprinted runs without
    provenance, with a warning). A ``@lineage_fcn`` function (a ``Thunk``) also skips a
    combination already computed with the same code, constants and input contents
    (status ``cached``), as :func:`scihist.for_each` does.
    """
    options = {"where": where, "dry_run": dry_run, "save": save, "skip_existing": skip_existing,
               "as_table": as_table, "batch_size": batch_size, "on_error": on_error,
               "progress": progress, "executor": executor}
    if isinstance(fn, Thunk):
        return run_for_each(fn, inputs or {}, outputs, iterables, options, db=db,
                            fingerprint=fn.fingerprint, call=fn.__wrapped__)
    return run_for_each(fn, inputs or {}, outputs, iterables, options, db=db,
                        fingerprint=_provenance_fingerprint(fn), lineage=False)


def _provenance_fingerprint(fn: Callable[..., Any]) -> str | None:
    """The code fingerprint recorded with a plain for_each's outputs (None, with a
    warning, for a function the fingerprint rules cannot identify)."""
    try:
        return function_fingerprint(fn)
    except FingerprintError as exc:
        log.warning("for_each(%s): outputs are saved without provenance: %s",
                    getattr(fn, "__name__", type(fn).__name__), exc)
        return None


def run_for_each(fn: Callable[..., Any], inputs: Mapping[str, Any], outputs: Sequence[Any],
                 iterables: Mapping[str, Any], options: Mapping[str, Any], *,
                 db: Database | None, fingerprint: str | None = None, lineage: bool = True,
                 call: Callable[..., Any] | None = None) -> pd.DataFrame:
    """The for_each driver shared by scidb and scihist.

    ``options`` are the keyword options as given (checked by
    :func:`scistack_engine.foreach_options.settle_options`; ``force`` and ``skip_computed``
    only with ``lineage``). scihist passes the function's ``fingerprint`` (outputs are then
    saved with lineage, and unless forced combinations already computed are not run) and
    ``call``, what runs per combination (default ``fn``).
    """
    given = dict(options)
    if isinstance(given.get("where"), Filter):
        given["where"] = given["where"].to_spec()
    settled = settle_options(given, lineage=lineage, executor_types=(Executor,))
    database = get_database(db)
    spec = build_spec(fn, inputs, outputs, iterables, settled, fingerprint)
    runner = resolve_executor(settled.executor)
    spec["executor"] = repr(runner)  # kept in the run log's options
    run = ForEachRun(database, spec, save=settled.save, dry_run=settled.dry_run)
    call = serialising_call(call or fn, input_set(inputs), outputs)
    result = drive(run, call, executor=runner, stop_on_error=settled.raise_errors,
                   batch_size=settled.batch_size, progress=settled.progress)
    log.info("%s", result.headline)
    for note in result.notes:
        log.warning("%s", note)
    return result.table
