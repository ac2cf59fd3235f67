"""What a database holds: its variables, and one record in full.

The file at a glance (size, counts, latest runs) is :mod:`scistack_engine.inspection.info`.

* :func:`variable_summaries` -- per variable: records, versions, the keys its records use
  with their number of values, and its *grid coverage* (records / the product of those
  numbers, the share of the variable's own grid that holds a record);
* :func:`record_detail` -- one record: its value summarised, every version at its address,
  and its provenance chain (:mod:`scistack_engine.provenance`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..provenance import provenance_chain, version_history
from ..store import Database, NotFoundError
from ..views import quote_identifier
from .records import in_schema_order

__all__ = ["variable_summaries", "record_detail", "describe_value"]


def variable_summaries(db: Database, variable: str | None = None) -> list[dict[str, Any]]:
    """Records, versions, keys and grid coverage of each variable (or of ``variable``)."""
    if variable is not None:
        db.require_variable(variable)
    keys = db.schema_keys
    per_key = ", ".join(f"count(DISTINCT {quote_identifier(k)}), count({quote_identifier(k)})"
                        for k in keys)
    where = "WHERE variable = ?" if variable else ""
    rows = db.cx.execute(
        f"SELECT variable, count(DISTINCT address), count(*), max(version), {per_key} "
        f"FROM _records {where} GROUP BY variable ORDER BY variable",
        [variable] if variable else []).fetchall()
    kinds: dict[str, dict[str, int]] = {}
    for name, kind, n in db.cx.execute(
            f"SELECT variable, kind, count(*) FROM _records {where} GROUP BY ALL ORDER BY ALL",
            [variable] if variable else []).fetchall():
        kinds.setdefault(name, {})[kind] = n
    summaries = []
    for name, records, versions, max_version, *counts in rows:
        values = {k: counts[2 * i] for i, k in enumerate(keys) if counts[2 * i + 1]}
        cells = int(np.prod(list(values.values()))) if values else 1
        summaries.append({"name": name, "records": records, "versions": versions,
                          "max_version": max_version, "keys": values, "grid_cells": cells,
                          "coverage": records / cells if cells else 0.0,
                          "kinds": kinds.get(name, {})})
    return summaries


def describe_value(value: Any) -> dict[str, Any]:
    """A short description of a value: its type, shape and, for numbers, their range."""
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {"type": "DataFrame", "shape": list(value.shape),
                "columns": [str(c) for c in value.columns][:20]}
    if isinstance(value, np.ndarray):
        info: dict[str, Any] = {"type": "ndarray", "dtype": str(value.dtype),
                                "shape": list(value.shape)}
        if value.size and (np.issubdtype(value.dtype, np.number) and
                           not np.issubdtype(value.dtype, np.complexfloating)):
            finite = value[np.isfinite(value)] if np.issubdtype(value.dtype, np.floating) else value
            if finite.size:
                info.update(min=float(finite.min()), max=float(finite.max()),
                            mean=float(finite.mean()))
            info["nan"] = int(value.size - finite.size)
        return info
    if isinstance(value, str):
        return {"type": "str", "length": len(value), "text": value[:80]}
    if isinstance(value, (bool, int, float, complex, np.generic)) or value is None:
        return {"type": type(value).__name__, "value": value.item() if isinstance(value, np.generic)
                else value}
    if isinstance(value, (list, tuple, dict)):
        return {"type": type(value).__name__, "length": len(value)}
    return {"type": type(value).__name__}


def record_detail(db: Database, variable: str, metadata: Mapping[str, Any],
                  version: int | None = None) -> dict[str, Any]:
    """One record: its value summarised, the versions at its address, its provenance chain."""
    infos = db.select(variable, metadata, version)
    if len(infos) > 1:
        shown = ", ".join(f"{k}={v!r}" for k, v in metadata.items()) or "no metadata"
        raise NotFoundError(f"{len(infos)} {variable} records match {shown}; give the other "
                            f"keys too (scistack vars DB {variable} lists them)")
    info = infos[0]
    value = db.fetch_values([info])[info.record_id]
    chain = provenance_chain(db, variable, dict(info.metadata), info.version)
    versions = version_history(db, variable, dict(info.metadata))
    for step in chain + versions:
        if step["metadata"] is not None:
            step["metadata"] = in_schema_order(step["metadata"], db.schema_keys)
    return {
        "variable": variable,
        "metadata": in_schema_order(info.metadata, db.schema_keys),
        "record_id": info.record_id,
        "version": info.version,
        "content_hash": info.content_hash,
        "value": describe_value(value),
        "versions": versions,
        "provenance": chain,
    }
