"""Provenance: what produced a record, recursively, and which versions came from what.

Each record saved from a lineage result stores its lineage (function name, code
fingerprint, language, inputs, constants, cache key) with the version it belongs to. This
module answers the questions users ask of it:

* :func:`provenance` — how one record (the latest or a given version) was produced;
* :func:`provenance_chain` — the same, followed upstream through every input that is
  itself a saved record or an unsaved intermediate result;
* :func:`provenance_by_schema` — the provenance of every record, of every variable, at a
  (partial) address;
* :func:`version_history` — every version at an address, when it was saved and what
  produced each;
* :func:`lineage_chain` — an unsaved result's lineage followed upstream, no database
  involved.

Selecting records by the constants that produced them (``FilteredEMG.load(subject=1,
low_hz=20)``) is part of :mod:`scistack_engine.selection`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .index import RecordInfo
from .metadata import check_schema_keys, describe_metadata, normalize_query
from .store import Database, NotFoundError

__all__ = ["provenance", "provenance_chain", "provenance_by_schema", "version_history",
           "lineage_chain"]


def _inputs_of(lineage: Mapping[str, Any]) -> dict[str, Any]:
    """A lineage's inputs: saved records by reference, intermediate results by producer."""
    inputs = {}
    for name, ref in (lineage.get("inputs") or {}).items():
        if ref.get("kind") == "record":
            inputs[name] = {
                k: ref.get(k)
                for k in ("variable", "metadata", "record_id", "version", "content_hash")
            }
        else:
            upstream = ref.get("lineage") or {}
            inputs[name] = {
                "variable": None,
                "function_name": upstream.get("function_name"),
                "output_index": ref.get("output_index"),
                "content_hash": ref.get("content_hash"),
                "lineage": upstream,
            }
    return inputs


def _produced_by(lineage: Mapping[str, Any] | None) -> dict[str, Any]:
    """The producer fields of a provenance dict (None for a plain save)."""
    lineage = lineage or {}
    return {
        "function_name": lineage.get("function_name"),
        "fingerprint": lineage.get("fingerprint"),
        "language": lineage.get("language"),
        "cache_key": lineage.get("cache_key"),
        "inputs": _inputs_of(lineage),
        "constants": {name: c.get("value") for name, c in (lineage.get("constants") or {}).items()},
    }


def _describe(info: RecordInfo, lineage: Mapping[str, Any] | None,
              **extra: Any) -> dict[str, Any]:
    """A provenance dict: the record (and ``extra`` fields), then what produced it."""
    return {
        "variable": info.variable,
        "metadata": dict(info.metadata),
        "record_id": info.record_id,
        "version": info.version,
        "content_hash": info.content_hash,
        **extra,
        **_produced_by(lineage),
    }


def provenance(db: Database, variable: str, metadata: Mapping[str, Any],
               version: int | None = None) -> dict[str, Any]:
    """How the record at ``metadata`` was produced (latest version unless ``version``)."""
    infos = db.select(variable, metadata, version)
    if len(infos) > 1:
        where = describe_metadata(metadata)
        raise NotFoundError(
            f"{len(infos)} {variable} records match {where}; give the full metadata "
            "to ask for the provenance of one"
        )
    info = infos[0]
    return _describe(info, db.lineage_of([info.record_id]).get(info.record_id))


def provenance_chain(db: Database, variable: str, metadata: Mapping[str, Any],
                     version: int | None = None) -> list[dict[str, Any]]:
    """The record's provenance followed upstream: itself first, then each producer, once.

    Saved inputs are looked up by record id; unsaved intermediate results are described
    from the lineage embedded in the record that used them.
    """
    first = provenance(db, variable, metadata, version)
    chain = [first]
    seen = {first["record_id"]}
    queue = [first]
    while queue:
        item = queue.pop(0)
        for ref in item["inputs"].values():
            if ref.get("variable") is None:
                node = {"variable": None, "metadata": None, "record_id": None, "version": None,
                        "content_hash": ref.get("content_hash"), **_produced_by(ref["lineage"])}
                chain.append(node)
                queue.append(node)
                continue
            # an input matched by several records names them all, comma-separated
            for record_id in (ref.get("record_id") or "").split(","):
                if not record_id or record_id in seen:
                    continue
                seen.add(record_id)
                info = db.record_by_id(record_id)
                if info is None:
                    continue
                node = _describe(info, db.lineage_of([record_id]).get(record_id))
                chain.append(node)
                queue.append(node)
    return chain


def provenance_by_schema(db: Database, metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The provenance of the latest version of every record, of every variable, whose
    address has the values ``metadata`` gives (schema keys; a partial address matches every
    record under it), ordered by variable name and then by address.

    A record saved without lineage is listed with ``function_name`` None.
    """
    check_schema_keys(metadata, db.schema_keys, "get_provenance_by_schema")
    query = normalize_query(metadata)
    infos = [entry.latest for name in db.variables() for entry in db.index(name).find(query)]
    lineages = db.lineage_of([i.record_id for i in infos])
    return [_describe(i, lineages.get(i.record_id)) for i in infos]


def version_history(
    db: Database, variable: str, metadata: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Every version at every matching address, oldest first: when it was saved
    (``created_at``, UTC) and what produced it."""
    infos = db.versions(variable, metadata)
    ids = [i.record_id for i in infos]
    lineages, saved = db.lineage_of(ids), db.created_at_of(ids)
    return [_describe(i, lineages.get(i.record_id), created_at=saved[i.record_id])
            for i in infos]


def lineage_chain(lineage: Mapping[str, Any]) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """A lineage dict and every lineage upstream of it, each call once (by cache key).

    Each item is ``(path, lineage)``: ``path`` the parameter names that lead from the
    given lineage to it through upstream inputs (``()`` for the lineage itself). The order
    is depth first, inputs in parameter order: the call itself, then its first upstream
    input's lineage and everything above that, then the next input's. Saved record inputs
    end the walk (their history is in the database: :func:`provenance_chain`).
    """
    chain: list[tuple[tuple[str, ...], dict[str, Any]]] = []
    seen: set[Any] = set()
    stack: list[tuple[tuple[str, ...], dict[str, Any]]] = [((), dict(lineage))]
    while stack:
        path, item = stack.pop()
        if item.get("cache_key") in seen:
            continue
        seen.add(item.get("cache_key"))
        chain.append((path, item))
        upstream = [((*path, str(name)), dict(ref["lineage"]))
                    for name, ref in (item.get("inputs") or {}).items()
                    if isinstance(ref, Mapping) and ref.get("kind") == "upstream"]
        stack.extend(reversed(upstream))
    return chain
