"""Gateway adapter for the MATLAB ``+scidb`` and ``+scihist`` packages: databases, records,
provenance and for_each.

Each operation takes the request's ``args`` dict (a MATLAB struct on the other side) and
returns a value of the value model; none adds a rule of its own. Values that users save
or load travel as *nested* wire bytes (a uint8 vector inside the request or reply), so the
exact bytes MATLAB wrote — class hints included — are what the database stores, and what
MATLAB decodes on load. Replies are shaped so that the ``.m`` side decodes and encodes as
little as possible per record or combination (columns rather than lists of structs, one
wire list of values).

Databases are named by the handles of :mod:`scistack_engine.session` (small integers); a
request that names no handle uses the current database. Which records a load means is
:func:`scistack_engine.selection.select_records`; the operations here only shape replies.

=====================  ==============================================================
``db_open``            open/create a file: path, schema_keys, read_only → handle
``db_close``           close a handle (default: the current database); closing twice
                       is harmless
``db_configure``       path, arguments (configure_database's varargin), folder: open
                       the file as the current database, closing an earlier opening
``db_current``         the current database (handle, path, schema keys) or an error
``db_is_open``         whether the database of a handle is open
``add_schema_key``     add a schema key to a database (default: the current one) → keys
``save``               variable, metadata, value (wire), lineage → record id
``load``               variable, metadata, version, constants → records
``var_load``           records at an address (``version``/``version_id``: a number,
                       several, ``all`` or a record id), whether one instance is meant,
                       and for ``all`` (unless ``as_table`` is false) the metadata columns
                       (and ``record_id`` with ``include_record_id``) and every value
                       in one wire list
``list_versions``      variable, metadata → versions with when each was saved and what
                       produced it (a struct array)
``provenance``         variable, metadata, version (chain=true: upstream too, a struct
                       array)
``schema_provenance``  metadata → the provenance of every record at that address (a
                       struct array)
``var_group``          ``action`` add/remove (group, variables), get (group) or list
                       → the group's member names (or the group names)
``prune_lineage_cache`` drop what no saved record needs from the lineage cache →
                       dropped calls, dropped values, freed bytes
``metadata_pairs``     arguments, context → the metadata of a call's name/value pairs
                       (``scidb.Fixed``'s pinned keys)
``where_filter``       variable, column, cmp, value → ``scidb.where``'s filter spec
=====================  ==============================================================

The record operations (``save``, ``var_load``, ``list_versions``, ``provenance``,
``schema_provenance``) take their metadata and options as fields, or MATLAB's call as it
was made: ``arguments``, the name/value pairs, read by
:func:`.scidb_arguments.call_arguments`.

for_each runs are this front's part of the run operations (:mod:`.runs`): MATLAB numbers
arrive as doubles and its lists as (object) arrays; a for_each spec is
normalised here into the plain form ``scidb.for_each`` builds in Python (lists, integers
where the value is integral, ``None`` for "every value"), so a MATLAB and a Python
for_each plan, log and skip alike.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import cache_store, session, var_groups
from ..batches import Outcome, RunResult
from ..codec import ClassHint, body, encode, wire_list
from ..errors import (
    ForEachFailedWarning,
    ForEachInputsError,
    NoProvenanceWarning,
    NotConfiguredError,
)
from ..execution import ForEachRun
from ..foreach_options import ForEachOptions, is_matlab_name, settle_options, split_pairs
from ..index import RecordInfo
from ..metadata import MetadataError, normalize_value
from ..planner import PlanError, _wants_table, load_batch, path_template
from ..provenance import provenance, provenance_by_schema, provenance_chain, version_history
from ..selection import Selection, select_records, version_selector
from ..store import Database, SaveItem
from .dispatch import GatewayError, operation
from .matlab_args import (
    as_uint8,
    is_empty,
    is_many,
    items,
    metadata,
    one_or_list,
    stored_wire,
    struct_array,
    texts,
)
from .runs import register_front
from .scidb_arguments import call_arguments, configure_arguments, database_handle

__all__: list[str] = []



def _db(args: Mapping[str, Any]) -> Database:
    """The database a request names by ``handle``, else the current one."""
    return session.by_handle(args.get("handle"))


def _record_reply(info: RecordInfo, wire: bytes) -> dict[str, Any]:
    return {"record_id": info.record_id, "version": info.version, "metadata": dict(info.metadata),
            "content_hash": info.content_hash, "value": as_uint8(wire)}




def _column(values: list[Any]) -> Any:
    """One metadata column: numbers as a float array (NaN where a record lacks the key),
    booleans as a bool array, text as a list ("" where missing), anything else a list."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    if present and len(present) == len(values) and all(isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=bool)
    if present and all(isinstance(v, str) for v in present):
        return ["" if v is None else v for v in values]
    return list(values)




