"""for_each planning: which combinations exist, what each one loads, and what it may skip.

A for_each over the database is *plan → execute → commit*. This module is the plan, for
both languages: given a language-neutral *spec* (plain dicts, so MATLAB sends the same), it

1. checks that every iterable is a schema key and resolves the iterables (an empty or
   missing list means every value the inputs have),
2. forms the combinations (their Cartesian product, in the order the iterables were
   given) a block at a time, never the whole grid (:class:`Plan`), and drops those the
   ``where`` filter rejects,
3. resolves each input of each combination to records through the variables' indexes
   (no value is read): a combination with a missing input is skipped with its reason,
4. when the spec carries a function fingerprint, computes each combination's cache key
   from the inputs' content hashes (a path input: its path and the content of the file,
   so an edited file runs again) and marks it *cached* when every output already has a
   record with that key,
5. hands out the remaining combinations in batches whose input values are read with one
   query per batch.

Spec format (all keys but ``inputs`` optional)::

    {"function": "bandpass_filter",
     "inputs": {"signal": {"kind": "variable", "variable": "RawEMG",
                           "fixed": {"session": "baseline"}, "columns": None},
                "both": {"kind": "merge", "parts": [<variable input>, ...]},
                "low_hz": {"kind": "constant", "value": 20},
                "path": {"kind": "path", "template": "raw/{subject}/{session}.csv"}},
     "outputs": ["FilteredEMG"],
     "iterables": {"subject": [1, 2, 3], "session": None},
     "where": <filter>, "as_table": False | True | ["signal"],
     "fingerprint": None | "<hex>", "skip_computed": True, "skip_existing": False,
     "batch_size": 500}

With a fingerprint, outputs are saved with the combination's lineage and cache key, and
``skip_computed`` skips a combination whose outputs were saved under its cache key (a
plain ``scidb.for_each`` records lineage with ``skip_computed`` false); ``skip_existing``
skips a combination whose every output already has a record at its metadata (a rerun
after an interruption continues where it stopped; a changed function is not noticed —
that needs ``skip_computed``).

A filter is ``{"op": "cmp", "variable": V, "column": C | None, "cmp": "==", "value": x}``
(``cmp`` one of ``== != < <= > >= isin``), ``{"op": "and" | "or", "args": [...]}``,
``{"op": "not", "arg": f}`` or ``{"op": "sql", "sql": "subject > 2"}`` (a SQL condition
over the combination's metadata columns).
"""

from __future__ import annotations

import itertools
import math
import operator
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import ScistackError
from .hashing import content_hash, file_hash
from .index import RecordInfo, VariableIndex
from .lineage import cache_key
from .metadata import address_of, check_schema_keys, describe_metadata, normalize_value
from .store import Database

__all__ = ["PlanError", "Combo", "Plan", "make_plan", "load_batch", "combo_lineage", "PLAN_BLOCK",
           "path_template"]

def path_template(template: str, root_folder: str | None = None) -> str:
    """A path input's template with the folder ``root_folder`` joined in front of it as it
    is (its braces escaped: they are not placeholders); both fronts' ``PathTemplate``."""
    if not root_folder:
        return template
    return os.path.join(root_folder.replace("{", "{{").replace("}", "}}"), template)


#: Combinations whose inputs are read in one query, and outputs committed at most together.
DEFAULT_BATCH_SIZE = 500

#: Combinations planned at a time (see :class:`Plan`): what a run holds of its grid.
PLAN_BLOCK = 2048

#: From this many combinations a run is *windowed* (see :class:`Plan`): it reads the records
#: of a block at a time instead of loading its variables' indexes.
WINDOWED_FROM = 20_000


class PlanError(ScistackError, ValueError):
    """A for_each spec that cannot be planned (bad input, unknown iterable, ...)."""

    identifier = "scistack:foreach:badSpec"


