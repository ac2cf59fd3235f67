"""Variable types: ``class RawEMG(BaseVariable): pass`` names a kind of data in the database.

A variable type is a one-line subclass of :class:`BaseVariable`; its class name is the
variable's name in the database and the name of its SQL view. Values are saved and loaded
by metadata through class methods::

    RawEMG.save(signal, subject=1, session="pre")        # -> record id
    raw = RawEMG.load(subject=1, session="pre")           # -> RawEMG instance
    raw.data, raw.metadata, raw.record_id, raw.version

A loaded instance is one version of one record. A type whose values the value model does
not hold (an object of your own class) defines ``to_db`` (the value to store) and
``from_db`` (the value back); every save, load and for_each of that type goes through them.
Instances also act as for_each input specifications: ``RawEMG["col"]`` selects DataFrame
columns and ``RawEMG == v``, ``RawEMG["col"] > v`` build ``where=`` filters.

A variable *is* its name: two classes called ``RawEMG`` (in two modules) are one variable
in the database, and what looks a variable up by name (``db.get_var_group``,
:func:`variable_class`) gets the class defined last. Defining a second one in another
module warns (:class:`VariableNameWarning`); defining it again in the same module (a
notebook cell run twice, a reloaded module) does not.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeGuard

import pandas as pd

from scistack_engine.errors import UnsupportedValueError, VariableNameWarning
from scistack_engine.index import RecordInfo
from scistack_engine.metadata import MetadataError, describe_metadata, validate_identifier
from scistack_engine.provenance import version_history
from scistack_engine.selection import (
    RecordRows,
    Selection,
    Version,
    select_records,
    stream_records,
    version_selector,
)
from scistack_engine.store import SaveItem

from .database import Database, get_database
from .filters import ColumnRef, VariableFilter

__all__ = ["BaseVariable", "variable_class", "VariableMeta", "VariableNameWarning",
           "serialising_call"]

_registry: dict[str, type] = {}

#: Records fetched per query when iterating over many records.
LOAD_BATCH = 2000


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


class VariableMeta(type):
    """Metaclass of variable types: registers them and gives the class-level operators."""

    def __new__(mcls, name: str, bases: tuple, namespace: dict, **kw: Any) -> type:
        cls = super().__new__(mcls, name, bases, namespace, **kw)
        if bases and any(isinstance(b, VariableMeta) for b in bases):
            if name.startswith("_"):
                raise MetadataError(f"variable type name {name!r} may not start with '_'")
            validate_identifier(name, "variable type name")
            previous = _registry.get(name)
            if (previous is not None and not previous.__dict__.get("_made_by_name")
                    and previous.__module__ != cls.__module__):
                warnings.warn(
                    f"variable type {name!r} is defined in {_where(previous)} and again in "
                    f"{_where(cls)}: both are the one variable {name!r} of the database; "
                    f"lookups by name (get_var_group) now give {_where(cls)}",
                    VariableNameWarning, stacklevel=2)
            _registry[name] = cls
        return cls

    def __getitem__(cls, columns: str | Sequence[str]) -> ColumnRef:
        """``Var["col"]`` or ``Var[["a", "b"]]``: a column selection (also filterable)."""
        return ColumnRef(cls, columns)

    def __eq__(cls, other: Any) -> Any:
        if isinstance(other, type):
            return cls is other
        return VariableFilter(ColumnRef(cls, None), "==", other)

    def __ne__(cls, other: Any) -> Any:
        if isinstance(other, type):
            return cls is not other
        return VariableFilter(ColumnRef(cls, None), "!=", other)

    def __lt__(cls, other: Any) -> VariableFilter:
        return VariableFilter(ColumnRef(cls, None), "<", other)

    def __le__(cls, other: Any) -> VariableFilter:
        return VariableFilter(ColumnRef(cls, None), "<=", other)

    def __gt__(cls, other: Any) -> VariableFilter:
        return VariableFilter(ColumnRef(cls, None), ">", other)

    def __ge__(cls, other: Any) -> VariableFilter:
        return VariableFilter(ColumnRef(cls, None), ">=", other)

    def isin(cls, values: Sequence[Any]) -> VariableFilter:
        return VariableFilter(ColumnRef(cls, None), "isin", list(values))

    __hash__ = type.__hash__


def variable_class(name: str) -> type:
    """The variable type called ``name``: the class last defined under that name, or one
    created on the fly if no class defines it (a class defined later replaces it)."""
    cls = _registry.get(name)
    if cls is None:
        cls = VariableMeta(name, (BaseVariable,), {"__module__": __name__,
                                                    "_made_by_name": True})
    return cls


class BaseVariable(metaclass=VariableMeta):
    """Base class of variable types. Subclass it with an empty body to name a variable.

    Attributes of a loaded instance
    -------------------------------
    data
        The value, exactly as saved (type, dtype and shape).
    metadata
        The record's metadata, e.g. ``{"subject": 1, "session": "pre"}``.
    record_id
        The id of this version of the record.
    version
        The version number at its address (1 for the first save).
    """

    __slots__ = ("data", "metadata", "record_id", "version", "content_hash", "_lineage")

    def __init__(self, data: Any = None, metadata: Mapping[str, Any] | None = None,
                 record_id: str | None = None, version: int | None = None,
                 content_hash: str | None = None) -> None:
        self.data = data
        self.metadata = dict(metadata or {})
        self.record_id = record_id
        self.version = version
        self.content_hash = content_hash

    def __repr__(self) -> str:
        meta = describe_metadata(self.metadata)
        return (
            f"{type(self).__name__}({meta}, version={self.version}, record_id={self.record_id!r})"
        )

    @property
    def __scistack_record__(self) -> dict[str, Any]:
        """The saved-record reference that lineage records for this input."""
        return {"variable": type(self).__name__, "metadata": dict(self.metadata),
                "record_id": self.record_id, "version": self.version,
                "content_hash": self.content_hash}

    def to_db(self) -> Any:
        """The value stored for ``self.data``: override it for a type the value model does not hold.

        Return a value the value model holds (numbers, arrays, text, lists, dicts,
        DataFrames, ...); :meth:`from_db` turns it back into the data. The default stores
        the data itself.
        """
        return self.data

    @classmethod
    def from_db(cls, stored: Any) -> Any:
        """The data of a record from its stored value (what :meth:`to_db` returned)."""
        return stored

    @classmethod
    def _serialises(cls) -> bool:
        """True when the type defines its own ``to_db`` or ``from_db``."""
        return (cls.to_db is not BaseVariable.to_db
                or cls.from_db.__func__ is not BaseVariable.from_db.__func__)  # type: ignore[attr-defined]

    @classmethod
    def _stored(cls, data: Any) -> Any:
        return cls(data).to_db() if cls._serialises() else data

    @classmethod
    def name(cls) -> str:
        """The variable's name in the database (the class name)."""
        return cls.__name__

    @classmethod
    def _from_record(cls, info: RecordInfo, stored: Any) -> BaseVariable:
        return cls(cls.from_db(stored), info.metadata, info.record_id, info.version,
                   info.content_hash)

    # ------------------------------------------------------------------ saving

    @classmethod
    def save(cls, value: Any, /, *, db: Database | None = None, **metadata: Any) -> str:
        """Save ``value`` under ``metadata``; return the record id.

        Saving content that differs from the latest version at this address adds a new
        version; saving the same content again adds nothing and returns the existing id.
        ``value`` may be a plain value, a loaded variable (its data is saved) or a lineage
        result (its lineage is stored with the record). Every metadata key is a schema
        key of the database (some may be left out); another key, or a reserved one such
        as ``value=``, is an error and saves nothing.
        """
        item = _save_item(cls, value, metadata)
        return get_database(db).save_batch([item])[0].record_id

    @classmethod
    def save_from_dataframe(cls, df: pd.DataFrame, data_column: str,
                            metadata_columns: Sequence[str], *,
                            db: Database | None = None, **metadata: Any) -> list[str]:
        """Save one record per row of ``df`` in one transaction; return the record ids.

        ``data_column`` holds the values; ``metadata_columns`` name the columns that
        address each record. Keyword ``metadata`` (``experiment="exp1"``) is added to
        every row's address; a key that is also one of ``metadata_columns`` is an error.
        """
        both = sorted(set(metadata) & set(metadata_columns))
        if both:
            raise MetadataError(f"{cls.__name__}.save_from_dataframe: {both} given both as "
                                "metadata columns and as common metadata; give each key once")
        missing = [c for c in [data_column, *metadata_columns] if c not in df.columns]
        if missing:
            raise KeyError(f"{cls.__name__}.save_from_dataframe: columns {missing} are not in "
                           f"the DataFrame (it has {list(df.columns)})")
        values = df[data_column]
        if cls._serialises():
            values = [cls._stored(v) for v in values.tolist()]
        columns = {**{key: [value] * len(df) for key, value in metadata.items()},
                   **{c: df[c] for c in metadata_columns}}
        infos = get_database(db).save_columns(cls.__name__, columns, values)
        return [info.record_id for info in infos]

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, *, version: Version = None, db: Database | None = None,
             **metadata: Any) -> BaseVariable | list[BaseVariable]:
        """Load the latest version (or ``version``) of the record at ``metadata``.

        ``version`` is a version number, or a record id (``version="3f1c..."``: that
        version, metadata optional); also ``"latest"``, ``"all"`` or several numbers. When
        one record is meant — a record id, or one match with every schema key given one
        value, or with exactly the keys that record was saved with — it is returned as an
        instance; otherwise (a partial address, list values, several versions, or several
        records that differ in other keys) a list is returned. Raises ``NotFoundError``
        when nothing matches, naming the values that do exist. Keywords that are not
        metadata keys select by lineage constant (``low_hz=20``: the latest version
        produced with that constant).
        """
        database = get_database(db)
        selection = select_records(database, cls.__name__, metadata, version_selector(version))
        values = database.fetch_values(selection.records)
        loaded = [cls._from_record(i, values[i.record_id]) for i in selection.records]
        return loaded[0] if selection.single else loaded

    @classmethod
    def load_all(cls, *, as_df: bool = False, version: Version = None,
                 version_id: Version = None, include_record_id: bool = False,
                 db: Database | None = None,
                 **metadata: Any) -> Iterator[BaseVariable] | pd.DataFrame:
        """Every record matching ``metadata`` (all when empty), latest versions.

        List values mean "any of". ``version`` (or ``version_id``, its other name) picks
        other versions as in :meth:`load`: a number, several, ``"all"`` or a record id.
        Returns an iterator of instances, or with ``as_df=True`` a DataFrame with one
        column per metadata key, a ``record_id`` column with ``include_record_id=True``,
        and a ``data`` column; both are empty when nothing matches (an unknown variable
        is an error).
        """
        database = get_database(db)
        chosen = version_selector(version, version_id)
        if not as_df:
            streamed = stream_records(database, cls.__name__, metadata, chosen)
            if streamed is not None:
                return cls._from_rows(streamed)
        selection = select_records(database, cls.__name__, metadata, chosen, every=True)
        if as_df:
            return _records_frame(cls, database, selection, include_record_id)
        return cls._iterate(database, selection.records)

    @classmethod
    def _from_rows(cls, batches: Iterator[RecordRows]) -> Iterator[BaseVariable]:
        for rows in batches:
            data = [cls.from_db(v) for v in rows.values] if cls._serialises() else rows.values
            yield from map(cls, data, rows.metadata, rows.record_ids, rows.versions,
                           rows.content_hashes)

    @classmethod
    def _iterate(cls, database: Database, infos: list[RecordInfo]) -> Iterator[BaseVariable]:
        for start in range(0, len(infos), LOAD_BATCH):
            batch = infos[start:start + LOAD_BATCH]
            values = database.fetch_values(batch)
            for info in batch:
                yield cls._from_record(info, values[info.record_id])

    @classmethod
    def list_versions(cls, *, db: Database | None = None, **metadata: Any) -> list[dict[str, Any]]:
        """Every version at every matching address, oldest first per address.

        Each entry has ``record_id``, ``version``, ``metadata``, ``content_hash``,
        ``created_at`` (when it was saved, UTC) and what produced it:
        ``function_name`` (None for a plain save), ``fingerprint``, ``language``,
        ``cache_key``, ``inputs`` and ``constants`` (as ``db.get_provenance`` gives).
        """
        return version_history(get_database(db), cls.__name__, metadata)


