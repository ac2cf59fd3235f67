"""The pipeline graph as text other tools draw: Mermaid, Graphviz DOT, and JSON.

Each rendering holds the same nodes and edges as the SVG (:mod:`.svg`), with the same
lines of text per box (:func:`~scistack_engine.inspection.svg.node_lines`) and a class or
colour per status. Node ids are turned into names each language accepts (``n0``, ``n1``,
... in id order), so any variable or function name is safe.
"""

from __future__ import annotations

import json

from .graph import PipelineGraph
from .svg import STATUS_COLOURS, node_lines

__all__ = ["render_mermaid", "render_dot", "render_json"]


def _short_ids(graph: PipelineGraph) -> dict[str, str]:
    return {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}


def _mermaid_text(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )


def render_mermaid(graph: PipelineGraph) -> str:
    """A Mermaid ``flowchart LR``: variables as boxes, functions as rounded boxes."""
    ids = _short_ids(graph)
    out = ["flowchart LR"]
    for node in graph.nodes:
        text = "<br/>".join(_mermaid_text(line) for line in node_lines(node))
        shape = f'("{text}")' if node.kind in ("function", "call") else f'["{text}"]'
        out.append(f"  {ids[node.id]}{shape}:::{node.status}")
    for edge in graph.edges:
        label = f"|{_mermaid_text(', '.join(edge.parameters))}|" if edge.parameters else ""
        out.append(f"  {ids[edge.source]} -->{label} {ids[edge.target]}")
    for status in ("done", "stale", "error", "missing"):
        out.append(f"  classDef {status} stroke:{STATUS_COLOURS[status]},stroke-width:2px")
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(graph: PipelineGraph) -> str:
    """A Graphviz ``digraph``, left to right, one coloured box per node."""
    ids = _short_ids(graph)
    out = ["digraph pipeline {", "  rankdir=LR;",
           '  node [shape=box, fontname="monospace", fontsize=10];']
    for node in graph.nodes:
        label = "\\n".join(_dot_text(line) for line in node_lines(node))
        style = "rounded,filled" if node.kind in ("function", "call") else "filled"
        fill = "#e8f0fe" if node.kind in ("function", "call") else "#ffffff"
        out.append(f'  {ids[node.id]} [label="{label}", style="{style}", fillcolor="{fill}", '
                   f'color="{STATUS_COLOURS[node.status]}", id="{_dot_text(node.id)}"];')
    for edge in graph.edges:
        label = f' [label="{_dot_text(", ".join(edge.parameters))}"]' if edge.parameters else ""
        out.append(f"  {ids[edge.source]} -> {ids[edge.target]}{label};")
    out.append("}")
    return "\n".join(out) + "\n"


def render_json(graph: PipelineGraph) -> str:
    """The graph model as JSON (``PipelineGraph.to_dict``), keys sorted."""
    return json.dumps(graph.to_dict(), indent=2, sort_keys=True, default=str) + "\n"
