"""The current database: configure it once, and every call without ``db=`` uses it.

``configure_database(path, schema_keys)`` (or ``dataset_schema_keys=``) opens (or creates)
a DuckDB file and makes it the current database of the process; ``get_database()``
returns it and ``close()`` closes it. A second database can be used alongside by passing
its object as ``db=`` to any call.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from scistack_engine import cache_store, session, var_groups
from scistack_engine.errors import NotConfiguredError, NotFoundError, ReservedMetadataKeyError
from scistack_engine.provenance import (
    provenance,
    provenance_by_schema,
    provenance_chain,
    version_history,
)
from scistack_engine.store import Database as _EngineDatabase

__all__ = ["Database", "configure_database", "get_database", "close", "NotConfiguredError"]


class Database(_EngineDatabase):
    """An open SciStack database (see :class:`scistack_engine.store.Database`).

    Use it as a context manager to close it at the end of a block::

        with configure_database("study.duckdb", ["subject", "session"]) as db:
            ...
    """

    def __exit__(self, *exc: Any) -> None:
        close(self)

    def get_provenance(self, variable: type, version: int | None = None,
                       **metadata: Any) -> dict[str, Any]:
        """How a record was produced: function, fingerprint, language, inputs, constants.

        ``db.get_provenance(FilteredEMG, subject=1, session="pre")`` describes the latest
        version (or ``version=``); ``function_name`` is None for a value saved without
        lineage. Inputs name their variable, metadata, record id and version.
        """
        return provenance(self, _name(variable), metadata, version)

    def get_provenance_chain(self, variable: type, version: int | None = None,
                             **metadata: Any) -> list[dict[str, Any]]:
        """The record's provenance followed upstream through every input, each once."""
        return provenance_chain(self, _name(variable), metadata, version)

    def get_provenance_by_schema(self, **metadata: Any) -> list[dict[str, Any]]:
        """The provenance of every record, of every variable, at a (partial) address.

        ``db.get_provenance_by_schema(subject=1)`` describes the latest version of each
        record whose metadata has ``subject=1``, each as :meth:`get_provenance` does
        (``function_name`` None for a plain save), ordered by variable and address.
        """
        return provenance_by_schema(self, metadata)

    def list_versions(self, variable: type | str, **metadata: Any) -> list[dict[str, Any]]:
        """Every version at the matching addresses, oldest first, with what produced each.

        ``db.list_versions(FilteredEMG, subject=1)`` is ``FilteredEMG.list_versions(subject=1)``:
        each entry has ``record_id``, ``version``, ``metadata``, ``content_hash``,
        ``created_at`` and the provenance fields of :meth:`get_provenance`.
        """
        return version_history(self, _name(variable), metadata)

    def has_lineage(self, record_id: str) -> bool:
        """True when the record ``record_id`` was made by a function SciStack ran.

        That is a lineage function's result or a for_each output (both record the function,
        constants and inputs); a value saved as it is has none. An id that names no record
        raises ``NotFoundError``.
        """
        if self.record_by_id(record_id) is None:
            raise NotFoundError(f"no record {record_id!r} in {self.path!r}")
        return self.lineage_of([record_id]).get(record_id) is not None

    def add_to_var_group(self, group: str, variables: Any) -> None:
        """Add variables (classes, names, or a list of either) to the group ``group``.

        ``db.add_to_var_group("kinematics", [RawKinematicData, StepLength])``: the group
        is kept in the database file, created by its first member; adding a member twice
        keeps one.
        """
        var_groups.add_to_var_group(self, group, _names(variables))

    def remove_from_var_group(self, group: str, variables: Any) -> None:
        """Remove variables (classes, names, or a list of either) from ``group``."""
        var_groups.remove_from_var_group(self, group, _names(variables))

    def get_var_group(self, group: str) -> list[type]:
        """The variable types in ``group``, sorted by name.

        Each is the class of that name (made on the fly when no class defines it), so the
        list serves as for_each inputs: ``for_each(fn, inputs=db.get_var_group("kinematics"))``
        passes each variable as the parameter of its name. A group holds names: when two
        modules define a class of one name (one variable in the database, with a
        ``VariableNameWarning``), it is the class defined last.
        """
        from .variable import variable_class  # variable imports this module

        return [variable_class(name) for name in var_groups.get_var_group(self, group)]

    def list_var_groups(self) -> list[str]:
        """The names of the variable groups in the database, sorted."""
        return var_groups.list_var_groups(self)

    def prune_lineage_cache(self) -> dict[str, int]:
        """Drop from the lineage cache what no saved record needs.

        Every call of a lineage function is kept in the file (``docs/lineage.md``), saved
        or not. This drops the calls that no saved record's lineage names -- neither as
        the call that made it nor as a step upstream of it -- and the values only they
        held; a value a record holds now is read from the record and not kept twice.
        The calls dropped run again when next made. ``scistack info`` shows the space.

        Returns
        -------
        dict
            ``dropped_calls``, ``dropped_values`` and ``freed_bytes`` (the dropped values'
            bytes, which DuckDB reuses for later writes).
        """
        return cache_store.prune_lineage_cache(self)

    def get_pipeline_structure(self, variable: type | str | None = None, *,
                               reduce: bool = True) -> dict[str, Any]:
        """The pipeline as a graph: variables and functions, lineage edges, coverage.

        ``nodes`` holds one entry per variable (its coverage: counts of done, stale,
        error and missing cells over its grid) and per function and fingerprint (its
        constant settings and the status of the records it made); ``edges`` join them
        (``scistack lineage`` draws this; ``docs/cli.md`` describes every field). With
        ``variable``, only what is upstream and downstream of it; ``reduce=False`` keeps
        the edges a transitive reduction would drop.
        """
        from scistack_engine.inspection.graph import pipeline_graph

        name = None if variable is None else _name(variable)
        return pipeline_graph(self, name, reduce=reduce).to_dict()

    def export_to_csv(self, variable: type | str, path: str | os.PathLike,
                      **metadata: Any) -> dict[str, Any]:
        """Write a variable's latest records (those matching ``metadata``) to a CSV file.

        The columns are those of the variable's SQL view (metadata keys, ``value``,
        ``version``, ``record_id``); DuckDB writes the file. ``<path>.provenance.json``
        beside it lists each record's id, content hash and what produced it. Returns
        the number of rows and records written and the sidecar's path.
        """
        from scistack_engine.inspection.export import export_variable

        return export_variable(self, _name(variable), path, "csv", metadata)


