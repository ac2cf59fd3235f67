"""The lineage cache in the database: every lineage call's outputs by cache key, each value once.

With a database configured, each call of a lineage function (``@lineage_fcn``, ``Thunk``,
MATLAB's ``scilineage.Thunk``) is kept in the file, saved under a variable or not, so that
the same call in any later process is answered without running the function. Two tables,
created by the first call kept (both in ``docs/storage.md``):

* ``_lineage_cache`` -- one row per output of a call: ``cache_key``, ``output_index``, the
  output's ``content_hash``, the ``record_id`` of a saved record with that content (NULL
  when only the cache holds the value), ``function_name`` and ``created_at``;
* ``_lineage_values`` -- ``content_hash`` and ``payload``, the value's wire bytes (MATLAB's
  own bytes for MATLAB outputs): the values no saved record held when they were kept, one
  row per distinct content.

A value that a record holds is not stored a second time; :meth:`LineageCache.prune` drops
the calls no saved record's lineage names and the values nothing needs any more. This
module reads and writes the two tables and nothing else: when calls are written, and the
in-memory layer in front of them, are :mod:`scistack_engine.cache_store`. It imports
DuckDB only, so that ``scistack info`` can report the cache's footprint cheaply.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import ReadOnlyError

if TYPE_CHECKING:
    from .inspection.runs import Readable
    from .store import Database

__all__ = ["CALLS_TABLE", "VALUES_TABLE", "KeptCall", "KeptOutput", "LineageCache",
           "footprint"]

CALLS_TABLE = "_lineage_cache"
VALUES_TABLE = "_lineage_values"


@dataclass(frozen=True, slots=True)
class KeptCall:
    """One call's outputs to keep: its cache key, its function, and per output (in output
    order) the content hash and the wire bytes."""

    cache_key: str
    function_name: str
    content_hashes: tuple[str, ...]
    wires: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class KeptOutput:
    """Where one kept output's value is: in the saved record ``record_id``, or (None) in
    ``_lineage_values`` under ``content_hash``."""

    content_hash: str
    record_id: str | None


def _has_tables(db: Readable) -> bool:
    found = db.cx.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' "
        "AND table_name IN (?, ?)", [CALLS_TABLE, VALUES_TABLE]).fetchall()[0][0]
    return found == 2


def footprint(db: Readable) -> dict[str, int]:
    """What the lineage cache holds: ``calls``, ``outputs``, ``outputs_in_records`` (those
    whose value a saved record holds), ``values`` (held by the cache alone) and
    ``value_bytes`` (their wire bytes; each output row adds about 150 bytes more)."""
    if not _has_tables(db):
        return {"calls": 0, "outputs": 0, "outputs_in_records": 0, "values": 0, "value_bytes": 0}
    calls, outputs, in_records = db.cx.execute(
        f"SELECT count(DISTINCT cache_key), count(*), count(record_id) FROM {CALLS_TABLE}"
    ).fetchall()[0]
    values, value_bytes = db.cx.execute(
        f"SELECT count(*), coalesce(sum(octet_length(payload)), 0) FROM {VALUES_TABLE}"
    ).fetchall()[0]
    return {"calls": calls, "outputs": outputs, "outputs_in_records": in_records,
            "values": values, "value_bytes": int(value_bytes)}


def _cache_keys_in(lineage: Mapping[str, Any]) -> Iterator[str]:
    """The cache key of a stored lineage record and of every call upstream of it."""
    stack = [lineage]
    while stack:
        node = stack.pop()
        key = node.get("cache_key")
        if isinstance(key, str) and key:
            yield key
        inputs = node.get("inputs") or {}
        for ref in inputs.values() if isinstance(inputs, Mapping) else ():
            upstream = ref.get("lineage") if isinstance(ref, Mapping) else None
            if isinstance(upstream, Mapping):
                stack.append(upstream)


class LineageCache:
    """The lineage cache tables of one open database.

    Which calls are kept is read with one query at the first lookup and kept current by
    :meth:`write` (the process that writes a DuckDB file is the only one that has it
    open); values are read when asked for.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._calls: dict[str, list[KeptOutput]] | None = None
        self._tables = False  # known to exist (once they do, they stay)

    def _exists(self) -> bool:
        if not self._tables:
            self._tables = _has_tables(self.db)
        return self._tables

    def outputs(self, cache_key: str) -> list[KeptOutput] | None:
        """Where the outputs of the call ``cache_key`` are, in output order; None when the
        call is not kept."""
        if self._calls is None:
            self._calls = self._read_calls()
        return self._calls.get(cache_key)

    def _read_calls(self) -> dict[str, list[KeptOutput]]:
        if not self._exists():
            return {}
        calls: dict[str, list[KeptOutput]] = {}
        for key, digest, record_id in self.db.cx.execute(
                f"SELECT cache_key, content_hash, record_id FROM {CALLS_TABLE} "
                "ORDER BY cache_key, output_index").fetchall():
            calls.setdefault(key, []).append(KeptOutput(digest, record_id))
        return calls

    def payloads(self, content_hashes: Sequence[str]) -> dict[str, bytes]:
        """The wire bytes kept for each of ``content_hashes`` (those present), one query."""
        if not content_hashes or not self._exists():
            return {}
        return dict(
            self.db.cx.execute(
                f"SELECT content_hash, payload FROM {VALUES_TABLE} "
                "WHERE content_hash IN (SELECT unnest(?::VARCHAR[]))",
                [list(content_hashes)],
            ).fetchall()
        )

    def write(self, calls: Sequence[KeptCall]) -> None:
        """Keep ``calls`` in one transaction; a call kept before under the same key (a
        recomputation) is replaced. A value kept already, or saved as this call's output
        (found in the in-memory record index, not by a scan), is not stored again; a
        record with the same content saved otherwise is found by :meth:`prune`."""
        if not calls:
            return
        cx = self.db.cx
        digests = list(dict.fromkeys(h for call in calls for h in call.content_hashes))
        replaced = [call.cache_key for call in calls if self.outputs(call.cache_key) is not None]
        with self.db.transaction() as on_commit:
            if not self._exists():
                cx.execute(f"CREATE TABLE IF NOT EXISTS {CALLS_TABLE} (cache_key VARCHAR NOT "
                           "NULL, output_index SMALLINT NOT NULL, content_hash VARCHAR NOT NULL, "
                           "record_id VARCHAR, function_name VARCHAR, "
                           "created_at TIMESTAMPTZ NOT NULL)")
                cx.execute(f"CREATE TABLE IF NOT EXISTS {VALUES_TABLE} "
                           "(content_hash VARCHAR PRIMARY KEY, payload BLOB NOT NULL)")
                on_commit.append(lambda: setattr(self, "_tables", True))
            present = {h for (h,) in cx.execute(
                f"SELECT content_hash FROM {VALUES_TABLE} "
                "WHERE content_hash IN (SELECT unnest(?::VARCHAR[]))", [digests]).fetchall()}
            new_values: dict[str, bytes] = {}
            rows: list[tuple[str, int, str, str | None, str]] = []
            for call in calls:
                saved = {(info.output_index or 0, info.content_hash): info.record_id
                         for info in self.db.with_cache_key(call.cache_key)}
                for index, (digest, wire) in enumerate(zip(call.content_hashes, call.wires)):
                    record_id = saved.get((index, digest))
                    if record_id is None and digest not in present:
                        new_values.setdefault(digest, wire)
                    rows.append((call.cache_key, index, digest, record_id, call.function_name))
            if new_values:
                cx.execute(f"INSERT INTO {VALUES_TABLE} SELECT unnest(?::VARCHAR[]), "
                           "unnest(?::BLOB[])", [list(new_values), list(new_values.values())])
            if replaced:
                cx.execute(f"DELETE FROM {CALLS_TABLE} WHERE cache_key IN "
                           "(SELECT unnest(?::VARCHAR[]))", [replaced])
            columns = [list(column) for column in zip(*rows)]
            cx.execute(f"INSERT INTO {CALLS_TABLE} SELECT unnest(?::VARCHAR[]), "
                       "unnest(?::SMALLINT[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), "
                       "unnest(?::VARCHAR[]), ?", [*columns, dt.datetime.now(dt.timezone.utc)])
            on_commit.append(lambda: self._note(rows))

    def _note(self, rows: Sequence[tuple[str, int, str, str | None, str]]) -> None:
        """Bring the map of kept calls up to date with rows just written."""
        if self._calls is None:
            return
        for key in {row[0] for row in rows}:
            self._calls[key] = []
        for key, _, digest, record_id, _ in rows:
            self._calls[key].append(KeptOutput(digest, record_id))

    def prune(self) -> dict[str, int]:
        """Drop the calls that no saved record's lineage names, and the values that no
        kept call needs: a value a saved record holds now is read from the record.

        Returns ``dropped_calls``, ``dropped_values`` and ``freed_bytes`` (wire bytes of
        the dropped values; DuckDB reuses the space for later writes).
        """
        if self.db.read_only:
            raise ReadOnlyError(f"database {self.db.path!r} is open read-only; reopen it with "
                                "read_only=False to prune its lineage cache")
        if not self._exists():
            return {"dropped_calls": 0, "dropped_values": 0, "freed_bytes": 0}
        cx = self.db.cx
        needed = {key for (text,) in cx.execute(
            "SELECT DISTINCT lineage FROM _records WHERE lineage IS NOT NULL").fetchall()
            for key in _cache_keys_in(json.loads(text))}
        before = footprint(self.db)
        with self.db.transaction():
            cx.execute(f"DELETE FROM {CALLS_TABLE} WHERE cache_key NOT IN "
                       "(SELECT unnest(?::VARCHAR[]))", [sorted(needed)])
            cx.execute(
                f"UPDATE {CALLS_TABLE} SET record_id = held.record_id FROM ("
                f"SELECT r.content_hash, min(r.record_id) AS record_id FROM _records r "
                f"JOIN {VALUES_TABLE} v ON r.content_hash = v.content_hash "
                f"GROUP BY r.content_hash) held WHERE {CALLS_TABLE}.record_id IS NULL "
                f"AND {CALLS_TABLE}.content_hash = held.content_hash")
            cx.execute(f"DELETE FROM {VALUES_TABLE} WHERE content_hash NOT IN (SELECT "
                       f"content_hash FROM {CALLS_TABLE} WHERE record_id IS NULL)")
        cx.execute("CHECKPOINT")
        self._calls = None
        after = footprint(self.db)
        return {"dropped_calls": before["calls"] - after["calls"],
                "dropped_values": before["values"] - after["values"],
                "freed_bytes": before["value_bytes"] - after["value_bytes"]}
