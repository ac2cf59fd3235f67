"""Gateway adapter for the MATLAB ``+scilineage`` package: one round trip per Thunk call.

A ``scilineage.Thunk`` call in MATLAB or GNU Octave asks the engine once before running
anything (``lineage_lookup``): the engine fingerprints the function's code, hashes the
call's data inputs and constants, computes the cache key with the one rule of
:func:`scistack_engine.lineage.cache_key`, and answers with the cached outputs when the
call was made before. After a miss MATLAB runs
the function and hands the outputs and the call's lineage record back (``lineage_put``);
the record is validated with :meth:`LineageRecord.from_dict`, so MATLAB cannot store a
record whose key the rule would not give.

Cached outputs go back to MATLAB as the exact wire bytes MATLAB wrote, class hints
included, so a cache hit returns a struct array as a struct array and a char matrix as a
char matrix. The bytes are kept here (most recent calls) and, when a database is
configured, in the database (the records saved from earlier results and the lineage
cache of every call, :mod:`scistack_engine.cache_store`), so that any later process finds
them; outputs only known to the engine's cache store as Python values are encoded again.

=====================  ==============================================================
``lineage_lookup``     fingerprint (or the function's description), n_outputs, the
                       function's signature, the call's arguments → cache key, the
                       arguments' hashes, the cached outputs (wire) or nothing, the
                       arguments' names and the fingerprint
``lineage_put``        cache key, outputs (wire), lineage dict → the outputs' content
                       hashes; keeps the outputs under the key
``thunk_options``      a Thunk's function handle (its description, as
                       ``matlab_fingerprint`` takes it), defaults (``n_outputs``,
                       ``version``) and ``options`` (name/value pairs) → the function's
                       name as lineage shows it, its declared inputs, all of it as one
                       text (``key``) for ``lineage_lookup``, the options checked, the
                       fingerprint a declared version stands for, the display line
``lineage_chain``      a result's ``lineage`` and provenance ``options`` → with
                       ``'chain', true`` the paths (parameter names) to it and to
                       every lineage upstream, each call once
``matlab_fingerprint`` a function handle's description → its digest, or the names
                       MATLAB must resolve first (:mod:`scistack_engine.matlab_fingerprint`)
``library_roots``     what MATLAB or Octave knows of its folders → the library folders
                       of fingerprints (:func:`~scistack_engine.matlab_fingerprint.library_roots`)
=====================  ==============================================================
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..cache_store import DatabaseCacheStore
from ..codec import decode, encode
from ..hashing import content_hash
from ..lineage import (
    LineageFormatError,
    LineageOptionError,
    LineageRecord,
    cache_key,
    check_thunk_options,
    get_cache_store,
)
from ..matlab_code import Signature
from ..matlab_fingerprint import Fingerprints, library_roots
from ..provenance import lineage_chain
from .dispatch import GatewayError, operation
from .matlab_args import as_uint8, items, stored_wire

__all__: list[str] = []

#: Calls whose output bytes are kept in this process, most recently used last.
WIRE_ENTRIES = 1024

_fingerprints = Fingerprints()
_wires: OrderedDict[str, tuple[list[bytes], list[str]]] = OrderedDict()
_lock = threading.Lock()


def _remember(key: str, wires: list[bytes], hashes: list[str]) -> None:
    with _lock:
        _wires[key] = (wires, hashes)
        _wires.move_to_end(key)
        while len(_wires) > WIRE_ENTRIES:
            _wires.popitem(last=False)


def _cached(key: str, n_outputs: int) -> tuple[list[bytes], list[str]] | None:
    """The outputs stored under ``key`` as wire bytes with their content hashes, or None."""
    with _lock:
        kept = _wires.get(key)
        if kept is not None:
            _wires.move_to_end(key)
    if kept is None:
        kept = _from_store(key)
    if kept is None or (n_outputs and len(kept[0]) != n_outputs):
        return None
    return kept


def _from_store(key: str) -> tuple[list[bytes], list[str]] | None:
    """The outputs the cache store holds under ``key``: the bytes that were saved when a
    database holds them, else the store's values encoded again."""
    store = get_cache_store()
    if isinstance(store, DatabaseCacheStore):
        saved = store.get_wires(key)
        if saved is not None:
            return saved
    outputs = store.get(key)
    if outputs is None:
        return None
    return [encode(v) for v in outputs], [content_hash(v) for v in outputs]


