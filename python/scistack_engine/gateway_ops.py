"""The engine operations the MATLAB toolbox calls through the gateway.

Each operation takes the request's ``args`` dict (a MATLAB struct on the other side) and
returns a value of the value model. Values that users save or load travel as *nested* wire
bytes (a uint8 vector inside the request or reply), so the exact bytes MATLAB wrote —
class hints included — are what the database stores, and what MATLAB decodes on load.

Open databases are kept here by handle (a small integer); the most recently opened is the
current one, used when a request names no handle. The operations mirror the Python API:

=====================  ======================================================
``db_open``            open/create a file: path, schema_keys, read_only → handle
``db_close``           close a handle (default: the current database)
``save``               variable, metadata, value (wire), lineage → record id
``load``               variable, metadata, version, constants → records
``list_versions``      variable, metadata → versions with what produced each
``provenance``         variable, metadata, version (chain=true: upstream too)
``foreach_plan``       a for_each spec → run id and the planned combinations
``foreach_batch``      run id → the next batch's combinations and input values
``foreach_commit``     run id, results of a batch → record ids per combination
``foreach_finish``     run id, status
``cache_get``          a call's cache key parts → its outputs (wire) or nothing
``cache_put``          a call's cache key and outputs (wire), kept in memory
=====================  ======================================================
"""

from __future__ import annotations

import itertools
from typing import Any, Dict, List, Mapping, Optional

import numpy as np

from .cache_store import DatabaseCacheStore
from .codec import encode
from .errors import ScistackError
from .execution import ComboResult, ForEachRun
from .gateway import operation
from .codec import decode
from .hashing import content_hash_of_encoded
from .index import RecordInfo
from .lineage import LineageRecord, cache_key, get_cache_store, set_cache_store
from .provenance import (
    provenance,
    provenance_chain,
    select_by_constants,
    split_constant_filters,
    version_history,
)
from .store import Database, SaveItem

__all__: List[str] = []

_databases: Dict[int, Database] = {}
_current: List[int] = []
_handles = itertools.count(1)
_runs: Dict[str, Dict[str, Any]] = {}


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


def _wire(data: Any) -> bytes:
    """Nested wire bytes from a request (a uint8 vector) as bytes."""
    return np.asarray(data, dtype=np.uint8).tobytes()


def _as_uint8(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).copy()


def _texts(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in (value.reshape(-1).tolist() if isinstance(value, np.ndarray) else value)]


def _record_reply(info: RecordInfo, wire: bytes) -> Dict[str, Any]:
    return {"record_id": info.record_id, "version": info.version, "metadata": dict(info.metadata),
            "content_hash": info.content_hash, "value": _as_uint8(wire)}


# ------------------------------------------------------------------ databases


@operation("db_open")
def _db_open(args: Dict[str, Any]) -> Dict[str, Any]:
    db = Database(str(args["path"]), _texts(args["schema_keys"]),
                  read_only=bool(args.get("read_only", False)))
    handle = next(_handles)
    _databases[handle] = db
    _current.append(handle)
    set_cache_store(DatabaseCacheStore(db))
    return {"handle": handle, "path": db.path, "schema_keys": list(db.schema_keys)}


@operation("db_close")
def _db_close(args: Dict[str, Any]) -> bool:
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


# ------------------------------------------------------------------ records


@operation("save")
def _save(args: Dict[str, Any]) -> str:
    lineage = args.get("lineage") or None
    item = SaveItem(str(args["variable"]), dict(args["metadata"]), wire=_wire(args["value"]),
                    cache_key=lineage.get("cache_key") if lineage else None, lineage=lineage,
                    output_index=int(args["output_index"]) if lineage and "output_index" in args else None)
    return _db(args).save_batch([item])[0].record_id


@operation("load")
def _load(args: Dict[str, Any]) -> List[Dict[str, Any]]:
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
    wires = db.fetch_wires([i.record_id for i in infos])
    return [_record_reply(i, wires[i.record_id]) for i in infos]


@operation("list_versions")
def _list_versions(args: Dict[str, Any]) -> List[Dict[str, Any]]:
    return version_history(_db(args), str(args["variable"]), dict(args.get("metadata") or {}))


