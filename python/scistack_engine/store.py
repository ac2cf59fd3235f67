"""The database: one DuckDB file holding every variable's records, versions and lineage.

A :class:`Database` is an open DuckDB file with fixed *schema keys* (the dimensions of the
experiment, checked on every reopen). Records live in one table, ``_records``: one row per
version, addressed by variable and canonical metadata, with the value in the columns chosen
by :mod:`scistack_engine.payload`; a float64 array's bytes are a row of ``_arrays``, a
table without any index, addressed by an increasing integer held in the record
(``value_array_id``), so that a commit writes only its own rows (DuckDB's 1.x storage
formats re-write a keyed table's list data at every commit). Files of format 1, whose
arrays are ``DOUBLE[]`` in ``_records.value_arr``, are read as they are and gain the
table when first opened read-write. Saving content that differs from the latest version at
an address adds a version; saving the latest content again (with the same lineage) adds
nothing; nothing is ever overwritten.

Writes are batched: :meth:`Database.save_batch` commits any number of records, for any
variables, in one transaction with one bulk insert, and :meth:`Database.fetch_values` reads
the values of any number of records with one query. A single record is the cheapest case
of the same paths: one parameterised ``INSERT`` (its own transaction) and one point query.
Which versions exist is answered from the per-variable index
(:mod:`scistack_engine.index`), not from SQL.

One object may be used from several threads (:mod:`scistack_engine.connections`): saves,
transactions and index changes run one at a time under the database's write lock, so a
save that returned is committed and in the index; other threads read committed data
through cursors of their own, concurrently.

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
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, cast

import duckdb
import numpy as np
import pyarrow as pa

from . import arrays, buffers
from .codec import decode, encode
from .connection import connect, stored_schema_keys
from .connections import ThreadCursors, WriteLock
from .errors import (
    DatabaseError,
    DatabaseLockedError,
    MetadataError,
    NotADatabaseError,
    NotFoundError,
    ReadOnlyError,
    SchemaMismatchError,
    UnfoldedCloseWarning,
    UnknownVariableError,
    UnsupportedValueError,
)
from .faults import interrupts_as_keyboard, invalidated, storage_fault
from .index import AddressEntry, RecordInfo, VariableIndex
from .metadata import (
    RESERVED_KEYS,
    MetaValue,
    address_of,
    addresses_of,
    check_schema_keys,
    describe_metadata,
    normalize_column,
    normalize_metadata,
    normalize_query,
    reserved_key_error,
    validate_identifier,
)
from .payload import (
    StoredColumns,
    StoredValue,
    display_text,
    from_columns,
    scalar_column,
    stored_columns,
    to_stored,
)
from .runlog import create_runlog_tables, upgrade_runlog_tables
from .views import (
    ROW_POSITION,
    ROW_RECORD,
    VIEW_FORMAT,
    ViewShape,
    append_frame_rows,
    quote_identifier,
    rows_table,
    view_signature,
    view_sql,
)

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
    "gc_paused",
]

#: The layout of the tables: "1" kept arrays in ``_records.value_arr``; "2" adds ``_arrays``,
#: one row per array; "3" stores a big array there in pieces (``_arrays.piece``).
FORMAT_VERSION = "3"

#: Point reads of a version by record id go through this index. Record ids are unique by
#: construction (content-derived, one writer numbering versions from the index), so it is
#: a plain index rather than a primary key: DuckDB's uniqueness check costs more than the
#: rest of a bulk insert. Files made before it keep their primary key instead.
RECORD_ID_INDEX = "CREATE INDEX _records_record_id ON _records (record_id)"

#: The rows of a variable's records that its index is built from
#: (:meth:`VariableIndex.from_rows`), before any further filter and the ``ORDER BY``.
_INDEX_ROWS = ("SELECT address, version, record_id, content_hash, kind, cache_key, "
               "output_index FROM _records WHERE variable = ?")


@dataclass
class SaveItem:
    """One record to save: a value (or MATLAB wire bytes) at an address, with lineage (a
    mapping, or its JSON text as ``json.dumps(lineage, sort_keys=True, default=str)``)."""

    variable: str
    metadata: Mapping[str, Any]
    value: Any = None
    wire: bytes | None = None
    cache_key: str | None = None
    lineage: Mapping[str, Any] | str | None = None
    output_index: int | None = None


#: Arrow types of the columns of ``_records`` that :meth:`Database._record_table` gets
#: as lists (the schema keys' display texts are text).
_LIST_COLUMN_TYPES = {"record_id": pa.string(), "variable": pa.string(), "address": pa.string(),
                      "version": pa.int32(), "cache_key": pa.string(), "lineage": pa.string(),
                      "output_index": pa.int16()}
_CREATED_AT = pa.timestamp("us", tz="UTC")

_SCALAR_SELECT = "kind, value_num, value_int, value_txt, shape, payload"


def _display(value: Any) -> str | None:
    """Text of a metadata value in its schema-key column."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


def _display_column(values: Sequence[Any]) -> list[str | None] | pa.Array:
    """:func:`_display` of each value (of a column of integers, which fit in 64 bits,
    by Arrow at once)."""
    if values and set(map(type, values)) == {int}:
        return pa.array(values, pa.int64()).cast(pa.string())
    return list(map(_display, values))


#: Columns of ``_records`` besides the schema keys (a schema key may not take their names).
_RECORD_COLUMNS = ("record_id", "variable", "address", "version", "kind", "content_hash",
                   "value_num", "value_int", "value_txt", "value_arr", "value_array_id", "shape",
                   "payload", "cache_key", "lineage", "output_index", "created_at")


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
def gc_paused() -> Iterator[None]:
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
    return _record_ids(variable, (address,), (version,), (digest,))[0]