@operation("lineage_lookup")
def _lineage_lookup(args: dict[str, Any]) -> list[Any] | dict[str, Any]:
    """Hash a MATLAB call's arguments, compute its cache key and look it up.

    Arguments: ``fingerprint``, or instead the function's description that
    ``matlab_fingerprint`` takes (then the reply may be that operation's names to
    resolve first, and the same request with them follows), ``n_outputs`` (default 1),
    ``force`` (default false; true: do not look the key up), ``signature`` (the ``key``
    of ``thunk_options``' reply, which names the arguments:
    :meth:`~scistack_engine.matlab_code.Signature.argument_names`), ``items`` (a cell,
    one item per argument in argument order) and ``kinds`` (text, one letter per
    argument, in the same order):

    * ``i``: an input whose content hash is known (a loaded record, a result passed
      on); the item is the hash;
    * ``v``: an input given by value, hashed here;
    * ``c``: a constant, hashed here;
    * ``h``: a constant standing for a hash the caller computed (a function handle,
      by fingerprint); the item is the hash.

    Returns the list ``[cache_key, hashes, outputs, output_hashes, names, fingerprint]``:
    the key; the arguments' content hashes in argument order, concatenated (64
    characters each); the cached outputs as wire bytes in declaration order with their
    content hashes, concatenated (both None on a miss or with ``force``); the
    arguments' names, separated by commas; and the fingerprint the key was made with.
    Concatenated text rather than lists because the MATLAB codec decodes one text
    faster than many. More arguments than the function declares are
    ``scistack:lineage:tooManyArguments``. With ``unhashable`` (the 1-based position of
    an argument MATLAB could not encode, 0 when not known) and ``reason``, it raises
    ``scistack:lineage:unhashableArgument`` naming that argument instead.
    """
    kinds = str(args.get("kinds") or "")
    values = items(args.get("items"))
    signature = _signature_of(str(args.get("signature") or ""))
    try:
        names = signature.argument_names(len(values))
    except ValueError as exc:
        raise GatewayError(str(exc), "scistack:lineage:tooManyArguments") from exc
    if "unhashable" in args:
        raise _unhashable(signature.name, names, int(args["unhashable"]),
                          str(args.get("reason") or ""))
    fingerprint = args.get("fingerprint")
    if fingerprint is None:  # the function's description instead: fingerprint it first
        fingerprint = _fingerprints.request(args)
        if isinstance(fingerprint, dict):
            return fingerprint  # the names MATLAB must resolve before
    if len(kinds) != len(values):
        raise LineageFormatError(
            f"a call needs one kind per argument; got {len(kinds)} kinds for {len(values)} "
            "arguments")
    inputs: dict[str, str] = {}
    constants: dict[str, str] = {}
    hashes: list[str] = []
    for name, item, kind in zip(names, values, kinds):
        if kind in "ih":
            digest = str(item)
        elif kind in "vc":
            digest = content_hash(item)
        else:
            raise LineageFormatError(f"argument {name!r} has unknown kind {kind!r}")
        (inputs if kind in "iv" else constants)[name] = digest
        hashes.append(digest)
    n_outputs = int(args.get("n_outputs", 1))
    key = cache_key(str(fingerprint), inputs, constants, n_outputs)
    kept = None if args.get("force") else _cached(key, n_outputs)
    if kept is None:
        return [key, "".join(hashes), None, None, ",".join(names), fingerprint]
    return [key, "".join(hashes), [as_uint8(w) for w in kept[0]], "".join(kept[1]),
            ",".join(names), fingerprint]


