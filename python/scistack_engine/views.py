"""The human-readable SQL view of each variable, and the row tables behind DataFrame views.

Every variable type gets a view named after it holding the latest version of each record:
its schema keys (and any other metadata keys its records use) as typed columns, then its
value, then ``version`` and ``record_id``. How ``value`` appears depends on what the
variable holds:

* numbers → ``DOUBLE`` (``BIGINT`` when every value is an integer), booleans → ``BOOLEAN``,
  text → ``VARCHAR``, float64 arrays → ``DOUBLE[]`` (flattened in C order) with their
  shape in a ``value_shape`` column (``BIGINT[]``): an array is stored as its raw bytes in
  ``_arrays`` (in pieces when big; or, saved by format 1, in ``_records.value_arr``), and
  the SQL macro :data:`ARRAY_MACROS` defines turns the bytes into the list;
* DataFrames → no ``value`` column: the view has one row per DataFrame row and the
  DataFrame's own columns, read from the variable's row table ``_rows_<Variable>``;
* every other value (dicts, lists, MATLAB structs, other arrays, ...) → its JSON text
  (:func:`~scistack_engine.payload.display_text`), and a mix of kinds → text; NULL only
  for a missing value.

A view's definition is derived from the variable's :class:`ViewShape` (what kinds and key
types its records have) and is replaced, in the transaction of the records that change
it, when that changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from .index import RecordInfo, VariableIndex
from .payload import BOOL_KINDS, FLOAT_KINDS, INT_KINDS

__all__ = ["VIEW_FORMAT", "ARRAY_MACROS", "ViewShape", "quote_identifier", "view_signature",
           "view_sql", "rows_table", "append_frame_rows"]


@dataclass
class ViewShape:
    """What a variable's view depends on: the kinds of its values and the types of each
    metadata key (type names, as the index keeps them)."""

    variable: str
    kinds: set[str]
    key_types: dict[str, set[str]]

    @classmethod
    def of(cls, index: VariableIndex) -> ViewShape:
        """The shape of the index's records."""
        return cls(index.variable, set(index.kinds),
                   {key: set(types) for key, types in index.key_types.items()})

    @classmethod
    def of_records(cls, variable: str, records: Iterable[RecordInfo]) -> ViewShape:
        """The shape of ``records`` alone."""
        records = list(records)
        shape = cls(variable, {info.kind for info in records}, {})
        pairs = {(key, type(value)) for info in records for key, value in info.metadata.items()}
        for key, kind in pairs:
            shape.key_types.setdefault(key, set()).add(kind.__name__)
        return shape

    @classmethod
    def of_columns(cls, variable: str, kind: str,
                   key_columns: Mapping[str, Sequence[Any]]) -> ViewShape:
        """The shape of records of one ``kind`` whose metadata are ``key_columns`` (each
        key's values, one per record): :meth:`of_records` of them, a column at a time."""
        return cls(variable, {kind},
                   {key: {t.__name__ for t in set(map(type, column))}
                    for key, column in key_columns.items() if len(column)})

    def include(self, other: ViewShape) -> ViewShape:
        """Add the kinds and key types of ``other``; return this shape."""
        self.kinds.update(other.kinds)
        for key, types in other.key_types.items():
            self.key_types.setdefault(key, set()).update(types)
        return self

    @classmethod
    def from_signature(cls, variable: str, signature: str) -> ViewShape:
        """The shape a stored :func:`view_signature` was made from."""
        built = json.loads(signature)
        return cls(variable, set(built["kinds"]),
                   {key: set(types) for key, types in built["keys"].items()})


def quote_identifier(name: str) -> str:
    """A double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


#: Internal columns of a row table; user columns with these names are renamed.
ROW_RECORD, ROW_POSITION = "__scistack_record_id", "__scistack_row"


def rows_table(variable: str) -> str:
    """Name of the table holding the rows of a variable's DataFrame values."""
    return f"_rows_{variable}"


def _key_cast(types: set) -> str | None:
    if types == {"int"}:
        return "BIGINT"
    if types <= {"int", "float"}:
        return "DOUBLE"
    if types == {"bool"}:
        return "BOOLEAN"
    return None


#: The version of the views' SQL; a view built by another version is rebuilt on open.
VIEW_FORMAT = 4

