"""What the arguments of a ``+scidb`` function mean, read from the form MATLAB passed them in.

MATLAB functions with optional name/value pairs send their ``varargin`` as it is (a
cell, arriving as a list), and the rules of the call (which argument is which, which
options exist, what each accepts, and the error for each mistake) live here, once,
instead of in the ``.m`` file. Errors carry the toolbox's ``scistack:arguments:<what>``
identifiers and name the MATLAB function, since they describe a MATLAB call.

``configure_arguments``  ``scidb.configure_database(PATH, ...)``: the schema keys
                         (given first, or by the name ``dataset_schema_keys``, the
                         Python keyword), ``read_only``, ``timeout``, and the file made
                         absolute against MATLAB's current folder
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dispatch import GatewayError
from .matlab_args import is_many, items

__all__ = ["Configure", "configure_arguments", "is_matlab_name", "name_value_pairs"]

#: MATLAB's keywords (``iskeyword``): never valid names.
_KEYWORDS = frozenset(
    "break case catch classdef continue else elseif end for function global if otherwise "
    "parfor persistent return spmd switch try while".split())
#: What ``isvarname`` accepts, apart from keywords (``namelengthmax`` is 63).
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")

_CONFIGURE_OPTIONS = ("read_only", "timeout", "dataset_schema_keys")


def _fail(identifier: str, message: str) -> GatewayError:
    return GatewayError(message, identifier=identifier)


def is_matlab_name(value: Any) -> bool:
    """Whether ``value`` is text MATLAB's ``isvarname`` accepts (a struct field name)."""
    return isinstance(value, str) and bool(_NAME.fullmatch(value)) and value not in _KEYWORDS


def name_value_pairs(pairs: list[Any], context: str) -> list[tuple[str, Any]]:
    """MATLAB name/value pairs as (name, value); names are char or string scalars."""
    if len(pairs) % 2:
        raise _fail("scistack:arguments:unpaired",
                    f"{context}: arguments after the value must come in name/value pairs, "
                    "for example 'subject', 1, 'session', 'pre'")
    named = []
    for k in range(0, len(pairs), 2):
        if not isinstance(pairs[k], str):
            raise _fail("scistack:arguments:badName",
                        f"{context}: argument {k + 1} must be a name (char or string), not a "
                        f"{type(pairs[k]).__name__}")
        named.append((pairs[k], pairs[k + 1]))
    return named


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
    options: dict[str, Any] = {}
    for name, value in name_value_pairs(args if by_name else args[1:], "configure_database"):
        if name.lower() not in _CONFIGURE_OPTIONS:
            raise _fail("scistack:arguments:unknownOption",
                        "configure_database: the options are 'dataset_schema_keys' (the schema "
                        "keys), 'read_only' (true or false) and 'timeout' (seconds)")
        options[name.lower()] = value
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
