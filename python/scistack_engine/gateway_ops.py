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
=====================  ======================================================

The shapes the MATLAB packages use for configuring, loading and for_each are in
:mod:`scistack_engine.gateway_ops_matlab`, lineage calls in
:mod:`scistack_engine.gateway_ops_lineage`, scifor in
:mod:`scistack_engine.gateway_ops_scifor`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from .cache_store import DatabaseCacheStore
from .errors import ScistackError
from .gateway import operation
from .index import RecordInfo
from .lineage import get_cache_store, set_cache_store
from .provenance import (
    provenance,
    provenance_chain,
    select_by_constants,
    split_constant_filters,
    version_history,
)
from .store import Database, SaveItem

__all__: list[str] = []

_databases: dict[int, Database] = {}
_current: list[int] = []
_handles = itertools.count(1)


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


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in (value.reshape(-1).tolist() if isinstance(value, np.ndarray) else value)]


def _record_reply(info: RecordInfo, wire: bytes) -> dict[str, Any]:
    return {"record_id": info.record_id, "version": info.version, "metadata": dict(info.metadata),
            "content_hash": info.content_hash, "value": _as_uint8(wire)}


# ------------------------------------------------------------------ databases


@operation("db_open")
def _db_open(args: dict[str, Any]) -> dict[str, Any]:
    db = Database(str(args["path"]), _texts(args["schema_keys"]),
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


# ------------------------------------------------------------------ records


@operation("save")
def _save(args: dict[str, Any]) -> str:
    lineage = args.get("lineage") or None
    item = SaveItem(str(args["variable"]), dict(args["metadata"]), wire=_wire(args["value"]),
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