def _unhashable(function: str, names: list[str], position: int, reason: str) -> GatewayError:
    """The error of a call whose argument at ``position`` (1-based; 0: not known) could
    not be encoded, so that the call has no cache key; ``reason`` is the encoder's."""
    name = names[position - 1] if 0 < position <= len(names) else ""
    return GatewayError(
        f"{function}: argument '{name}' has no content hash, so the call has no cache key "
        f"({reason}). Pass data of the supported types; loaded variables and lineage "
        "results are unwrapped only when passed directly, not inside a cell or struct",
        "scistack:lineage:unhashableArgument")


@lru_cache(maxsize=256)
def _signature_of(key: str) -> Signature:
    """The signature a ``thunk_options`` reply's ``key`` stands for ("" : nothing is
    known of the inputs)."""
    if not key:
        return Signature("")
    name, inputs, varargin, known = json.loads(key)
    return Signature(name, list(inputs), varargin, known)


@operation("lineage_put")
def _lineage_put(args: dict[str, Any]) -> str:
    """Keep a MATLAB call's outputs (wire bytes, declaration order) under its cache key.

    ``lineage`` is the call's lineage dict (the form of :meth:`LineageRecord.to_dict`,
    language ``"matlab"``); it must be valid and name ``cache_key``. Returns the
    outputs' content hashes, concatenated (64 characters each). With ``unstorable``
    (the 1-based output MATLAB could not encode), ``reason`` and ``function`` it raises
    ``scistack:lineage:unstorableOutput`` instead.
    """
    if "unstorable" in args:
        raise GatewayError(
            f"output {int(args['unstorable'])} of {args.get('function', '')} cannot be cached: "
            f"{args.get('reason', '')}. Return values of the supported types (numeric, "
            "logical, char, cell, struct, containers.Map; table, string, datetime and "
            "categorical in MATLAB)", "scistack:lineage:unstorableOutput")
    key = str(args["cache_key"])
    lineage: Mapping[str, Any] = dict(args["lineage"])
    record = LineageRecord.from_dict(lineage)
    if record.cache_key != key:
        raise LineageFormatError(
            f"the lineage record's cache key {record.cache_key!r} is not the call's key {key!r}"
        )
    wires = [stored_wire(w) for w in items(args.get("outputs"))]
    if len(wires) != max(record.n_outputs, 1):
        raise LineageFormatError(
            f"{record.function_name}: {len(wires)} outputs given for a call declared with "
            f"{record.n_outputs}"
        )
    values = tuple(decode(w) for w in wires)
    hashes = [content_hash(v) for v in values]
    _remember(key, wires, hashes)
    store = get_cache_store()
    if isinstance(store, DatabaseCacheStore):
        store.put_wires(key, wires, hashes, values, record)
    else:
        store.put(key, values, record)
    return "".join(hashes)


#: What a declared version of a MATLAB function is hashed with (its name and the text).
MATLAB_VERSION_SCHEME = "scistack-matlab-version-v1"


def _thunk_option(name: Any, value: Any, options: dict[str, Any]) -> None:
    """Set one name/value option of a MATLAB Thunk (names without regard to case), in
    Python's form: a whole MATLAB number becomes an int; the values are checked after."""
    if not isinstance(name, str):
        raise LineageOptionError(f"option names are text, not a {type(name).__name__}")
    key = name.lower()
    if key == "n_outputs":
        number = items(value)
        whole = (len(number) == 1 and isinstance(number[0], (int, float))
                 and not isinstance(number[0], bool) and float(number[0]).is_integer())
        options["n_outputs"] = int(number[0]) if whole else value
    elif key == "version":
        options["version"] = value
    else:
        raise LineageOptionError(
            f"unknown option {name!r} of scilineage.Thunk (known: n_outputs, version)")


