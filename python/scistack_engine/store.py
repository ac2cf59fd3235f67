"""The database: one DuckDB file holding every variable's records, versions and lineage.

A :class:`Database` is an open DuckDB file with fixed *schema keys* (the dimensions of the
experiment, checked on every reopen). Records live in one table, ``_records``: one row per
version, addressed by variable and canonical metadata, with the value in the columns chosen
by :mod:`scistack_engine.payload`. Saving content that differs from the latest version at
an address adds a version; saving the latest content again (with the same lineage) adds
nothing; nothing is ever overwritten.

Writes are batched: :meth:`Database.save_batch` commits any number of records, for any
variables, in one transaction with one bulk insert, and :meth:`Database.fetch_values` reads
the values of any number of records with one query. A single record is the cheapest case
of the same paths: one parameterised ``INSERT`` (its own transaction) and one point query.
Which versions exist is answered from the per-variable index
(:mod:`scistack_engine.index`), not from SQL.

Every table and view is documented in ``docs/storage.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from .codec import encode
from .connection import connect, stored_schema_keys
from .errors import (
    DatabaseError,
    DatabaseLockedError,
    MetadataError,
    NotADatabaseError,
    NotFoundError,
    ReadOnlyError,
    SchemaMismatchError,
    UnknownVariableError,
    UnsupportedValueError,
)
from .index import AddressEntry, RecordInfo, VariableIndex
from .metadata import (
    RESERVED_KEYS,
    address_of,
    check_schema_keys,
    describe_metadata,
    normalize_metadata,
    normalize_query,
    reserved_key_error,
    validate_identifier,
)
from .payload import StoredValue, from_columns, to_stored
from .runlog import create_runlog_tables, upgrade_runlog_tables
from .views import append_frame_rows, quote_identifier, view_signature, view_sql

__all__ = [
    "Database",
    "SaveItem",
    "DatabaseError",
    "DatabaseLockedError",
    "NotADatabaseError",
    "SchemaMismatchError",
    "ReadOnlyError",
    "NotFoundError",
    "UnknownVariableError",
    "FORMAT_VERSION",
]

FORMAT_VERSION = "1"


@dataclass
class SaveItem:
    """One record to save: a value (or MATLAB wire bytes) at an address, with lineage."""

    variable: str
    metadata: Mapping[str, Any]
    value: Any = None
    wire: bytes | None = None
    cache_key: str | None = None
    lineage: Mapping[str, Any] | None = None
    output_index: int | None = None


_VALUE_SELECT = "kind, value_num, value_int, value_txt, value_arr, shape, payload"
_SCALAR_SELECT = "kind, value_num, value_int, value_txt, shape, payload"


def _display(value: Any) -> str | None:
    """Text of a metadata value in its schema-key column."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


#: Columns of ``_records`` besides the schema keys (a schema key may not take their names).
_RECORD_COLUMNS = ("record_id", "variable", "address", "version", "kind", "content_hash",
                   "value_num", "value_int", "value_txt", "value_arr", "shape", "payload",
                   "cache_key", "lineage", "output_index", "created_at")


def _check_schema_key(key: str, others: Sequence[str]) -> None:
    """Refuse a schema key that is no identifier, is reserved, names a column of
    ``_records``, or repeats one of ``others`` (SQL names ignore case)."""
    validate_identifier(key, "schema key")
    lower = key.lower()
    if lower in RESERVED_KEYS:
        raise reserved_key_error(key)
    if lower.startswith("value") or lower in _RECORD_COLUMNS:
        raise MetadataError(f"schema key {key!r} is reserved: it names a column of the "
                            "records table; choose another name")
    if lower in {k.lower() for k in others}:
        raise MetadataError(f"schema keys repeat a name (SQL names ignore case): "
                            f"{key!r} and {list(others)}")


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: a batch allocates many small objects that
    would otherwise trigger collections costing a third of the batch's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _record_id(variable: str, address: str, version: int, digest: str) -> str:
    text = f"{variable}\x00{address}\x00{version}\x00{digest}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


#: Files open in this process (absolute path -> database): each process has one index of a
#: file, so a second object on an open file is refused.
_open_files: dict[str, Database] = {}


