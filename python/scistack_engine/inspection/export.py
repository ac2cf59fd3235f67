"""A variable's latest records written to csv, parquet or ``.mat``, with a provenance sidecar.

What is exported is the variable's SQL view (:mod:`scistack_engine.views`): the latest
version at each address, its metadata columns, its value, ``version`` and ``record_id``,
optionally narrowed by metadata (``where={"subject": 1}``; a list means any of its
values). The filter is a parameterised ``WHERE`` on the view's key columns.

* **csv** and **parquet** are written by DuckDB itself (``COPY (SELECT ...) TO ...``):
  vectorised, no row passes through Python. A variable whose values have no SQL form
  (stored only as wire bytes) is refused: export it as ``.mat`` or load it in Python.
* **.mat** (MATLAB v5, ``scipy.io.savemat``) holds one struct array named after the
  variable, one element per record, with a field per metadata key, ``value``,
  ``version`` and ``record_id``. Values follow the MATLAB column of the type map in
  ``docs/data-model.md``, so MATLAB's and Octave's ``load`` give the class and size the
  toolbox would: float -> ``double``; an int -> ``double`` when exact, else ``int64``;
  NumPy scalars and arrays keep their class; a 1-D array is an N x 1 column; text ->
  ``char``; lists, tuples and object arrays -> cell arrays; dicts with text keys ->
  structs; None -> ``[]``. What ``.mat`` cannot hold (DataFrames, datetimes, integers
  outside int64, half-precision floats, dict keys that are not MATLAB names, text with
  characters outside the Basic Multilingual Plane) is refused, naming the record and the
  type. Values over v5's 2 GB are written as MATLAB v7.3 (HDF5, :mod:`.mat73`) with the
  same classes and sizes; ``mat_version="7.3"`` asks for that layout at any size. GNU
  Octave 7.3 reads non-ASCII text of v5 files wrongly (MATLAB reads it right): keep text
  ASCII for Octave. Octave's ``load`` reads a v7.3 file as plain HDF5 (see
  ``docs/cli.md``): use v5 for Octave.

Every export writes ``<OUT>.provenance.json`` beside the file: the variable, database,
filter and format, then per record (in no set order: key them by ``record_id``) its id,
metadata, version, content hash and what produced it (function, fingerprint, constants,
inputs). DuckDB writes each record's JSON object and the objects are streamed to the file
in Arrow batches.

The latest-version selection (the view's window over ``_records``, narrowed by the
filter) is computed once per export, into a temporary table that the data file and the
sidecar both read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..errors import UnsupportedValueError
from ..metadata import normalize_query
from ..store import Database
from ..views import quote_identifier
from .mat73 import write_mat73

__all__ = ["FORMATS", "MAT_VERSIONS", "export_variable", "write_data", "sidecar_path",
           "to_mat_value"]

FORMATS = ("csv", "parquet", "mat")
MAT_VERSIONS = ("5", "7.3")
_MAT_LIMIT = 2**31  # bytes a MATLAB v5 file can address
_MATLAB_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
_TABLES = itertools.count()  # names of the temporary selection tables
_SIDECAR_BATCH = 1 << 16  # records per batch of the sidecar's stream


def sidecar_path(path: str | os.PathLike) -> str:
    """Where the provenance of an export to ``path`` is written."""
    return f"{os.fspath(path)}.provenance.json"


def _where(db: Database, variable: str, where: Mapping[str, Any] | None) -> tuple[str, list]:
    """A parameterised WHERE over the view's key columns, and its parameters (a variable
    with no records is refused here)."""
    key_types = db.view_shape(variable).key_types
    if not where:
        return "", []
    clauses, params = [], []
    for key, options in normalize_query(where).items():
        if key not in key_types:
            used = ", ".join(sorted(key_types)) or "none"
            raise UnsupportedValueError(f"{variable} records have no key {key!r} to export by "
                                        f"(their keys: {used})")
        clauses.append(f"{quote_identifier(key)} IN ({', '.join('?' for _ in options)})")
        # the view casts a key column to its type when all values share one, else text
        types = key_types[key]
        typed = types <= {"int", "float"} or types == {"bool"}
        params += [v if typed or isinstance(v, str) else str(v) for v in options]
    return " WHERE " + " AND ".join(clauses), params


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_variable(db: Database, variable: str, path: str | os.PathLike, fmt: str | None = None,
                    where: Mapping[str, Any] | None = None, database: str | None = None,
                    mat_version: str | None = None) -> dict[str, Any]:
    """Write ``variable``'s latest records to ``path``; return a summary (rows, records,
    format, the sidecar's path).

    ``fmt`` is ``csv``, ``parquet`` or ``mat`` (default: from the file name). ``database``
    is the file the sidecar names (default: ``db``'s; a snapshot names what it copies).
    ``mat_version`` (``"5"`` or ``"7.3"``) forces a ``.mat`` layout; by default v5, and
    v7.3 (HDF5) when the values are more than v5's 2 GB. The view's rows are selected
    once, into a temporary table that both the data file and the sidecar read.
    """
    path = os.fspath(path)
    fmt = (fmt or os.path.splitext(path)[1].lstrip(".")).lower()
    if fmt not in FORMATS:
        raise UnsupportedValueError(f"cannot export to {fmt!r}: the formats are "
                                    f"{', '.join(FORMATS)} (give --format or a file name "
                                    "ending in one of them)")
    condition, params = _where(db, variable, where)
    with _selected(db, variable, condition, params) as source:
        rows = write_data(db, variable, path, fmt, source, mat_version)
        records = _write_sidecar(db, variable, path, fmt, where, source, database or db.path)
    return {"variable": variable, "path": path, "format": fmt, "rows": rows,
            "records": records, "provenance": sidecar_path(path)}


@contextlib.contextmanager
def _selected(db: Database, variable: str, condition: str, params: list) -> Iterator[str]:
    """The view's rows an export means, computed once into a temporary table (its name)."""
    table = f"_scistack_export_{os.getpid()}_{next(_TABLES)}"
    db.cx.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM "
                  f"{quote_identifier(variable)}{condition}", params)
    try:
        yield table
    finally:
        db.cx.execute(f"DROP TABLE IF EXISTS temp.{table}")