# ------------------------------------------------------------------ databases


def _opened(db: Database) -> dict[str, Any]:
    return {"handle": session.handle_of(db), "path": db.path,
            "schema_keys": list(db.schema_keys), "read_only": bool(db.read_only)}


@operation("db_open")
def _db_open(args: dict[str, Any]) -> dict[str, Any]:
    return _opened(session.open_database(
        str(args["path"]), texts(args["schema_keys"], "schema_keys"),
        read_only=bool(args.get("read_only", False))))


@operation("db_close")
def _db_close(args: dict[str, Any]) -> bool:
    """Close the database of ``handle`` (default: the current one); closing twice is
    harmless (False: there was nothing to close)."""
    handle = args.get("handle")
    if handle is not None and not _is_open(args):
        return False
    return session.close(None if handle is None else session.by_handle(handle))


@operation("db_is_open")
def _is_open(args: dict[str, Any]) -> bool:
    """Whether the database of ``handle`` is open."""
    try:
        session.by_handle(args["handle"])
    except NotConfiguredError:
        return False
    return True


@operation("db_configure")
def _db_configure(args: dict[str, Any]) -> dict[str, Any]:
    """``scidb.configure_database(path, arguments{:})`` called in MATLAB's ``folder``
    (:func:`.scidb_arguments.configure_arguments`): open the file as the current
    database; an earlier opening of it is closed first (after checking its schema keys),
    as ``scidb.configure_database`` does in Python."""
    call = configure_arguments(args.get("path"), args.get("arguments"), str(args["folder"]))
    return _opened(session.open_database(call.path, call.schema_keys, read_only=call.read_only,
                                         timeout=call.timeout, replace=True))


@operation("db_current")
def _db_current(args: dict[str, Any]) -> dict[str, Any]:
    """The current database (or the one named by ``handle``): handle, path, keys."""
    return _opened(_db(args))


@operation("add_schema_key")
def _add_schema_key(args: dict[str, Any]) -> dict[str, Any]:
    """Add ``key`` to the schema keys of the database; return them all."""
    db = _db(args)
    db.add_schema_key(args["key"])
    return {"schema_keys": list(db.schema_keys)}


# ------------------------------------------------------------------ records


@operation("save")
def _save(args: dict[str, Any]) -> str:
    """Save ``value`` (wire) at ``metadata``; a ``lineage`` (a result's) is saved with it,
    naming the result's ``output_index`` when the lineage does not."""
    args = call_arguments(args, ("db",), "save")
    lineage = args.get("lineage") or None
    if lineage and "output_index" in args and "output_index" not in lineage:
        lineage = {**lineage, "output_index": args["output_index"]}
    item = SaveItem(
        str(args["variable"]),
        metadata(args["metadata"]),
        wire=stored_wire(args["value"]),
        cache_key=lineage.get("cache_key") if lineage else None,
        lineage=lineage,
        output_index=int(args["output_index"]) if lineage and "output_index" in args else None,
    )
    return _db(args).save_batch([item])[0].record_id