def _save_item(cls: type[BaseVariable], value: Any, metadata: Mapping[str, Any]) -> SaveItem:
    """A save request for ``value`` as a ``cls``: unwraps loaded variables and lineage
    results, and stores what ``cls.to_db`` makes of the data.

    A lineage result (anything with ``data``, ``lineage.to_dict()`` and ``output_index``)
    is saved as its data, with its lineage, cache key and output index.
    """
    variable = cls.__name__
    if isinstance(value, (tuple, list)) and any(_is_lineage_result(v) for v in value):
        raise UnsupportedValueError(
            f"{variable}.save: a {type(value).__name__} of lineage results has no one "
            "lineage; save each result as its own variable, or return the "
            f"{type(value).__name__} from one lineage function and save that result")
    if isinstance(value, BaseVariable):
        return SaveItem(variable, metadata, cls._stored(value.data))
    if _is_lineage_result(value):
        lineage = value.lineage
        record = lineage.to_dict()
        record["output_index"] = value.output_index
        return SaveItem(variable, metadata, cls._stored(value.data), cache_key=lineage.cache_key,
                        lineage=record, output_index=value.output_index)
    return SaveItem(variable, metadata, cls._stored(value))


def _is_lineage_result(value: Any) -> bool:
    """True for a lineage result: ``data``, ``lineage.to_dict()`` and ``output_index``."""
    lineage = getattr(value, "lineage", None)
    return lineage is not None and hasattr(lineage, "to_dict") and hasattr(value, "output_index")


