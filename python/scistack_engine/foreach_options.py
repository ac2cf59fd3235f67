"""The options of a database for_each, checked once for every front.

``scidb.for_each`` and ``scihist.for_each`` take the same options from Python and from
MATLAB; this module says which exist, what each takes, its default and which combinations
conflict, and raises the one error text for a bad value. Python's front
(:mod:`scidb.foreach`) passes its keyword arguments here; MATLAB's driver sends the
options as the user gave them and the gateway (:mod:`scistack_engine.gateway.scidb`)
passes them here, so both fronts accept and refuse alike.

=================  =====================  ==============================================
option             default                takes
=================  =====================  ==============================================
``where``          none                   a filter spec (``Filter.to_spec()``) or SQL text
``dry_run``        false                  true or false
``save``           true                   true or false
``skip_existing``  false                  true or false
``as_table``       false                  true or false, or the names of inputs
``batch_size``     500                    a positive whole number
``on_error``       ``"continue"``         ``"continue"`` or ``"raise"``
``progress``       none (automatic)       true or false
``executor``       ``"serial"``           ``"serial"``, ``"processes"``; in Python also an
                                          executor object
``force``          false                  lineage only: true runs computed combinations
``skip_computed``  true                   lineage only: false is ``force``
=================  =====================  ==============================================

MATLAB numbers stand for flags (``1`` is true) and MATLAB text lists arrive as lists or
object arrays; both are read here. A filter *object* is the front's to turn into its
spec. The errors (``ForEachOptionError``, ``FilterOptionError``, ``ExecutorOptionError``)
are in :mod:`scistack_engine.errors`.

MATLAB passes options and iterables in one list of name/value pairs;
:func:`split_pairs` tells them apart by the option names (``SCIDB_PAIR_OPTIONS`` for the
database fronts, where names match without regard to case and a later pair replaces an
earlier one; ``SCIFOR_OPTIONS`` for scifor, where a key given twice is an error).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import (
    ExecutorOptionError,
    FilterOptionError,
    ForEachOptionError,
    GatewayError,
    MetadataError,
)
from .planner import DEFAULT_BATCH_SIZE

__all__ = ["OPTIONS", "LINEAGE_OPTIONS", "SCIDB_PAIR_OPTIONS", "SCIFOR_OPTIONS",
           "ForEachOptions", "settle_options", "split_pairs", "flag_option", "as_table_option",
           "executor_option", "is_matlab_name"]

#: The options of every database for_each, and those that only a lineage run takes.
OPTIONS = ("where", "dry_run", "save", "skip_existing", "as_table", "batch_size", "on_error",
           "progress", "executor")
LINEAGE_OPTIONS = ("force", "skip_computed")
#: The names MATLAB's database for_each reads as options ("db" is the database to use).
SCIDB_PAIR_OPTIONS = OPTIONS + ("db",) + LINEAGE_OPTIONS
#: The options of scifor's for_each.
SCIFOR_OPTIONS = ("where", "as_table", "distribute", "output_names", "dry_run", "on_error",
                  "progress", "executor")

#: MATLAB's keywords (``iskeyword``): never valid names.
_KEYWORDS = frozenset(
    "break case catch classdef continue else elseif end for function global if otherwise "
    "parfor persistent return spmd switch try while".split())
#: What ``isvarname`` accepts, apart from keywords (``namelengthmax`` is 63).
_MATLAB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")


def is_matlab_name(value: Any) -> bool:
    """Whether ``value`` is text MATLAB's ``isvarname`` accepts (a struct field name)."""
    return isinstance(value, str) and bool(_MATLAB_NAME.fullmatch(value)) and \
        value not in _KEYWORDS


@dataclass(frozen=True)
class ForEachOptions:
    """Settled options: every field has its value, ``where`` is a spec or None, and
    ``skip_computed`` is false unless the run has lineage and was not forced."""

    where: dict[str, Any] | None = None
    dry_run: bool = False
    save: bool = True
    skip_existing: bool = False
    as_table: bool | list[str] = False
    batch_size: int = DEFAULT_BATCH_SIZE
    on_error: str = "continue"
    progress: bool | None = None
    executor: Any = "serial"
    skip_computed: bool = False

    @property
    def raise_errors(self) -> bool:
        """Stop at the first failure (``on_error="raise"``)."""
        return self.on_error == "raise"