def _record_ids(variable: str, addresses: Iterable[str], versions: Iterable[int],
                digests: Iterable[str]) -> list[str]:
    """The id of each record of ``variable`` at an address, with a version and a content
    hash: the first 20 hex digits of the SHA-256 of the four, NUL-separated."""
    sha256 = hashlib.sha256
    return [sha256(f"{variable}\x00{address}\x00{version}\x00{digest}".encode())
            .hexdigest()[:20] for address, version, digest in zip(addresses, versions, digests)]


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
    timeout
        Seconds to wait while another process has the file open (its lock is tried again
        until then); 0 (the default) fails at once with :class:`DatabaseLockedError`.
    """

    def __init__(self, path: str, schema_keys: Sequence[str] | None, *,
                 read_only: bool = False, timeout: float = 0.0) -> None:
        keys = None if schema_keys is None else list(schema_keys)
        if keys is not None:
            if not keys:
                raise MetadataError("schema_keys must name at least one key, e.g. ['subject']")
            for position, key in enumerate(keys):
                _check_schema_key(key, keys[:position])
        self.path = str(path)
        self.read_only = read_only
        self._timeout = float(timeout)
        holder = open_database_for(self.path)
        if holder is not None:
            raise DatabaseLockedError(
                f"database {self.path!r} is already open in this process ({holder!r}); use "
                "that object, or close it first: two objects on one file would each keep "
                "their own record index")
        if keys is None and (self.path == ":memory:" or not os.path.exists(self.path)):
            raise DatabaseError(f"database {self.path!r} does not exist; without schema keys "
                                "only an existing SciStack file can be opened")
        self._given_keys = keys
        self._lock = WriteLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._reopen_due = False  # DuckDB invalidated the file and reopening it failed
        self._indexes: dict[str, VariableIndex] = {}
        self._tx: _Transaction | None = None
        self._views: dict[str, tuple] = {}
        self._last_array_id: int | None = None  # the largest in _arrays, read when needed
        self._before_close: list[Callable[[], None]] = []
        with self._lock.held():
            self._open_connections()
        if self.path != ":memory:":
            _open_files[os.path.abspath(self.path)] = self

    def _open_connections(self) -> None:
        """Connect, check (or create) the tables, read the views (call under the lock)."""
        con = self._con = connect(self.path, self.read_only, self._timeout)
        try:
            self._memory_limit = buffers.memory_limit(con)  # DuckDB's default: none is set
            self._readers = ThreadCursors(con.cursor())
            self._piece_writer = con.cursor()  # big arrays' pieces in a transaction
            self._user_cons = ThreadCursors(con.cursor())
            self.schema_keys: list[str] = (self._given_keys if self._given_keys is not None
                                           else stored_schema_keys(con, self.path))
            self._init_schema()
            self._views = {
                name: (signature, json.loads(columns or "[]"))
                for name, signature, columns in con.execute(
                    "SELECT name, view_signature, frame_columns FROM _variables").fetchall()
            }
            if not self.read_only:
                self._repair_views()
        except duckdb.Error as exc:  # a file DuckDB opens but cannot read: damaged
            con.close()
            self._con = None
            raise storage_fault(self.path, exc) or NotADatabaseError(
                f"{self.path!r} cannot be read as a SciStack database "
                f"({str(exc).splitlines()[0]}); the file may be damaged: restore it from a backup"
            ) from exc
        except BaseException:
            con.close()
            self._con = None
            raise

    def _reopen(self) -> None:
        """Open the file again after DuckDB invalidated it (a fatal error, such as a
        checkpoint that found the disk full): the object then holds what the file holds.
        If that fails too, the next call tries again."""
        with self._lock.held():
            with contextlib.suppress(duckdb.Error):
                self._close_connections()
            self._indexes.clear()
            self.__dict__.pop("_record_columns", None)
            self.__dict__.pop("_array_pieces", None)
            self._last_array_id = None
            self._reopen_due = True
            self._open_connections()
            self._reopen_due = False

    @contextlib.contextmanager
    def _storage_faults(self) -> Iterator[None]:
        """Raise DuckDB's faults of the file (damaged, full, unreachable) as SciStack
        errors, reopening the file when DuckDB gave up on it, and a query Ctrl-C
        cancelled as ``KeyboardInterrupt``."""
        try:
            with interrupts_as_keyboard():
                yield
        except duckdb.Error as exc:
            fault = storage_fault(self.path, exc)
            if invalidated(exc):
                with contextlib.suppress(DatabaseError):
                    self._reopen()
            if fault is None:
                raise
            raise fault from exc

    # ------------------------------------------------------------------ lifecycle

    @property
    def cx(self) -> duckdb.DuckDBPyConnection:
        """The engine's connection for the calling thread (internal).

        The writing connection when the thread holds the write lock (inside
        :meth:`transaction` or a save), else the thread's own cursor, which reads what
        is committed.
        """
        if self._con is None and self._reopen_due:
            self._reopen()
        if self._con is None:
            raise DatabaseError(f"database {self.path!r} is closed; configure it again")
        return self._con if self._lock.mine else self._readers.get()

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection for your own SQL on this database (``db.con.sql(...)``).

        Each thread gets its own, separate from the engine's, so a result left open here
        never blocks a save.
        """
        self.cx  # noqa: B018 - a closed (or not yet reopened) database says so
        return self._user_cons.get()

    @property
    def is_open(self) -> bool:
        return self._con is not None or self._reopen_due

    def close(self) -> None:
        """Close the file (idempotent). Committed data is already durable; what was
        registered with :meth:`before_close` is written first."""
        callbacks, self._before_close = self._before_close, []
        try:
            if self._con is not None:
                for callback in callbacks:
                    callback()
        finally:  # a failed write still closes the file (and its error is raised)
            self._close_file()

    def _close_file(self) -> None:
        with self._lock.held():
            self._reopen_due = False
            if self._con is None:
                return
            if _open_files.get(os.path.abspath(self.path)) is self:
                del _open_files[os.path.abspath(self.path)]
            try:
                self._close_connections()
            except duckdb.Error as exc:  # a last checkpoint failed: the WAL keeps the data
                fault = storage_fault(self.path, exc)
                if fault is None and not invalidated(exc):
                    raise
                warnings.warn(f"database {self.path!r} closed without folding its write-ahead "
                              f"log into the file ({fault or exc}); every commit is kept in "
                              f"{self.path + '.wal'!r} and replayed when the file is next "
                              "opened", UnfoldedCloseWarning, stacklevel=2)

    def _close_connections(self) -> None:
        con, self._con = self._con, None
        if con is not None:
            self._user_cons.close()
            self._readers.close()
            self._piece_writer.close()
            con.close()

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
        tables = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        }
        if "_scistack" in tables:
            stored = dict(con.execute("SELECT key, value FROM _scistack").fetchall())
            stored_keys = json.loads(stored.get("schema_keys", "[]"))
            if stored_keys != self.schema_keys:
                raise SchemaMismatchError(
                    f"database {self.path!r} was created with schema keys {stored_keys}, not "
                    f"{self.schema_keys}; open it with {stored_keys} or use another file"
                )
            layout = stored.get("format_version", "1")
            if not layout.isdigit() or int(layout) > int(FORMAT_VERSION):
                raise DatabaseError(
                    f"database {self.path!r} has the layout of format {layout}, newer than this "
                    f"SciStack's ({FORMAT_VERSION}); open it with a newer SciStack")
            if not self.read_only:
                upgrade_runlog_tables(con)
                if layout != FORMAT_VERSION:
                    self._upgrade_layout(layout)
            return
        if tables - {"_scistack"} and not tables & {"_records"}:
            raise NotADatabaseError(
                f"{self.path!r} is a DuckDB file but not a SciStack database (it has tables "
                f"{sorted(tables)[:5]}); use another file"
            )
        if self.read_only:
            raise DatabaseError(
                f"{self.path!r} holds no SciStack database yet; open it read-write first"
            )
        key_columns = "".join(f", {quote_identifier(k)} VARCHAR" for k in self.schema_keys)
        con.execute("BEGIN")
        con.execute("CREATE TABLE _scistack (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO _scistack VALUES ('schema_keys', ?), ('format_version', ?), "
                    "('display_text', '1')", [json.dumps(self.schema_keys), FORMAT_VERSION])
        con.execute("CREATE TABLE _variables (name VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ, "
                    "view_signature VARCHAR, frame_columns VARCHAR)")
        con.execute(
            "CREATE TABLE _records (record_id VARCHAR NOT NULL, variable VARCHAR NOT NULL, "
            "address VARCHAR NOT NULL, version INTEGER NOT NULL" + key_columns + ", "
            "kind VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, value_num DOUBLE, "
            "value_int BIGINT, value_txt VARCHAR, value_arr DOUBLE[], value_array_id BIGINT, "
            "shape VARCHAR, payload BLOB, cache_key VARCHAR, lineage VARCHAR, "
            "output_index SMALLINT, created_at TIMESTAMPTZ NOT NULL)"
        )
        con.execute(RECORD_ID_INDEX)
        arrays.create_table(con)
        create_runlog_tables(con)
        con.execute("COMMIT")

    def _upgrade_layout(self, layout: str) -> None:
        """Bring a file of format 1 or 2 to :data:`FORMAT_VERSION`: format 1 gains the
        table of array bytes (its arrays stay where they are, in ``value_arr``), format 2
        the ``piece`` column of that table (each of its arrays is piece 0); the views are
        rebuilt by :meth:`_repair_views`."""
        with self.transaction():
            if layout == "1":
                self.cx.execute("ALTER TABLE _records ADD COLUMN value_array_id BIGINT")
                arrays.create_table(self.cx)
            else:
                arrays.add_piece_column(self.cx)
            self.cx.execute("UPDATE _scistack SET value = ? WHERE key = 'format_version'",
                            [FORMAT_VERSION])

    def _repair_views(self) -> None:
        """Rebuild the view of any variable whose records have no view, a view made for
        other kinds of values (a file written by a SciStack that committed a new
        variable's records and its view separately, and was killed between the two), or
        a view of an older :data:`~scistack_engine.views.VIEW_FORMAT`."""
        self._add_display_texts()
        kinds_of = dict(self.cx.execute(
            "SELECT variable, list(DISTINCT kind ORDER BY kind) FROM _records GROUP BY variable"
        ).fetchall())
        views = {row[0].lower() for row in self.cx.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'VIEW'").fetchall()}
        stale = []
        for variable, kinds in kinds_of.items():
            signature, columns = self._views.get(variable, (None, None))
            built = json.loads(signature) if signature else {}
            if (variable.lower() not in views or built.get("kinds") != sorted(kinds)
                    or built.get("format") != VIEW_FORMAT):
                if columns is None:
                    columns = self._frame_columns_in_file(variable)
                self._views[variable] = (None, columns)
                stale.append(variable)
        if stale:
            with self.transaction():
                self._refresh_views(stale, {})

    def _add_display_texts(self) -> None:
        """Give the ``wire`` records of a file from before values had JSON text in
        ``value_txt`` their text (once per file: ``_scistack`` then says so)."""
        [(done,)] = self.cx.execute(
            "SELECT count(*) FROM _scistack WHERE key = 'display_text'").fetchall()
        if done:
            return
        rows = self.cx.execute("SELECT record_id, payload FROM _records WHERE kind = 'wire' "
                               "AND value_txt IS NULL").fetchall()
        texts = pa.table({"record_id": pa.array([r[0] for r in rows], pa.string()),
                          "txt": pa.array([display_text(decode(r[1])) for r in rows],
                                          pa.string())})
        with self.transaction():
            if rows:
                self.cx.register("_scistack_display_texts", texts)
                try:
                    self.cx.execute("UPDATE _records SET value_txt = t.txt FROM "
                                    "_scistack_display_texts t WHERE _records.record_id = "
                                    "t.record_id")
                finally:
                    self.cx.unregister("_scistack_display_texts")
            self.cx.execute("INSERT INTO _scistack VALUES ('display_text', '1')")

    def _frame_columns_in_file(self, variable: str) -> list[str]:
        """The user columns of a variable's DataFrame row table ([] when it has none)."""
        table = rows_table(variable)
        return [row[0] for row in self.cx.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()
            if row[0] not in (ROW_RECORD, ROW_POSITION)]

    # ------------------------------------------------------------------ index

    def index(self, variable: str) -> VariableIndex:
        """The index of ``variable``'s records (loaded with one query on first use)."""
        index = self._indexes.get(variable)
        if index is not None:
            return index
        with self._lock.held():  # loaded under the lock: no save lands half-way
            if variable in self._indexes:
                return self._indexes[variable]
            if self._surely_empty(variable):  # nothing to read
                index = self._indexes[variable] = VariableIndex(variable, self.schema_keys)
                return index
            with self._storage_faults():
                rows = self.cx.execute(f"{_INDEX_ROWS} ORDER BY version", [variable]).fetchall()
            index = self._indexes[variable] = VariableIndex.from_rows(
                variable, self.schema_keys, rows
            )
        return index

    def window(self, variable: str, values: Mapping[str, Iterable[MetaValue]]) -> VariableIndex:
        """An index of the records of ``variable`` that a query with these metadata values
        may match: the whole index when it is loaded, else one of just those records, read
        with one query and not kept (how a for_each over a large grid holds a block of
        records instead of every record; see :meth:`save_batch`'s ``windowed``).

        ``values`` maps metadata keys to the values a query will ask for; a key maps only
        where every query asks for one of its values. The window holds every record that
        has each of these schema keys at one of its values (a superset of what any such
        query matches), and the key types of the whole variable, so a query answered by
        it matches what the whole index would match.
        """
        index = self._indexes.get(variable)
        if index is not None:
            return index
        if self._surely_empty(variable):
            return VariableIndex(variable, self.schema_keys)
        signature = self._views.get(variable, (None,))[0]
        if signature is None:  # no view (read-only), or one stored before view signatures
            return self.index(variable)
        key_types = ViewShape.from_signature(variable, signature).key_types
        where = ""
        params: list[Any] = [variable]
        for key, key_values in values.items():
            if key in self.schema_keys and key in key_types:
                where += f" AND {quote_identifier(key)} IN (SELECT unnest(?))"
                texts = {_display(v) for v in key_values}
                params.append(sorted(t for t in texts if t is not None))
        with self._lock.held(), self._storage_faults():
            rows = self.cx.execute(f"{_INDEX_ROWS}{where} ORDER BY version", params).fetchall()
        window = VariableIndex.from_rows(variable, self.schema_keys, rows)
        window.key_types = key_types
        return window

    def _surely_empty(self, variable: str) -> bool:
        """Whether ``variable`` has no records without asking the file: a file opened
        read-write has a view for every variable with records (views are repaired on
        opening); a read-only one may lack a view that a crash left unmade."""
        return not self.read_only and variable not in self._views

    def key_values(self, variable: str, key: str) -> set[MetaValue]:
        """Every value that ``key`` takes in the metadata of ``variable``'s records (from
        the index when it is loaded, else with one query)."""
        index = self._indexes.get(variable)
        if index is not None:
            return {entry.metadata[key] for entry in index.addresses.values()
                    if key in entry.metadata}
        if self._surely_empty(variable):
            return set()
        with self._lock.held(), self._storage_faults():
            texts = self.cx.execute(
                "SELECT DISTINCT json_extract(address, ?)::VARCHAR FROM _records "
                "WHERE variable = ?", [f"$.{key}", variable]).fetchall()
        return {json.loads(text) for (text,) in texts if text is not None}

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
        with self._lock.held():
            self._add_schema_key(key)

    def _add_schema_key(self, key: str) -> None:
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
                self._refresh_views(list(self._views), {})
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

    def save_batch(self, items: Sequence[SaveItem], *, windowed: bool = False
                   ) -> list[RecordInfo]:
        """Save many records in one transaction; return one :class:`RecordInfo` per item.

        Every key and value is validated and encoded before anything is written, so a bad
        item changes nothing; a key that is not a schema key is an
        :class:`~scistack_engine.metadata.UnknownMetadataKeyError`. An item whose content
        (and cache key) equals the latest version at its address is not written again; its
        existing record is returned.

        ``windowed`` saves without loading the index of a variable whose index is not
        loaded: the latest versions at the items' addresses are read with one query
        (:meth:`window`) and the index stays unloaded (it is loaded, with these records,
        when something needs it). The records are the same either way.
        """
        self._check_writable()
        with gc_paused(), self._lock.held(), self._storage_faults():
            return self._save_batch(items, windowed)

    def save_columns(self, variable: str, metadata: Mapping[str, Any], values: Any, *,
                     cache_keys: Sequence[str | None] | None = None,
                     lineages: Sequence[str | None] | None = None,
                     output_index: int | None = None, windowed: bool = False
                     ) -> list[RecordInfo]:
        """Save one record of ``variable`` per row of columns (a DataFrame's columns);
        return one :class:`RecordInfo` per row (``windowed``: as for :meth:`save_batch`).

        ``metadata`` maps each key to its column and ``values`` is the column of values
        (pandas Series, NumPy arrays or lists of one length; a row's value is the
        column's ``tolist()`` element); ``cache_keys`` and ``lineages`` (lineage records
        as JSON text, as :meth:`save_batch` writes them) are columns too, and
        ``output_index`` is every row's. The result is that of :meth:`save_batch` of one
        item per row — the same records, versions, record ids and content hashes — but a
        column of floats, ints, booleans or text is normalised, hashed and inserted
        column by column; any other column, and rows that repeat an address (whose
        versions follow one another), are saved item by item.
        """
        self._check_writable()
        stored = None
        if metadata and metadata.keys() <= frozenset(self.schema_keys):
            with contextlib.suppress(UnsupportedValueError):  # item by item says where
                stored = stored_columns(values)
        if stored is not None:
            key_columns = {key: normalize_column(key, column) for key, column in metadata.items()}
            with gc_paused():  # 10,000 dicts would trigger collections of everything
                addresses = addresses_of(key_columns)
                if len(set(addresses)) == len(addresses):
                    with self._lock.held(), self._storage_faults():
                        return self._save_columns(variable, addresses, key_columns, stored,
                                                  cache_keys, lineages, output_index,
                                                  windowed)
        columns = {key: _as_list(column) for key, column in metadata.items()}
        rows = [dict(zip(columns, row)) for row in zip(*columns.values())]
        keys, texts = cache_keys or [None] * len(rows), lineages or [None] * len(rows)
        return self.save_batch([
            SaveItem(variable, row, value, cache_key=key,
                     lineage=json.loads(text) if text else None, output_index=output_index)
            for row, value, key, text in zip(rows, _as_list(values), keys, texts)],
            windowed=windowed)

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyError(
                f"database {self.path!r} is open read-only; reopen it with read_only=False to save"
            )

    def _save_columns(self, variable: str, addresses: list[str],
                      key_columns: Mapping[str, list[Any]], stored: StoredColumns,
                      cache_keys: Sequence[str | None] | None,
                      lineages: Sequence[str | None] | None,
                      output_index: int | None, windowed: bool) -> list[RecordInfo]:
        """:meth:`save_columns` of rows at distinct ``addresses``, column by column: the
        latest version at each address, the rows that change it, their versions, record
        ids and records, and one Arrow table of them."""
        self._check_new_names([variable])
        n = len(addresses)
        keys = cache_keys or [None] * n
        digests = stored.content_hashes
        index = self.window(variable, key_columns) if windowed else self.index(variable)
        lookup = self._latest_lookup(variable, {}, index)
        if len(index) or (self._tx is not None and self._tx.latest):
            previous = list(map(lookup, addresses))
            kept = [position for position, (latest, digest, key) in enumerate(
                        zip(previous, digests, keys, strict=True))
                    if latest is None or not _unchanged(latest, digest, key, output_index)]
            versions: Sequence[int] = [latest.version + 1 if latest else 1
                                       for latest in previous]
        else:  # a variable without records: every row is its first version
            previous, kept, versions = [None] * n, list(range(n)), [1] * n

        def take(column: Sequence[Any]) -> Sequence[Any]:
            return column if len(kept) == n else [column[i] for i in kept]

        new: list[RecordInfo] = []
        if kept:
            kept_addresses, kept_digests, kept_keys = take(addresses), take(digests), take(keys)
            versions = take(versions)
            record_ids = _record_ids(variable, kept_addresses, versions, kept_digests)
            kept_columns = {key: take(column) for key, column in key_columns.items()}
            rows = list(map(dict, map(zip, repeat(list(kept_columns)),
                                      zip(*kept_columns.values()))))
            new = list(map(RecordInfo, record_ids, repeat(variable), kept_addresses, rows,
                           versions, kept_digests, repeat(stored.kind), kept_keys,
                           repeat(output_index)))
            table = self._record_table(len(new), dict(
                record_id=record_ids, variable=pa.repeat(variable, len(new)),
                address=kept_addresses, version=versions, cache_key=kept_keys,
                output_index=pa.repeat(pa.scalar(output_index, pa.int16()), len(new)),
                lineage=take(lineages) if lineages else None,
                **{key: _display_column(column) for key, column in kept_columns.items()},
                **_value_arrays(stored, kept)), dt.datetime.now(dt.timezone.utc))
            self._write(new, lambda: self.cx.from_arrow(table).insert_into("_records"),
                        key_columns=kept_columns, windowed=windowed)
        if len(new) == n:
            return new
        fresh = dict(zip(kept, new))
        return [fresh.get(position) or cast(RecordInfo, latest)
                for position, latest in enumerate(previous)]

    def _save_batch(self, items: Sequence[SaveItem], windowed: bool) -> list[RecordInfo]:
        schema = frozenset(self.schema_keys)
        for item in items:
            if not item.metadata.keys() <= schema:
                check_schema_keys(item.metadata, self.schema_keys,
                                  f"{item.variable} at {describe_metadata(item.metadata)}")
        normalized = [normalize_metadata(item.metadata) for item in items]
        indexes = self._save_windows(items, normalized) if windowed else {}
        now = dt.datetime.now(dt.timezone.utc)
        results: list[RecordInfo] = []
        new: list[tuple] = []  # (RecordInfo, StoredValue, lineage json)
        pending: dict[str, dict[str, RecordInfo]] = {}  # by variable, by address
        lookups: dict[str, Callable[[str], RecordInfo | None]] = {}
        self._check_new_names(item.variable for item in items)
        for item, metadata in zip(items, normalized):
            address = address_of(metadata)
            try:
                stored = to_stored(item.value, item.wire)
            except UnsupportedValueError as exc:
                raise UnsupportedValueError(
                    f"{item.variable} at {describe_metadata(metadata)}: {exc}") from exc
            lookup = lookups.get(item.variable)
            if lookup is None:
                lookup = lookups[item.variable] = self._latest_lookup(
                    item.variable, pending.setdefault(item.variable, {}),
                    indexes[item.variable] if windowed else self.index(item.variable))
            latest = lookup(address)
            if latest and _unchanged(latest, stored.content_hash, item.cache_key,
                                     item.output_index):
                results.append(latest)
                continue
            version = latest.version + 1 if latest else 1
            info = RecordInfo(_record_id(item.variable, address, version, stored.content_hash),
                              item.variable, address, metadata, version, stored.content_hash,
                              stored.kind, item.cache_key, item.output_index)
            pending[item.variable][address] = info
            lineage = (None if not item.lineage else item.lineage
                       if isinstance(item.lineage, str)
                       else json.dumps(item.lineage, sort_keys=True, default=str))
            new.append((info, stored, lineage))
            results.append(info)
        if new:
            ahead = self._commit_big_arrays([stored for _, stored, _ in new])
            try:
                self._write([info for info, _, _ in new],
                            lambda: self._insert_records(new, now, ahead),
                            [row for row in new if row[1].frame is not None],
                            one_statement=self._with_array_row(new, ahead)
                            or all(row[1].arr is None or id(row[1]) in ahead for row in new),
                            windowed=windowed)
            except BaseException:
                if ahead and self._con is not None and self._tx is None:  # else at ROLLBACK
                    with contextlib.suppress(duckdb.Error):
                        arrays.delete(self.cx, list(ahead.values()))
                raise
        return results

    def _commit_big_arrays(self, values: Sequence[StoredValue]) -> dict[int, int]:
        """Commit the pieces of each array longer than one piece ahead of its record
        (:mod:`scistack_engine.arrays`), each piece on its own; inside a transaction
        through a connection of their own (:meth:`transaction`). Return their array ids
        by ``id()`` of the stored value."""
        big = [v for v in values
               if v.arr is not None and v.arr.nbytes > arrays.PIECE_BYTES]
        if not big:
            return {}
        con = self.cx if self._tx is None else self._piece_writer
        ahead: dict[int, int] = {}
        # a lone save's pieces go without a checkpoint among them (a for_each batch's
        # keep DuckDB's threshold: deferred, its log would hold every array of the batch)
        logged = sum(cast(np.ndarray, v.arr).nbytes for v in big)
        deferred = (arrays.checkpoints_deferred(con, logged) if self._tx is None
                    else contextlib.nullcontext())
        try:
            with deferred:
                for stored in big:
                    assert stored.arr is not None
                    ahead[id(stored)] = self._take_array_ids(1)
                    arrays.commit_pieces(con, ahead[id(stored)], stored.arr)
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                arrays.delete(con, list(ahead.values()))
            raise
        if self._tx is not None:
            self._tx.ahead += ahead.values()
        return ahead

    def _save_windows(self, items: Sequence[SaveItem],
                      normalized: Sequence[Mapping[str, MetaValue]]) -> dict[str, VariableIndex]:
        """For a windowed save: per variable, the window (:meth:`window`) of its items'
        schema-key values (the keys every item of the variable has; ``normalized``: each
        item's metadata, normalised)."""
        values: dict[str, dict[str, set[MetaValue]]] = {}
        for item, metadata in zip(items, normalized):
            seen = values.get(item.variable)
            if seen is None:
                values[item.variable] = {key: {value} for key, value in metadata.items()}
                continue
            for key in list(seen):
                if key in metadata:
                    seen[key].add(metadata[key])
                else:
                    del seen[key]
        return {variable: self.window(variable, by_key) for variable, by_key in values.items()}

    def _latest_lookup(self, variable: str, pending: Mapping[str, RecordInfo],
                       index: VariableIndex) -> Callable[[str], RecordInfo | None]:
        """The latest version at an address of ``variable``: saved earlier in this batch
        (``pending``, by address), in the open transaction, or stored (in ``index``, its
        index or a window of it holding the addresses asked for)."""
        in_tx = self._tx.latest if self._tx is not None else None
        entries = index.addresses

        def latest(address: str) -> RecordInfo | None:
            info = pending.get(address)
            if info is None and in_tx:
                info = in_tx.get((variable, address))
            if info is None:
                entry = entries.get(address)
                info = entry.versions[-1] if entry is not None else None
            return info

        return latest

    def _check_new_names(self, variables: Iterable[str]) -> None:
        """Validate the name of each variable that has no records yet."""
        new_names: set = set()
        for variable in variables:
            if variable not in self._views and variable not in new_names:
                validate_identifier(variable, "variable name")
                self._check_name_is_distinct(variable, new_names)
                new_names.add(variable)

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

    def _write(self, infos: list[RecordInfo], insert: Callable[[], None],
               frames: Sequence[tuple] = (), one_statement: bool = True,
               key_columns: Mapping[str, Sequence[Any]] | None = None,
               windowed: bool = False) -> None:
        """Insert new records with ``insert`` (``one_statement`` or several), then the
        DataFrame rows of ``frames`` (``(RecordInfo, StoredValue, lineage)`` of frame
        values); the index learns of the records once they are committed (``windowed``:
        an index not loaded stays so). ``key_columns``, when the records are all of one
        variable and one kind, is their metadata as columns (their view shape and index
        entries are then made a column at a time).

        A record that changes its variable's view (a new variable, kind or key type, or
        DataFrame rows) commits in one transaction with the new view, so no crash leaves
        records without their view.
        """
        if key_columns is None:
            groups = _by_variable(infos)
            shapes = {variable: ViewShape.of_records(variable, group)
                      for variable, group in groups.items()}
        else:
            groups = {infos[0].variable: infos}
            shapes = {infos[0].variable: ViewShape.of_columns(infos[0].variable, infos[0].kind,
                                                              key_columns)}
        if not windowed:
            for variable in groups:
                self.index(variable)  # load it before the new rows land
        if (self._tx is None and one_statement and not frames
                and not self._stale_views(shapes, windowed)):
            # one statement is its own transaction: no BEGIN/COMMIT round trips
            insert()
            for variable, group in groups.items():
                if variable in self._indexes:
                    self._indexes[variable].extend(group, key_columns)
            return
        with self.transaction():
            assert self._tx is not None
            insert()
            self._tx.add(groups, shapes, key_columns, self._indexes)
            frame_columns = self._write_frames(frames)
            self._refresh_views(groups, frame_columns, windowed)

    def _shape(self, variable: str, records: ViewShape | None = None,
               windowed: bool = False) -> ViewShape:
        """The view shape of ``variable``: its indexed records (``windowed``, when its index
        is not loaded: its stored view signature), those of the open transaction, and the
        shape of ``records`` not yet in either."""
        if not windowed or variable in self._indexes:
            shape = ViewShape.of(self.index(variable))
        elif variable in self._views:
            shape = self.view_shape(variable)
        else:  # no records yet
            shape = ViewShape(variable, set(), {})
        pending = self._tx.shapes.get(variable) if self._tx is not None else None
        for more in (pending, records):
            if more is not None:
                shape.include(more)
        return shape

    def _stale_views(self, shapes: Mapping[str, ViewShape], windowed: bool = False) -> bool:
        """Whether records of these view shapes (by variable) change any of their views."""
        for variable, shape in shapes.items():
            signature, columns = self._views.get(variable, (None, []))
            if view_signature(self._shape(variable, shape, windowed), self.schema_keys,
                              columns) != signature:
                return True
        return False

    @staticmethod
    def _with_array_row(new: list[tuple], ahead: Mapping[int, int]) -> bool:
        """Whether ``new`` is one record whose array of one piece (not committed ``ahead``)
        is written by the record's own statement (:func:`arrays.with_row`)."""
        if len(new) != 1:
            return False
        arr = new[0][1].arr
        return (arr is not None and arr.nbytes <= arrays.PIECE_BYTES
                and id(new[0][1]) not in ahead and arrays.inserts_in_with())

    def _insert_records(self, new: list[tuple], now: dt.datetime,
                        ahead: Mapping[int, int]) -> None:
        """The arrays' bytes into ``_arrays`` (those not committed ``ahead``, by ``id()`` of
        their stored value), then the records: a parameterised INSERT for one record (the
        cheapest round trip; with its array of one piece, one statement for both), else a
        bulk insert from Arrow."""
        if self._with_array_row(new, ahead):
            info, stored, lineage = new[0]
            assert stored.arr is not None
            array_id = self._take_array_ids(1)
            self.cx.execute(arrays.with_row(self._insert_sql(select_from="new_array")),
                            [array_id, stored.arr.data.cast("B"),
                             *self._record_row(info, stored, lineage, array_id, now)])
            return
        array_ids: list[int | None] = [ahead.get(id(stored)) for _, stored, _ in new]
        positions = [i for i, (_, stored, _) in enumerate(new)
                     if stored.arr is not None and array_ids[i] is None]
        if positions:
            first = self._take_array_ids(len(positions))
            for offset, position in enumerate(positions):
                array_ids[position] = first + offset
            arrays.insert(self.cx, first, [new[i][1].arr for i in positions])
        if len(new) == 1:
            info, stored, lineage = new[0]
            self.cx.execute(self._insert_sql(),
                            self._record_row(info, stored, lineage, array_ids[0], now))
        else:
            self.cx.from_arrow(self._arrow_rows(new, now, array_ids)).insert_into("_records")

    def _take_array_ids(self, n: int) -> int:
        """The first of ``n`` new array ids, each larger than every id stored (the engine
        is the table's only writer; ids of a rolled-back save are not used again)."""
        if self._last_array_id is None:
            [(last,)] = self.cx.execute(
                "SELECT coalesce(max(array_id), 0) FROM _arrays").fetchall()
            self._last_array_id = int(last)
        first = self._last_array_id + 1
        self._last_array_id += n
        return first

    def _record_row(self, info: RecordInfo, stored: StoredValue, lineage: str | None,
                    array_id: int | None, now: dt.datetime) -> list:
        """The parameters of :meth:`_insert_sql` for one record."""
        return [info.record_id, info.variable, info.address, info.version,
                *[_display(info.metadata.get(k)) for k in self.schema_keys],
                stored.kind, stored.content_hash, stored.num, stored.int_, stored.txt, None,
                array_id, stored.shape, stored.payload, info.cache_key, lineage,
                info.output_index, now]

    def _insert_sql(self, select_from: str | None = None) -> str:
        """The INSERT of one row given in the order of :meth:`_arrow_rows`: its values, or
        (``select_from``) a SELECT of them from that one-row table."""
        columns = [*_RECORD_COLUMNS[:4], *self.schema_keys, *_RECORD_COLUMNS[4:]]
        values = ", ".join(["?"] * len(columns))
        rows = f"SELECT {values} FROM {select_from}" if select_from else f"VALUES ({values})"
        return f"INSERT INTO _records ({', '.join(map(quote_identifier, columns))}) {rows}"

    @functools.cached_property
    def _record_columns(self) -> list[str]:
        """The columns of ``_records`` in table order (a schema key added later is last)."""
        return [row[0] for row in self.cx.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = '_records' ORDER BY ordinal_position").fetchall()]

    def fold_log(self) -> bool:
        """Fold the write-ahead log into the file and let DuckDB drop its cached blocks,
        once the log holds :data:`buffers.FOLD_LOG_BYTES` (:func:`buffers.fold_log`;
        between transactions only); whether it did. A long run calls it after its commits
        so that DuckDB's memory is bounded by the log, not by the run."""
        if self.read_only or self.path == ":memory:":
            return False
        with self._lock.held():
            if self._tx is not None:
                return False
            with self._storage_faults():
                return buffers.fold_log(self.cx, self.path, self._memory_limit)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[list[Callable[[], None]]]:
        """One transaction around a block; nested blocks join the outer one.

        Views change inside it, with the records that change them; the index learns of
        the records saved inside it after the COMMIT (so other threads never see a record
        that is not committed). If the block or the COMMIT fails, everything is rolled
        back and this object's views are restored. The block gets a list to which it may
        append callbacks, run (still under the lock) once the outermost COMMIT succeeded;
        they are dropped on a rollback.

        A big array saved in it (longer than :data:`arrays.PIECE_BYTES`) has its pieces
        committed one by one ahead of the COMMIT, through a connection of its own, as a
        lone save does: written inside the transaction, DuckDB would hold the array
        until the COMMIT and then need 3x more to log it (docs/storage.md). The records
        stay atomic: no record refers to the pieces before the COMMIT, a rollback
        deletes them, a crash leaves them orphaned, never read. The block's connection
        does not see them (its snapshot is older): this object reads them through the
        connection that wrote them, so a load in the block returns them, but SQL run on
        the block's connection does not.
        """
        with self._lock.held():
            if self._tx is not None:
                yield self._tx.after_commit
                return
            con = self.cx
            tx = self._tx = _Transaction(dict(self._views))
            with self._storage_faults():
                try:
                    con.execute("BEGIN")
                    yield tx.after_commit
                    con.execute("COMMIT")
                except BaseException:
                    if self._con is not None:
                        with contextlib.suppress(duckdb.Error):  # a failed COMMIT ended it
                            con.execute("ROLLBACK")
                        if tx.ahead:
                            with contextlib.suppress(duckdb.Error):
                                arrays.delete(con, tx.ahead)
                    self._views = tx.views
                    raise
                finally:
                    self._tx = None
                    for variable in tx.unindexed:  # an index loaded inside it read its rows
                        self._indexes.pop(variable, None)
            for variable, infos, key_columns in tx.batches:
                if variable in self._indexes:
                    self._indexes[variable].extend(infos, key_columns)
            for callback in tx.after_commit:
                callback()

    def _arrow_rows(self, new: list[tuple], now: dt.datetime,
                    array_ids: list[int | None]) -> pa.Table:
        """The rows of ``_records`` for ``(RecordInfo, StoredValue, lineage)`` tuples whose
        arrays are stored as ``array_ids``."""
        infos: list[RecordInfo] = [row[0] for row in new]
        values: list[StoredValue] = [row[1] for row in new]
        return self._record_table(len(new), dict(
            record_id=[i.record_id for i in infos], variable=[i.variable for i in infos],
            address=[i.address for i in infos], version=[i.version for i in infos],
            **{key: _display_column([i.metadata.get(key) for i in infos])
               for key in self.schema_keys},
            kind=pa.array([v.kind for v in values], pa.string()),
            content_hash=pa.array([v.content_hash for v in values], pa.string()),
            value_num=pa.array([v.num for v in values], pa.float64()),
            value_int=pa.array([v.int_ for v in values], pa.int64()),
            value_txt=pa.array([v.txt for v in values], pa.string()),
            value_arr=pa.nulls(len(new), pa.large_list(pa.float64())),
            value_array_id=pa.array(array_ids, pa.int64()),
            shape=pa.array([v.shape for v in values], pa.string()),
            payload=pa.array([v.payload for v in values], pa.binary()),
            cache_key=[i.cache_key for i in infos], lineage=[row[2] for row in new],
            output_index=[i.output_index for i in infos]), now)

    def _record_table(self, n: int, columns: Mapping[str, Any], now: dt.datetime) -> pa.Table:
        """The ``n`` rows of ``_records`` (created ``now``) from ``columns``: the value
        columns (``kind`` to ``payload``) as Arrow arrays; ``record_id``, ``variable``,
        ``address``, ``version``, ``cache_key``, ``lineage``, ``output_index`` and each
        schema key's display text as lists or Arrow arrays; a schema key or ``lineage``
        not given is null. In the table's column order."""
        arrays: dict[str, pa.Array] = {}
        for name in self._record_columns:
            column = columns.get(name)
            if name == "created_at":
                arrays[name] = pa.repeat(pa.scalar(now, _CREATED_AT), n)
            elif column is None:
                arrays[name] = pa.nulls(n, pa.string())
            else:
                arrays[name] = column if isinstance(column, pa.Array) else pa.array(
                    column, _LIST_COLUMN_TYPES.get(name, pa.string()))
        return pa.table(arrays)

    def _write_frames(self, new: Sequence[tuple]) -> dict[str, list[str]]:
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

    def _refresh_views(self, variables: Iterable[str],
                       frame_columns: Mapping[str, list[str]], windowed: bool = False) -> None:
        """Rewrite the view of each variable whose records changed what it shows, or whose
        DataFrame rows were appended to (their row-table columns given); call inside the
        transaction that changed them (``windowed``: see :meth:`_shape`)."""
        for variable in variables:
            signature, columns = self._views.get(variable, (None, []))
            columns = frame_columns.get(variable, columns)
            shape = self._shape(variable, windowed=windowed)
            new_signature = view_signature(shape, self.schema_keys, columns)
            if new_signature == signature and variable not in frame_columns:
                continue
            self.cx.execute(view_sql(shape, self.schema_keys, columns))
            # a variable without a view has no row yet: a plain INSERT costs less
            self.cx.execute(
                "INSERT INTO _variables VALUES (?, ?, ?, ?)" + (
                    " ON CONFLICT (name) DO UPDATE SET view_signature = excluded.view_signature, "
                    "frame_columns = excluded.frame_columns" if variable in self._views else ""),
                [variable, dt.datetime.now(dt.timezone.utc), new_signature, json.dumps(columns)],
            )
            self._views[variable] = (new_signature, columns)

    # ------------------------------------------------------------------ finding and loading

    def require_variable(self, variable: str) -> VariableIndex:
        """The index of a variable that has records, or a clear error naming what exists."""
        self.require_records(variable)
        return self.index(variable)

    def require_records(self, variable: str) -> None:
        """A clear error naming what exists unless ``variable`` has records (known from
        its view: no index is loaded unless a read-only file lacks the view)."""
        if variable in self._views or (self.read_only and len(self.index(variable))):
            return
        known = ", ".join(self.variables()) or "none yet"
        raise UnknownVariableError(
            f"no records of variable {variable!r} in {self.path!r} (variables with "
            f"records: {known}); save some first"
        )

    def view_shape(self, variable: str) -> ViewShape:
        """The kinds and key types of a variable that has records, from its stored view
        signature (no index is loaded; the index when no signature is stored)."""
        signature = self._views.get(variable, (None,))[0]
        if signature is None:
            return ViewShape.of(self.require_variable(variable))
        return ViewShape.from_signature(variable, signature)

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
        return (
            next((v for v in entry.versions if v.record_id == record_id), None) if entry else None
        )

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
            present = sorted(
                {repr(e.metadata[key]) for e in index.addresses.values() if key in e.metadata}
            )
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
        with self._storage_faults():
            return self._read_values(records, wire)

    def _read_values(self, records: Sequence[RecordInfo], wire: bool) -> dict[str, Any]:
        if len(records) == 1 and records[0].kind != "array:f8":
            # a point read as plain rows is the cheapest round trip (arrays come as Arrow)
            record_id = records[0].record_id
            rows = self.cx.execute(f"SELECT {_SCALAR_SELECT} FROM _records WHERE record_id = ?",
                                   [record_id]).fetchall()
            if rows:
                kind, num, int_, txt, shape, payload = rows[0]
                return {record_id: _rebuild(kind, num, int_, txt, None, shape, payload, wire)}
        con = self.cx
        if len(records) == 1:  # one array: a point query, no join
            table = con.sql(
                f"SELECT record_id, {self.value_columns} FROM _records WHERE record_id = $id",
                params={"id": records[0].record_id},
            ).to_arrow_table()
        else:
            record_ids = list(dict.fromkeys(r.record_id for r in records))
            ids = con.from_arrow(pa.table({"record_id": pa.array(record_ids, pa.string())}))
            table = ids.join(con.table("_records"), "record_id").select(
                "record_id, " + self.value_columns).to_arrow_table()
        return _values_from_arrow(table, self._read_arrays(table), wire)

    @property
    def value_columns(self) -> str:
        """The value columns of ``_records`` as the ``SELECT`` list of every value read (a
        format-1 file open read-only has no ``value_array_id``: its arrays are all in
        ``value_arr``)."""
        array_id = ("value_array_id" if "value_array_id" in self._record_columns
                    else "CAST(NULL AS BIGINT) AS value_array_id")
        return f"kind, value_num, value_int, value_txt, value_arr, {array_id}, shape, payload"

    def _read_arrays(self, records: pa.Table) -> dict[int, np.ndarray]:
        """The flat float64 arrays of ``_arrays`` that the rows of ``records`` refer to,
        by array id (:func:`scistack_engine.arrays.read`)."""
        ids = records.column("value_array_id")
        wanted = ids.drop_null()
        if not len(wanted):
            return {}
        long = arrays.longer_than_a_piece(ids, records.column("shape"))
        ahead = frozenset(self._tx.ahead) if self._tx is not None else frozenset()
        return arrays.read(self.cx, wanted, self._array_pieces, long,
                           ahead=(self._piece_writer, ahead) if ahead else None)

    @functools.cached_property
    def _array_pieces(self) -> bool:
        """Whether ``_arrays`` has its ``piece`` column (not so in a format-2 file open
        read-only)."""
        return bool(self.cx.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'main' "
            "AND table_name = '_arrays' AND column_name = 'piece'").fetchall()[0][0])

    def record_batches(self, sql: str, params: Sequence[Any], rows: int, *, values: bool = True
                       ) -> Iterator[tuple[pa.RecordBatch, dict[str, Any]]]:
        """The rows of ``sql`` (a query of ``_records``; with ``values``, one selecting
        ``record_id`` and the value columns, among others) ``rows`` at a time as Arrow
        batches, each with its records' values by record id (none without ``values``).
        Read on a cursor of its own, so other queries may run between batches; it never
        holds more than a batch."""
        with self._storage_faults():
            cursor = self.cx.cursor()
        try:
            with self._storage_faults():
                reader = cursor.sql(sql, params=list(params)).to_arrow_reader(rows)
            while True:
                with self._storage_faults():
                    batch = next(reader, None)
                if batch is None:
                    return
                if not values:
                    yield batch, {}
                    continue
                table = pa.Table.from_batches([batch])
                yield batch, _values_from_arrow(table, self._read_arrays(table), wire=False)
        finally:
            cursor.close()

    def lineage_of(self, record_ids: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """The stored lineage (a dict, or None) of each record, read with one query."""
        if not record_ids:
            return {}
        with self._storage_faults():
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


@dataclass
class _Transaction:
    """The open transaction: what to restore if it rolls back."""

    views: dict[str, tuple]
    #: the array ids whose pieces committed ahead of it (deleted if it rolls back)
    ahead: list[int] = field(default_factory=list)
    #: records inserted in it, added to the indexes loaded after the COMMIT: (variable,
    #: its records, their metadata as columns or None), in the order they were inserted
    batches: list[tuple[str, list[RecordInfo], Mapping[str, Sequence[Any]] | None]] = field(
        default_factory=list)
    #: the variables whose records were inserted in it while their index was not loaded
    #: (a windowed save): an index loaded before it ends is dropped
    unindexed: set[str] = field(default_factory=set)
    #: the view shape of the records inserted in it, by variable
    shapes: dict[str, ViewShape] = field(default_factory=dict)
    #: what to do once it committed (see Database.transaction)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    #: :attr:`latest` of the first ``_folded`` batches
    _latest: dict[tuple[str, str], RecordInfo] = field(default_factory=dict)
    _folded: int = 0

    @property
    def latest(self) -> dict[tuple[str, str], RecordInfo]:
        """The latest record inserted in it at each (variable, address); made from the
        batches when asked for (a transaction that saves once never asks)."""
        for variable, infos, _ in self.batches[self._folded:]:
            self._latest.update(zip(zip(repeat(variable), (i.address for i in infos)), infos))
        self._folded = len(self.batches)
        return self._latest

    def add(self, groups: Mapping[str, list[RecordInfo]], shapes: Mapping[str, ViewShape],
            key_columns: Mapping[str, Sequence[Any]] | None,
            indexes: Mapping[str, VariableIndex]) -> None:
        """Records inserted, by variable, with their view shapes (``key_columns``: the
        metadata of the one variable's records as columns; ``indexes``: those loaded)."""
        for variable, infos in groups.items():
            self.batches.append((variable, infos, key_columns))
            if variable not in indexes:
                self.unindexed.add(variable)
            self.shapes.setdefault(variable, ViewShape(variable, set(), {})).include(
                shapes[variable])


def _unchanged(latest: RecordInfo, digest: str, cache_key: str | None,
               output_index: int | None) -> bool:
    """Whether a save of this content (and lineage) at ``latest``'s address adds nothing."""
    return (latest.content_hash == digest and latest.cache_key == cache_key
            and latest.output_index == output_index)


def _by_variable(infos: Iterable[RecordInfo]) -> dict[str, list[RecordInfo]]:
    groups: dict[str, list[RecordInfo]] = {}
    for info in infos:
        groups.setdefault(info.variable, []).append(info)
    return groups


def _as_list(column: Any) -> list[Any]:
    """The elements of a column as a DataFrame's ``tolist()`` gives them."""
    return column.tolist() if hasattr(column, "tolist") else list(column)


def _value_arrays(stored: StoredColumns, kept: list[int]) -> dict[str, pa.Array]:
    """The value columns of ``_records`` for the rows ``kept`` of a stored column."""
    n = len(kept)
    every = n == len(stored.content_hashes)
    take = None if every else np.asarray(kept, dtype=np.int64)

    def pick(array: np.ndarray | None, kind: pa.DataType) -> pa.Array:
        if array is None:
            return pa.nulls(n, kind)
        return pa.array(array if take is None else array[take], kind)

    hashes = stored.content_hashes if every else [stored.content_hashes[i] for i in kept]
    txt = stored.txt if stored.txt is None or every else [stored.txt[i] for i in kept]
    return dict(
        kind=pa.repeat(stored.kind, n),
        content_hash=pa.array(hashes, pa.string()),
        value_num=pick(stored.num, pa.float64()),
        value_int=pick(stored.int_, pa.int64()),
        value_txt=pa.nulls(n, pa.string()) if txt is None else pa.array(txt, pa.string()),
        value_arr=pa.nulls(n, pa.list_(pa.float64())),
        value_array_id=pa.nulls(n, pa.int64()),
        shape=pa.nulls(n, pa.string()),
        payload=pa.nulls(n, pa.binary()),
    )


def _values_from_arrow(table: pa.Table, arrays: Mapping[int, np.ndarray],
                       wire: bool) -> dict[str, Any]:
    """Rebuild each row's value (or, with ``wire``, its wire bytes) by record id; the
    arrays of ``_arrays`` are given by array id."""
    columns = {name: table.column(name).combine_chunks() if table.num_rows else table.column(name)
               for name in table.column_names}
    ids = columns["record_id"].to_pylist()
    kinds = columns["kind"].to_pylist()
    nums = columns["value_num"].to_pylist()
    ints = columns["value_int"].to_pylist()
    txts = columns["value_txt"].to_pylist()
    shapes = columns["shape"].to_pylist()
    if not wire:
        scalars = scalar_column(kinds, nums, ints, txts)
        if scalars is not None:
            return dict(zip(ids, scalars))
    payloads = columns["payload"]
    arr_col = columns["value_arr"]
    array_ids = columns["value_array_id"].to_pylist()
    out: dict[str, Any] = {}
    # pyarrow's arrays of the array:f8 rows of format 1, when there are any
    flat: Any = None
    offsets: Any = None
    if arr_col.null_count < len(arr_col):
        flat = arr_col.values.to_numpy(zero_copy_only=False)
        offsets = arr_col.offsets.to_numpy()
    for i, record_id in enumerate(ids):
        kind = kinds[i]
        arr = None
        if kind == "array:f8":
            array_id = array_ids[i]
            arr = flat[offsets[i]:offsets[i + 1]] if array_id is None else arrays[array_id]
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