def write_data(db: Database, variable: str, path: str, fmt: str,
               source: str | None = None, mat_version: str | None = None) -> int:
    """The data file alone (no sidecar); returns the number of rows written.

    ``source`` is the relation holding the rows (default: the variable's whole view);
    ``mat_version`` as for :func:`export_variable`.
    """
    source = source or quote_identifier(variable)
    if mat_version is not None and (fmt != "mat" or mat_version not in MAT_VERSIONS):
        raise UnsupportedValueError(
            f"cannot write a .mat version {mat_version!r} as {fmt}: the .mat versions are "
            f"{', '.join(MAT_VERSIONS)} (and only a .mat export takes one)")
    if fmt == "mat":
        return _write_mat(db, variable, path, source, mat_version)
    if "wire" in db.view_shape(variable).kinds:
        [(wire,)] = db.cx.execute("SELECT count(*) FROM _records WHERE variable = ? AND "
                                  "kind = 'wire'", [variable]).fetchall()
        raise UnsupportedValueError(
            f"{variable} holds values with no SQL form ({wire} records stored as "
            f"wire bytes: lists, dicts, non-float arrays...), which {fmt} cannot hold; export "
            "it as .mat, or load it in Python or MATLAB")
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    # COPY answers one row: the number of rows it wrote
    [(written,)] = db.cx.execute(f"COPY (SELECT * FROM {source}) "
                                 f"TO {_sql_literal(path)} ({options})").fetchall()
    return written


