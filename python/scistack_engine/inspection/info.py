"""The file at a glance: size, schema keys, each variable's records and versions, the lineage
cache's footprint, last runs.

Aggregate queries only, on a bare read-only connection
(:class:`~scistack_engine.connection.ReadOnlyFile`) or an open database: ``scistack info``
imports DuckDB and nothing heavier, and answers in a fraction of a second on a file of
100,000 records (``benchmarks/bench_cli_info.py``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..lineage_cache import footprint
from .runs import list_runs

if TYPE_CHECKING:
    from .runs import Readable

__all__ = ["database_info"]


def database_info(db: Readable, *, runs: int = 5) -> dict[str, Any]:
    """The file at a glance: path, size, schema keys, variables, the lineage cache
    (:func:`~scistack_engine.lineage_cache.footprint`), the latest ``runs`` runs."""
    size = sum(os.path.getsize(p) for p in (db.path, db.path + ".wal") if os.path.exists(p))
    rows = db.cx.execute(
        "SELECT variable, count(DISTINCT address), count(*), max(created_at) FROM _records "
        "GROUP BY variable ORDER BY variable").fetchall()
    variables = [{"name": name, "records": n, "versions": versions,
                  "last_saved": last.isoformat() if last else None}
                 for name, n, versions, last in rows]
    return {
        "path": db.path,
        "size_bytes": size,
        "schema_keys": list(db.schema_keys),
        "n_records": sum(v["records"] for v in variables),
        "n_versions": sum(v["versions"] for v in variables),
        "variables": variables,
        "lineage_cache": footprint(db),
        "runs": [r.to_dict() for r in list_runs(db, limit=runs)],
    }