def settle_options(given: Mapping[str, Any], *, lineage: bool, language: str = "python",
                   executor_types: tuple[type, ...] = ()) -> ForEachOptions:
    """The options ``given`` (name → value as the user passed it) checked and completed.

    ``lineage`` allows ``force`` and ``skip_computed``; ``language`` (``"python"`` or
    ``"matlab"``) spells the examples of the error texts; ``executor_types`` are the
    executor classes an ``executor`` may also be an instance of (Python's).
    """
    known = OPTIONS + (LINEAGE_OPTIONS if lineage else ())
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ForEachOptionError(f"for_each: unknown option {unknown[0]!r}; the options are "
                                 f"{', '.join(known)}")
    value = {name: given[name] for name in known if name in given and not _unset(given[name])}
    force = flag_option("force", value.get("force", False))
    return ForEachOptions(
        where=_where(value.get("where"), language),
        dry_run=flag_option("dry_run", value.get("dry_run", False)),
        save=flag_option("save", value.get("save", True)),
        skip_existing=flag_option("skip_existing", value.get("skip_existing", False)),
        as_table=as_table_option(value.get("as_table", False)),
        batch_size=_batch_size(value.get("batch_size", DEFAULT_BATCH_SIZE)),
        on_error=_on_error(value.get("on_error", "continue")),
        progress=None if "progress" not in value else flag_option("progress", value["progress"]),
        executor=executor_option(value.get("executor", "serial"), language, executor_types),
        skip_computed=lineage and not force and flag_option("skip_computed",
                                                      value.get("skip_computed", True)),
    )


def split_pairs(pairs: list[Any], front: str, names: tuple[str, ...] = SCIDB_PAIR_OPTIONS,
                context: str = "for_each") -> tuple[dict[str, Any], dict[str, Any]]:
    """MATLAB's name/value pairs as (options, iterables), each in the order given.

    ``front`` is ``"scidb"`` (scidb's and scihist's for_each: options ``names``, by
    default ``SCIDB_PAIR_OPTIONS``, matched without regard to case, iterable keys valid
    MATLAB names holding numbers, text or logicals, a repeated key replacing the earlier
    value; errors ``scistack:arguments:*`` and ``scistack:metadata:invalid`` naming the
    MATLAB function ``context``, as for every metadata argument: the gateway reads the
    metadata pairs of ``load``, ``save`` and the others here too) or ``"scifor"``
    (options ``SCIFOR_OPTIONS``; any other name is an iterable and naming one twice is an
    error; errors ``scistack:scifor:badArguments``).
    """
    scifor = front == "scifor"
    if len(pairs) % 2:
        if scifor:
            raise GatewayError("scifor.for_each takes name/value pairs after the inputs "
                               "struct; one is missing", "scistack:scifor:badArguments")
        raise GatewayError(f"{context}: arguments after the value must come in name/value "
                           "pairs, for example 'subject', 1, 'session', 'pre'",
                           "scistack:arguments:unpaired")
    options: dict[str, Any] = {}
    iterables: dict[str, Any] = {}
    for k in range(0, len(pairs), 2):
        name, value = _scalar(pairs[k]), pairs[k + 1]
        if not isinstance(name, str) or not name:
            if scifor:
                raise GatewayError(f"argument {k + 1} of the name/value pairs must be a name "
                                   "(char or string)", "scistack:scifor:badArguments")
            raise GatewayError(f"{context}: argument {k + 1} must be a name (char or string), "
                               f"not a {_matlab_class(name)}", "scistack:arguments:badName")
        if scifor:
            if name in SCIFOR_OPTIONS:
                options[name] = value
            elif name in iterables:
                raise GatewayError(f"scifor.for_each got {name!r} twice",
                                   "scistack:scifor:badArguments")
            else:
                iterables[name] = value
            continue
        option = next((o for o in names if o.lower() == name.lower()), None)
        if option is not None:
            options[option] = value
            continue
        if not is_matlab_name(name):
            raise GatewayError(f"{context}: {name!r} cannot be a metadata key: use a letter "
                               "followed by letters, digits or underscores",
                               "scistack:arguments:badName")
        _check_metadata(name, value, context)
        iterables[name] = value
    return options, iterables


