"""The persistent cache: lineage-tracked calls answered from the database, in any process.

When a database is configured, a wrapped call's cache key is looked up, in this order:

1. in a small in-memory store (repeated calls in one process);
2. among the calls kept by this process and not yet written (below);
3. among the database's records: every record saved from a lineage result carries its
   call's cache key and output index (such a call counts only when *every* output of it
   was saved);
4. in the lineage cache tables (:mod:`scistack_engine.lineage_cache`), which keep every
   call's outputs, saved or not, each distinct value once.

So rerunning a script in a new process runs no lineage function whose code, inputs and
constants are unchanged, whether or not its results were saved. A call's outputs are hashed
and encoded when it returns and written to the lineage cache in batches: every
:data:`WRITE_EVERY` calls (or :data:`WRITE_BYTES` of outputs), when the database is
closed, when another database becomes current, and when the process exits. A process
killed before then loses the cache entries of its unwritten calls (they run again next
time), never a record.
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from typing import Any

from .codec import decode, encode
from .errors import UnsupportedValueError
from .hashing import content_hash
from .index import RecordInfo
from .lineage import LineageRecord, MemoryCacheStore
from .lineage_cache import KeptCall, LineageCache
from .store import Database

__all__ = ["DatabaseCacheStore", "prune_lineage_cache"]

logger = logging.getLogger(__name__)

#: Calls remembered in memory, on top of the database, per process.
MEMORY_ENTRIES = 1024

#: Calls kept in memory before they are written to the lineage cache in one transaction,
#: or fewer once their outputs' encoded bytes reach WRITE_BYTES.
WRITE_EVERY = 256
WRITE_BYTES = 32_000_000

#: Every store of this process, so that each writes its calls when the process exits.
_stores: weakref.WeakSet[DatabaseCacheStore] = weakref.WeakSet()


class DatabaseCacheStore:
    """A :class:`~scistack_engine.lineage.CacheStore` backed by a database: its records and
    its lineage cache tables."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.memory = MemoryCacheStore(max_entries=MEMORY_ENTRIES)
        self.kept = LineageCache(db)
        self._unwritten: dict[str, KeptCall] = {}
        self._unwritten_bytes = 0
        self._lock = threading.Lock()
        db.before_close(self.flush)
        _stores.add(self)

    # ------------------------------------------------------------------ lookups

    def get(self, cache_key: str) -> tuple[Any, ...] | None:
        outputs = self.memory.get(cache_key)
        if outputs is not None:
            return outputs
        found = self._find(cache_key, wire=False)
        return None if found is None else tuple(found[0])

    def get_wires(self, cache_key: str) -> tuple[list[bytes], list[str]] | None:
        """The outputs of the call as wire bytes (MATLAB's exact bytes where it made them),
        with their content hashes, in output order; None when the call is not known."""
        return self._find(cache_key, wire=True)

    def _find(self, cache_key: str, wire: bool) -> tuple[list[Any], list[str]] | None:
        """Values (or wire bytes) and content hashes of the call's outputs, from the calls
        not yet written, the saved records or the lineage cache, in that order."""
        with self._lock:
            call = self._unwritten.get(cache_key)
        if call is not None:
            unwritten: list[Any] = list(call.wires) if wire else [decode(w) for w in call.wires]
            return unwritten, list(call.content_hashes)
        records = self.saved(cache_key)
        if records is not None:
            return self._read_records(records, wire), [info.content_hash for info in records]
        if not self.db.is_open:
            return None
        outputs = self.kept.outputs(cache_key)
        if outputs is None:
            return None
        found = [self.db.record_by_id(o.record_id) for o in outputs if o.record_id]
        in_records = [info for info in found if info is not None]
        if len(in_records) < len(found):
            return None
        from_records = dict(zip((info.content_hash for info in in_records),
                                self._read_records(in_records, wire)))
        payloads = self.kept.payloads([o.content_hash for o in outputs if not o.record_id])
        values: list[Any] = []
        for output in outputs:
            if output.record_id:
                values.append(from_records[output.content_hash])
            elif output.content_hash in payloads:
                payload = payloads[output.content_hash]
                values.append(payload if wire else decode(payload))
            else:  # dropped by a prune in another object on this file
                return None
        return values, [o.content_hash for o in outputs]

    def _read_records(self, records: list[RecordInfo], wire: bool) -> list[Any]:
        read = self.db.fetch_wires(records) if wire else self.db.fetch_values(records)
        return [read[info.record_id] for info in records]

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

    # ------------------------------------------------------------------ keeping

    def put(self, cache_key: str, outputs: tuple[Any, ...], lineage: LineageRecord) -> None:
        """Keep the outputs in memory, and in the database at the next write. Outputs the
        value model cannot encode stay in memory only."""
        self.memory.put(cache_key, outputs, lineage)
        if self.db.read_only:
            return
        try:
            wires = tuple(encode(value) for value in outputs)
            hashes = tuple(content_hash(value) for value in outputs)
        except (UnsupportedValueError, TypeError) as exc:
            logger.debug("%s: outputs kept in memory only: %s", lineage.function_name, exc)
            return
        self._keep(KeptCall(cache_key, lineage.function_name, hashes, wires))

    def put_wires(self, cache_key: str, wires: list[bytes], hashes: list[str],
                  values: tuple[Any, ...], lineage: LineageRecord) -> None:
        """:meth:`put` for outputs that arrive as wire bytes (MATLAB's), which are kept as
        they are; ``values`` are the decoded outputs, ``hashes`` their content hashes."""
        self.memory.put(cache_key, values, lineage)
        if not self.db.read_only:
            self._keep(KeptCall(cache_key, lineage.function_name, tuple(hashes), tuple(wires)))

    def _keep(self, call: KeptCall) -> None:
        with self._lock:
            self._unwritten[call.cache_key] = call
            self._unwritten_bytes += sum(len(w) for w in call.wires)
            full = len(self._unwritten) >= WRITE_EVERY or self._unwritten_bytes >= WRITE_BYTES
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the calls kept since the last write to the lineage cache (one transaction)."""
        with self._lock:
            calls, self._unwritten = list(self._unwritten.values()), {}
            self._unwritten_bytes = 0
        if calls and self.db.is_open and not self.db.read_only:
            self.kept.write(calls)


def prune_lineage_cache(db: Database) -> dict[str, int]:
    """Drop from ``db``'s lineage cache what no saved record needs (see
    :meth:`~scistack_engine.lineage_cache.LineageCache.prune`), after writing the calls
    this process has not written yet."""
    for store in list(_stores):
        if store.db is db:
            store.flush()
            return store.kept.prune()
    return LineageCache(db).prune()


@atexit.register
def _write_at_exit() -> None:
    for store in list(_stores):
        if store.db.is_open:
            store.flush()
