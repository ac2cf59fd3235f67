"""Which records a load means: by metadata, by lineage constant, by version, one or many.

Every load of stored records — ``BaseVariable.load``/``load_all`` in Python, the same
methods in MATLAB — asks :func:`select_records` and only renders its answer, a
:class:`Selection`. The rules:

* **Metadata** selects addresses: a key given one value matches that value, a list (or
  other collection) of values matches any of them, and a key not given matches anything.
* **Lineage constants**: a keyword that no record of the variable has as a metadata key
  is a constant of the function that produced the record (``low_hz=20``); at each
  matching address the latest version produced with those constants is chosen.
* **Version** (:data:`Version`): ``None`` or ``"latest"`` — the latest version at each
  address; a number — the version of that number at each address; several numbers —
  those versions; ``"all"`` — every version, oldest first per address; any other text —
  the record id of one version (``load(version="3f1c...")``), which must lie at the
  metadata given, if any. :func:`version_selector` reads the two names the fronts take
  (``version=``, and ``version_id=`` of ``load_all``).
* **One record is meant** (a front returns one instance rather than a list) when a record
  id is asked for, or when exactly one record matches, every key is given one value, and
  the keys given are either every schema key or exactly the keys that record was saved
  with (a record at a partial address, e.g. an aggregate saved with ``subject`` only,
  loaded with ``subject=1``).
* **Nothing found** is a :class:`~scistack_engine.errors.NotFoundError` that names the
  values that exist; with ``every=True`` (``load_all``) it is an empty selection, though
  a variable with no records at all is still an error.
* **Streamed** (:func:`stream_records`, ``load_all`` iterated): the same records in the
  same order, read from DuckDB a batch at a time without the variable's index, when the
  order of its key columns is the index's order (every key a schema key of one type, which
  every record has or none has) and no lineage constant or record id is asked for.
* **Columns** of a table of the selection (``load_all(as_df=True)``): the schema keys in
  schema order, then every other metadata key in order of first appearance, leaving out
  a key no selected record has (all schema keys when nothing was selected); with
  ``include_record_id``, then ``record_id`` (:meth:`Selection.table_columns`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import MetadataError, NotFoundError, UnknownVariableError
from .hashing import content_hash
from .index import RecordInfo
from .metadata import MetaValue, describe_metadata, is_many, normalize_query
from .store import Database, _display
from .views import _literal, quote_identifier

__all__ = ["Selection", "Version", "RecordRows", "select_records", "stream_records",
           "version_selector", "STREAM_BATCH"]

#: Records a streamed load reads from DuckDB at a time.
STREAM_BATCH = 4096

#: The SQL type a schema-key column is read as, by the one type its values have.
_KEY_CASTS = {"int": "BIGINT", "float": "DOUBLE", "bool": "BOOLEAN", "str": "VARCHAR"}

#: Which versions a load means: None/"latest", a number, several numbers, "all", or a
#: record id.
Version = None | int | str | Sequence[int]


@dataclass(frozen=True)
class Selection:
    """The records a load selected, in canonical order, and how to show them.

    Attributes
    ----------
    records
        The selected versions (no values: read them with ``Database.fetch_values`` or
        ``fetch_wires``).
    single
        True when one record is meant: show it as one instance, not a list of one.
    keys
        The metadata keys a table of these records has as columns, in column order.
    """

    records: list[RecordInfo]
    single: bool
    keys: list[str]

    def column(self, key: str) -> list[MetaValue | None]:
        """The values of metadata ``key`` over the records, None where a record lacks it."""
        return [info.metadata.get(key) for info in self.records]

    def table_columns(self, include_record_id: bool = False) -> dict[str, list[Any]]:
        """The columns of a table of the records before ``data``, in order: the metadata
        keys, then ``record_id`` when asked for."""
        columns: dict[str, list[Any]] = {key: self.column(key) for key in self.keys}
        if include_record_id:
            columns["record_id"] = [info.record_id for info in self.records]
        return columns


@dataclass(frozen=True)
class RecordRows:
    """A batch of streamed records, one entry per record in each list."""

    metadata: list[dict[str, MetaValue]]
    record_ids: list[str]
    versions: list[int]
    content_hashes: list[str]
    values: list[Any]


def stream_records(db: Database, variable: str, metadata: Mapping[str, Any],
                   version: Version = None) -> Iterator[RecordRows] | None:
    """The records ``select_records(..., every=True)`` selects, in its order, read from
    DuckDB :data:`STREAM_BATCH` at a time without building the variable's index.

    None when the request needs the index: a variable without records or view, a key
    outside the schema, of several types, or that some records have and others lack (the
    index's order is then not the key columns'), a lineage constant, or a record id.
    Records stored in that order already (saved in it, one version each) are read as they
    lie; others are sorted by DuckDB, which then holds the selection while it is read.
    """
    shape = _streamable_keys(db, variable)
    if shape is None or any(k not in shape[0] for k in metadata) or (
            isinstance(version, str) and version not in ("latest", "all")):
        return None
    keys, newest = shape
    where: list[str] = ["variable = ?"]
    params: list[Any] = [variable]
    for key, options in normalize_query(metadata).items():
        texts = [_display(o) for o in options if type(o).__name__ == keys[key][0]]
        if not texts:
            return iter(())
        where.append(f"{quote_identifier(key)} IN ({', '.join('?' * len(texts))})")
        params += texts
    if isinstance(version, int):
        where.append("version = ?")
        params.append(version)
    elif version not in (None, "latest", "all"):
        numbers = [int(v) for v in version]  # type: ignore[union-attr]
        if not numbers:
            return iter(())
        where.append(f"version IN ({', '.join('?' * len(numbers))})")
        params += numbers
    names = [k for k in db.schema_keys if k in keys]
    typed = [f"CAST({quote_identifier(k)} AS {keys[k][1]})" for k in names]
    # the metadata as one struct column, keys in name order (as a record's address has them)
    fields = ", ".join(f"{_literal(k)}: {t}" for k, t in sorted(zip(names, typed)))
    latest = version in (None, "latest") and newest > 1
    order = [*typed, "version"]
    sort = latest or not _stored_in_order(db, variable, order)
    sql = (f"SELECT record_id, version, content_hash, {db.value_columns}, "
           f"{f'{{{fields}}}' if names else 'NULL'} AS metadata "
           f"FROM _records WHERE {' AND '.join(where)}"
           + (" QUALIFY version = max(version) OVER (PARTITION BY address)" if latest else "")
           + (f" ORDER BY {', '.join(order)}" if sort else ""))
    return _rows(db.record_batches(sql, params, STREAM_BATCH), bool(names))


def _rows(batches: Iterator[tuple[Any, dict[str, Any]]], keyed: bool) -> Iterator[RecordRows]:
    for batch, values in batches:
        ids = batch.column("record_id").to_pylist()
        yield RecordRows(batch.column("metadata").to_pylist() if keyed else [{} for _ in ids],
                         ids, batch.column("version").to_pylist(),
                         batch.column("content_hash").to_pylist(), [values[i] for i in ids])


def _streamable_keys(db: Database, variable: str
                     ) -> tuple[dict[str, tuple[str, str]], int] | None:
    """Each metadata key of ``variable``'s records with its type name and SQL type, when
    ordering by the key columns gives the index's order (see :func:`stream_records`), and
    the highest version number."""
    cx = db.cx
    rows = cx.execute("SELECT view_signature FROM _variables WHERE name = ?",
                      [variable]).fetchall()
    if not rows or not rows[0][0]:
        return None
    keys: dict[str, tuple[str, str]] = {}
    for key, types in json.loads(rows[0][0]).get("keys", {}).items():
        if key not in db.schema_keys or len(types) != 1 or types[0] not in _KEY_CASTS:
            return None
        keys[key] = (types[0], _KEY_CASTS[types[0]])
    counts = cx.execute(
        "SELECT " + ", ".join(["max(version)", "count(*)",
                               *(f"count({quote_identifier(k)})" for k in keys)])
        + " FROM _records WHERE variable = ?", [variable]).fetchall()[0]
    if not counts[1] or any(c != counts[1] for c in counts[2:]):
        return None
    return keys, counts[0]


def _stored_in_order(db: Database, variable: str, order: list[str]) -> bool:
    """True when ``variable``'s records lie in the table strictly ascending by the
    ``order`` expressions (read a batch at a time; DuckDB keeps a table's insertion order
    in a plain scan)."""
    sql = f"SELECT {', '.join(order)} FROM _records WHERE variable = ?"
    last: list[Any] | None = None
    for batch, _ in db.record_batches(sql, [variable], 1 << 16, values=False):
        columns = [c.to_numpy(zero_copy_only=False) for c in batch.columns]
        if last is not None:
            columns = [np.concatenate([[v], c]) for v, c in zip(last, columns)]
        greater = np.zeros(len(columns[0]) - 1, dtype=bool)
        equal = ~greater
        for column in columns:  # row i + 1 after row i: greater at the first key that differs
            before, after = column[:-1], column[1:]
            greater |= equal & (after > before)
            equal &= after == before
        if not greater.all():
            return False
        last = [c[-1] for c in columns]
    return True


def version_selector(version: Any = None, version_id: Any = None) -> Version:
    """The version a load asks for, from ``version=`` or ``version_id=`` (one of them).

    Numbers that are whole (MATLAB sends doubles) become ints; a bool, a fraction or
    anything else that is not a :data:`Version` is a :class:`MetadataError`.
    """
    if version is not None and version_id is not None:
        raise MetadataError(f"version={version!r} and version_id={version_id!r} both "
                            "select versions; give one of them")
    chosen = version if version is not None else version_id
    if chosen is None or isinstance(chosen, str):
        return chosen
    if is_many(chosen):
        return [_version_number(v) for v in chosen]
    return _version_number(chosen)


def _version_number(value: Any) -> int:
    number = getattr(value, "item", lambda: value)()  # numpy scalars
    if isinstance(number, bool) or not isinstance(number, (int, float)) or number != int(number):
        raise MetadataError(
            f"version={value!r} is not a version: give a version number (1 for the first "
            "save), several numbers, 'latest', 'all', or a record id")
    return int(number)


def select_records(db: Database, variable: str, metadata: Mapping[str, Any],
                   version: Version = None, *, every: bool = False) -> Selection:
    """The records of ``variable`` a load with ``metadata`` (and ``version``) means.

    Parameters
    ----------
    db
        The database to read.
    variable
        The variable's name.
    metadata
        Keywords of the load: metadata keys (one value, or a collection meaning "any of")
        and lineage constants (keys no record of the variable has).
    version
        Which versions (see :data:`Version` and the module docstring); None for the
        latest at each address.
    every
        Nothing matching is an empty selection rather than a ``NotFoundError``
        (``load_all``).

    Returns
    -------
    Selection
        The records, whether one is meant, and the table's metadata keys.
    """
    address, constants = _split_constants(db, variable, metadata)
    by_id = isinstance(version, str) and version not in ("latest", "all")
    try:
        if by_id:
            records = _with_constants(db, [_by_record_id(db, variable, address, str(version))],
                                      constants, variable, address)
        elif constants:
            records = _select_by_constants(db, variable, address, constants, version)
        elif version in (None, "latest"):
            records = db.select(variable, metadata)
        else:
            records = _versions(db, variable, address, version)
    except UnknownVariableError:
        raise
    except NotFoundError:
        if not every:
            raise
        records = []
    single = (by_id and bool(records)) or _one_is_meant(db.schema_keys, address, records)
    return Selection(records, single, _column_keys(db.schema_keys, records))


def _versions(db: Database, variable: str, address: Mapping[str, Any],
              version: Version) -> list[RecordInfo]:
    """The versions ``version`` names (a number, several, or "all") at each address."""
    if isinstance(version, int):
        return db.select(variable, address, version)
    found = db.versions(variable, address)
    if version != "all":
        wanted = set(version or ())
        found = [info for info in found if info.version in wanted]
    if not found:
        raise NotFoundError(db.not_found_message(variable, address, version))
    return found


def _by_record_id(db: Database, variable: str, address: Mapping[str, Any],
                  record_id: str) -> RecordInfo:
    """The version stored as ``record_id``: one of ``variable``'s, at ``address``."""
    db.require_variable(variable)
    info = db.record_by_id(record_id)
    if info is None or info.variable != variable:
        where = f"a {info.variable} record, not a {variable} one" if info else "no record"
        raise NotFoundError(
            f"version={record_id!r}: {where} has this record id; give a version number or "
            f"the record id of a {variable} version (list_versions shows them)")
    if address and info.address not in {e.address for e in db.find(variable, address)}:
        raise NotFoundError(
            f"version={record_id!r} is the {variable} record at "
            f"{describe_metadata(info.metadata)}, not at {describe_metadata(address)}; "
            "leave out the metadata or give the record's")
    return info