#: SQL macros, stored in the file, that read a ``BLOB`` of little-endian float64 as a
#: ``DOUBLE[]`` in any DuckDB from 1.1 on (which has no function reinterpreting bytes):
#: ``hex`` of the bytes reversed puts each element's 16 hex digits in order with the two
#: digits of every byte swapped, which the nibble masks undo; the 64-bit pattern is then
#: rebuilt exactly as sign × mantissa × a power of two (subnormals, zeros of either
#: sign, infinities and NaN included). It costs a few microseconds per element: a view
#: reads arrays for SQL, loads read the bytes themselves.
ARRAY_MACROS = (
    "CREATE OR REPLACE MACRO _scistack_f8_bits(x) AS CASE "
    "WHEN ((x >> 52) & 2047) = 2047 THEN CASE WHEN (x & 4503599627370495) = 0 THEN "
    "CASE WHEN (x >> 63) = 1 THEN CAST('-inf' AS DOUBLE) ELSE CAST('inf' AS DOUBLE) END "
    "ELSE CAST('nan' AS DOUBLE) END "
    "ELSE (CASE WHEN (x >> 63) = 1 THEN -1.0 ELSE 1.0 END) * CASE "
    "WHEN ((x >> 52) & 2047) = 0 "
    "THEN CAST(x & 4503599627370495 AS DOUBLE) * 4.9406564584124654e-324 "
    "ELSE (1.0 + CAST(x & 4503599627370495 AS DOUBLE) / 4503599627370496.0) "
    "* pow(2.0, CAST((x >> 52) & 2047 AS INTEGER) - 1023) END END",
    "CREATE OR REPLACE MACRO _scistack_f8_digits(w) AS _scistack_f8_bits("
    "((CAST('0x' || w AS UBIGINT) & 1085102592571150095) << 4) "
    "| ((CAST('0x' || w AS UBIGINT) >> 4) & 1085102592571150095))",
    "CREATE OR REPLACE MACRO _scistack_f8(b) AS list_reverse(list_transform("
    "regexp_extract_all(reverse(hex(b)), '.{16}'), lambda w: _scistack_f8_digits(w)))",
)

#: The list of a float64 array: its format-1 column, or its pieces in ``_arrays`` joined
#: in order (:data:`_ARRAY_JOIN`, as ``_a.arr``).
_ARRAY_EXPRESSION = "COALESCE(value_arr, _a.arr)"

#: The arrays of the latest records, each its pieces' lists joined in order (only the
#: pieces of those records are decoded).
_ARRAY_JOIN = (" LEFT JOIN (SELECT array_id, flatten(list(_scistack_f8(data) ORDER BY piece)) "
               "AS arr FROM _arrays WHERE array_id IN (SELECT value_array_id FROM latest) "
               "GROUP BY array_id) _a ON _a.array_id = latest.value_array_id")

#: A float64 array's shape ("2,3" in ``_records.shape``) as a list of integers.
_SHAPE_EXPRESSION = ("CASE WHEN latest.kind = 'array:f8' THEN CASE WHEN latest.shape = '' "
                     "THEN CAST([] AS BIGINT[]) ELSE CAST(string_split(latest.shape, ',') AS "
                     "BIGINT[]) END END AS value_shape")


def _value_expression(kinds: set) -> str | None:
    if kinds <= INT_KINDS:
        return "value_int"
    if kinds <= FLOAT_KINDS:
        return "value_num"
    if kinds <= FLOAT_KINDS | INT_KINDS:
        return "COALESCE(value_num, CAST(value_int AS DOUBLE))"
    if kinds <= BOOL_KINDS:
        return "CAST(value_int AS BOOLEAN)"
    if kinds == {"str"}:
        return "value_txt"
    if kinds == {"array:f8"}:
        return _ARRAY_EXPRESSION
    if kinds == {"frame"}:
        return None
    if kinds == {"wire"}:
        return "value_txt"
    arrays = f", CAST({_ARRAY_EXPRESSION} AS VARCHAR)" if "array:f8" in kinds else ""
    return f"COALESCE(CAST(value_num AS VARCHAR), CAST(value_int AS VARCHAR), value_txt{arrays})"


def view_signature(shape: ViewShape, schema_keys: Sequence[str],
                   frame_columns: Sequence[str]) -> str:
    """What the view's text depends on; the view is rebuilt when this changes."""
    return json.dumps(
        {
            "kinds": sorted(shape.kinds),
            "keys": {k: sorted(v) for k, v in sorted(shape.key_types.items())},
            "schema": list(schema_keys),
            "frame": list(frame_columns),
            "format": VIEW_FORMAT,
        },
        sort_keys=True,
    )


