"""``for_each`` over the database: load inputs by metadata, run a function, save outputs.

``for_each(fn, inputs={...}, outputs=[...], subject=[...], session=[...])`` runs ``fn``
once per combination of the iterables. Inputs are variable types (loaded at each
combination), selections, ``Fixed``, ``Merge``, path templates or constants (see
:mod:`scidb.inputs`); outputs are variable types, saved at the combination's metadata.

The run is *plan → execute → commit* (:mod:`scistack_engine.execution`): the engine plans
every combination and reads each batch's inputs with one query, this module calls ``fn``,
and each batch's outputs and run-log rows are committed in one transaction. A combination
with a missing input is skipped with its reason, an exception in ``fn`` is logged with its
message and the loop goes on (``on_error="raise"`` stops instead, after committing what
finished). Every run and combination is logged in the ``_runs`` and ``_run_combos`` tables.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from scilineage import Thunk
from scistack_engine.execution import ComboResult, ForEachRun
from scistack_engine.metadata import describe_metadata
from scistack_engine.planner import Combo

from .database import Database, get_database
from .filters import Filter, Sql
from .inputs import input_spec

__all__ = ["for_each", "build_spec", "run_for_each"]

log = logging.getLogger("scidb.for_each")

def build_spec(fn: Callable[..., Any], inputs: Mapping[str, Any], outputs: Sequence[Any],
               iterables: Mapping[str, Any], where: Filter | str | None,
               as_table: bool | Sequence[str], batch_size: int,
               fingerprint: str | None = None, skip_computed: bool = True,
               skip_existing: bool = False) -> dict[str, Any]:
    """The engine's language-neutral spec of a for_each call."""
    if isinstance(where, str):
        where = Sql(where)
    if where is not None and not isinstance(where, Filter):
        raise TypeError(f"where= takes a filter (Var == value, Var['col'] > v, Sql('...')), "
                        f"not {type(where).__name__}")
    return {
        "function": getattr(fn, "__name__", type(fn).__name__),
        "inputs": {name: input_spec(value) for name, value in (inputs or {}).items()},
        "outputs": [o if isinstance(o, str) else o.__name__ for o in outputs],
        "iterables": {k: (None if isinstance(v, (list, tuple)) and len(v) == 0 else v)
                      for k, v in iterables.items()},
        "where": where.to_spec() if where is not None else None,
        "as_table": list(as_table) if isinstance(as_table, (list, tuple)) else bool(as_table),
        "batch_size": batch_size,
        "fingerprint": fingerprint,
        "skip_computed": skip_computed,
        "skip_existing": skip_existing,
    }


def for_each(fn: Callable[..., Any], inputs: Mapping[str, Any] | None = None,
             outputs: Sequence[Any] = (), *, where: Filter | str | None = None,
             dry_run: bool = False, save: bool = True, skip_existing: bool = False,
             as_table: bool | Sequence[str] = False, batch_size: int = 500,
             on_error: str = "continue", progress: bool | None = None,
             db: Database | None = None, **iterables: Any) -> pd.DataFrame:
    """Run ``fn`` over every combination of the iterables, loading and saving by metadata.

    Parameters
    ----------
    fn
        Called as ``fn(**inputs)`` per combination; returns one value per output (a tuple
        when there are several outputs).
    inputs
        Parameter name -> variable type, selection, ``Fixed``, ``Merge``, ``PathTemplate``
        or constant.
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
        ``result.attrs["run_id"]`` names the run in the ``_runs`` table.

    Notes
    -----
    A ``@lineage_fcn`` function (a ``Thunk``) keeps its meaning here: its outputs are saved
    with their lineage, and a combination already computed with the same code, constants
    and input contents is not run again (status ``cached``), as in :func:`scihist.for_each`.
    """
    lineage = ({"fingerprint": fn.fingerprint, "call": fn.__wrapped__}
               if isinstance(fn, Thunk) else {})
    return run_for_each(fn, inputs or {}, outputs, iterables, where=where, dry_run=dry_run,
                        save=save, as_table=as_table, batch_size=batch_size, on_error=on_error,
                        progress=progress, db=db, skip_existing=skip_existing, **lineage)


