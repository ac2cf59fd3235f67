"""for_each input specifications over the database: Fixed, Merge and path templates.

Each input of ``scidb.for_each`` is one of

* a variable type (``RawEMG``): its record at each combination's metadata;
* ``RawEMG["col"]`` / ``RawEMG[["a", "b"]]``: selected columns of a DataFrame variable;
* ``Fixed(RawEMG, session="baseline")``: the record with some metadata pinned, whatever
  the combination says;
* ``Merge(RawEMG, Force["fz"], ...)``: several inputs joined column-wise into one
  DataFrame;
* ``PathTemplate("raw/{subject}/{session}.csv")``: a file path made from the metadata (a
  combination whose file does not exist is skipped);
* anything else: a constant, passed unchanged to every call.

:func:`input_spec` turns one of these into the engine's language-neutral input spec.
The inputs of a for_each are a mapping of parameter names to these, or a list of variable
types (``db.get_var_group("kinematics")``), each passed as the parameter of its name
(:func:`input_set`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from scistack_engine.metadata import describe_metadata
from scistack_engine.planner import path_template

from .filters import ColumnRef
from .variable import BaseVariable, VariableMeta

__all__ = ["Fixed", "Merge", "PathTemplate", "input_spec", "input_set"]


class Fixed:
    """An input whose metadata is pinned: ``Fixed(RawEMG, session="baseline")``."""

    def __init__(self, variable: type | ColumnRef, **metadata: Any) -> None:
        if not metadata:
            raise ValueError("Fixed(...) needs at least one pinned key, e.g. session='baseline'")
        self.variable = variable
        self.metadata = metadata

    def __repr__(self) -> str:
        pinned = describe_metadata(self.metadata)
        return f"Fixed({self.variable!r}, {pinned})"


class Merge:
    """Several variable inputs combined column-wise into one DataFrame per combination.

    DataFrame values contribute their columns; arrays and scalars contribute one column
    named after their variable (or selected column).
    """

    def __init__(self, *parts: type | ColumnRef | Fixed) -> None:
        if len(parts) < 2:
            raise ValueError("Merge(...) needs at least two inputs")
        self.parts = parts

    def __repr__(self) -> str:
        return "Merge(" + ", ".join(map(repr, self.parts)) + ")"


class PathTemplate:
    """A file path built from each combination's metadata with ``str.format``.

    ``PathTemplate("{subject}/trial_{trial}.mat", root_folder="/data")`` gives
    ``/data/1/trial_2.mat`` at ``subject=1, trial=2``: ``root_folder`` is joined in front
    of the template as it is (braces in it are not placeholders). The file's content (a
    folder's: every file under it) is part of the combination's cache key, with its path:
    under ``scihist.for_each`` an unchanged file is ``cached``, an edited one runs again.
    """

    def __init__(self, template: str, root_folder: str | os.PathLike | None = None) -> None:
        self.template = template
        self.root_folder = None if root_folder is None else os.fspath(root_folder)

    @property
    def full_template(self) -> str:
        """The template with the root folder in front (its braces escaped)."""
        return path_template(self.template, self.root_folder)

    def __repr__(self) -> str:
        root = "" if self.root_folder is None else f", root_folder={self.root_folder!r}"
        return f"PathTemplate({self.template!r}{root})"


def _variable_spec(spec: Any) -> dict[str, Any]:
    fixed: dict[str, Any] = {}
    if isinstance(spec, Fixed):
        fixed, spec = dict(spec.metadata), spec.variable
    if isinstance(spec, ColumnRef):
        return {"kind": "variable", "variable": spec.variable.__name__, "fixed": fixed,
                "columns": spec.columns}
    return {"kind": "variable", "variable": spec.__name__, "fixed": fixed, "columns": None}


def _is_variable(value: Any) -> bool:
    return isinstance(value, (ColumnRef, Fixed)) or (
        isinstance(value, VariableMeta) and issubclass(value, BaseVariable))


def input_spec(value: Any) -> dict[str, Any]:
    """The engine spec of one for_each input."""
    if isinstance(value, Merge):
        bad = [p for p in value.parts if not _is_variable(p)]
        if bad:
            raise TypeError(
                f"Merge parts must be variable types, selections or Fixed(...), not {bad!r}"
            )
        return {"kind": "merge", "parts": [_variable_spec(p) for p in value.parts]}
    if isinstance(value, PathTemplate):
        return {"kind": "path", "template": value.full_template}
    if _is_variable(value):
        return _variable_spec(value)
    return {"kind": "constant", "value": value}


def input_set(inputs: Mapping[str, Any] | Any) -> Mapping[str, Any]:
    """The inputs of a for_each as parameter name -> input.

    A mapping is returned as it is; a list of variable types (a variable group) becomes
    one input per variable, named after it.
    """
    if inputs is None or isinstance(inputs, Mapping):
        return inputs or {}
    members = list(inputs)
    bad = [m for m in members if not (isinstance(m, VariableMeta) and issubclass(m, BaseVariable))]
    if bad:
        raise TypeError(f"for_each inputs are a dict of parameter name -> input, or a list "
                        f"of variable types (a variable group), not a list holding {bad!r}")
    return {m.__name__: m for m in members}