@operation("thunk_options")
def _thunk_options(args: dict[str, Any]) -> dict[str, Any]:
    """What a MATLAB ``scilineage.Thunk`` is made of, from the description of its
    function handle (the request of ``matlab_fingerprint``) and its options.

    The function's signature (:meth:`Fingerprints.signature`): ``name``, ``inputs``,
    ``varargin``, ``known``, and ``key``, the same as one text, which ``lineage_lookup``
    reads (or the name MATLAB must resolve first). The options: ``options`` (a cell of
    name/value pairs) applied over the defaults ``n_outputs`` and ``version`` ("" for
    none), checked by :func:`~scistack_engine.lineage.check_thunk_options`, as
    ``n_outputs``, ``version`` and ``version_digest``, the fingerprint standing for the
    function's code when a version is declared ("" when not). And ``shown``, the line
    that displays the Thunk."""
    found = _fingerprints.signature(args)
    if isinstance(found, dict):
        return found
    pairs = items(args.get("options"))
    if len(pairs) % 2:
        raise LineageOptionError(
            "options of scilineage.Thunk come in name/value pairs: 'n_outputs', 2")
    options: dict[str, Any] = {"n_outputs": int(args.get("n_outputs") or 1),
                               "version": str(args.get("version") or "")}
    given: dict[str, Any] = {}
    for name, value in zip(pairs[::2], pairs[1::2]):
        _thunk_option(name, value, given)
    check_thunk_options(given.get("n_outputs", options["n_outputs"]),
                        given.get("version", options["version"] or None))
    options.update(given)
    digest = shown = ""
    if options["n_outputs"] != 1:
        shown = f", n_outputs {options['n_outputs']}"
    if options["version"]:
        digest = content_hash({"scheme": MATLAB_VERSION_SCHEME, "function": found.name,
                               "version": options["version"]})
        shown += f", version '{options['version']}'"
    return {"name": found.name, "inputs": list(found.inputs), "varargin": found.varargin,
            "known": found.known,
            "key": json.dumps([found.name, list(found.inputs), found.varargin, found.known]),
            **options, "version_digest": digest,
            "shown": f"scilineage.Thunk of {found.name}{shown}"}


@operation("lineage_chain")
def _lineage_chain(args: dict[str, Any]) -> list[list[str]] | None:
    """``scilineage.provenance(R, ...)`` of a lineage result: ``options`` are the
    name/value pairs after R, of which only ``'chain'`` exists (default false). With
    ``'chain', true`` the paths of :func:`scistack_engine.provenance.lineage_chain` of
    ``lineage`` (MATLAB follows them in the lineage it holds, so every value stays
    exactly as it was), else None (R's lineage alone)."""
    pairs = items(args.get("options"))
    if len(pairs) % 2:
        raise GatewayError("scilineage.provenance(R, 'chain', true): options come in "
                           "name/value pairs", "scistack:arguments:unpaired")
    chain = False
    for name, value in zip(pairs[::2], pairs[1::2]):
        if not isinstance(name, str) or name.lower() != "chain":
            raise LineageOptionError(
                "the provenance of a lineage result takes only the option 'chain'")
        chain = all(bool(v) for v in items(value))
    if not chain:
        return None
    return [list(path) for path, _ in lineage_chain(dict(args["lineage"]))]


@operation("library_roots")
def _library_roots(args: dict[str, Any]) -> dict[str, Any]:
    return library_roots(args)


@operation("matlab_fingerprint")
def _matlab_fingerprint(args: dict[str, Any]) -> dict[str, Any]:
    """One step of a MATLAB function's fingerprint (:meth:`Fingerprints.request`);
    ``reset`` forgets what this process kept."""
    global _fingerprints
    if args.get("reset"):
        _fingerprints = Fingerprints()
        return {}
    return _fingerprints.request(args)
