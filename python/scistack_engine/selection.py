"""Which records a load means: by metadata, by lineage constant, by version, one or many.

Every load of stored records — ``BaseVariable.load``/``load_all`` in Python, the same
methods in MATLAB — asks :func:`select_records` and only renders its answer, a
:class:`Selection`. The rules:

* **Metadata** selects addresses: a key given one value matches that value, a list (or
  other collection) of values matches any of them, and a key not given matches anything.
* **Lineage constants**: a keyword that no record of the variable has as a metadata key
  is a constant of the function that produced the record (``low_hz=20``); at each
  matching address the latest version produced with those constants is chosen.
* **Version**: the latest version at each address, or the one numbered ``version``.
* **One record is meant** (a front returns one instance rather than a list) when exactly
  one record matches, every key is given one value, and the keys given are either every
  schema key or exactly the keys that record was saved with (a record at a partial
  address, e.g. an aggregate saved with ``subject`` only, loaded with ``subject=1``).
* **Nothing found** is a :class:`~scistack_engine.errors.NotFoundError` that names the
  values that exist; with ``every=True`` (``load_all``) it is an empty selection, though
  a variable with no records at all is still an error.
* **Columns** of a table of the selection (``load_all(as_df=True)``): the schema keys in
  schema order, then every other metadata key in order of first appearance, leaving out
  a key no selected record has (all schema keys when nothing was selected).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import NotFoundError, UnknownVariableError
from .hashing import content_hash
from .index import RecordInfo
from .metadata import MetaValue, describe_metadata, is_many
from .store import Database

__all__ = ["Selection", "select_records"]


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


def select_records(db: Database, variable: str, metadata: Mapping[str, Any],
                   version: int | None = None, *, every: bool = False) -> Selection:
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
        A version number; None for the latest at each address.
    every
        Nothing matching is an empty selection rather than a ``NotFoundError``
        (``load_all``).

    Returns
    -------
    Selection
        The records, whether one is meant, and the table's metadata keys.
    """
    address, constants = _split_constants(db, variable, metadata)
    try:
        if constants and version is None:
            records = _select_by_constants(db, variable, address, constants)
        else:
            records = db.select(variable, metadata, version)
    except UnknownVariableError:
        raise
    except NotFoundError:
        if not every:
            raise
        records = []
    return Selection(records, _one_is_meant(db.schema_keys, address, records),
                     _column_keys(db.schema_keys, records))


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
                        constants: Mapping[str, Any]) -> list[RecordInfo]:
    """At each matching address, the latest version whose lineage has ``constants``."""
    entries = db.find(variable, metadata)
    candidates = [v for e in entries for v in e.versions]
    lineages = db.lineage_of([v.record_id for v in candidates])
    wanted = {name: content_hash(value) for name, value in constants.items()}
    chosen: dict[str, RecordInfo] = {}
    for info in candidates:
        lineage = lineages.get(info.record_id) or {}
        have = lineage.get("constants") or {}
        if all(name in have and (have[name].get("content_hash") == digest
                                 or _same_number(have[name].get("value"), constants[name]))
               for name, digest in wanted.items()):
            chosen[info.address] = info  # versions are oldest first: the last one wins
    if not chosen:
        asked = describe_metadata({**metadata, **constants})
        keys = ", ".join(sorted(db.index(variable).key_types))
        raise NotFoundError(
            f"no {variable} record matches {asked}: {', '.join(constants)} "
            f"{'is' if len(constants) == 1 else 'are'} neither a metadata key of {variable} "
            f"(its keys: {keys}) nor a constant of the function that produced any of its "
            "versions; check the spelling"
        )
    return list(chosen.values())


def _same_number(a: Any, b: Any) -> bool:
    """20 and 20.0 select the same constant (MATLAB sends every number as a double)."""
    numeric = (int, float)
    return (isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool)
            and not isinstance(b, bool) and a == b)