def view_sql(shape: ViewShape, schema_keys: Sequence[str],
             frame_columns: Sequence[str]) -> str:
    """``CREATE OR REPLACE VIEW`` text for a variable."""
    variable = shape.variable
    columns: list[str] = []
    key_names = list(schema_keys) + sorted(k for k in shape.key_types if k not in schema_keys)
    for key in key_names:
        types = shape.key_types.get(key, {"str"})
        # qualified: a DataFrame's own columns (joined in as f) may share a key's name
        source = ("latest." + quote_identifier(key) if key in schema_keys
                  else f"json_extract_string(latest.address, {_literal('$.' + key)})")
        cast = _key_cast(types)
        columns.append(f"{'CAST(' + source + ' AS ' + cast + ')' if cast else source} "
                       f"AS {quote_identifier(key)}")
    latest = (
        "SELECT * FROM _records WHERE variable = " + _literal(variable) +
        " QUALIFY row_number() OVER (PARTITION BY address ORDER BY version DESC) = 1"
    )
    order = ", ".join(str(i + 1) for i in range(len(key_names)))
    value = _value_expression(shape.kinds)
    if value is None:
        keep = [
            c for c in frame_columns if c not in key_names and c not in ("version", "record_id")
        ]
        selected = ", ".join(columns + [f"f.{quote_identifier(c)}" for c in keep]
                             + ["latest.version", "latest.record_id"])
        body = (f"SELECT {selected} FROM latest JOIN {quote_identifier(rows_table(variable))} f "
                f"ON f.{ROW_RECORD} = latest.record_id ORDER BY {order}, f.{ROW_POSITION}")
    else:
        arrays = "array:f8" in shape.kinds
        shape_column = [_SHAPE_EXPRESSION] if arrays else []
        selected = ", ".join(columns + [f"{value} AS value", *shape_column, "latest.version",
                                        "latest.record_id"])
        joined = _ARRAY_JOIN if arrays else ""
        body = f"SELECT {selected} FROM latest{joined} ORDER BY {order}"
    return (f"CREATE OR REPLACE VIEW {quote_identifier(variable)} AS "
            f"WITH latest AS ({latest}) {body}")


def _arrow_frame(frame: pd.DataFrame, record_id: str) -> pa.Table:
    """A DataFrame's rows as Arrow, every column SQL-typed (text where nothing else fits)."""
    data = {ROW_RECORD: pa.array([record_id] * len(frame), pa.string()),
            ROW_POSITION: pa.array(range(len(frame)), pa.int64())}
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        try:
            arr = pa.array(column, from_pandas=True)
            if pa.types.is_null(arr.type) or pa.types.is_dictionary(arr.type):
                raise pa.ArrowInvalid("no SQL type")
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            arr = pa.array([None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                            else str(v) for v in column], pa.string())
        data[_sql_column_name(str(name), data)] = arr
    return pa.table(data)


def _sql_column_name(name: str, taken: Mapping[str, Any]) -> str:
    """``name``, or ``name_2``, ``name_3``... when SQL (which ignores case) already has it."""
    lower = {t.lower() for t in taken}
    candidate, n = name, 1
    while candidate.lower() in lower:
        n += 1
        candidate = f"{name}_{n}"
    return candidate


def _casts_exactly(con: duckdb.DuckDBPyConnection, source: str, column: str, to_type: str,
                   from_type: str) -> bool:
    """Whether every value of ``source.column`` (of ``from_type``) survives a cast to
    ``to_type`` and back unchanged."""
    try:
        lost = con.execute(
            f"SELECT count(*) FROM {source} WHERE {column} IS DISTINCT FROM "
            f"TRY_CAST(TRY_CAST({column} AS {to_type}) AS {from_type})").fetchall()[0][0]
    except duckdb.Error:
        return False
    return lost == 0


def append_frame_rows(con: duckdb.DuckDBPyConnection, variable: str, record_id: str,
                      frame: pd.DataFrame, existing: Sequence[str]) -> list[str]:
    """Append a DataFrame's rows to the variable's row table; return its column names.

    New columns are added to the table; a column whose type no longer fits becomes text.
    Runs inside the caller's transaction.
    """
    table = quote_identifier(rows_table(variable))
    rows = _arrow_frame(frame, record_id)
    if not existing:
        con.from_arrow(rows).create(rows_table(variable))
        return [c for c in rows.column_names if c not in (ROW_RECORD, ROW_POSITION)]
    con.register("_scistack_frame_rows", rows)
    try:
        described = con.execute(f"DESCRIBE {table}").fetchall()
        have = {row[0]: row[1] for row in described}
        incoming = con.execute("DESCRIBE _scistack_frame_rows").fetchall()
        for name, sql_type, *_ in incoming:
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {quote_identifier(name)} {sql_type}")
            elif have[name] != sql_type and have[name] != "VARCHAR":
                column = quote_identifier(name)
                # keep the column's type only if every incoming value survives it exactly
                # (a DOUBLE 1.5 cast to BIGINT would show as 2); else widen to the incoming
                # type when the stored values survive that, else to text
                if not _casts_exactly(con, "_scistack_frame_rows", column, have[name], sql_type):
                    widened = (sql_type if _casts_exactly(con, table, column, sql_type, have[name])
                               else "VARCHAR")
                    con.execute(f"ALTER TABLE {table} ALTER {column} TYPE {widened}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _scistack_frame_rows")
    finally:
        con.unregister("_scistack_frame_rows")
    columns = list(existing)
    columns += [
        c for c in rows.column_names if c not in (ROW_RECORD, ROW_POSITION) and c not in columns
    ]
    return columns