def _is_variable_class(value: Any) -> TypeGuard[type[BaseVariable]]:
    return isinstance(value, type) and issubclass(value, BaseVariable)


def serialising_call(call: Callable[..., Any], inputs: Mapping[str, Any],
                     outputs: Sequence[Any]) -> Callable[..., Any]:
    """``call`` as a for_each runs it when inputs or outputs are types with their own
    ``to_db``/``from_db``: inputs of such a type arrive as ``from_db`` makes them (each
    value of a list), and returned values are stored as ``to_db`` makes them. Other
    calls are returned unchanged."""
    readers = {name: value for name, value in inputs.items()
               if _is_variable_class(value) and value._serialises()}
    writers = [o if _is_variable_class(o) and o._serialises() else None for o in outputs]
    if not readers and not any(writers):
        return call

    def read(cls: type[BaseVariable], value: Any) -> Any:
        return [cls.from_db(v) for v in value] if isinstance(value, list) else cls.from_db(value)

    def run(**kwargs: Any) -> Any:
        for name, cls in readers.items():
            kwargs[name] = read(cls, kwargs[name])
        returned = call(**kwargs)
        if len(writers) == 1:
            return writers[0]._stored(returned) if writers[0] else returned
        return tuple(w._stored(v) if w else v for w, v in zip(writers, returned))

    return run


def _records_frame(cls: type[BaseVariable], database: Database, selection: Selection,
                   include_record_id: bool = False) -> pd.DataFrame:
    """The tidy DataFrame of ``load_all(as_df=True)``: metadata columns (and
    ``record_id``), then ``data``."""
    values = database.fetch_values(selection.records)
    data = pd.Series([cls.from_db(values[i.record_id]) for i in selection.records], dtype=object)
    frame = pd.DataFrame(selection.table_columns(include_record_id))
    frame["data"] = _tidy_data(data)
    return frame


def _tidy_data(data: pd.Series) -> pd.Series:
    """Scalar data columns get their natural dtype; anything else stays object."""
    if len(data) and all(isinstance(v, (int, float, bool, str)) for v in data):
        return pd.Series(data.tolist())
    return data
