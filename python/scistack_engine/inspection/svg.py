"""The pipeline graph as an SVG picture: boxes coloured by status, coverage bars, edges.

Each node is a box of text lines (:func:`node_lines`) in a monospace font, so its width
follows from its longest line (:data:`CHAR_WIDTH` per character). Variable boxes carry a
bar split in the proportions of their coverage (done, stale, error, missing); a box's
border takes the colour of the worst status it has. Boxes are placed by
:func:`~scistack_engine.inspection.layout.layered_layout`; nothing here depends on time or
on iteration order, so one graph always gives the same bytes.

Every box is a ``<g class="node" data-id="...">`` and every edge a
``<path class="edge" data-source="..." data-target="...">`` with a ``<title>`` naming
its parameters, which the HTML view (:mod:`scistack_engine.inspection.html`) hooks into.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .graph import Node, PipelineGraph
from .layout import Layout, layered_layout

__all__ = ["STATUS_COLOURS", "CHAR_WIDTH", "LINE_HEIGHT", "node_lines", "node_size",
           "graph_layout", "render_svg"]

#: Fill colours of the statuses (also used by the HTML grid and the run report).
STATUS_COLOURS = {"done": "#2e7d32", "stale": "#f9a825", "error": "#c62828",
                  "missing": "#9e9e9e", "cached": "#66bb6a", "skipped": "#9e9e9e",
                  "failed": "#c62828", "running": "#1565c0"}
#: Advance of one character of the 12 px monospace font, and the height of a line.
CHAR_WIDTH = 7.3
LINE_HEIGHT = 16.0
_PAD_X, _PAD_Y, _BAR = 10.0, 7.0, 6.0
_FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
_FILLS = {"variable": "#ffffff", "function": "#e8f0fe", "record": "#ffffff", "call": "#e8f0fe"}


def _counts_text(coverage: dict[str, int]) -> str:
    return ", ".join(f"{coverage[s]} {s}" for s in ("done", "stale", "error", "missing")
                     if coverage.get(s))


def node_lines(node: Node) -> list[str]:
    """The text lines of a node's box, the label first."""
    if node.kind == "variable":
        lines = [node.label, f"{node.records} records"]
        if node.coverage:
            lines.append(_counts_text(node.coverage))
        return lines
    if node.kind == "function":
        lines = [
            node.label + "()",
            f"@{(node.fingerprint or '')[:8]} {node.language or ''}".rstrip(),
        ]
        constants = sorted({k for s in node.settings for k in s["constants"]})
        if len(node.settings) > 1:
            lines.append(f"{len(node.settings)} settings of {', '.join(constants)}")
        elif constants:
            only = node.settings[0]["constants"]
            lines.append(", ".join(f"{k}={only[k]!r}" for k in constants))
        return lines
    if node.kind == "call":
        return [node.label + "()", f"@{(node.fingerprint or '')[:8]}"] + (
            [node.detail] if node.detail else [])
    return [node.label, node.detail] if node.detail else [node.label]


def node_size(node: Node) -> tuple[float, float]:
    """Width and height of a node's box (text, padding and, for variables, the bar)."""
    lines = node_lines(node)
    width = max(len(line) for line in lines) * CHAR_WIDTH + 2 * _PAD_X
    height = len(lines) * LINE_HEIGHT + 2 * _PAD_Y + (_BAR + 3 if node.kind == "variable" else 0)
    return round(width, 1), round(height, 1)


def graph_layout(graph: PipelineGraph) -> Layout:
    """The layout of ``graph``'s boxes (sizes from :func:`node_size`)."""
    return layered_layout([n.id for n in graph.nodes],
                          [(e.source, e.target) for e in graph.edges],
                          {n.id: node_size(n) for n in graph.nodes})


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _edge_path(points: tuple[tuple[float, float], ...]) -> str:
    """Smooth curves through the route's points, leaving and entering horizontally."""
    (x, y), rest = points[0], points[1:]
    parts = [f"M{_n(x)},{_n(y)}"]
    for nx, ny in rest:
        bend = (nx - x) / 2
        parts.append(f"C{_n(x + bend)},{_n(y)} {_n(nx - bend)},{_n(ny)} {_n(nx)},{_n(ny)}")
        x, y = nx, ny
    return " ".join(parts)


def _bar(node: Node, x: float, y: float, width: float) -> list[str]:
    total = sum(node.coverage.values())
    if not total:
        return []
    parts, offset = [], 0.0
    for status in ("done", "stale", "error", "missing"):
        n = node.coverage.get(status, 0)
        if not n:
            continue
        w = width * n / total
        parts.append(f'<rect x="{_n(x + offset)}" y="{_n(y)}" width="{_n(w)}" '
                     f'height="{_n(_BAR)}" fill="{STATUS_COLOURS[status]}"/>')
        offset += w
    return parts


def render_svg(graph: PipelineGraph, layout: Layout | None = None) -> str:
    """The SVG document of ``graph`` (laid out by :func:`graph_layout` unless given)."""
    layout = layout or graph_layout(graph)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="scistack-graph" '
           f'width="{_n(layout.width)}" height="{_n(layout.height)}" '
           f'viewBox="0 0 {_n(layout.width)} {_n(layout.height)}" '
           f'font-family="{_FONT}" font-size="12">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#607d8b"/></marker></defs>',
           '<rect width="100%" height="100%" fill="#fafafa"/>']
    parameters = {(e.source, e.target): e.parameters for e in graph.edges}
    for route in layout.routes:
        names = ", ".join(parameters.get((route.source, route.target), ()))
        out.append(f'<path class="edge" data-source={quoteattr(route.source)} '
                   f'data-target={quoteattr(route.target)} d="{_edge_path(route.points)}" '
                   f'fill="none" stroke="#607d8b" stroke-width="1.3" marker-end="url(#arrow)">'
                   + (f"<title>{escape(names)}</title>" if names else "") + "</path>")
    for node in graph.nodes:
        box = layout.boxes[node.id]
        border = STATUS_COLOURS[node.status] if node.status != "done" else "#37474f"
        radius = 10 if node.kind in ("function", "call") else 3
        out.append(f'<g class="node {node.kind} status-{node.status}" '
                   f'data-id={quoteattr(node.id)}>')
        out.append(f'<rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.width)}" '
                   f'height="{_n(box.height)}" rx="{radius}" fill="{_FILLS[node.kind]}" '
                   f'stroke="{border}" stroke-width="{2 if node.status != "done" else 1.2}"/>')
        for i, line in enumerate(node_lines(node)):
            weight = ' font-weight="bold"' if i == 0 else ' fill="#455a64"'
            baseline = box.y + _PAD_Y + (i + 1) * LINE_HEIGHT - 4
            out.append(f'<text x="{_n(box.x + _PAD_X)}" y="{_n(baseline)}"{weight}>'
                       f"{escape(line)}</text>")
        if node.kind == "variable":
            out += _bar(node, box.x + _PAD_X, box.y + box.height - _PAD_Y - _BAR,
                        box.width - 2 * _PAD_X)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