@dataclass(slots=True)
class Combo:
    """One combination of iterable values and what it needs."""

    index: int
    metadata: dict[str, Any]
    records: dict[str, list[RecordInfo]] = field(default_factory=dict)  # input -> records
    missing: str | None = None
    cache_key: str | None = None
    cached_records: list[str] = field(default_factory=list)
    stale: list[RecordInfo] = field(default_factory=list)  # cached, but not the latest version
    lineage: str | None = None  # its outputs' lineage as JSON text, when worked out already

    @property
    def status(self) -> str:
        if self.missing:
            return "skipped"
        return "cached" if self.cached_records else "run"


@dataclass
class _Context:
    """What planning each combination of a block reads besides its metadata: the index
    (or window) each variable input reads, by ``id()`` of its spec, and the outputs'."""

    fingerprint: str | None
    constants: dict[str, str]
    input_indexes: dict[int, VariableIndex]
    output_indexes: list[VariableIndex]


class Plan:
    """The combinations of a for_each, planned a block at a time, in order.

    The grid (the Cartesian product of the iterables) is never held: :meth:`blocks`
    forms :data:`PLAN_BLOCK` combinations at a time, drops those the ``where`` filter
    rejects and plans the rest against the database as it is then. Planning a block late
    gives the decisions planning it first would, because a combination's outputs are saved
    at its own address, which no other combination plans from — unless the run reads a
    variable it also writes, or an iterable lists a value twice; such a run is planned in
    one block, up front. (A path input is checked when its block is planned: a function
    that writes the files later combinations read is not supported.)

    A run of at least :data:`WINDOWED_FROM` combinations planned in blocks is *windowed*:
    each block reads, with one query per input and output, the records it may match
    (:meth:`Database.window`) instead of loading the variables' whole indexes, and its
    outputs are saved the same way (``windowed`` saves), so the run holds a block's
    records, not every record of its variables. The decisions are the same.
    """

    def __init__(self, db: Database, spec: Mapping[str, Any],
                 iterables: dict[str, list[Any]]) -> None:
        self.db = db
        self.spec = spec
        self.keys = list(iterables)
        self.iterables = iterables
        #: the number of combinations before the ``where`` filter
        self.grid_size = math.prod(len(values) for values in iterables.values())
        #: how many of them :meth:`blocks` has formed so far
        self.formed = 0
        read = {inp["variable"] for _, inp in _variable_inputs(spec)}
        read.update(_filter_variables(spec.get("where")))
        repeated = any(len(set(values)) < len(values) for values in iterables.values())
        independent = not (read & set(spec.get("outputs") or ()) or repeated)
        self.block_size = PLAN_BLOCK if independent else max(1, self.grid_size)
        #: whether the run reads its records a block at a time (see above)
        self.windowed = independent and self.grid_size >= WINDOWED_FROM

    def blocks(self) -> Iterator[list[Combo]]:
        """The planned combinations, a block at a time (each numbered in plan order)."""
        spec, db = self.spec, self.db
        fingerprint = spec.get("fingerprint")
        constants = {name: content_hash(inp["value"]) for name, inp in spec["inputs"].items()
                     if inp["kind"] == "constant"} if fingerprint else {}
        grid = itertools.product(*self.iterables.values())
        number = 0
        context = None
        while block := [dict(zip(self.keys, values))
                        for values in itertools.islice(grid, self.block_size)]:
            self.formed += len(block)
            if spec.get("where"):
                keep = evaluate_filter(db, spec["where"], block, self.keys)
                block = [m for m, k in zip(block, keep) if k]
            combos = [Combo(number + i, m) for i, m in enumerate(block)]
            number += len(combos)
            if context is None or self.windowed:
                context = _Context(fingerprint, constants, *self._indexes(block))
            for combo in combos:
                _plan_combo(spec, combo, context)
            yield combos

    def _indexes(self, block: list[dict[str, Any]]
                 ) -> tuple[dict[int, VariableIndex], list[VariableIndex]]:
        """The index each variable input and each output reads for ``block``: the whole
        indexes, or for a windowed run the windows of the block's metadata values."""
        db = self.db
        outputs = list(self.spec.get("outputs") or [])
        if not self.windowed:
            return ({id(inp): db.index(inp["variable"]) for _, inp in _variable_inputs(self.spec)},
                    [db.index(o) for o in outputs])
        values = {key: {m[key] for m in block} for key in self.keys}
        inputs = {}
        for _, inp in _variable_inputs(self.spec):
            fixed = inp.get("fixed") or {}
            asked = {key: v for key, v in values.items() if key not in fixed}
            asked.update({key: {normalize_value(key, v)} for key, v in fixed.items()})
            inputs[id(inp)] = db.window(inp["variable"], asked)
        return inputs, [db.window(o, values) for o in outputs]


