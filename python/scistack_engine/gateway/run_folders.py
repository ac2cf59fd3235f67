"""Gateway adapter for SLURM run folders: ``scistack.merge_run`` and ``scistack.resubmit_run``.

The operations call :mod:`scistack_engine.slurm_runs` -- the functions behind ``scistack
merge`` and ``scistack resubmit`` -- on the run folder a request names (a folder, or a run
id or its prefix in ``.scistack-runs`` beside the database the request names by handle,
else the current one), and add no rule of their own.

============  ====================================================================
``merge``     run -> the merge report (counts, complete, the state of each chunk)
``resubmit``  run, chunks, failed, dry_run -> the chunks submitted, the job ids, and
              the state before (``dry_run``: the state alone)
============  ====================================================================

Chunk numbers and sizes arrive as double row vectors; a state's chunk sizes as
``chunk_sizes`` (chunk 0 first: struct fields cannot be numbers) and its function as
``function_name`` (``function`` is a MATLAB keyword).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import session
from ..slurm_runs import find_run_folder, merge_run, resubmit_run, run_state
from .dispatch import GatewayError, operation
from .matlab_args import is_empty, items
from .scidb_arguments import call_arguments

__all__: list[str] = []


def _folder(args: dict[str, Any], what: str) -> Any:
    run = args.get("run")
    if not isinstance(run, str) or not run:
        raise GatewayError(f"{what}: give the run folder, or its run id (or a prefix of it), "
                           "as text", "scistack:arguments:badRun")
    return find_run_folder(session.by_handle(args.get("handle")).path, run)


def _flag(args: dict[str, Any], name: str) -> bool:
    value = args.get(name)
    return value is not None and not is_empty(value) and bool(items(value)[0])


def _row(numbers: list[int]) -> np.ndarray:
    return np.asarray(numbers, dtype=float).reshape(1, -1)


def _state(state: dict[str, Any]) -> dict[str, Any]:
    chunks, function = state.pop("chunks"), state.pop("function")
    return {**{k: _row(v) if isinstance(v, list) else v for k, v in state.items()},
            "function_name": function, "chunk_sizes": _row([chunks[c] for c in sorted(chunks)])}


@operation("merge")
def _merge(args: dict[str, Any]) -> dict[str, Any]:
    args = call_arguments(args, ("db",), "scistack.merge_run", only_options=True)
    folder = _folder(args, "scistack.merge_run")
    report = merge_run(session.by_handle(args.get("handle")), folder).to_dict()
    return {**report, "state": _state(report["state"])}


@operation("resubmit")
def _resubmit(args: dict[str, Any]) -> dict[str, Any]:
    args = call_arguments(args, ("chunks", "failed", "dry_run", "db"), "scistack.resubmit_run",
                          only_options=True)
    folder = _folder(args, "scistack.resubmit_run")
    if _flag(args, "dry_run"):
        return _state(run_state(folder).to_dict())
    chunks = args.get("chunks")
    wanted = None if chunks is None or is_empty(chunks) else [int(c) for c in items(chunks)]
    done = resubmit_run(folder, wanted, failed=_flag(args, "failed"))
    return {**done, "state": _state(done["state"]), "submitted": _row(done["submitted"]),
            "tasks": [[task, chunk] for task, chunk in done["tasks"].items()]}
