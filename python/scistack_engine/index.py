"""The in-process index of a variable's records: addresses, versions, content hashes.

DuckDB lets one process write a database file, or several read it, never both at once;
the process that has the file open therefore sees every change to it. So each open
database keeps, per variable, an index of what its records are (address, versions, record
ids, content hashes, cache keys) loaded with one query the first time the variable is
touched and kept current by every save. Questions such as "what is the latest version
here?", "is this content already stored?" and "which records match subject=1?" are
answered from it without a database round trip; only values are read from DuckDB.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from .metadata import MetaValue, parse_address

__all__ = ["RecordInfo", "AddressEntry", "VariableIndex"]


@dataclass(slots=True)
class RecordInfo:
    """One stored version of a record (no value). Treat it as read-only."""

    record_id: str
    variable: str
    address: str
    metadata: Mapping[str, MetaValue]
    version: int
    content_hash: str
    kind: str
    cache_key: str | None = None
    output_index: int | None = None


@dataclass(slots=True)
class AddressEntry:
    """All versions stored at one address, oldest first."""

    address: str
    metadata: Mapping[str, MetaValue]
    versions: list[RecordInfo] = field(default_factory=list)

    @property
    def latest(self) -> RecordInfo:
        return self.versions[-1]


_NO_ADDRESSES: set[str] = frozenset()  # type: ignore[assignment]

_TYPE_RANK = {bool: 0, int: 1, float: 1, str: 2}


def _grouped(keys: Sequence, addresses: Sequence[str]) -> dict:
    """The addresses of each distinct key, in order of first appearance."""
    groups: dict = {}
    for key, address in zip(keys, addresses):
        group = groups.get(key)
        if group is None:
            groups[key] = [address]
        else:
            group.append(address)
    return groups


def _sort_key(metadata: Mapping[str, MetaValue], schema_keys: Sequence[str]) -> tuple:
    """Orders addresses by the schema keys in schema order, then the other keys by name;
    per key by value (booleans, numbers, text never compared with each other)."""
    keys = [k for k in schema_keys if k in metadata] + sorted(
        k for k in metadata if k not in schema_keys
    )
    return tuple((k, _TYPE_RANK[type(metadata[k])], metadata[k]) for k in keys)


class VariableIndex:
    """Addresses and versions of one variable's records."""

    def __init__(self, variable: str, schema_keys: Sequence[str] = ()) -> None:
        self.variable = variable
        self.schema_keys = tuple(schema_keys)
        self.addresses: dict[str, AddressEntry] = {}
        self.kinds: dict[str, int] = {}
        self.key_types: dict[str, set[str]] = {}
        self.by_cache_key: dict[str, list[RecordInfo]] = {}
        # metadata key -> (type, value) -> addresses: answers queries by set intersection
        self._postings: dict[str, dict[tuple, set[str]]] = {}
        self._order: dict[str, tuple] = {}
        self._count = 0

    @classmethod
    def from_rows(cls, variable: str, schema_keys: Sequence[str],
                  rows: Iterable[Sequence]) -> VariableIndex:
        """Build from ``(address, version, record_id, content_hash, kind, cache_key,
        output_index)`` rows ordered by version."""
        index = cls(variable, schema_keys)
        parsed: dict[str, dict[str, MetaValue]] = {}

        def records() -> Iterator[RecordInfo]:
            for address, version, record_id, digest, kind, cache_key, output_index in rows:
                metadata = parsed.get(address)
                if metadata is None:
                    metadata = parsed[address] = parse_address(address)
                yield RecordInfo(record_id, variable, address, metadata, version, digest,
                                 kind, cache_key, output_index)

        index.extend(records())
        return index

    def add(self, info: RecordInfo) -> None:
        self.extend((info,))

    def extend(self, infos: Iterable[RecordInfo],
               key_columns: Mapping[str, Sequence[MetaValue]] | None = None) -> None:
        """Add records, each newer than those already at its address.

        ``key_columns``, when given, is the records' metadata as columns (each key's
        values in the order of ``infos``; every record has exactly these keys, and the
        records are at distinct addresses): the index is then the same, but its postings
        are built a column at a time.
        """
        infos = infos if isinstance(infos, (list, tuple)) else list(infos)
        if key_columns is not None:
            self._extend_columns(infos, key_columns)
        else:
            addresses = self.addresses
            for info in infos:
                entry = addresses.get(info.address)
                if entry is None:
                    entry = addresses[info.address] = AddressEntry(info.address, info.metadata,
                                                                   [])
                    for key, value in info.metadata.items():
                        postings = self._postings.get(key)
                        if postings is None:
                            postings = self._postings[key] = {}
                        kind = type(value)
                        hits = postings.get((kind, value))
                        if hits is None:
                            postings[(kind, value)] = {info.address}
                            self.key_types.setdefault(key, set()).add(kind.__name__)
                        else:
                            hits.add(info.address)
                entry.versions.append(info)
        self._count += len(infos)
        kinds, by_cache_key = self.kinds, self.by_cache_key
        for info in infos:
            kinds[info.kind] = kinds.get(info.kind, 0) + 1
            if info.cache_key:
                by_cache_key.setdefault(info.cache_key, []).append(info)

    def _extend_columns(self, infos: Sequence[RecordInfo],
                        key_columns: Mapping[str, Sequence[MetaValue]]) -> None:
        """The address entries and postings of :meth:`extend` with the metadata given as
        columns: the addresses new to the index are grouped by each key's value and each
        group joins its posting set at once."""
        addresses = self.addresses
        fresh: Sequence[RecordInfo] = infos
        positions: list[int] | None = None  # of the records at new addresses, unless all are
        if addresses:
            positions = []
            for position, info in enumerate(infos):
                entry = addresses.get(info.address)
                if entry is None:
                    positions.append(position)
                else:
                    entry.versions.append(info)
            fresh = [infos[position] for position in positions]
        addresses.update({info.address: AddressEntry(info.address, info.metadata, [info])
                          for info in fresh})
        new_addresses = [info.address for info in fresh]
        for key, column in key_columns.items():
            values = column if positions is None else [column[p] for p in positions]
            types = set(map(type, values))
            groups: Iterable[tuple[tuple, list[str]]]
            if len(types) == 1:  # group by value; each (type, value) pair is made once
                [kind] = types
                by_value = _grouped(values, new_addresses)
                groups = zip([(kind, value) for value in by_value], by_value.values())
            else:
                groups = _grouped(list(zip(map(type, values), values)), new_addresses).items()
            postings = self._postings.setdefault(key, {}) if values else {}
            for pair, group in groups:
                hits = postings.get(pair)
                if hits is None:
                    postings[pair] = set(group)
                    self.key_types.setdefault(key, set()).add(pair[0].__name__)
                else:
                    hits.update(group)

    def _sort_key_of(self, address: str) -> tuple:
        """The address's sort key, computed when first needed and kept."""
        key = self._order.get(address)
        if key is None:
            key = self._order[address] = _sort_key(
                self.addresses[address].metadata, self.schema_keys
            )
        return key

    def latest_at(self, address: str) -> RecordInfo | None:
        entry = self.addresses.get(address)
        return entry.latest if entry else None

    def find(self, query: Mapping[str, Sequence[MetaValue]]) -> list[AddressEntry]:
        """Address entries whose metadata satisfies ``query`` (all when it is empty)."""
        if not query:
            return [self.addresses[a] for a in sorted(self.addresses, key=self._sort_key_of)]
        matched: list[set[str]] = []
        for key, options in query.items():
            postings = self._postings.get(key, {})
            if len(options) == 1:
                hits = postings.get((type(options[0]), options[0]), _NO_ADDRESSES)
            else:
                hits = set().union(*(postings.get((type(o), o), _NO_ADDRESSES) for o in options))
            if not hits:
                return []
            matched.append(hits)
        matched.sort(key=len)  # intersect from the smallest set; the posting sets are not copied
        candidates = matched[0].intersection(*matched[1:]) if len(matched) > 1 else matched[0]
        if len(candidates) == 1:  # one address (a for_each input): no sort key is made or kept
            return [self.addresses[a] for a in candidates]
        # a canonical order (by metadata values), the same in every process
        return [self.addresses[a] for a in sorted(candidates, key=self._sort_key_of)]

    def __len__(self) -> int:
        return self._count