# ------------------------------------------------------------------ spec helpers


def _variable_inputs(spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(input name, variable input spec) for every variable read, merge parts included."""
    for name, inp in spec["inputs"].items():
        if inp["kind"] == "variable":
            yield name, inp
        elif inp["kind"] == "merge":
            for part in inp["parts"]:
                yield name, part


def _check_spec(db: Database, spec: Mapping[str, Any]) -> None:
    if not spec.get("inputs") and not spec.get("iterables"):
        raise PlanError("for_each needs inputs or iterables")
    for name, inp in spec["inputs"].items():
        kind = inp.get("kind")
        if kind not in ("variable", "merge", "constant", "path"):
            raise PlanError(f"input {name!r} has unknown kind {kind!r}")
        if kind == "merge" and not inp.get("parts"):
            raise PlanError(f"Merge input {name!r} has no parts")
    check_schema_keys(spec.get("iterables") or {}, db.schema_keys,
                      f"for_each({spec.get('function') or '?'}) iterables")
    for _, inp in _variable_inputs(spec):
        db.require_records(inp["variable"])


def _resolve_iterables(db: Database, spec: Mapping[str, Any]) -> dict[str, list[Any]]:
    resolved: dict[str, list[Any]] = {}
    for key, values in (spec.get("iterables") or {}).items():
        if values is None or (isinstance(values, (list, tuple)) and len(values) == 0):
            present: set[tuple[str, Any]] = set()
            for _, inp in _variable_inputs(spec):
                if key in (inp.get("fixed") or {}):
                    continue
                present.update((type(value).__name__, value)
                               for value in db.key_values(inp["variable"], key))
            if not present:
                raise PlanError(
                    f"{key}=[] means every value of {key!r} in the inputs, but no input "
                    f"variable has records with the key {key!r}"
                )
            resolved[key] = [v for _, v in sorted(present)]  # by type name, then value
        else:
            resolved[key] = [normalize_value(key, v) for v in _as_list(values)]
    return resolved


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, np.ndarray):
        return values.reshape(-1).tolist()
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        return [values]
    return list(values)


# ------------------------------------------------------------------ planning


def _records_for(
    index: VariableIndex, inp: Mapping[str, Any], metadata: Mapping[str, Any]
) -> list[RecordInfo]:
    fixed = inp.get("fixed") or {}
    query = {k: (v,) for k, v in metadata.items() if k in index.key_types and k not in fixed}
    query.update({k: (normalize_value(k, v),) for k, v in fixed.items()})
    return [e.latest for e in index.find(query)]


def _describe(inp: Mapping[str, Any], metadata: Mapping[str, Any]) -> str:
    fixed = inp.get("fixed") or {}
    where = {**metadata, **fixed}
    return f"no {inp['variable']} record at {describe_metadata(where)}"


def make_plan(db: Database, spec: Mapping[str, Any]) -> Plan:
    """Plan a for_each: check the spec and resolve its iterables. Reads no values; the
    combinations are planned block by block as :meth:`Plan.blocks` is iterated."""
    _check_spec(db, spec)
    return Plan(db, spec, _resolve_iterables(db, spec))


def _filter_variables(where: Mapping[str, Any] | None) -> Iterator[str]:
    """The variables a ``where`` filter reads."""
    if not where:
        return
    if where.get("op") == "cmp":
        yield where["variable"]
    for arg in [*where.get("args", ()), *([where["arg"]] if "arg" in where else [])]:
        yield from _filter_variables(arg)


def _plan_combo(spec: Mapping[str, Any], combo: Combo, context: _Context) -> None:
    """Resolve one combination's input records, its cache key and whether it is cached."""
    indexes = context.input_indexes
    for name, inp in spec["inputs"].items():
        if inp["kind"] == "variable":
            found = _records_for(indexes[id(inp)], inp, combo.metadata)
            if not found:
                combo.missing = _describe(inp, combo.metadata)
                return
            combo.records[name] = found
        elif inp["kind"] == "merge":
            for position, part in enumerate(inp["parts"]):
                found = _records_for(indexes[id(part)], part, combo.metadata)
                if not found:
                    combo.missing = _describe(part, combo.metadata)
                    return
                combo.records[f"{name}\x00{position}"] = found
        elif inp["kind"] == "path":
            path = _format_path(inp["template"], combo.metadata)
            if not os.path.exists(path):
                combo.missing = f"file {path} does not exist"
                return
    output_indexes = context.output_indexes
    if context.fingerprint:
        combo.cache_key = cache_key(
            context.fingerprint, _input_hashes(spec, combo), context.constants, len(output_indexes)
        )
    mark_saved(spec, output_indexes, combo)


def mark_saved(spec: Mapping[str, Any], output_indexes: Sequence[Any], combo: Combo) -> None:
    """Set ``combo.cached_records`` (and ``stale``) when its outputs are saved already: under
    its cache key (``skip_computed``), or at its address at all (``skip_existing``)."""
    if combo.cache_key is not None and spec.get("skip_computed", True):
        hits = _cached_outputs(output_indexes, combo)
        combo.cached_records = [h.record_id for h in hits]
        # computed before, but a later run saved other versions over it
        combo.stale = [h for h, index in zip(hits, output_indexes)
                       if index.addresses[h.address].latest.record_id != h.record_id]
    if spec.get("skip_existing") and output_indexes and not combo.cached_records:
        address = address_of(combo.metadata)
        at_address = [index.latest_at(address) for index in output_indexes]
        latest = [info for info in at_address if info is not None]
        if len(latest) == len(at_address):
            combo.cached_records = [info.record_id for info in latest]


def mark_saved_all(spec: Mapping[str, Any], output_indexes: Sequence[Any],
                   combos: Sequence[Combo]) -> None:
    """:func:`mark_saved` of each of ``combos``, which nothing marked yet: a combination
    whose cache key no record of the first output holds is saved already only where
    ``skip_existing`` looks at its address, so it is passed over when that is off."""
    keyed = output_indexes[0].by_cache_key if output_indexes else {}
    every = not output_indexes or bool(spec.get("skip_existing"))
    for combo in combos:
        if every or combo.cache_key in keyed:
            mark_saved(spec, output_indexes, combo)


def _format_path(template: str, metadata: Mapping[str, Any]) -> str:
    try:
        return template.format(**metadata)
    except KeyError as exc:
        raise PlanError(f"path template {template!r} names {exc}, which is not an iterable "
                        f"(iterables: {list(metadata)})") from None


def _input_hashes(spec: Mapping[str, Any], combo: Combo) -> dict[str, str]:
    """Content hash of each data input of a combination (what its cache key reads)."""
    hashes: dict[str, str] = {}
    for name, inp in spec["inputs"].items():
        if inp["kind"] == "variable":
            hashes[name] = _input_hash(inp, combo.records[name], spec, name)
        elif inp["kind"] == "merge":
            parts = [_input_hash(part, combo.records[f"{name}\x00{i}"], spec, name)
                     for i, part in enumerate(inp["parts"])]
            hashes[name] = content_hash(["merge", parts])
        elif inp["kind"] == "path":
            path = _format_path(inp["template"], combo.metadata)
            hashes[name] = content_hash(["path", path, file_hash(path)])
    return hashes


def combo_lineage(plan: Plan, combo: Combo, language: str) -> dict[str, Any]:
    """The lineage record (as a dict) of a combination's outputs; its cache key is the
    combination's."""
    spec = plan.spec
    hashes = _input_hashes(spec, combo)
    inputs: dict[str, Any] = {}
    constants: dict[str, Any] = {}
    for name, inp in spec["inputs"].items():
        if inp["kind"] == "constant":
            constants[name] = {"value": inp["value"], "content_hash": content_hash(inp["value"])}
            continue
        records = [r for key, recs in combo.records.items()
                   if key == name or key.startswith(name + "\x00") for r in recs]
        one = records[0] if len(records) == 1 and inp["kind"] == "variable" else None
        inputs[name] = {
            "kind": "record",
            "variable": inp.get("variable") or inp["kind"],
            "metadata": dict(one.metadata) if one else dict(combo.metadata),
            "record_id": one.record_id if one else ",".join(r.record_id for r in records),
            "version": one.version if one else None,
            "content_hash": hashes[name],
        }
    return {"function_name": spec.get("function"), "fingerprint": spec["fingerprint"],
            "language": language, "n_outputs": len(spec.get("outputs") or []),
            "cache_key": combo.cache_key, "inputs": inputs, "constants": constants}


def _input_hash(inp: Mapping[str, Any], records: list[RecordInfo], spec: Mapping[str, Any],
                name: str) -> str:
    """What an input's value depends on: its records' content, its columns, its form."""
    hashes = [r.content_hash for r in records]
    if len(records) == 1 and not _wants_table(spec, name) and not inp.get("columns"):
        return hashes[0]
    return content_hash(["input", hashes, inp.get("columns"), _wants_table(spec, name),
                         [dict(r.metadata) for r in records] if len(records) > 1 else None])


def _cached_outputs(output_indexes: Sequence[Any], combo: Combo) -> list[RecordInfo]:
    """The records holding every output of ``combo`` under its cache key, else []."""
    found: list[RecordInfo] = []
    address = None  # worked out only when a record has the cache key (most have none)
    for index in output_indexes:
        keyed = index.by_cache_key.get(combo.cache_key, ())
        if keyed and address is None:
            address = address_of(combo.metadata)
        hits = [i for i in keyed if i.address == address]
        if not hits:
            return []
        found.append(hits[-1])
    return found


def _wants_table(spec: Mapping[str, Any], name: str) -> bool:
    as_table = spec.get("as_table")
    return bool(as_table) if isinstance(as_table, bool) or as_table is None else name in as_table


# ------------------------------------------------------------------ loading a batch


def load_batch(db: Database, plan: Plan, batch: Sequence[Combo]) -> list[dict[str, Any]]:
    """The input values of each combination of a batch (one value query for the batch)."""
    values = db.fetch_values([r for c in batch for recs in c.records.values() for r in recs])
    spec = plan.spec
    out: list[dict[str, Any]] = []
    for combo in batch:
        kwargs: dict[str, Any] = {}
        for name, inp in spec["inputs"].items():
            kind = inp["kind"]
            if kind == "constant":
                kwargs[name] = inp["value"]
            elif kind == "path":
                kwargs[name] = _format_path(inp["template"], combo.metadata)
            elif kind == "variable":
                kwargs[name] = _input_value(
                    inp, combo.records[name], values, _wants_table(spec, name)
                )
            else:
                parts = [(part, _input_value(part, combo.records[f"{name}\x00{i}"], values, False))
                         for i, part in enumerate(inp["parts"])]
                kwargs[name] = _merge(name, parts)
        out.append(kwargs)
    return out


def _input_value(inp: Mapping[str, Any], records: list[RecordInfo], values: Mapping[str, Any],
                 as_table: bool) -> Any:
    """One input's value: the record's value, or a list/table when several records match."""
    if len(records) == 1 and not as_table:
        return _select_columns(inp, values[records[0].record_id])
    if not as_table:
        return [_select_columns(inp, values[r.record_id]) for r in records]
    frame = pd.DataFrame([dict(r.metadata) for r in records])
    frame["data"] = pd.Series(
        [_select_columns(inp, values[r.record_id]) for r in records], dtype=object
    )
    return frame


def _select_columns(inp: Mapping[str, Any], value: Any) -> Any:
    columns = inp.get("columns")
    if columns is None:
        return value
    if not isinstance(value, pd.DataFrame):
        raise PlanError(f"{inp['variable']}[{columns!r}] selects columns, but the value is a "
                        f"{type(value).__name__}, not a DataFrame")
    missing = [c for c in _as_list(columns) if c not in value.columns]
    if missing:
        raise PlanError(
            f"{inp['variable']} has no column(s) {missing}; it has {list(value.columns)}"
        )
    if isinstance(columns, str):
        return value[columns].to_numpy()
    return value[list(columns)]


def _merge(name: str, parts: Sequence[tuple[Mapping[str, Any], Any]]) -> pd.DataFrame:
    """Merge inputs column-wise: DataFrames give their columns, other values one column."""
    frames = []
    for part, value in parts:
        if isinstance(value, pd.DataFrame):
            frames.append(value.reset_index(drop=True))
        else:
            label = part["variable"] if part.get("columns") is None else str(part["columns"])
            arr = np.asarray(value) if not np.isscalar(value) else np.array([value])
            frames.append(pd.DataFrame({label: list(arr) if arr.ndim > 1 else arr}))
    lengths = {len(f) for f in frames}
    if len(lengths - {1}) > 1:
        raise PlanError(f"Merge input {name!r}: parts have different lengths {sorted(lengths)}")
    n = max(lengths)
    frames = [f if len(f) == n else pd.concat([f] * n, ignore_index=True) for f in frames]
    return pd.concat(frames, axis=1)


# ------------------------------------------------------------------ filters

_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
            ">": operator.gt, ">=": operator.ge}


