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
* **Columns** of a table of the selection (``load_all(as_df=True)``): the schema keys in
  schema order, then every other metadata key in order of first appearance, leaving out
  a key no selected record has (all schema keys when nothing was selected); with
  ``include_record_id``, then ``record_id`` (:meth:`Selection.table_columns`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import MetadataError, NotFoundError, UnknownVariableError
from .hashing import content_hash
from .index import RecordInfo
from .metadata import MetaValue, describe_metadata, is_many
from .store import Database

__all__ = ["Selection", "Version", "select_records", "version_selector"]

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