def open_database_for(path: str) -> Database | None:
    """The database object that has ``path`` open in this process, if any."""
    db = _open_files.get(os.path.abspath(path)) if path != ":memory:" else None
    return db if db is not None and db.is_open else None


class Database:
    """An open SciStack database file.

    Parameters
    ----------
    path
        The DuckDB file (created if missing), or ``":memory:"``.
    schema_keys
        The metadata keys that name the experiment's dimensions, e.g.
        ``["subject", "session"]``; fixed when the file is created and checked on reopen.
        None takes the keys the existing file was created with (what inspection tools
        do, knowing nothing of the experiment).
    read_only
        Open for inspection only; several processes may do so while none writes.
    """

    def __init__(self, path: str, schema_keys: Sequence[str] | None, *,
                 read_only: bool = False) -> None:
        keys = None if schema_keys is None else list(schema_keys)
        if keys is not None and not keys:
            raise MetadataError("schema_keys must name at least one key, e.g. ['subject']")
        for position, key in enumerate(keys or ()):
            _check_schema_key(key, keys[:position])
        self.path = str(path)
        self.read_only = read_only
        holder = open_database_for(self.path)
        if holder is not None:
            raise DatabaseLockedError(
                f"database {self.path!r} is already open in this process ({holder!r}); use "
                "that object, or close it first: two objects on one file would each keep "
                "their own record index")
        if keys is None and (self.path == ":memory:" or not os.path.exists(self.path)):
            raise DatabaseError(f"database {self.path!r} does not exist; without schema keys "
                                "only an existing SciStack file can be opened")
        self._con: duckdb.DuckDBPyConnection | None = connect(self.path, read_only)
        self._user_con: duckdb.DuckDBPyConnection | None = None
        self._before_close: list[Callable[[], None]] = []
        try:
            self.schema_keys: list[str] = keys if keys is not None else stored_schema_keys(self.cx, self.path)
            self._init_schema()
        except duckdb.Error as exc:  # a file DuckDB opens but cannot read: damaged
            self._con.close()
            self._con = None
            raise NotADatabaseError(
                f"{self.path!r} cannot be read as a SciStack database "
                f"({str(exc).splitlines()[0]}); the file may be damaged: restore it from a backup"
            ) from exc
        except BaseException:
            self._con.close()
            self._con = None
            raise
        if self.path != ":memory:":
            _open_files[os.path.abspath(self.path)] = self
        self._indexes: dict[str, VariableIndex] = {}
        self._tx_callbacks: list[Callable[[], None]] | None = None
        self._views: dict[str, tuple] = {
            name: (signature, json.loads(columns or "[]"))
            for name, signature, columns in self.cx.execute(
                "SELECT name, view_signature, frame_columns FROM _variables").fetchall()
        }

    # ------------------------------------------------------------------ lifecycle

    @property
    def cx(self) -> duckdb.DuckDBPyConnection:
        """The engine's own connection (internal: its transactions are the engine's)."""
        if self._con is None:
            raise DatabaseError(f"database {self.path!r} is closed; configure it again")
        return self._con

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection for your own SQL on this database (``db.con.sql(...)``).

        It is separate from the engine's, so a result left open here never blocks a save.
        """
        if self._user_con is None:
            self._user_con = self.cx.cursor()
        return self._user_con

    @property
    def is_open(self) -> bool:
        return self._con is not None

    def close(self) -> None:
        """Close the file (idempotent). Committed data is already durable; what was
        registered with :meth:`before_close` is written first."""
        if self._con is None:
            return
        callbacks, self._before_close = self._before_close, []
        try:
            for callback in callbacks:
                callback()
        finally:  # a failed write still closes the file (and its error is raised)
            if self._user_con is not None:
                self._user_con.close()
                self._user_con = None
            self._con.close()
            self._con = None
            if _open_files.get(os.path.abspath(self.path)) is self:
                del _open_files[os.path.abspath(self.path)]

    def before_close(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (once) while the file is still open, when it is closed: a
        writer that buffers (the persistent lineage cache) writes what it holds."""
        self._before_close.append(callback)

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "read-only" if self.read_only else "open" if self.is_open else "closed"
        return f"<Database {self.path!r} schema_keys={self.schema_keys} {state}>"

    def _init_schema(self) -> None:
        con = self.cx
        tables = {row[0] for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        if "_scistack" in tables:
            stored = dict(con.execute("SELECT key, value FROM _scistack").fetchall())
            stored_keys = json.loads(stored.get("schema_keys", "[]"))
            if stored_keys != self.schema_keys:
                raise SchemaMismatchError(
                    f"database {self.path!r} was created with schema keys {stored_keys}, not "
                    f"{self.schema_keys}; open it with {stored_keys} or use another file"
                )
            if not self.read_only:
                upgrade_runlog_tables(con)
            return
        if tables - {"_scistack"} and not tables & {"_records"}:
            raise NotADatabaseError(
                f"{self.path!r} is a DuckDB file but not a SciStack database (it has tables "
                f"{sorted(tables)[:5]}); use another file"
            )
        if self.read_only:
            raise DatabaseError(f"{self.path!r} holds no SciStack database yet; open it read-write first")
        key_columns = "".join(f", {quote_identifier(k)} VARCHAR" for k in self.schema_keys)
        con.execute("BEGIN")
        con.execute("CREATE TABLE _scistack (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO _scistack VALUES ('schema_keys', ?), ('format_version', ?)",
                    [json.dumps(self.schema_keys), FORMAT_VERSION])
        con.execute("CREATE TABLE _variables (name VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ, "
                    "view_signature VARCHAR, frame_columns VARCHAR)")
        con.execute(
            "CREATE TABLE _records (record_id VARCHAR PRIMARY KEY, variable VARCHAR NOT NULL, "
            "address VARCHAR NOT NULL, version INTEGER NOT NULL" + key_columns + ", "
            "kind VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, value_num DOUBLE, "
            "value_int BIGINT, value_txt VARCHAR, value_arr DOUBLE[], shape VARCHAR, "
            "payload BLOB, cache_key VARCHAR, lineage VARCHAR, output_index SMALLINT, "
            "created_at TIMESTAMPTZ NOT NULL)"
        )
        create_runlog_tables(con)
        con.execute("COMMIT")

    # ------------------------------------------------------------------ index

    def index(self, variable: str) -> VariableIndex:
        """The index of ``variable``'s records (loaded with one query on first use)."""
        index = self._indexes.get(variable)
        if index is None:
            rows = self.cx.execute(
                "SELECT address, version, record_id, content_hash, kind, cache_key, output_index "
                "FROM _records WHERE variable = ? ORDER BY version", [variable]).fetchall()
            index = self._indexes[variable] = VariableIndex.from_rows(variable, self.schema_keys, rows)
        return index

    def variables(self) -> list[str]:
        """Names of the variables that have records, sorted."""
        return sorted(self._views)

    def add_schema_key(self, key: str) -> None:
        """Add ``key`` to the schema keys: a new dimension of the experiment.

        Records saved before have no value for it (NULL in the views' new column) and keep
        their addresses; records saved from now on may give it. The file keeps the longer
        list: reopen it with ``[*schema_keys, key]`` (the old list is a
        :class:`SchemaMismatchError`). Everything changes in one transaction.
        """
        if self.read_only:
            raise ReadOnlyError(f"database {self.path!r} is open read-only; reopen it with "
                                "read_only=False to add a schema key")
        _check_schema_key(key, self.schema_keys)
        before = self.schema_keys, dict(self._views)
        self.schema_keys = [*self.schema_keys, key]
        self._indexes.clear()  # their address order follows the schema keys
        try:
            with self.transaction():
                column = quote_identifier(key)
                self.cx.execute(f"ALTER TABLE _records ADD COLUMN {column} VARCHAR")
                # a record saved before keys were checked may already carry the key
                self.cx.execute(f"UPDATE _records SET {column} = json_extract_string(address, ?)",
                                ["$." + key])
                self.cx.execute("UPDATE _scistack SET value = ? WHERE key = 'schema_keys'",
                                [json.dumps(self.schema_keys)])
                self._refresh_views(list(self._views), set())
        except BaseException:
            self.schema_keys, self._views = before
            self._indexes.clear()
            raise
        finally:
            self.__dict__.pop("_record_columns", None)

    # ------------------------------------------------------------------ saving

    def save(self, variable: str, value: Any, metadata: Mapping[str, Any], *,
             wire: bytes | None = None, cache_key: str | None = None,
             lineage: Mapping[str, Any] | None = None) -> RecordInfo:
        """Save one value; return the record it is stored as (new or already there)."""
        return self.save_batch([SaveItem(variable, metadata, value, wire, cache_key, lineage)])[0]

    def save_batch(self, items: Sequence[SaveItem]) -> list[RecordInfo]:
        """Save many records in one transaction; return one :class:`RecordInfo` per item.

        Every key and value is validated and encoded before anything is written, so a bad
        item changes nothing; a key that is not a schema key is an
        :class:`~scistack_engine.metadata.UnknownMetadataKeyError`. An item whose content
        (and cache key) equals the latest version at its address is not written again; its
        existing record is returned.
        """
        if self.read_only:
            raise ReadOnlyError(f"database {self.path!r} is open read-only; reopen it with read_only=False to save")
        with _gc_paused():
            return self._save_batch(items)

    def _save_batch(self, items: Sequence[SaveItem]) -> list[RecordInfo]:
        schema = frozenset(self.schema_keys)
        for item in items:
            if not item.metadata.keys() <= schema:
                check_schema_keys(item.metadata, self.schema_keys,
                                  f"{item.variable} at {describe_metadata(item.metadata)}")
        now = dt.datetime.now(dt.timezone.utc)
        results: list[RecordInfo] = []
        new: list[tuple] = []  # (RecordInfo, StoredValue, lineage json)
        pending: dict[tuple, RecordInfo] = {}
        new_names: set = set()
        for item in items:
            if item.variable not in self._views and item.variable not in new_names:
                validate_identifier(item.variable, "variable name")
                self._check_name_is_distinct(item.variable, new_names)
                new_names.add(item.variable)
            metadata = normalize_metadata(item.metadata)
            address = address_of(metadata)
            try:
                stored = to_stored(item.value, item.wire)
            except UnsupportedValueError as exc:
                raise UnsupportedValueError(
                    f"{item.variable} at {describe_metadata(metadata)}: {exc}") from exc
            latest = pending.get((item.variable, address)) or self.index(item.variable).latest_at(address)
            if (latest and latest.content_hash == stored.content_hash
                    and latest.cache_key == item.cache_key and latest.output_index == item.output_index):
                results.append(latest)
                continue
            version = latest.version + 1 if latest else 1
            info = RecordInfo(_record_id(item.variable, address, version, stored.content_hash),
                              item.variable, address, metadata, version, stored.content_hash,
                              stored.kind, item.cache_key, item.output_index)
            pending[(item.variable, address)] = info
            lineage = json.dumps(item.lineage, sort_keys=True, default=str) if item.lineage else None
            new.append((info, stored, lineage))
            results.append(info)
        if new:
            self._write(new, now)
        return results

    def _check_name_is_distinct(self, variable: str, batch_names: Iterable[str]) -> None:
        """SQL names ignore case: a new variable may not differ from another only in case
        (the two would share one view and one row table)."""
        lower = variable.lower()
        for other in [*self._views, *batch_names]:
            if other != variable and other.lower() == lower:
                raise MetadataError(
                    f"variable name {variable!r} differs from the existing variable {other!r} "
                    "only in letter case; SQL names ignore case, so both would have the same "
                    "view. Rename one of them")

    def _write(self, new: list[tuple], now: dt.datetime) -> None:
        for info, _, _ in new:
            self.index(info.variable)  # load it before the new rows land

        def apply() -> None:
            for info, _, _ in new:
                self._indexes[info.variable].add(info)
            for variable, columns in touched.items():
                self._views[variable] = (self._views.get(variable, (None, []))[0], columns)
            self._refresh_views({info.variable for info, _, _ in new}, set(touched))

        touched: dict[str, list[str]] = {}
        if self._tx_callbacks is None and all(stored.frame is None for _, stored, _ in new):
            # one statement is its own transaction: no BEGIN/COMMIT round trips
            self._insert_records(new, now)
            apply()
            return
        with self.transaction() as on_commit:
            self._insert_records(new, now)
            touched.update(self._write_frames(new))
            on_commit.append(apply)

    def _insert_records(self, new: list[tuple], now: dt.datetime) -> None:
        """One statement: a parameterised INSERT for one array-free record (the cheapest
        round trip), else a bulk insert from Arrow."""
        if len(new) == 1 and new[0][1].arr is None:
            info, stored, lineage = new[0]
            row = [info.record_id, info.variable, info.address, info.version,
                   *[_display(info.metadata.get(k)) for k in self.schema_keys],
                   stored.kind, stored.content_hash, stored.num, stored.int_, stored.txt, None,
                   stored.shape, stored.payload, info.cache_key, lineage, info.output_index, now]
            self.cx.execute(self._insert_sql, row)
        else:
            rows = self._arrow_rows(new, now).select(self._record_columns)
            self.cx.from_arrow(rows).insert_into("_records")

    @property
    def _insert_sql(self) -> str:
        """The INSERT of one row given in the order of :meth:`_arrow_rows`."""
        columns = [*_RECORD_COLUMNS[:4], *self.schema_keys, *_RECORD_COLUMNS[4:]]
        return (f"INSERT INTO _records ({', '.join(map(quote_identifier, columns))}) VALUES ("
                + ", ".join(["?"] * len(columns)) + ")")

    @functools.cached_property
    def _record_columns(self) -> list[str]:
        """The columns of ``_records`` in table order (a schema key added later is last)."""
        return [row[0] for row in self.cx.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = '_records' ORDER BY ordinal_position").fetchall()]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[list[Callable[[], None]]]:
        """One transaction around a block; nested blocks join the outer one.

        Yields a list to which the block appends callbacks that run after the outermost
        COMMIT succeeds (index and view updates); on error everything is rolled back and
        the callbacks are dropped.
        """
        if self._tx_callbacks is not None:
            yield self._tx_callbacks
            return
        callbacks: list[Callable[[], None]] = []
        self._tx_callbacks = callbacks
        con = self.cx
        con.execute("BEGIN")
        try:
            yield callbacks
            con.execute("COMMIT")
        except BaseException:
            if self._con is not None:
                con.execute("ROLLBACK")
            raise
        finally:
            self._tx_callbacks = None
        for callback in callbacks:
            callback()

    def _arrow_rows(self, new: list[tuple], now: dt.datetime) -> pa.Table:
        n = len(new)
        infos = [row[0] for row in new]
        values: list[StoredValue] = [row[1] for row in new]
        arrays: dict[str, pa.Array] = {
            "record_id": pa.array([i.record_id for i in infos], pa.string()),
            "variable": pa.array([i.variable for i in infos], pa.string()),
            "address": pa.array([i.address for i in infos], pa.string()),
            "version": pa.array([i.version for i in infos], pa.int32()),
        }
        for key in self.schema_keys:
            arrays[key] = pa.array([_display(i.metadata.get(key)) for i in infos], pa.string())
        flat = [v.arr for v in values if v.arr is not None]
        lengths = [0 if v.arr is None else len(v.arr) for v in values]
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        mask = pa.array([v.arr is None for v in values], pa.bool_())
        list_values = pa.array(np.concatenate(flat) if flat else np.zeros(0), pa.float64())
        arrays.update(
            kind=pa.array([v.kind for v in values], pa.string()),
            content_hash=pa.array([v.content_hash for v in values], pa.string()),
            value_num=pa.array([v.num for v in values], pa.float64()),
            value_int=pa.array([v.int_ for v in values], pa.int64()),
            value_txt=pa.array([v.txt for v in values], pa.string()),
            value_arr=pa.LargeListArray.from_arrays(pa.array(offsets), list_values, mask=mask)
            .cast(pa.list_(pa.float64())) if n else pa.array([], pa.list_(pa.float64())),
            shape=pa.array([v.shape for v in values], pa.string()),
            payload=pa.array([v.payload for v in values], pa.binary()),
            cache_key=pa.array([i.cache_key for i in infos], pa.string()),
            lineage=pa.array([row[2] for row in new], pa.string()),
            output_index=pa.array([i.output_index for i in infos], pa.int16()),
            created_at=pa.array([now] * n, pa.timestamp("us", tz="UTC")),
        )
        return pa.table(arrays)

    def _write_frames(self, new: list[tuple]) -> dict[str, list[str]]:
        """Append DataFrame rows to their variables' row tables.

        Returns the row-table columns of each variable touched, to record after commit.
        """
        columns_of: dict[str, list[str]] = {}
        for info, stored, _ in new:
            if stored.frame is None:
                continue
            columns = columns_of.get(info.variable, self._views.get(info.variable, (None, []))[1])
            columns_of[info.variable] = append_frame_rows(
                self.cx, info.variable, info.record_id, stored.frame, columns)
        return columns_of

    def _refresh_views(self, variables: Iterable[str], frames_touched: set) -> None:
        for variable in variables:
            signature, columns = self._views.get(variable, (None, []))
            new_signature = view_signature(self.index(variable), self.schema_keys, columns)
            if new_signature == signature and variable not in frames_touched:
                continue
            with self.transaction():
                self.cx.execute(view_sql(self.index(variable), self.schema_keys, columns))
                self.cx.execute(
                    "INSERT INTO _variables VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE "
                    "SET view_signature = excluded.view_signature, frame_columns = excluded.frame_columns",
                    [variable, dt.datetime.now(dt.timezone.utc), new_signature, json.dumps(columns)])
            self._views[variable] = (new_signature, columns)

    # ------------------------------------------------------------------ finding and loading

    def require_variable(self, variable: str) -> VariableIndex:
        """The index of a variable that has records, or a clear error naming what exists."""
        index = self.index(variable)
        if not len(index):
            known = ", ".join(self.variables()) or "none yet"
            raise UnknownVariableError(
                f"no records of variable {variable!r} in {self.path!r} (variables with "
                f"records: {known}); save some first"
            )
        return index

    def find(self, variable: str, metadata: Mapping[str, Any]) -> list[AddressEntry]:
        """Address entries of ``variable`` matching ``metadata`` (values may be lists)."""
        return self.require_variable(variable).find(normalize_query(metadata))

    def select(self, variable: str, metadata: Mapping[str, Any],
               version: int | None = None) -> list[RecordInfo]:
        """The latest (or the given) version at each matching address.

        Raises :class:`NotFoundError`, naming nearby metadata, when nothing matches.
        """
        entries = self.find(variable, metadata)
        if version is None:
            chosen = [e.latest for e in entries]
        else:
            chosen = [v for e in entries for v in e.versions if v.version == version]
        if not chosen:
            raise NotFoundError(self.not_found_message(variable, metadata, version))
        return chosen

    def record_by_id(self, record_id: str) -> RecordInfo | None:
        """The version stored as ``record_id``, in whichever variable (one point query)."""
        rows = self.cx.execute("SELECT variable, address FROM _records WHERE record_id = ?",
                               [record_id]).fetchall()
        if not rows:
            return None
        variable, address = rows[0]
        entry = self.index(variable).addresses.get(address)
        return next((v for v in entry.versions if v.record_id == record_id), None) if entry else None

    def created_at_of(self, record_ids: Sequence[str]) -> dict[str, dt.datetime]:
        """When each record was saved (UTC), read with one query."""
        if not record_ids:
            return {}
        rows = self.cx.execute(
            "SELECT record_id, created_at FROM _records WHERE record_id IN (SELECT unnest(?))",
            [list(record_ids)]).fetchall()
        return {rid: when.astimezone(dt.timezone.utc) for rid, when in rows}

    def not_found_message(self, variable: str, metadata: Mapping[str, Any],
                          version: Any = None) -> str:
        """Why nothing of ``variable`` matches ``metadata`` (and ``version``): the values
        each key takes there, or the versions that exist."""
        index = self.index(variable)
        query = normalize_query(metadata)
        asked = describe_metadata(metadata) or "(no metadata)"
        if version is not None and index.find(query):
            versions = sorted({v.version for e in index.find(query) for v in e.versions})
            return f"{variable} has no version {version} at {asked}; versions there: {versions}"
        hints = []
        for key, options in query.items():
            present = sorted({repr(e.metadata[key]) for e in index.addresses.values() if key in e.metadata})
            if not present:
                hints.append(f"no {variable} record has the key {key!r}")
            elif not any(index.find({key: (o,)}) for o in options):
                shown = ", ".join(present[:10]) + (" ..." if len(present) > 10 else "")
                hints.append(f"{key} takes the values {shown}")
        detail = "; ".join(hints) or "no single record has all of these values together"
        return f"no {variable} record matches {asked}: {detail}"

    def fetch_values(self, records: Sequence[RecordInfo]) -> dict[str, Any]:
        """Values of the given records, read with one query, by record id."""
        return self._fetch(records, wire=False)

    def fetch_wires(self, records: Sequence[RecordInfo]) -> dict[str, bytes]:
        """Values of the given records as wire bytes (MATLAB's exact bytes where stored)."""
        return self._fetch(records, wire=True)

    def _fetch(self, records: Sequence[RecordInfo], wire: bool) -> dict[str, Any]:
        if not records:
            return {}
        if len(records) == 1 and records[0].kind != "array:f8":
            # a point read as plain rows is the cheapest round trip (arrays come as Arrow)
            record_id = records[0].record_id
            rows = self.cx.execute(f"SELECT {_SCALAR_SELECT} FROM _records WHERE record_id = ?",
                                   [record_id]).fetchall()
            if rows:
                kind, num, int_, txt, shape, payload = rows[0]
                return {record_id: _rebuild(kind, num, int_, txt, None, shape, payload, wire)}
        con = self.cx
        if len(records) == 1:  # one array: a single query, no join
            table = con.sql(f"SELECT record_id, {_VALUE_SELECT} FROM _records WHERE record_id = $id",
                            params={"id": records[0].record_id}).to_arrow_table()
            return _values_from_arrow(table, wire)
        record_ids = list(dict.fromkeys(r.record_id for r in records))
        ids = con.from_arrow(pa.table({"record_id": pa.array(record_ids, pa.string())}))
        table = ids.join(con.table("_records"), "record_id").select(
            "record_id, " + _VALUE_SELECT).to_arrow_table()
        return _values_from_arrow(table, wire)

    def lineage_of(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """The stored lineage (a dict, or None) of each record, read with one query."""
        if not record_ids:
            return {}
        rows = self.cx.execute(
            "SELECT record_id, lineage FROM _records WHERE record_id IN (SELECT unnest(?))",
            [list(record_ids)]).fetchall()
        return {rid: json.loads(text) if text else None for rid, text in rows}

    def with_cache_key(self, cache_key: str) -> list[RecordInfo]:
        """Records of any variable saved under ``cache_key``."""
        return [info for name in self.variables()
                for info in self.index(name).by_cache_key.get(cache_key, ())]

    def versions(self, variable: str, metadata: Mapping[str, Any]) -> list[RecordInfo]:
        """Every version at every matching address, oldest first per address."""
        entries = self.find(variable, metadata)
        return [v for e in entries for v in e.versions]


def _values_from_arrow(table: pa.Table, wire: bool) -> dict[str, Any]:
    """Rebuild each row's value (or, with ``wire``, its wire bytes) by record id."""
    columns = {name: table.column(name).combine_chunks() if table.num_rows else table.column(name)
               for name in table.column_names}
    ids = columns["record_id"].to_pylist()
    kinds = columns["kind"].to_pylist()
    nums = columns["value_num"].to_pylist()
    ints = columns["value_int"].to_pylist()
    txts = columns["value_txt"].to_pylist()
    shapes = columns["shape"].to_pylist()
    payloads = columns["payload"]
    arr_col = columns["value_arr"]
    out: dict[str, Any] = {}
    flat = offsets = None
    if "array:f8" in kinds:
        flat = arr_col.values.to_numpy(zero_copy_only=False)
        offsets = arr_col.offsets.to_numpy()
    for i, record_id in enumerate(ids):
        kind = kinds[i]
        arr = flat[offsets[i]:offsets[i + 1]] if kind == "array:f8" else None
        payload = payloads[i].as_py() if kind in ("wire", "frame") else None
        out[record_id] = _rebuild(kind, nums[i], ints[i], txts[i], arr, shapes[i], payload, wire)
    return out


def _rebuild(kind: str, num: Any, int_: Any, txt: Any, arr: Any, shape: Any, payload: Any,
             wire: bool) -> Any:
    """A stored value from its columns, or its wire bytes (stored bytes where kept)."""
    if wire and payload is not None:
        return payload
    value = from_columns(kind, num, int_, txt, arr, shape, payload)
    return encode(value) if wire else value
