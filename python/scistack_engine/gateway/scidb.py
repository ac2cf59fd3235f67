"""Gateway adapter for the MATLAB ``+scidb`` and ``+scihist`` packages: databases, records,
provenance and for_each.

Each operation takes the request's ``args`` dict (a MATLAB struct on the other side) and
returns a value of the value model; none adds a rule of its own. Values that users save
or load travel as *nested* wire bytes (a uint8 vector inside the request or reply), so the
exact bytes MATLAB wrote — class hints included — are what the database stores, and what
MATLAB decodes on load. Replies are shaped so that the ``.m`` side decodes and encodes as
little as possible per record or combination (columns rather than lists of structs, one
wire list of values).

Open databases are kept here by handle (a small integer); the most recently opened is the
current one, used when a request names no handle.

=====================  ==============================================================
``db_open``            open/create a file: path, schema_keys, read_only → handle
``db_close``           close a handle (default: the current database)
``db_configure``       open a file as the current database, closing an earlier opening
``db_current``         the current database (handle, path, schema keys) or an error
``add_schema_key``     add a schema key to a database (default: the current one) → keys
``save``               variable, metadata, value (wire), lineage → record id
``load``               variable, metadata, version, constants → records
``var_load``           records at an address, whether one instance is meant, and for
                       ``all`` the metadata columns and every value in one wire list
``list_versions``      variable, metadata → versions with what produced each
``provenance``         variable, metadata, version (chain=true: upstream too)
``foreach_start``      normalise a MATLAB for_each spec, plan it; statuses and the
                       metadata as columns
``foreach_next``       the next batch: combination indexes and, in one wire list, the
                       values of its non-constant inputs (stored bytes, class hints kept)
``foreach_save``       commit a batch from flat arrays: output items with their lengths,
                       durations, errors and stacks
``foreach_end``        finish a run (finished, failed or interrupted)
=====================  ==============================================================

MATLAB numbers arrive as doubles and its lists as (object) arrays; a for_each spec is
normalised here into the plain form ``scidb.for_each`` builds in Python (lists, integers
where the value is integral, ``None`` for "every value"), so a MATLAB and a Python
for_each plan, log and skip alike.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..cache_store import DatabaseCacheStore
from ..codec import HEADER, encode
from ..errors import ScistackError
from ..execution import ComboResult, ForEachRun
from ..index import RecordInfo
from ..lineage import get_cache_store, set_cache_store
from ..metadata import MetadataError, normalize_value
from ..planner import PlanError, _wants_table, load_batch
from ..provenance import (
    provenance,
    provenance_chain,
    select_by_constants,
    split_constant_filters,
    version_history,
)
from ..store import (
    Database,
    NotFoundError,
    SaveItem,
    SchemaMismatchError,
    UnknownVariableError,
    open_database_for,
)
from .dispatch import operation
from .matlab_args import as_uint8, is_empty, is_many, items, texts, wire_bytes

__all__: list[str] = []

_databases: dict[int, Database] = {}
_current: list[int] = []
_handles = itertools.count(1)
_runs: dict[str, dict[str, Any]] = {}


class HandleError(ScistackError, LookupError):
    identifier = "scistack:db:notConfigured"


def _db(args: Mapping[str, Any]) -> Database:
    handle = args.get("handle")
    if handle is None:
        if not _current:
            raise HandleError("no database is configured; call scidb.configure_database("
                              "'study.duckdb', {'subject', 'session'}) first")
        handle = _current[-1]
    db = _databases.get(int(handle))
    if db is None or not db.is_open:
        raise HandleError(f"database handle {handle} is closed; configure the database again")
    return db








def _record_reply(info: RecordInfo, wire: bytes) -> dict[str, Any]:
    return {"record_id": info.record_id, "version": info.version, "metadata": dict(info.metadata),
            "content_hash": info.content_hash, "value": as_uint8(wire)}


def _u64(n: int) -> bytes:
    return int(n).to_bytes(8, "little")








def _column(values: list[Any]) -> Any:
    """One metadata column: numbers as a float array (NaN where a record lacks the key),
    booleans as a bool array, text as a list ("" where missing), anything else a list."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    if present and len(present) == len(values) and all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    if present and all(isinstance(v, str) for v in present):
        return ["" if v is None else v for v in values]
    return list(values)