def evaluate_filter(db: Database, spec: Mapping[str, Any], metadata_list: list[dict[str, Any]],
                    keys: Sequence[str]) -> list[bool]:
    """Whether each combination passes a filter (one value query per variable filtered)."""
    op = spec.get("op")
    if op == "and":
        results = [evaluate_filter(db, a, metadata_list, keys) for a in spec["args"]]
        return [all(r) for r in zip(*results)] if results else [True] * len(metadata_list)
    if op == "or":
        results = [evaluate_filter(db, a, metadata_list, keys) for a in spec["args"]]
        return [any(r) for r in zip(*results)] if results else [False] * len(metadata_list)
    if op == "not":
        return [not r for r in evaluate_filter(db, spec["arg"], metadata_list, keys)]
    if op == "sql":
        return _sql_filter(db, spec["sql"], metadata_list, keys)
    if op == "cmp":
        return _compare_filter(db, spec, metadata_list)
    raise PlanError(f"unknown filter {spec!r}")


def _compare_filter(
    db: Database, spec: Mapping[str, Any], metadata_list: list[dict[str, Any]]
) -> list[bool]:
    index = db.require_variable(spec["variable"])
    per_combo = [_records_for(index, spec, m) for m in metadata_list]
    values = db.fetch_values([r for recs in per_combo for r in recs])
    cmp, target = spec["cmp"], spec["value"]

    def passes(value: Any) -> bool:
        if isinstance(value, pd.DataFrame):
            column = spec.get("column")
            if column is None:
                return False
            return any(passes(v) for v in value[column].tolist())
        if cmp == "isin":
            return any(_equal(value, t) for t in target)
        if cmp in ("==", "!="):
            return _equal(value, target) == (cmp == "==")
        try:
            return bool(_COMPARE[cmp](value, target))
        except (TypeError, ValueError):  # incomparable, or an array (no single truth value)
            return False

    return [any(passes(values[r.record_id]) for r in recs) for recs in per_combo]


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # incomparable, or an array (no single truth value)
        return False


def _sql_filter(
    db: Database, sql: str, metadata_list: list[dict[str, Any]], keys: Sequence[str]
) -> list[bool]:
    if not metadata_list:
        return []
    frame = pd.DataFrame(metadata_list, columns=list(keys))
    frame["_combo"] = np.arange(len(frame))
    rel = db.cx.from_df(frame)
    try:
        kept = rel.filter(sql).project("_combo").fetchall()
    except Exception as exc:  # duckdb raises several error classes for bad SQL
        raise PlanError(
            f"where=Sql({sql!r}) is not a valid condition over the columns {list(keys)}: {exc}"
        ) from exc
    keep = np.zeros(len(frame), dtype=bool)
    keep[[row[0] for row in kept]] = True
    return keep.tolist()