def _write_sidecar(db: Database, variable: str, path: str, fmt: str,
                   where: Mapping[str, Any] | None, source: str, database: str) -> int:
    """The provenance sidecar: a header, then the records, streamed.

    DuckDB writes each record's JSON object (``to_json``, vectorised); Arrow joins a batch
    of them into one buffer, which goes to the file as it is: no row becomes a Python
    object and nothing is written twice.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    query = (
        "SELECT to_json(s) FROM (SELECT r.record_id, json(r.address) AS metadata, r.version, "
        "r.content_hash, json_extract_string(r.lineage, '$.function_name') AS function, "
        "json_extract_string(r.lineage, '$.fingerprint') AS fingerprint, "
        "json_extract_string(r.lineage, '$.language') AS language, "
        "json_extract(r.lineage, '$.constants') AS constants, "
        "json_extract(r.lineage, '$.inputs') AS inputs "
        f"FROM _records r WHERE r.variable = ? AND r.record_id IN "
        f"(SELECT record_id FROM {source})) s")
    [(count,)] = db.cx.execute(f"SELECT count(DISTINCT record_id) FROM {source}").fetchall()
    header = {"variable": variable, "database": os.path.abspath(database), "format": fmt,
              "file": os.path.basename(path), "where": dict(where or {}),
              "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
              "n_records": count}
    reader = db.cx.sql(query, params=[variable]).to_arrow_reader(_SIDECAR_BATCH)
    with open(sidecar_path(path), "wb") as out:
        out.write((json.dumps(header, indent=1, default=str)[:-2] + ',\n "records": [').encode())
        separator = b"\n"
        for batch in reader:
            lines = batch.column(0)
            if len(lines):
                whole = pa.ListArray.from_arrays(pa.array([0, len(lines)], pa.int32()), lines)
                out.write(separator)
                out.write(pc.binary_join(whole, ",\n")[0].as_buffer())
                separator = b",\n"
        out.write(b"\n]\n}\n")
    return count


# ------------------------------------------------------------------ .mat


def to_mat_value(value: Any, where: str) -> Any:
    """``value`` as what ``scipy.io.savemat`` writes as the MATLAB value of the type map;
    :class:`UnsupportedValueError` naming ``where`` when ``.mat`` cannot hold it."""
    import pandas as pd

    def refuse(what: str, fix: str = "export it as csv or parquet, or load it in Python") -> None:
        raise UnsupportedValueError(f"{where}: .mat cannot hold {what}; {fix}")

    if value is None:
        return np.zeros((0, 0))
    if isinstance(value, (bool, np.bool_)):
        return np.bool_(value)
    if isinstance(value, int):
        if abs(value) <= 2**53:
            return float(value)
        if -2**63 <= value < 2**63:
            return np.int64(value)
        refuse(f"the integer {value} (outside int64)", "store it as text or a float")
    if isinstance(value, str):
        if any(ord(c) > 0xFFFF for c in value):
            refuse(f"the text {value!r}: it has characters outside the Basic Multilingual "
                   "Plane, which a MATLAB char holds as two UTF-16 units (not one character)",
                   "export it as csv or parquet")
        return value
    if isinstance(value, (float, complex)):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind in "biufc" and value.dtype != np.float16:
            return np.asarray(value).reshape(1, 1)
        refuse(f"a NumPy {value.dtype} scalar")
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            cells = np.empty(value.shape if value.ndim != 1 else (value.size, 1), dtype=object)
            for i, item in enumerate(value.flat):
                cells.flat[i] = to_mat_value(item, where)
            return cells
        if value.dtype.kind == "U":
            return to_mat_value(value.astype(object), where)
        if value.dtype.kind not in "biufc" or value.dtype == np.float16:
            refuse(f"an array of {value.dtype}")
        return value.reshape(-1, 1) if value.ndim == 1 else value
    if isinstance(value, (list, tuple)):
        cells = np.empty((len(value), 1), dtype=object)
        for i, item in enumerate(value):
            cells[i, 0] = to_mat_value(item, where)
        return cells
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str) or not _MATLAB_NAME.match(key):
                refuse(f"a dict with the key {key!r} (struct field names are MATLAB names)")
        return {key: to_mat_value(item, where) for key, item in value.items()}
    if isinstance(value, (pd.DataFrame, pd.Series)):
        refuse("a DataFrame (a MATLAB table has no .mat form scipy can write)")
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        refuse(f"a {type(value).__name__} (a MATLAB datetime has no .mat form scipy can write)",
               "store it as ISO text or POSIX seconds")
    refuse(f"a {type(value).__name__}")
    return None  # unreachable: refuse raises


def _mat_bytes(value: Any) -> int:
    """About how many bytes of a .mat file ``value`` (as :func:`to_mat_value` gives it)
    takes: its data, the elements of cells and the fields of structs counted whole."""
    if isinstance(value, dict):
        return sum(_mat_bytes(v) for v in value.values())
    if isinstance(value, np.ndarray) and value.dtype == object:
        return sum(_mat_bytes(v) for v in value.flat)
    if isinstance(value, np.ndarray):
        return value.nbytes
    return 2 * len(value) if isinstance(value, str) else 16


def _mat_metadata(value: Any) -> Any:
    return (
        float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    )


def _write_mat(db: Database, variable: str, path: str, source: str,
               version: str | None) -> int:
    from scipy.io import savemat

    if not _MATLAB_NAME.match(variable):
        raise UnsupportedValueError(f"{variable!r} is not a MATLAB variable name, so .mat "
                                    "cannot hold it under that name")
    ids = [row[0] for row in db.cx.execute(
        f"SELECT DISTINCT record_id FROM {source}").fetchall()]
    wanted = set(ids)
    infos = sorted((e.latest for e in db.index(variable).addresses.values()
                    if e.latest.record_id in wanted),
                   key=lambda i: i.address)
    values = db.fetch_values(infos)
    keys = [k for k in db.schema_keys if any(k in i.metadata for i in infos)]
    fields = [*keys, "value", "version", "record_id"]
    structs = np.empty((len(infos), 1), dtype=[(f, object) for f in fields])
    size = 0
    for row, info in enumerate(infos):
        where = f"{variable} at " + ", ".join(f"{k}={v!r}" for k, v in info.metadata.items())
        value = to_mat_value(values[info.record_id], where)
        size += _mat_bytes(value)
        element = [_mat_metadata(info.metadata[k]) if k in info.metadata else np.zeros((0, 0))
                   for k in keys]
        structs[row, 0] = (*element, value, float(info.version), info.record_id)
    if version == "5" and size >= _MAT_LIMIT:
        raise UnsupportedValueError(
            f"{variable}: {size / 1e9:.1f} GB of values is more than a MATLAB v5 .mat file "
            "holds (2 GB); export it as .mat version 7.3 (--mat-version 7.3), fewer records "
            "with where=..., or as parquet")
    if version == "7.3" or (version is None and size >= _MAT_LIMIT):
        write_mat73(path, {variable: structs})
    else:
        savemat(path, {variable: structs}, oned_as="column", do_compression=False)
    return len(infos)
