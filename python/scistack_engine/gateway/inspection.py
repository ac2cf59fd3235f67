"""Gateway adapter for looking at a database from MATLAB: lineage pictures, run reports,
export.

The operations serve ``scistack.lineage``, ``scistack.report`` and ``scidb.export``; each
calls the read-only functions of :mod:`scistack_engine.inspection` that the ``scistack``
command calls, on the database a request names by handle (else the current one), and
adds no rule of its own.

=============  ==================================================================
``lineage``    format, variable, record, reduce, output -> the text, or the file
``report``     run, output -> the report's HTML, or the file written
``export``     variable, path, format, mat_version, metadata -> rows, records, format,
               sidecar
=============  ==================================================================

Each takes its options as fields, or as MATLAB's name/value pairs in ``arguments``
(:func:`.scidb_arguments.call_arguments`; for ``lineage`` and ``report`` every name is an
option, for ``export`` the others are metadata).

With ``output`` (a file name) the text is written there and the reply is the path; the
format of ``lineage`` then defaults to the file's extension.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import session
from ..inspection.export import export_variable
from ..inspection.pictures import format_of, lineage_text
from ..inspection.report import render_report, run_report
from .dispatch import GatewayError, operation
from .matlab_args import is_empty, metadata
from .scidb_arguments import call_arguments

__all__: list[str] = []


def _text(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    return None if value is None or is_empty(value) else str(value)


def _deliver(text: str, output: str | None) -> str:
    """``text``, or the path of ``output`` after writing it there."""
    if output is None:
        return text
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)
    return output


@operation("lineage")
def _lineage(args: dict[str, Any]) -> str:
    args = call_arguments(args, ("format", "variable", "record", "reduce", "output", "db"),
                          "scistack.lineage", only_options=True)
    variable = args.get("variable")
    if variable is not None and not isinstance(variable, str):
        raise GatewayError("scistack.lineage: 'variable' is a variable type, given as an "
                           "instance (RawEMG()) or its class name ('RawEMG')",
                           "scistack:arguments:badVariable")
    db = session.by_handle(args.get("handle"))
    output = _text(args, "output")
    fmt = _text(args, "format") or format_of(output) or "svg"
    reduce = args.get("reduce")
    text = lineage_text(db, fmt, variable=_text(args, "variable"), record=_text(args, "record"),
                        reduce=True if reduce is None or is_empty(reduce) else bool(reduce))
    return _deliver(text, output)


@operation("report")
def _report(args: dict[str, Any]) -> str:
    args = call_arguments(args, ("run", "output", "db"), "scistack.report", only_options=True)
    db = session.by_handle(args.get("handle"))
    return _deliver(render_report(run_report(db, _text(args, "run"))), _text(args, "output"))


def _mat_version(value: Any) -> str | None:
    """A ``mat_version`` as MATLAB gives it (7.3, 5, '7.3') in the export's text form."""
    if value is None or is_empty(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{float(value):g}"
    return str(value)


@operation("export")
def _export(args: dict[str, Any]) -> dict[str, Any]:
    args = call_arguments(args, ("format", "mat_version", "db"), "export")
    db = session.by_handle(args.get("handle"))
    summary = export_variable(db, str(args["variable"]), str(args["path"]),
                              _text(args, "format"), metadata(args.get("metadata")),
                              mat_version=_mat_version(args.get("mat_version")))
    return {k: summary[k] for k in ("path", "format", "rows", "records", "provenance")}
