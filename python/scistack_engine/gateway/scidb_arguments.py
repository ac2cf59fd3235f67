"""What the arguments of a ``+scidb`` function mean, read from the form MATLAB passed them in.

MATLAB functions with optional name/value pairs send their ``varargin`` as it is (a
cell, arriving as a list), and the rules of the call (which argument is which, which
options exist, what each accepts, and the error for each mistake) live here, once,
instead of in the ``.m`` file. Errors carry the toolbox's ``scistack:arguments:<what>``
identifiers and name the MATLAB function, since they describe a MATLAB call.

``call_arguments``       a request whose ``arguments`` are a call's name/value pairs
                         (``load``, ``save``, ``provenance``, ``export``, ...): the
                         options of the call, the rest metadata, told apart by
                         :func:`scistack_engine.foreach_options.split_pairs` as a
                         for_each's pairs are; the ``db`` option as the request's handle
``database_handle``      the handle of the ``db`` option (MATLAB sends a scidb.Database
                         as ``{"handle": h}``)
``configure_arguments``  ``scidb.configure_database(PATH, ...)``: the schema keys
                         (given first, or by the name ``dataset_schema_keys``, the
                         Python keyword), ``read_only``, ``timeout``, and the file made
                         absolute against MATLAB's current folder
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..foreach_options import is_matlab_name, split_pairs
from .dispatch import GatewayError
from .matlab_args import is_empty, is_many, items

__all__ = ["Configure", "call_arguments", "configure_arguments", "database_handle"]

_CONFIGURE_OPTIONS = ("read_only", "timeout", "dataset_schema_keys")


def _fail(identifier: str, message: str) -> GatewayError:
    return GatewayError(message, identifier=identifier)


def database_handle(db: Any) -> Any:
    """The handle of the ``db`` option: MATLAB sends a scidb.Database as ``{"handle": h}``;
    None when the option is not given (the current database)."""
    if is_empty(db):
        return None
    if isinstance(db, dict) and set(db) == {"handle"}:
        return db["handle"]
    raise _fail("scistack:arguments:badDatabase",
                "the 'db' option takes a scidb.Database (from scidb.configure_database or "
                "scidb.get_database), not a {}".format(
                    "struct" if isinstance(db, dict) else type(db).__name__))


def call_arguments(args: Mapping[str, Any], names: tuple[str, ...], context: str,
                   only_options: bool = False) -> dict[str, Any]:
    """``args`` with its ``arguments`` (the MATLAB function ``context``'s name/value
    pairs, when sent) read: each of the options ``names`` under its own name, the other
    pairs as ``metadata`` (with ``only_options``, an error), and the ``db`` option as
    ``handle`` unless the request names one (a scidb.Database method's own). A request
    without ``arguments`` already has its fields in this form and is returned as it is."""
    if "arguments" not in args:
        return dict(args)
    read = {k: v for k, v in args.items() if k != "arguments"}
    options, read["metadata"] = split_pairs(items(args["arguments"]), "scidb", names, context)
    if only_options and read["metadata"]:
        raise _fail("scistack:arguments:unknownOption",
                    f"{context}: unknown option {next(iter(read['metadata']))!r}; the "
                    f"options are {', '.join(names)}")
    db = options.pop("db", None)
    read.update(options)
    if is_empty(read.get("handle")):
        read["handle"] = database_handle(db)
    return read


@dataclass(frozen=True)
class Configure:
    """The meaning of one ``scidb.configure_database`` call."""

    path: str
    schema_keys: list[str]
    read_only: bool
    timeout: float


def configure_arguments(path: Any, arguments: Any, folder: str) -> Configure:
    """Read ``scidb.configure_database(PATH, ARGUMENTS{:})``, called in ``folder``."""
    args = items(arguments)
    by_name = len(args) > 1 and isinstance(args[0], str) and \
        args[0].lower() == "dataset_schema_keys"
    options, unknown = split_pairs(args if by_name else args[1:], "scidb", _CONFIGURE_OPTIONS,
                                   "configure_database")
    if unknown:
        raise _fail("scistack:arguments:unknownOption",
                    "configure_database: the options are 'dataset_schema_keys' (the schema "
                    "keys), 'read_only' (true or false) and 'timeout' (seconds)")
    if not args or (not by_name and "dataset_schema_keys" in options):
        raise _fail("scistack:arguments:missing",
                    "configure_database needs a file and the schema keys, given once, for "
                    "example scidb.configure_database('study.duckdb', {'subject', 'session'})")
    timeout = options.get("timeout", 0)
    if isinstance(timeout, (bool, np.bool_)) or \
            not isinstance(timeout, (int, float, np.integer, np.floating)) or not timeout >= 0:
        raise _fail("scistack:arguments:badTimeout",
                    "configure_database: 'timeout' is a number of seconds, 0 or more")
    if not isinstance(path, str) or not path:
        raise _fail("scistack:arguments:badPath",
                    "configure_database: the database file must be text, for example "
                    "'study.duckdb'")
    keys = options.get("dataset_schema_keys", args[0])
    return Configure(_absolute(path, folder), _schema_keys(keys),
                     bool(options.get("read_only", False)), float(timeout))


def _schema_keys(keys: Any) -> list[str]:
    """The schema keys: one char row, or a cell or string array of names."""
    names = [keys] if isinstance(keys, str) else items(keys) if is_many(keys) else []
    if not names:
        raise _fail("scistack:arguments:badSchemaKeys",
                    "configure_database: the schema keys are a cellstr of names, for example "
                    "{'subject', 'session'}")
    if not all(is_matlab_name(name) for name in names):
        raise _fail("scistack:arguments:badSchemaKeys",
                    "configure_database: schema keys are names made of a letter followed by "
                    "letters, digits or underscores")
    return [str(name) for name in names]


def _absolute(path: str, folder: str) -> str:
    """``path`` made absolute against MATLAB's current ``folder`` (the engine may run in
    another one); a leading ``~`` is the home folder."""
    if path == ":memory:":
        return path
    if path.startswith("~"):
        path = (os.environ.get("HOME") or os.environ.get("USERPROFILE") or "") + path[1:]
    if path[0] in "/\\" or (len(path) > 1 and path[1] == ":" and path[0].isalpha()):
        return path
    return os.path.join(folder, path)