def _name(variable: Any) -> str:
    return variable if isinstance(variable, str) else variable.__name__


def _names(variables: Any) -> list[str]:
    """Variable names from one class or name, or a list of either."""
    if isinstance(variables, (str, type)):
        variables = [variables]
    return [_name(v) for v in variables]


def configure_database(path: str | os.PathLike, schema_keys: Sequence[str] | None = None,
                       *, dataset_schema_keys: Sequence[str] | None = None,
                       read_only: bool = False, timeout: float = 0) -> Database:
    """Open or create a database file and make it the current database.

    Configuring a file that is already open in this process replaces its earlier object
    (after checking the schema keys), as :func:`scistack_engine.session.open_database`
    says.

    Parameters
    ----------
    path
        A DuckDB file (created when missing) or ``":memory:"``.
    schema_keys
        The metadata keys that identify the experiment's conditions, in order, e.g.
        ``["subject", "session"]``. Fixed when the file is created; reopening with other
        keys is an error.
    dataset_schema_keys
        The same keys by keyword (the name the product description uses):
        ``configure_database("study.duckdb", dataset_schema_keys=["subject"])``. Give
        the keys one way, not both.
    read_only
        Open for inspection only (no saves); allowed while no other process writes.
    timeout
        Seconds to wait while another process has the file open (another writer, or a
        reader when opening for writing), e.g. ``timeout=30``; the error then names that
        process. 0 (the default) fails at once with ``DatabaseLockedError``.

    Returns
    -------
    Database
        The opened database, now current.
    """
    if (schema_keys is None) == (dataset_schema_keys is None):
        given = "both" if schema_keys is not None else "neither"
        raise TypeError(
            f"configure_database({str(path)!r}, ...) got {given} of schema_keys and "
            "dataset_schema_keys; give the keys once, e.g. "
            "configure_database(path, [\"subject\", \"session\"])")
    keys = schema_keys if schema_keys is not None else dataset_schema_keys
    return session.open_database(str(path), keys, read_only=read_only,  # type: ignore[return-value,arg-type]
                                 timeout=timeout, replace=True, factory=Database)


def get_database(db: Database | None = None) -> Database:
    """``db`` if given, else the current database; a clear error when there is none.

    ``db=`` that is not a database is taken for an attempt to use ``db`` as a metadata
    key, which is reserved: :class:`~scistack_engine.errors.ReservedMetadataKeyError`.
    """
    if db is not None and not isinstance(db, _EngineDatabase):
        raise ReservedMetadataKeyError(
            f"db={db!r}: 'db' names the database of a call (a Database from "
            "configure_database), so it cannot be a metadata key; give the metadata "
            "another name")
    return session.resolve(db)  # type: ignore[return-value]


def close(db: Database | None = None) -> None:
    """Close ``db`` (default: the current database); closing twice is harmless."""
    session.close(db)