def _one_is_meant(schema_keys: list[str], address: Mapping[str, Any],
                  records: list[RecordInfo]) -> bool:
    if len(records) != 1:
        return False
    given = {k for k, v in address.items() if not is_many(v)}
    return set(schema_keys) <= given or set(records[0].metadata) == set(address) == given


def _column_keys(schema_keys: list[str], records: list[RecordInfo]) -> list[str]:
    keys = list(schema_keys)
    for info in records:
        keys += [k for k in info.metadata if k not in keys]
    if not records:
        return keys
    return [k for k in keys if any(info.metadata.get(k) is not None for info in records)]


def _split_constants(db: Database, variable: str,
                           metadata: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split a load's keywords into metadata and lineage constants.

    A keyword that no record of ``variable`` has as a metadata key is taken as a constant
    of the function that produced the record (``low_hz=20``).
    """
    keys = db.require_variable(variable).key_types
    address = {k: v for k, v in metadata.items() if k in keys}
    constants = {k: v for k, v in metadata.items() if k not in keys}
    return address, constants


def _select_by_constants(db: Database, variable: str, metadata: Mapping[str, Any],
                         constants: Mapping[str, Any], version: Version) -> list[RecordInfo]:
    """The versions produced with ``constants``: at each matching address the latest one
    (``version`` None or "latest"), else those among the versions ``version`` names."""
    latest = version in (None, "latest")
    candidates = (
        db.versions(variable, metadata) if latest else _versions(db, variable, metadata, version)
    )
    chosen = _with_constants(db, candidates, constants, variable, metadata)
    if latest:
        by_address = {info.address: info for info in chosen}  # oldest first: the last wins
        chosen = list(by_address.values())
    return chosen


def _with_constants(db: Database, candidates: list[RecordInfo], constants: Mapping[str, Any],
                    variable: str, metadata: Mapping[str, Any]) -> list[RecordInfo]:
    """The candidates whose lineage has every one of ``constants``; none is an error."""
    if not constants:
        return candidates
    lineages = db.lineage_of([v.record_id for v in candidates])
    wanted = {name: content_hash(value) for name, value in constants.items()}
    chosen = []
    for info in candidates:
        have = (lineages.get(info.record_id) or {}).get("constants") or {}
        if all(name in have and (have[name].get("content_hash") == digest
                                 or _same_number(have[name].get("value"), constants[name]))
               for name, digest in wanted.items()):
            chosen.append(info)
    if not chosen:
        asked = describe_metadata({**metadata, **constants})
        keys = ", ".join(sorted(db.index(variable).key_types))
        raise NotFoundError(
            f"no {variable} record matches {asked}: {', '.join(constants)} "
            f"{'is' if len(constants) == 1 else 'are'} neither a metadata key of {variable} "
            f"(its keys: {keys}) nor a constant of the function that produced any of its "
            "versions; check the spelling"
        )
    return chosen


def _same_number(a: Any, b: Any) -> bool:
    """20 and 20.0 select the same constant (MATLAB sends every number as a double)."""
    numeric = (int, float)
    return (isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool)
            and not isinstance(b, bool) and a == b)
