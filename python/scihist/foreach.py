"""``scihist.for_each``: scidb's for_each with lineage on every output and skip-if-computed.

The function is wrapped in lineage automatically (a plain function or a ``Thunk``). Before
anything runs, each combination's cache key is computed from the function's fingerprint,
its constants and the content hashes of its input records — no value is read for this —
and a combination whose outputs are already saved under that key is skipped without
calling the function (status ``cached`` in the result and the run log). Everything that
does run is saved with its lineage, so ``db.get_provenance`` can say how it was made.
Changing the function's code, a function it calls, a constant or an input's content
changes the key: exactly the affected combinations run again and add new versions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from scidb.database import Database
from scidb.filters import Filter
from scidb.foreach import run_for_each
from scilineage import Thunk
from scistack_engine.executors import Executor

__all__ = ["for_each"]


def for_each(fn: Callable[..., Any], inputs: Mapping[str, Any] | None = None,
             outputs: Sequence[Any] = (), *, skip_computed: bool = True, force: bool = False,
             where: Filter | str | None = None, dry_run: bool = False, save: bool = True,
             as_table: bool | Sequence[str] = False, batch_size: int = 500,
             on_error: str = "continue", progress: bool | None = None,
             executor: Executor | str = "serial", db: Database | None = None,
             **iterables: Any) -> pd.DataFrame:
    """Run ``fn`` over every combination, with lineage, skipping what is already computed.

    Takes every argument of :func:`scidb.for_each`, plus:

    Parameters
    ----------
    skip_computed
        Skip a combination whose outputs are saved under its cache key (default).
    force
        Run every combination even when computed (same as ``skip_computed=False``);
        results identical to the saved ones add no version.

    Returns
    -------
    pandas.DataFrame
        As :func:`scidb.for_each`; skipped combinations have status ``cached`` and the
        record ids of their saved outputs.
    """
    thunk = fn if isinstance(fn, Thunk) else Thunk(fn)
    options = {"where": where, "dry_run": dry_run, "save": save, "as_table": as_table,
               "batch_size": batch_size, "on_error": on_error, "progress": progress,
               "executor": executor, "skip_computed": skip_computed, "force": force}
    return run_for_each(thunk, inputs or {}, outputs, iterables, options, db=db,
                        fingerprint=thunk.fingerprint, call=thunk.__wrapped__)