@operation("provenance")
def _provenance(args: Dict[str, Any]) -> Any:
    db = _db(args)
    version = args.get("version")
    version = None if version is None else int(version)
    ask = provenance_chain if args.get("chain") else provenance
    return ask(db, str(args["variable"]), dict(args.get("metadata") or {}), version)


# ------------------------------------------------------------------ for_each


@operation("foreach_plan")
def _foreach_plan(args: Dict[str, Any]) -> Dict[str, Any]:
    db = _db(args)
    spec = dict(args["spec"])
    run = ForEachRun(db, spec, language="matlab", save=bool(args.get("save", True)),
                     dry_run=bool(args.get("dry_run", False)))
    run_id = run.run_id or f"dry-{id(run)}"
    _runs[run_id] = {"run": run, "batches": run.batches()}
    combos = run.plan.combos
    return {"run_id": run_id, "keys": list(run.plan.keys),
            "metadata": [c.metadata for c in combos], "status": [c.status for c in combos],
            "reason": [c.missing or "" for c in combos],
            "cached_records": [list(c.cached_records) for c in combos]}


@operation("foreach_batch")
def _foreach_batch(args: Dict[str, Any]) -> Dict[str, Any]:
    state = _runs[str(args["run_id"])]
    batch = next(state["batches"], None)
    if batch is None:
        return {"done": True, "combos": [], "inputs": []}
    combos, kwargs_list = batch
    state["pending"] = {c.index: c for c in combos}
    return {"done": False, "combos": [c.index for c in combos],
            "inputs": [{name: _as_uint8(encode(value)) for name, value in kwargs.items()}
                       for kwargs in kwargs_list]}


@operation("foreach_commit")
def _foreach_commit(args: Dict[str, Any]) -> List[List[str]]:
    state = _runs[str(args["run_id"])]
    pending = state.pop("pending", {})
    results = []
    for item in args.get("results") or []:
        combo = pending[int(item["combo"])]
        error = item.get("error") or None
        wires = [_wire(w) for w in item.get("outputs") or []]
        results.append(ComboResult(combo, outputs=[None] * len(wires), error=error,
                                   stack=item.get("stack") or None,
                                   duration_s=float(item.get("duration_s", 0.0)), wires=wires))
    state["run"].commit(results)
    return [r.record_ids for r in results]


@operation("foreach_finish")
def _foreach_finish(args: Dict[str, Any]) -> bool:
    state = _runs.pop(str(args["run_id"]), None)
    if state is not None:
        state["run"].finish(str(args.get("status") or "finished"))
    return state is not None


# ------------------------------------------------------------------ lineage cache


def _call_key(args: Mapping[str, Any]) -> str:
    inputs = {str(k): str(v) for k, v in dict(args.get("inputs") or {}).items()}
    constants = {str(k): content_hash_of_encoded(_wire(v))
                 for k, v in dict(args.get("constants") or {}).items()}
    return cache_key(str(args["fingerprint"]), inputs, constants, int(args.get("n_outputs", 1)))


@operation("cache_key")
def _cache_key(args: Dict[str, Any]) -> str:
    """The cache key of a MATLAB call: fingerprint, input content hashes, constants (wire)."""
    return _call_key(args)


@operation("cache_get")
def _cache_get(args: Dict[str, Any]) -> Optional[List[np.ndarray]]:
    outputs = get_cache_store().get(str(args["cache_key"]))
    return None if outputs is None else [_as_uint8(encode(v)) for v in outputs]


@operation("cache_put")
def _cache_put(args: Dict[str, Any]) -> bool:
    """Keep a MATLAB call's outputs (wire) under its cache key, with its lineage."""
    outputs = tuple(decode(_wire(w)) for w in args.get("outputs") or [])
    get_cache_store().put(str(args["cache_key"]), outputs, LineageRecord.from_dict(dict(args["lineage"])))
    return True


@operation("content_hash")
def _content_hash(args: Dict[str, Any]) -> str:
    """The content hash of a value given as nested wire bytes."""
    return content_hash_of_encoded(_wire(args["value"]))