def run_for_each(fn: Callable[..., Any], inputs: Mapping[str, Any], outputs: Sequence[Any],
                 iterables: Mapping[str, Any], *, where: Filter | str | None, dry_run: bool,
                 save: bool, as_table: bool | Sequence[str], batch_size: int,
                 on_error: str, progress: bool | None, db: Database | None,
                 fingerprint: str | None = None, skip_computed: bool = True,
                 skip_existing: bool = False,
                 call: Callable[..., Any] | None = None) -> pd.DataFrame:
    """The for_each driver shared by scidb and scihist.

    scihist passes the function's ``fingerprint`` (outputs are then saved with lineage,
    and with ``skip_computed`` combinations already computed are not run) and ``call``,
    what runs per combination (default ``fn``).
    """
    if on_error not in ("continue", "raise"):
        raise ValueError(f"on_error must be 'continue' or 'raise', not {on_error!r}")
    database = get_database(db)
    spec = build_spec(fn, inputs, outputs, iterables, where, as_table, batch_size, fingerprint,
                      skip_computed, skip_existing)
    run = ForEachRun(database, spec, save=save, dry_run=dry_run)
    names = spec["outputs"]
    rows: dict[int, dict[str, Any]] = {}
    for combo in run.plan.combos:
        status = "would_run" if dry_run and combo.status == "run" else combo.status
        rows[combo.index] = {**combo.metadata, "status": status, "reason": combo.missing}
        if combo.status == "cached":
            rows[combo.index].update(zip(names, combo.cached_records))
            rows[combo.index]["reason"] = ("already computed with this function, code and inputs"
                                           if fingerprint else "its outputs are already saved")
    if dry_run:
        return _result_frame(run, rows, names)
    call = call or fn
    show = progress if progress is not None else sys.stderr.isatty()
    bar = tqdm(total=len(run.plan.runnable()), disable=not show, desc=spec["function"], unit="combo")
    failure: BaseException | None = None
    try:
        for batch, kwargs_list in run.batches():
            results = []
            for combo, kwargs in zip(batch, kwargs_list):
                result = _execute(call, combo, kwargs, len(names))
                results.append(result)
                bar.update(1)
                if result.error and on_error == "raise":
                    failure = result.exception  # type: ignore[attr-defined]
                    break
            run.commit(results)
            for result in results:
                row = rows[result.combo.index]
                row["status"] = "failed" if result.error else "done"
                row["reason"] = result.error
                row.update(zip(names, result.record_ids if run.save else result.outputs or []))
            if failure is not None:
                break
    except BaseException:
        run.finish("interrupted")
        raise
    finally:
        bar.close()
    run.finish("failed" if failure else "finished")
    frame = _result_frame(run, rows, names)
    _log_summary(spec["function"], frame)
    if failure is not None:
        raise failure
    return frame


def _execute(call: Callable[..., Any], combo: Combo, kwargs: Mapping[str, Any],
             n_outputs: int) -> ComboResult:
    start = time.perf_counter()
    try:
        returned = call(**kwargs)
        outputs = _split_outputs(returned, n_outputs)
    except Exception as exc:  # the user's function may raise anything: it is logged
        where = describe_metadata(combo.metadata)
        stack = traceback.format_exc()
        log.debug("combination %s failed:\n%s", where, stack)
        result = ComboResult(combo, error=f"{type(exc).__name__}: {exc}", stack=stack,
                             duration_s=time.perf_counter() - start)
        result.exception = exc  # type: ignore[attr-defined]
        return result
    return ComboResult(combo, outputs, duration_s=time.perf_counter() - start)


def _split_outputs(returned: Any, n_outputs: int) -> list[Any]:
    if n_outputs <= 1:
        return [returned]
    if not isinstance(returned, (tuple, list)) or len(returned) != n_outputs:
        got = len(returned) if isinstance(returned, (tuple, list)) else 1
        raise ValueError(f"the function returned {got} value(s) but {n_outputs} outputs are "
                         "declared; return a tuple with one value per output")
    return list(returned)


def _result_frame(run: ForEachRun, rows: Mapping[int, dict[str, Any]], names: Sequence[str]) -> pd.DataFrame:
    columns = list(run.plan.keys) + ["status", "reason"] + list(names)
    frame = pd.DataFrame([rows[i] for i in sorted(rows)], columns=columns)
    frame.attrs["run_id"] = run.run_id
    return frame


def _log_summary(function: str, frame: pd.DataFrame) -> None:
    counts = frame["status"].value_counts().to_dict()
    log.info("for_each(%s): %s", function, ", ".join(f"{n} {s}" for s, n in counts.items()))
    for _, row in frame[frame["status"].isin(["skipped", "failed"])].head(20).iterrows():
        log.warning("for_each(%s) %s: %s", function, row["status"], row["reason"])