@operation("load")
def _load(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Records at the metadata (latest versions, or ``version``); keywords that are not
    metadata keys select by lineage constant."""
    db = _db(args)
    infos = _select(db, args).records
    wires = db.fetch_wires(infos)
    return [_record_reply(i, wires[i.record_id]) for i in infos]


def _select(db: Database, args: Mapping[str, Any], every: bool = False) -> Selection:
    """The selection a load request means (MATLAB lists of values read as lists)."""
    version, version_id = (_version_arg(args.get(name)) for name in ("version", "version_id"))
    return select_records(db, str(args["variable"]), metadata(args.get("metadata")),
                          version_selector(version, version_id), every=every)


def _version_arg(value: Any) -> Any:
    """A version as MATLAB sends it: [] for none, a vector for several numbers."""
    if is_empty(value):
        return None
    return items(value) if is_many(value) else value


@operation("list_versions")
def _list_versions(args: dict[str, Any]) -> ClassHint:
    args = call_arguments(args, ("db",), "list_versions")
    return struct_array(
        version_history(_db(args), str(args["variable"]), metadata(args.get("metadata"))))


@operation("provenance")
def _provenance(args: dict[str, Any]) -> Any:
    args = call_arguments(args, ("version", "chain", "db"), "provenance")
    db = _db(args)
    given = args.get("version")
    version = None if given is None or is_empty(given) else int(given)
    where = (db, str(args["variable"]), metadata(args.get("metadata")), version)
    return struct_array(provenance_chain(*where)) if args.get("chain") else provenance(*where)


@operation("schema_provenance")
def _schema_provenance(args: dict[str, Any]) -> ClassHint:
    args = call_arguments(args, (), "get_provenance_by_schema")
    return struct_array(provenance_by_schema(_db(args), metadata(args.get("metadata"))))


@operation("var_group")
def _var_group(args: dict[str, Any]) -> list[str]:
    """Variable groups (:mod:`scistack_engine.var_groups`): ``action`` is ``add``,
    ``remove``, ``get`` (each answers the group's members) or ``list`` (the groups)."""
    db = _db(args)
    action = str(args.get("action"))
    if action == "list":
        return var_groups.list_var_groups(db)
    group = str(args["group"])
    if action == "get":
        return var_groups.get_var_group(db, group)
    change = {"add": var_groups.add_to_var_group, "remove": var_groups.remove_from_var_group}
    if action not in change:
        raise GatewayError(f"var_group: unknown action {action!r}",
                           identifier="scistack:gateway:badArgument")
    return change[action](db, group, texts(args.get("variables"), "variables"))


@operation("prune_lineage_cache")
def _prune_lineage_cache(args: dict[str, Any]) -> dict[str, int]:
    """:func:`scistack_engine.cache_store.prune_lineage_cache` on the database ``handle``."""
    return cache_store.prune_lineage_cache(_db(args))


_LOAD_ALL_OPTIONS = ("version", "version_id", "include_record_id", "db", "as_table")


@operation("metadata_pairs")
def _metadata_pairs(args: dict[str, Any]) -> dict[str, Any]:
    """The metadata of the name/value ``arguments`` of the MATLAB function ``context``
    (``scidb.Fixed``'s pinned keys), checked as every call's metadata pairs are."""
    return call_arguments(args, (), str(args.get("context") or "?"))["metadata"]


@operation("var_load")
def _var_load(args: dict[str, Any]) -> dict[str, Any]:
    """Records of ``variable`` at ``metadata`` (latest versions, or ``version``).

    ``single`` is true when one record is meant (:mod:`scistack_engine.selection`). With
    ``all`` nothing found is an empty result rather than an error (``load_all``), and the
    reply carries ``keys``, the metadata ``columns`` and ``values`` (every record's value
    in one wire list) instead of the records, the form of ``load_all(as_df=True)``, unless
    ``as_table`` is false. MATLAB's pairs (``arguments``) take the options of ``load``
    (``version``, ``db``) or, with ``all``, of ``load_all``.
    """
    want_all = bool(args.get("all", False))
    args = call_arguments(args, _LOAD_ALL_OPTIONS if want_all else ("version", "db"),
                          "load_all" if want_all else "load")
    db = _db(args)
    selection = _select(db, args, every=want_all)
    wires = db.fetch_wires(selection.records)
    if not (want_all and bool(args.get("as_table", True))):
        return {"records": [_record_reply(i, wires[i.record_id]) for i in selection.records],
                "single": selection.single}
    columns = selection.table_columns(bool(args.get("include_record_id", False)))
    return {"keys": list(columns),
            "columns": {k: _column(v) for k, v in columns.items()},
            "values": as_uint8(wire_list([body(wires[i.record_id])
                                          for i in selection.records]))}


# ------------------------------------------------------------------ for_each spec


def _name_list(value: Any) -> list[str]:
    return [str(v) for v in items(value)]


def _columns(value: Any) -> str | list[str] | None:
    """A column selection as ``scidb.Col`` sends it: none (empty), one name (char or
    string) or several (a cellstr or string array); anything else is badColumns."""
    if is_empty(value):
        return None
    names = items(value) if is_many(value) else [value]
    if not all(isinstance(name, str) and name for name in names):
        raise GatewayError("Col: columns are named by a char ('speed') or a cellstr "
                           "({'left', 'right'})", "scistack:arguments:badColumns")
    return value if isinstance(value, str) else names


def _variable_spec(inp: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": "variable", "variable": str(inp["variable"]),
            "fixed": metadata(inp.get("fixed")), "columns": _columns(inp.get("columns"))}


def _input_spec(name: str, inp: Any) -> dict[str, Any]:
    if not isinstance(inp, dict) or "kind" not in inp:
        raise PlanError(f"input {name!r}: not an input specification")
    kind = inp["kind"]
    if kind == "variable":
        return _variable_spec(inp)
    if kind == "merge":
        return {"kind": "merge", "parts": [_variable_spec(p) for p in items(inp.get("parts"))]}
    if kind == "path":
        root = inp.get("root_folder")
        return {"kind": "path", "template": path_template(
            str(inp["template"]), None if is_empty(root) else str(root))}
    if kind == "constant":
        return {"kind": "constant", "value": inp.get("value")}
    raise PlanError(f"input {name!r} has unknown kind {kind!r}")


def _iterable(key: str, values: Any) -> Any:
    """None for "every value", one value as itself, several as a list (numbers that are
    whole as int: MATLAB sends doubles), as the Python front passes them."""
    if is_empty(values):
        return None
    values = one_or_list(values)
    try:
        if not isinstance(values, list):
            return normalize_value(key, values)
        return [normalize_value(key, v) for v in values]
    except MetadataError:
        return values  # the planner reports it


#: The comparisons of MATLAB's ``scidb.where``, by the planner's name for each.
_MATLAB_COMPARISONS = {"==": "==", "~=": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">",
                       ">=": ">=", "isin": "isin"}


@operation("where_filter")
def _where_filter(args: dict[str, Any]) -> dict[str, Any]:
    """``scidb.where(VAR, OP, VALUE)`` as the planner's filter spec: the ``variable``'s
    name, the ``column`` of a ``scidb.Col`` ('' for the value itself), MATLAB's comparison
    ``cmp`` (``~=`` is ``!=``) and the ``value`` (for ``isin``, the allowed values)."""
    op = args.get("cmp")
    if not isinstance(op, str) or op not in _MATLAB_COMPARISONS:
        raise GatewayError("where: the comparison must be one of ==, ~=, <, <=, >, >=, isin",
                           "scistack:arguments:badFilter")
    value = items(args.get("value")) if op == "isin" else args.get("value")
    return {"op": "cmp", "variable": str(args["variable"]), "column": args.get("column", ""),
            "cmp": _MATLAB_COMPARISONS[op], "value": value}


def _filter_spec(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    if "args" in out:
        out["args"] = [_filter_spec(a) for a in items(out["args"])]
    if "arg" in out:
        out["arg"] = _filter_spec(out["arg"])
    if out.get("op") == "cmp":
        out["column"] = _columns(out.get("column"))
        if out.get("cmp") == "isin":
            out["value"] = items(out.get("value"))
    return out


def named_inputs(specs: list[Any], names: list[Any], form: str) -> dict[str, Any]:
    """The inputs of a MATLAB for_each by name, from their ``specs`` in argument order and
    the ``names`` the user gave with them: a struct's field names (``form`` ""), the
    names of a cell of name/value pairs (``"pairs"``: as many names as values, each text
    MATLAB takes as a name), or the classes of a variable group's members (``"group"``:
    variables alone). A name given twice is refused."""
    if form == "pairs" and len(names) != len(specs):
        raise ForEachInputsError(
            "for_each: inputs given as a cell are name/value pairs: {'signal', RawEMG()}")
    if form == "pairs" and not all(is_matlab_name(n) for n in names):
        raise ForEachInputsError("for_each: input names are valid MATLAB names given as text")
    for name, inp in zip(names, specs):
        if form == "group" and (not isinstance(inp, dict) or inp.get("kind") != "variable"):
            raise ForEachInputsError(
                "for_each: inputs given as a cell of variables (a variable group) hold only "
                f"variable instances, not a {name}")
    if len(set(names)) != len(names):
        raise ForEachInputsError(f"for_each: an input is named twice in {list(names)}")
    return {str(name): _input_spec(name, inp) for name, inp in zip(names, specs)}


def normalize_spec(spec: Mapping[str, Any], options: ForEachOptions) -> dict[str, Any]:
    """A for_each spec sent by MATLAB (``inputs`` a cell of specs, ``input_names`` and
    ``input_form`` as :func:`named_inputs` takes them), with its settled ``options``, in
    the form Python's ``scidb.for_each`` builds."""
    fingerprint = spec.get("fingerprint")
    return {
        "function": str(spec.get("function") or "?"),
        "inputs": named_inputs(items(spec.get("inputs")), items(spec.get("input_names")),
                               str(spec.get("input_form") or "")),
        "outputs": _name_list(spec.get("outputs")),
        "iterables": {str(k): _iterable(k, v) for k, v in (spec.get("iterables") or {}).items()},
        "where": options.where,
        "as_table": options.as_table,
        "batch_size": options.batch_size,
        "fingerprint": None if is_empty(fingerprint) else str(fingerprint),
        "skip_computed": options.skip_computed,
        "skip_existing": options.skip_existing,
    }


def matlab_options(given: Mapping[str, Any], lineage: bool) -> ForEachOptions:
    """The options of a MATLAB for_each (name → value as the user gave them; ``lineage``:
    scihist's or a Thunk's run), settled by the engine's rules."""
    given = dict(given)
    if isinstance(given.get("where"), dict):
        given["where"] = _filter_spec(given["where"])
    return settle_options(given, lineage=lineage, language="matlab")


# ------------------------------------------------------------------ for_each runs


class _ScidbFront:
    """``scidb.for_each``/``scihist.for_each`` runs for MATLAB's driver (see :mod:`.runs`).

    ``run_start`` takes ``spec`` (without iterables), ``pairs`` (MATLAB's name/value
    pairs: iterables and options, told apart by
    :func:`~scistack_engine.foreach_options.split_pairs`; a filter as its spec, the
    database as ``{"handle": h}``) and ``lineage``; the spec is normalised by
    :func:`normalize_spec`, the options settled by :func:`matlab_options`. Its reply says how
    MATLAB runs the function: ``send`` (outputs go to the engine; false keeps them in
    MATLAB), ``raise`` and ``progress`` (``None``: automatic). Input values go to MATLAB
    as stored bytes where a value is one record's (so MATLAB class hints survive);
    selections, tables and merges are built by the planner as in Python. Outputs arrive
    encoded and are stored as such. The result is the run's table as text and number
    columns, and the summary MATLAB returns as ``info``. A spec whose function MATLAB
    could not fingerprint (a run without lineage) says why in ``unfingerprinted``: the
    run saves without provenance and warns so
    (:class:`~scistack_engine.errors.NoProvenanceWarning`).
    """

    def start(self, args: Mapping[str, Any]) -> tuple[ForEachRun, dict[str, Any]]:
        given, iterables = split_pairs(items(args.get("pairs")), "scidb")
        handle = database_handle(given.pop("db", None))
        options = matlab_options(given, bool(args.get("lineage", False)))
        unfingerprinted = args["spec"].get("unfingerprinted")
        if unfingerprinted:
            warnings.warn(NoProvenanceWarning(
                f"for_each({args['spec'].get('function')}): outputs are saved without "
                f"provenance: {unfingerprinted}"), stacklevel=1)
        spec = normalize_spec({**args["spec"], "iterables": iterables}, options)
        spec["executor"] = options.executor  # kept in the run log's options
        run = ForEachRun(session.by_handle(handle), spec, language="matlab",
                         save=options.save, dry_run=options.dry_run)
        kinds = [inp["kind"] for inp in spec["inputs"].values()]
        positions = [k for k, kind in enumerate(kinds, start=1) if kind != "constant"]
        return run, {"positions": positions, "n_out": float(len(run.outputs)),
                     "chunk": float(spec["batch_size"]),
                     "dry_run": options.dry_run, "send": options.save,
                     "raise": options.raise_errors, "progress": options.progress,
                     "executor": options.executor}

    @staticmethod
    def _sent(run: ForEachRun) -> list[str]:
        return [n for n, inp in run.spec["inputs"].items() if inp["kind"] != "constant"]

    def values(self, run: ForEachRun, size: int) -> tuple[list[int], list[bytes]]:
        combos = run.next_combos(size)
        spec = run.spec
        names = self._sent(run)
        raw = {n for n in names if spec["inputs"][n]["kind"] == "variable"
               and spec["inputs"][n].get("columns") is None and not _wants_table(spec, n)}
        built = load_batch(run.db, run.plan, combos) if set(names) - raw else None
        wires = run.db.fetch_wires([r for c in combos for n in raw for r in c.records[n]])
        parts: list[bytes] = []
        for position, combo in enumerate(combos):
            for name in names:
                if name not in raw:
                    assert built is not None
                    parts.append(body(encode(built[position][name])))
                    continue
                records = combo.records[name]
                if len(records) == 1:
                    parts.append(body(wires[records[0].record_id]))
                else:
                    parts.append(body(wire_list([body(wires[r.record_id]) for r in records])))
        return [c.index for c in combos], parts

    def adapt(self, run: ForEachRun, outcome: Outcome, marks: list[bool]) -> Outcome:
        return outcome

    def result(self, run: ForEachRun, result: RunResult) -> dict[str, Any]:
        """The result table as ``columns`` in the order ``names``: metadata columns
        (numbers as doubles), ``status``, ``reason`` ("" where none) and each saved
        output's record ids ("" where none) as text arrays; the outputs of a run that
        saves nothing are MATLAB's to add. ``info`` is the summary MATLAB returns. A run
        that finished with failed combinations warns with its notes
        (:class:`~scistack_engine.errors.ForEachFailedWarning`)."""
        table = result.table
        keys = list(run.plan.keys)
        columns = {key: _column(run.column(key)) for key in keys}
        columns["status"] = _texts(table["status"])
        columns["reason"] = _texts(table["reason"])
        for name in run.outputs if run.save or run.dry_run else []:
            columns[name] = _texts(table[name])
        s = result.summary
        info = {"run_id": run.run_id or "", "n_done": s["done"], "n_failed": s["failed"],
                "n_skipped": s["skipped"], "n_cached": s["cached"], "seconds": s["seconds"]}
        if s["failed"] and s["status"] == "finished":
            warnings.warn(ForEachFailedWarning("\n".join(result.notes)), stacklevel=1)
        return {"columns": columns, "names": [*keys, "status", "reason", *run.outputs],
                "rows": float(len(table)), "info": info}


def _texts(values: Any) -> np.ndarray:
    """A column of text ("" where a value is not text) as one text array."""
    return np.asarray([v if isinstance(v, str) else "" for v in values], dtype=str)


register_front("scidb", _ScidbFront())
