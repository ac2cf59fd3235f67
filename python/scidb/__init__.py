"""scidb: typed, versioned storage of analysis data in one DuckDB file, and for_each over it.

Configure a database once, name variable types with one-line subclasses, then save and load
values by their experimental metadata::

    from scidb import BaseVariable, configure_database, for_each

    db = configure_database("experiment.duckdb", ["subject", "session"])

    class RawEMG(BaseVariable):
        pass

    RawEMG.save(signal, subject=1, session="pre")
    raw = RawEMG.load(subject=1, session="pre")

``Thunk`` (scilineage's lineage wrapper, the same class) is here too, so that
``from scidb import Thunk`` wraps a function with lineage without a second import.

Each variable also has a SQL view of its latest records (``SELECT * FROM RawEMG``). The
storage rules are in ``docs/storage.md``.
"""

from scilineage import Thunk
from scistack_engine.batches import ForEachInterrupted
from scistack_engine.errors import (
    DatabaseDamagedError,
    DatabaseError,
    DatabaseIOError,
    DatabaseLockedError,
    DiskFullError,
    MetadataError,
    NotADatabaseError,
    NotConfiguredError,
    NotFoundError,
    ReadOnlyError,
    ReservedMetadataKeyError,
    SchemaMismatchError,
    ScistackError,
    SlurmError,
    UnknownMetadataKeyError,
    UnknownVariableError,
    UnsendableFunctionError,
    UnsupportedValueError,
)
from scistack_engine.executors import Dask, Processes
from scistack_engine.planner import PlanError
from scistack_engine.slurm import Slurm

from .database import Database, close, configure_database, get_database
from .filters import ColumnRef, Sql
from .foreach import for_each
from .inputs import Fixed, Merge, PathTemplate
from .variable import BaseVariable, VariableNameWarning

__all__ = [
    "BaseVariable",
    "configure_database",
    "get_database",
    "close",
    "Database",
    "for_each",
    "Processes",
    "Dask",
    "Slurm",
    "Fixed",
    "Merge",
    "PathTemplate",
    "Thunk",
    "Sql",
    "ColumnRef",
    "ScistackError",
    "UnsupportedValueError",
    "MetadataError",
    "UnknownMetadataKeyError",
    "ReservedMetadataKeyError",
    "PlanError",
    "ForEachInterrupted",
    "UnsendableFunctionError",
    "SlurmError",
    "DatabaseError",
    "DatabaseLockedError",
    "NotADatabaseError",
    "DatabaseDamagedError",
    "DiskFullError",
    "DatabaseIOError",
    "NotFoundError",
    "ReadOnlyError",
    "SchemaMismatchError",
    "UnknownVariableError",
    "NotConfiguredError",
    "VariableNameWarning",
]
