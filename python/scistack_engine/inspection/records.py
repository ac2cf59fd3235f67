"""The current records of a database and what made each one, read with one query.

A record is *current* when a plain load or a load by constant can return it: the latest
version at its address (what ``Var.load(subject=1)`` returns), and the latest version of
each constant setting there (what ``Var.load(subject=1, low_hz=20)`` returns). Every
inspection -- status, the pipeline graph, the HTML views -- starts from these records and
their :class:`Producer` (function, fingerprint, constants, inputs), parsed from the stored
lineage. Older versions are kept as :class:`Version` rows (no lineage parsed) so that an
input that was replaced since can be named.

This module reads; it never writes. How a record's lineage is stored is
:mod:`scistack_engine.lineage`; one record's provenance, followed upstream with one query
per record, is :mod:`scistack_engine.provenance`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..metadata import parse_address
from ..store import Database

__all__ = ["InputUse", "Producer", "Version", "CurrentRecords", "read_current_records",
           "in_schema_order"]


def in_schema_order(metadata: Mapping[str, Any], schema_keys: Sequence[str]) -> dict[str, Any]:
    """``metadata`` with the schema keys first, in schema order (as tables show them)."""
    ordered = {k: metadata[k] for k in schema_keys if k in metadata}
    return {**ordered, **{k: v for k, v in metadata.items() if k not in ordered}}


@dataclass(frozen=True, slots=True)
class InputUse:
    """One data argument of a producing call.

    Attributes
    ----------
    parameter
        The argument's name in the function (``"signal"``).
    variable
        The variable its records belong to; None for an unsaved intermediate result (then
        ``upstream`` says how it was made) and for a path input.
    record_ids
        The records it was loaded from (several for an aggregating or merged input).
    versions
        The version of each of those records, when the lineage names one.
    upstream
        For an unsaved intermediate result: the call that produced it.
    """

    parameter: str
    variable: str | None
    record_ids: tuple[str, ...]
    versions: tuple[int | None, ...] = ()
    upstream: Producer | None = None


@dataclass(frozen=True, slots=True)
class Producer:
    """The call that produced a record: function, code fingerprint, constants, inputs."""

    function: str
    fingerprint: str
    language: str
    constants: Mapping[str, Any]
    inputs: tuple[InputUse, ...]

    @property
    def setting(self) -> str:
        """The constants as canonical text: what tells two settings of one function apart."""
        return json.dumps(dict(self.constants), sort_keys=True, default=str)

    @classmethod
    def from_lineage(cls, lineage: Mapping[str, Any]) -> Producer:
        """The producer described by a stored lineage record (as a dict)."""
        inputs = []
        for name, ref in sorted((lineage.get("inputs") or {}).items()):
            if ref.get("kind") == "upstream":
                inputs.append(InputUse(name, None, (), (),
                                       cls.from_lineage(ref.get("lineage") or {})))
                continue
            ids = tuple(i for i in str(ref.get("record_id") or "").split(",") if i)
            version = ref.get("version")
            variable = ref.get("variable")
            inputs.append(InputUse(name, None if variable == "path" else variable, ids,
                                   (version,) if len(ids) == 1 else ()))
        constants = {name: c.get("value") for name, c in
                     sorted((lineage.get("constants") or {}).items())}
        return cls(str(lineage.get("function_name") or "?"), str(lineage.get("fingerprint") or ""),
                   str(lineage.get("language") or ""), constants, tuple(inputs))


@dataclass(slots=True)
class Version:
    """One stored version of a record (current or not)."""

    record_id: str
    variable: str
    address: str
    version: int
    created_at: dt.datetime
    content_hash: str
    latest: bool  # the latest version at its address
    current: bool  # latest at its address or of its constant setting there
    producer: Producer | None = None  # parsed for current records only

    @property
    def metadata(self) -> dict[str, Any]:
        return parse_address(self.address)


@dataclass
class CurrentRecords:
    """Every version of the variables read, with the current ones' producers.

    Attributes
    ----------
    schema_keys
        The database's schema keys.
    versions
        Every version by record id.
    by_variable
        Record ids of each variable's current records, in address then version order.
    latest_content
        The content hash of the latest version at each (variable, address).
    """

    schema_keys: list[str]
    versions: dict[str, Version] = field(default_factory=dict)
    by_variable: dict[str, list[str]] = field(default_factory=dict)
    latest_content: dict[tuple[str, str], str] = field(default_factory=dict)

    def current(self, variable: str) -> list[Version]:
        """The current records of ``variable``."""
        return [self.versions[i] for i in self.by_variable.get(variable, ())]

    def latest(self, variable: str) -> list[Version]:
        """The latest version at each address of ``variable``."""
        return [v for v in self.current(variable) if v.latest]

    def newest_producer(self, variable: str, function: str) -> Producer | None:
        """The producer of ``variable``'s most recently saved record made by ``function``."""
        made = [v for v in self.current(variable)
                if v.producer is not None and v.producer.function == function]
        return (
            max(made, key=lambda v: (v.created_at, v.version, v.record_id)).producer
            if made
            else None
        )


def read_current_records(db: Database, variables: Iterable[str] | None = None) -> CurrentRecords:
    """Read the versions of ``variables`` (default: every variable) with one query.

    Lineage is parsed only for current records. Inputs of those records may name versions
    of variables not read; they are simply absent from ``versions``.
    """
    names = sorted(db.variables() if variables is None else set(variables))
    result = CurrentRecords(list(db.schema_keys))
    if not names:
        return result
    rows = db.cx.execute(
        "SELECT record_id, variable, address, version, created_at, content_hash, "
        "version = max(version) OVER (PARTITION BY variable, address) AS latest, "
        "version = max(version) OVER (PARTITION BY variable, address, "
        "  CAST(json_extract(lineage, '$.constants') AS VARCHAR)) AS latest_of_setting, "
        "lineage FROM _records WHERE variable IN (SELECT unnest(?)) "
        "ORDER BY variable, address, version", [names]).fetchall()
    for record_id, variable, address, version, created, digest, latest, of_setting, text in rows:
        current = bool(latest or of_setting)
        producer = Producer.from_lineage(json.loads(text)) if current and text else None
        result.versions[record_id] = Version(record_id, variable, address, version, created,
                                             digest, bool(latest), current, producer)
        if current:
            result.by_variable.setdefault(variable, []).append(record_id)
        if latest:
            result.latest_content[(variable, address)] = digest
    return result