def _columns(metadata_list: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    return {key: _column([m.get(key) for m in metadata_list]) for key in keys}


def _wire_list(items: Sequence[bytes]) -> np.ndarray:
    """Wire items (no header) as one encoded list, as a uint8 vector."""
    return np.frombuffer(HEADER + b"l" + _u64(len(items)) + b"".join(items), dtype=np.uint8)


# ------------------------------------------------------------------ databases


@operation("db_open")
def _db_open(args: dict[str, Any]) -> dict[str, Any]:
    db = Database(str(args["path"]), texts(args["schema_keys"], "schema_keys"),
                  read_only=bool(args.get("read_only", False)))
    handle = next(_handles)
    _databases[handle] = db
    _current.append(handle)
    set_cache_store(DatabaseCacheStore(db))
    return {"handle": handle, "path": db.path, "schema_keys": list(db.schema_keys)}


@operation("db_close")
def _db_close(args: dict[str, Any]) -> bool:
    if args.get("handle") is None and not _current:
        return False
    db = _db(args)
    handle = next(h for h, d in _databases.items() if d is db)
    db.close()
    del _databases[handle]
    if handle in _current:
        _current.remove(handle)
    store = get_cache_store()
    if isinstance(store, DatabaseCacheStore) and store.db is db:
        set_cache_store(None)
    return True


@operation("db_configure")
def _db_configure(args: dict[str, Any]) -> dict[str, Any]:
    """Open ``path`` as the current database; an earlier opening of it is closed first
    (after checking its schema keys), as ``scidb.configure_database`` does in Python."""
    path = str(args["path"])
    keys = [str(k) for k in items(args["schema_keys"])]
    previous = open_database_for(path)
    if previous is not None:
        if keys != previous.schema_keys:
            raise SchemaMismatchError(
                f"database {path!r} was created with schema keys {previous.schema_keys}, not "
                f"{keys}; open it with {previous.schema_keys} or use another file")
        handle = next((h for h, d in _databases.items() if d is previous), None)
        if handle is not None:
            _db_close({"handle": handle})
        else:
            previous.close()
            store = get_cache_store()
            if isinstance(store, DatabaseCacheStore) and store.db is previous:
                set_cache_store(None)
    opened = _db_open({"path": path, "schema_keys": keys,
                                   "read_only": bool(args.get("read_only", False))})
    opened["read_only"] = bool(args.get("read_only", False))
    return opened


@operation("db_current")
def _db_current(args: dict[str, Any]) -> dict[str, Any]:
    """The current database (or the one named by ``handle``): handle, path, keys."""
    db = _db(args)
    handle = next(h for h, d in _databases.items() if d is db)
    return {"handle": handle, "path": db.path, "schema_keys": list(db.schema_keys),
            "read_only": bool(db.read_only)}


@operation("add_schema_key")
def _add_schema_key(args: dict[str, Any]) -> dict[str, Any]:
    """Add ``key`` to the schema keys of the database; return them all."""
    db = _db(args)
    db.add_schema_key(args["key"])
    return {"schema_keys": list(db.schema_keys)}


# ------------------------------------------------------------------ records


@operation("save")
def _save(args: dict[str, Any]) -> str:
    lineage = args.get("lineage") or None
    item = SaveItem(str(args["variable"]), dict(args["metadata"]), wire=wire_bytes(args["value"]),
                    cache_key=lineage.get("cache_key") if lineage else None, lineage=lineage,
                    output_index=int(args["output_index"]) if lineage and "output_index" in args else None)
    return _db(args).save_batch([item])[0].record_id


@operation("load")
def _load(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Records at the metadata (latest versions, or ``version``); keywords that are not
    metadata keys select by lineage constant."""
    db = _db(args)
    variable = str(args["variable"])
    metadata = dict(args.get("metadata") or {})
    version = args.get("version")
    address, constants = split_constant_filters(db, variable, metadata)
    if constants and version is None:
        infos = select_by_constants(db, variable, address, constants)
    else:
        infos = db.select(variable, metadata, None if version is None else int(version))
    wires = db.fetch_wires(infos)
    return [_record_reply(i, wires[i.record_id]) for i in infos]


@operation("list_versions")
def _list_versions(args: dict[str, Any]) -> list[dict[str, Any]]:
    return version_history(_db(args), str(args["variable"]), dict(args.get("metadata") or {}))


@operation("provenance")
def _provenance(args: dict[str, Any]) -> Any:
    db = _db(args)
    version = args.get("version")
    version = None if version is None else int(version)
    ask = provenance_chain if args.get("chain") else provenance
    return ask(db, str(args["variable"]), dict(args.get("metadata") or {}), version)


@operation("var_load")
def _var_load(args: dict[str, Any]) -> dict[str, Any]:
    """Records of ``variable`` at ``metadata`` (latest versions, or ``version``).

    ``single`` is true when one record is meant: every schema key given as one value and
    one record found (the rule of ``BaseVariable.load`` in Python). With ``all`` nothing
    found is an empty result rather than an error, and the reply carries ``keys``, the
    metadata ``columns`` and ``values`` (every record's value in one wire list) instead of
    the records, the form of ``load_all(as_df=True)``.
    """
    db = _db(args)
    metadata = dict(args.get("metadata") or {})
    for key, value in metadata.items():
        if is_many(value):
            metadata[key] = items(value)
    request = dict(args, metadata=metadata)
    want_all = bool(args.get("all", False))
    try:
        records = _load(request)
    except UnknownVariableError:
        raise
    except NotFoundError:
        if not want_all:
            raise
        records = []
    if not want_all:
        full = all(k in metadata and not is_many(metadata[k]) for k in db.schema_keys)
        return {"records": records, "single": bool(full and len(records) == 1)}
    keys = list(db.schema_keys)
    for record in records:
        keys += [k for k in record["metadata"] if k not in keys]
    metas = [record["metadata"] for record in records]
    present = [k for k in keys if not records or any(m.get(k) is not None for m in metas)]
    return {"keys": present, "columns": _columns(metas, present),
            "values": _wire_list([bytes(r["value"])[4:] for r in records])}


# ------------------------------------------------------------------ for_each spec


def _name_list(value: Any) -> list[str]:
    return [str(v) for v in items(value)]


def _variable_spec(inp: Mapping[str, Any]) -> dict[str, Any]:
    columns = inp.get("columns")
    if is_empty(columns):
        columns = None
    elif not isinstance(columns, str):
        columns = _name_list(columns)
    return {"kind": "variable", "variable": str(inp["variable"]),
            "fixed": dict(inp.get("fixed") or {}), "columns": columns}


def _input_spec(name: str, inp: Any) -> dict[str, Any]:
    if not isinstance(inp, dict) or "kind" not in inp:
        raise PlanError(f"input {name!r}: not an input specification")
    kind = inp["kind"]
    if kind == "variable":
        return _variable_spec(inp)
    if kind == "merge":
        return {"kind": "merge", "parts": [_variable_spec(p) for p in items(inp.get("parts"))]}
    if kind == "path":
        return {"kind": "path", "template": str(inp["template"])}
    if kind == "constant":
        return {"kind": "constant", "value": inp.get("value")}
    raise PlanError(f"input {name!r} has unknown kind {kind!r}")


def _iterable(key: str, values: Any) -> Any:
    """None for "every value", one value as itself, several as a list (numbers that are
    whole as int: MATLAB sends doubles), as the Python front passes them."""
    if is_empty(values):
        return None
    try:
        if not is_many(values):
            return normalize_value(key, values)
        return [normalize_value(key, v) for v in items(values)]
    except MetadataError:
        return values if not is_many(values) else items(values)  # the planner reports it


def _filter_spec(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    if "args" in out:
        out["args"] = [_filter_spec(a) for a in items(out["args"])]
    if "arg" in out:
        out["arg"] = _filter_spec(out["arg"])
    if out.get("op") == "cmp":
        column = out.get("column")
        out["column"] = None if is_empty(column) else (
            column if isinstance(column, str) else _name_list(column))
        if out.get("cmp") == "isin":
            out["value"] = items(out.get("value"))
    return out


def normalize_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A for_each spec sent by MATLAB, in the form Python's ``scidb.for_each`` builds."""
    inputs = spec.get("inputs") or {}
    as_table = spec.get("as_table", False)
    if isinstance(as_table, (bool, np.bool_)):
        as_table = bool(as_table)
    elif is_empty(as_table):
        as_table = False
    else:
        as_table = _name_list(as_table)
    where = spec.get("where")
    fingerprint = spec.get("fingerprint")
    return {
        "function": str(spec.get("function") or "?"),
        "inputs": {str(name): _input_spec(name, inp) for name, inp in inputs.items()},
        "outputs": _name_list(spec.get("outputs")),
        "iterables": {str(k): _iterable(k, v) for k, v in (spec.get("iterables") or {}).items()},
        "where": None if is_empty(where) else _filter_spec(where),
        "as_table": as_table,
        "batch_size": int(spec.get("batch_size") or 500),
        "fingerprint": None if is_empty(fingerprint) else str(fingerprint),
        "skip_computed": bool(spec.get("skip_computed", True)),
        "skip_existing": bool(spec.get("skip_existing", False)),
    }


# ------------------------------------------------------------------ for_each protocol


@operation("foreach_start")
def _foreach_start(args: dict[str, Any]) -> dict[str, Any]:
    """Plan a MATLAB for_each; return its run id, statuses and metadata columns.

    Statuses come as ``status_codes`` (0 run, 1 cached, 2 skipped), the reasons of the
    skipped combinations in order as ``reasons``, and the record ids of the cached ones
    (one per output, in order) joined by commas as ``cached_ids``: a few compact items
    instead of several per combination.
    """
    db = _db(args)
    spec = normalize_spec(dict(args["spec"]))
    dry_run = bool(args.get("dry_run", False))
    run = ForEachRun(db, spec, language="matlab", save=bool(args.get("save", True)),
                     dry_run=dry_run)
    combos = run.plan.combos
    run_id = ""
    if not dry_run:
        run_id = run.run_id or f"unsaved-{uuid.uuid4().hex}"
        _runs[run_id] = {"run": run, "batches": run.plan.batches(), "pending": []}
    codes = {"run": 0.0, "cached": 1.0, "skipped": 2.0}
    return {"run_id": run_id, "logged": run.run_id is not None, "keys": list(run.plan.keys),
            "columns": _columns([c.metadata for c in combos], run.plan.keys),
            "status_codes": np.asarray([codes[c.status] for c in combos], dtype=np.float64),
            "reasons": [c.missing for c in combos if c.missing],
            "cached_ids": ",".join(i for c in combos if c.status == "cached"
                                   for i in c.cached_records),
            "n_run": len(run.plan.runnable())}


def _state(args: Mapping[str, Any]) -> dict[str, Any]:
    run_id = str(args["run_id"])
    state = _runs.get(run_id)
    if state is None:
        raise PlanError(f"for_each run {run_id!r} is not in progress (finished or unknown)")
    return state


@operation("foreach_next")
def _foreach_next(args: dict[str, Any]) -> dict[str, Any]:
    """The next batch: its combination indexes and the values of its non-constant inputs.

    ``values`` is one wire list of every combination's input values, combination after
    combination, each in the spec's order (constants left out: MATLAB passes its own). A value read from one
    record is that record's stored bytes, so MATLAB class hints survive; selections,
    tables and merges are built by the planner (``load_batch``) as in Python.
    """
    state = _state(args)
    batch = next(state["batches"], None)
    if batch is None:
        state["pending"] = []
        return {"done": True, "combos": np.zeros(0), "values": _wire_list([])}
    run: ForEachRun = state["run"]
    spec = run.spec
    names = [n for n, inp in spec["inputs"].items() if inp["kind"] != "constant"]
    raw = {n for n in names if spec["inputs"][n]["kind"] == "variable"
           and spec["inputs"][n].get("columns") is None and not _wants_table(spec, n)}
    built = load_batch(run.db, run.plan, batch) if set(names) - raw else None
    wires = run.db.fetch_wires([r for c in batch for n in raw for r in c.records[n]])
    parts: list[bytes] = []
    for position, combo in enumerate(batch):
        for name in names:
            if name in raw:
                records = combo.records[name]
                if len(records) == 1:
                    parts.append(wires[records[0].record_id][4:])
                else:
                    parts.append(b"l" + _u64(len(records)) +
                                 b"".join(wires[r.record_id][4:] for r in records))
            else:
                parts.append(encode(built[position][name])[4:])
    state["pending"] = batch
    return {"done": False, "combos": np.asarray([c.index for c in batch], dtype=np.float64),
            "values": _wire_list(parts)}


@operation("foreach_save")
def _foreach_save(args: dict[str, Any]) -> dict[str, Any]:
    """Commit the results of the batch last handed out.

    Arguments (one entry per executed combination, in order): ``combos`` (indexes),
    ``ok`` (the function returned), ``durations`` (seconds); ``lengths`` and ``blob``: the
    output wire items (no header) of the combinations that returned, concatenated, with
    one length per output; ``errors`` and ``stacks``: one text per combination that
    failed. Returns the saved ``record_ids`` (one per output of each combination, "" when
    nothing was saved, joined by commas) and the combinations the commit failed
    (``failed``, positions) with their ``messages`` (an output that cannot be stored).
    """
    state = _state(args)
    run: ForEachRun = state["run"]
    pending = {c.index: c for c in state.get("pending") or []}
    state["pending"] = []
    combos = [int(i) for i in items(args.get("combos"))]
    ok = [bool(v) for v in items(args.get("ok"))]
    durations = [float(v) for v in items(args.get("durations"))]
    lengths = [int(n) for n in items(args.get("lengths"))]
    errors = [str(e) for e in items(args.get("errors"))]
    stacks = [str(s) for s in items(args.get("stacks"))]
    blob = np.asarray(args.get("blob", np.zeros(0)), dtype=np.uint8).reshape(-1).tobytes()
    n_out = len(run.outputs)
    if len(ok) != len(combos) or len(durations) != len(combos):
        raise PlanError("foreach_save: combos, ok and durations differ in length")
    if sum(ok) * n_out != len(lengths) or sum(lengths) != len(blob):
        raise PlanError("foreach_save: the output lengths do not match the outputs sent")
    results: list[ComboResult] = []
    offset = 0
    cursor = 0
    failure = 0
    for index, returned, seconds in zip(combos, ok, durations):
        combo = pending.get(index)
        if combo is None:
            raise PlanError(f"foreach_save: combination {index} is not in the current batch")
        if returned:
            wires = []
            for size in lengths[cursor:cursor + n_out]:
                wires.append(HEADER + blob[offset:offset + size])
                offset += size
            cursor += n_out
            results.append(ComboResult(combo, outputs=[None] * n_out, duration_s=seconds,
                                       wires=wires))
        else:
            results.append(ComboResult(
                combo, error=errors[failure] if failure < len(errors) else "failed",
                stack=stacks[failure] if failure < len(stacks) else None, duration_s=seconds))
            failure += 1
    run.commit(results)
    record_ids: list[str] = []
    failed: list[int] = []
    messages: list[str] = []
    for position, (result, returned) in enumerate(zip(results, ok)):
        ids = list(result.record_ids)
        record_ids += ids + [""] * (n_out - len(ids))
        if returned and result.error is not None:
            failed.append(position)
            messages.append(result.error)
    return {"record_ids": ",".join(record_ids), "failed": np.asarray(failed, dtype=np.float64),
            "messages": messages}


@operation("foreach_end")
def _foreach_end(args: dict[str, Any]) -> bool:
    """Finish a run with ``status`` (finished, failed, interrupted) and forget it."""
    state = _runs.pop(str(args["run_id"]), None)
    if state is not None:
        state["run"].finish(str(args.get("status") or "finished"))
    return state is not None

