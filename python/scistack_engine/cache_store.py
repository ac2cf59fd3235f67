"""The persistent cache: lineage-tracked calls answered from records saved in the database.

When a database is configured, a wrapped call's cache key is looked up first in a small
in-memory store (repeated calls in one process) and then among the database's records:
every record saved from a lineage result carries its call's cache key and its output
index, so the outputs of an earlier run — in this process or any earlier one — come back
without calling the function. A call counts as cached only when *every* output of it was
saved (a call with two outputs of which one was saved runs again).
"""

from __future__ import annotations

from typing import Any

from .index import RecordInfo
from .lineage import LineageRecord, MemoryCacheStore
from .store import Database

__all__ = ["DatabaseCacheStore"]

#: Calls remembered in memory, on top of the database, per process.
MEMORY_ENTRIES = 1024


class DatabaseCacheStore:
    """A :class:`~scistack_engine.lineage.CacheStore` backed by a database's records."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.memory = MemoryCacheStore(max_entries=MEMORY_ENTRIES)

    def get(self, cache_key: str) -> tuple[Any, ...] | None:
        outputs = self.memory.get(cache_key)
        if outputs is not None:
            return outputs
        records = self.saved(cache_key)
        if records is None:
            return None
        values = self.db.fetch_values(records)
        return tuple(values[info.record_id] for info in records)

    def get_wires(self, cache_key: str) -> tuple[list[bytes], list[str]] | None:
        """The saved outputs of the call as stored wire bytes (MATLAB's exact bytes), with
        their content hashes, in output order; None unless every output was saved."""
        records = self.saved(cache_key)
        if records is None:
            return None
        wires = self.db.fetch_wires(records)
        return [wires[info.record_id] for info in records], [i.content_hash for i in records]

    def saved(self, cache_key: str) -> list[RecordInfo] | None:
        """The records holding the call's outputs, one per output in output order (the
        latest version of each); None unless every output was saved, or when closed."""
        if not self.db.is_open:
            return None
        latest: dict[int, RecordInfo] = {}
        for info in self.db.with_cache_key(cache_key):
            index = info.output_index or 0
            if index not in latest or info.version > latest[index].version:
                latest[index] = info
        if not latest or sorted(latest) != list(range(len(latest))):
            return None
        return [latest[i] for i in range(len(latest))]

    def put(self, cache_key: str, outputs: tuple[Any, ...], lineage: LineageRecord) -> None:
        self.memory.put(cache_key, outputs, lineage)
