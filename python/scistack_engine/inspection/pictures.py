"""One entry for every rendering of the pipeline, as the command and MATLAB ask for it.

:func:`lineage_text` builds the graph (the whole pipeline, the part around one variable,
or one record's lineage; :mod:`.graph`) and renders it in one of :data:`FORMATS`;
:func:`format_of` reads the format a file name asks for. ``scistack lineage`` and the
gateway's ``lineage`` operation (``scistack.lineage`` in MATLAB) both call these, so a
picture is the same from the terminal, Python and MATLAB.
"""

from __future__ import annotations

from ..errors import UnsupportedValueError
from ..store import Database
from . import graph as graphs
from .records import read_current_records

__all__ = ["FORMATS", "lineage_text", "format_of"]

FORMATS = ("svg", "html", "mermaid", "dot", "json")
_SUFFIXES = {"svg": "svg", "html": "html", "htm": "html", "mmd": "mermaid",
             "mermaid": "mermaid", "dot": "dot", "gv": "dot", "json": "json"}


def format_of(path: str | None) -> str | None:
    """The format a file name asks for (``.svg``, ``.html``, ``.mmd``, ``.dot``, ``.json``)."""
    if not path or "." not in path:
        return None
    return _SUFFIXES.get(path.rsplit(".", 1)[-1].lower())


def lineage_text(db: Database, fmt: str = "svg", *, variable: str | None = None,
                 record: str | None = None, reduce: bool = True) -> str:
    """The pipeline (or the part around ``variable``, or ``record``'s lineage) as text
    in ``fmt``."""
    if fmt not in FORMATS:
        raise UnsupportedValueError(f"no lineage format {fmt!r}; the formats are "
                                    f"{', '.join(FORMATS)}")
    records = read_current_records(db)
    if record:
        graph = graphs.record_graph(db, record, records=records)
    else:
        graph = graphs.pipeline_graph(db, variable, reduce=reduce, records=records)
    if fmt == "html":
        from .html import render_html

        return render_html(db, graph, records=records)
    if fmt == "svg":
        from .svg import render_svg

        return render_svg(graph)
    from . import text_formats

    render = {"mermaid": text_formats.render_mermaid, "dot": text_formats.render_dot,
              "json": text_formats.render_json}[fmt]
    return render(graph)