def _check_metadata(name: str, value: Any, context: str) -> None:
    """An iterable's values are numbers, text or logicals, one or several."""
    if isinstance(value, np.ndarray) and value.dtype != object:
        return
    if isinstance(value, np.ndarray):
        value = list(value.reshape(-1))
    for one in value if isinstance(value, (list, tuple)) else [value]:
        one = _scalar(one)
        if not isinstance(one, (str, bool, int, float)):
            raise MetadataError(f"{context}: metadata {name} must be a number, text or a "
                                "logical (or several in a vector or cell array), not a "
                                f"{_matlab_class(one)}")


def _matlab_class(value: Any) -> str:
    """The MATLAB class a decoded value came from, as error texts name it."""
    if isinstance(value, dict):
        return "struct"
    if isinstance(value, (list, tuple)):
        return "cell"
    if isinstance(value, np.ndarray):
        return "double" if value.dtype.kind == "f" else str(value.dtype)
    return {"float": "double", "bool": "logical", "str": "char"}.get(type(value).__name__,
                                                                   type(value).__name__)


def _unset(value: Any) -> bool:
    """None, or MATLAB's ``[]``: the option's default."""
    return value is None or (isinstance(value, np.ndarray) and value.size == 0)


def _scalar(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype != object:
        return value.reshape(-1)[0].item()
    if isinstance(value, np.generic):
        return value.item()
    return value


def flag_option(name: str, value: Any) -> bool:
    """A true-or-false option (a MATLAB number 0 or 1 too); scifor's front reads its
    flags here as well."""
    value = _scalar(value)
    if isinstance(value, bool) or (isinstance(value, (int, float)) and value in (0, 1)):
        return bool(value)
    raise ForEachOptionError(f"for_each: '{name}' takes true or false, not {_shown(value)}")


def _where(where: Any, language: str) -> dict[str, Any] | None:
    if where is None or (isinstance(where, str) and not where):
        return None
    if isinstance(where, str):
        return {"op": "sql", "sql": where}
    if isinstance(where, Mapping) and "op" in where:
        return dict(where)
    example = ("scidb.where(Side(), '==', 'left'), scidb.Sql('subject > 2')"
               if language == "matlab" else "Var == value, Var['col'] > v, Sql('...')")
    raise FilterOptionError(f"for_each: 'where' takes a filter ({example}) or SQL text, "
                            f"not {_shown(where)}")


def as_table_option(value: Any) -> bool | list[str]:
    """``as_table``: a flag, or input names (one text, a list or a text array)."""
    value = _scalar(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple, np.ndarray)):
        names = list(np.asarray(value, dtype=object).reshape(-1))
        if all(isinstance(n, str) for n in names):
            return names
    elif isinstance(value, bool) or (isinstance(value, (int, float)) and value in (0, 1)):
        return bool(value)
    raise ForEachOptionError("for_each: 'as_table' takes true or false, or the names of the "
                             f"inputs to pass as tables, not {_shown(value)}")


def _batch_size(value: Any) -> int:
    value = _scalar(value)
    if not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 1 \
            and float(value).is_integer():
        return int(value)
    raise ForEachOptionError("for_each: 'batch_size' is a positive whole number of "
                             f"combinations, not {_shown(value)}")


def _on_error(value: Any) -> str:
    if isinstance(value, str) and value in ("continue", "raise"):
        return value
    raise ForEachOptionError("for_each: 'on_error' is 'continue' (the default) or 'raise', "
                             f"not {_shown(value)}")


def executor_option(value: Any, language: str, types: tuple[type, ...] = ()) -> Any:
    """``executor``: ``"serial"``, ``"processes"`` or an instance of ``types``."""
    if (isinstance(value, str) and value in ("serial", "processes")) or (
            types and isinstance(value, types)):
        return value
    objects = "" if language == "matlab" else ", Processes(workers=...) or Dask(client)"
    raise ExecutorOptionError(f"for_each: 'executor' is 'serial', 'processes'{objects}, "
                              f"not {_shown(value)}")


def _shown(value: Any) -> str:
    """A bad value as an error text shows it: text quoted, anything else by its type."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (bool, int, float)):
        return f"{value!r} ({type(value).__name__})"
    return f"a {type(value).__name__}"
