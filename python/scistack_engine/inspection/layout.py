"""A deterministic layered layout of a directed graph: boxes in columns, edges between them.

The classic layered (Sugiyama) scheme, left to right, written to be small and exactly
repeatable -- the same graph always gives the same coordinates, so the same database gives
byte-identical pictures:

1. **cycles** are broken by reversing the back edges of a depth-first search taken in
   node-id order (a variable that a function both reads and writes);
2. **columns**: each node goes one column right of its furthest-right predecessor
   (longest path from the sources);
3. an edge spanning several columns gets a small *waypoint* in each column between, so no
   edge crosses a box;
4. **order within a column**: start in topological order, then sweep right and left a
   fixed number of times, sorting each column by the mean position of its neighbours in
   the column before (barycentre), ties kept in their previous order;
5. **coordinates**: columns are as wide as their widest box; within a column, boxes are
   pulled toward their neighbours' mean height, then pushed apart to at least ``GAP``
   between boxes, in order -- the last step, so boxes never overlap.

Box sizes come from the caller (the renderer knows its text). Coordinates are rounded to
tenths of a pixel. The layout knows nothing of SciStack; it lays out ids and sizes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

__all__ = ["Box", "Route", "Layout", "layered_layout", "COLUMN_GAP", "GAP", "MARGIN"]

#: Horizontal space between columns, vertical space between boxes, and the outer margin.
COLUMN_GAP = 70.0
GAP = 18.0
MARGIN = 16.0
_WAYPOINT = 4.0  # height given to a waypoint of a long edge
_SWEEPS = 8
_PULLS = 6


@dataclass(frozen=True)
class Box:
    """A node's box: top-left corner and size."""

    id: str
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (self.x < other.x + other.width and other.x < self.x + self.width
                and self.y < other.y + other.height and other.y < self.y + self.height)


@dataclass(frozen=True)
class Route:
    """An edge's path: from the source box's right side to the target box's left side."""

    source: str
    target: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Layout:
    """Boxes by id, one route per edge, and the size of the drawing."""

    boxes: Mapping[str, Box]
    routes: tuple[Route, ...]
    width: float
    height: float


def _break_cycles(nodes: list[str], edges: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The edges to reverse so that the graph has no cycle (DFS back edges)."""
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        successors[a].append(b)
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    back: set[tuple[str, str]] = set()
    for root in nodes:
        if root in state:
            continue
        stack = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return back


def _columns(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, int]:
    """Longest-path columns of an acyclic graph, computed in topological order."""
    predecessors: dict[str, list[str]] = {n: [] for n in nodes}
    successors: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        predecessors[b].append(a)
        successors[a].append(b)
    waiting = {n: len(predecessors[n]) for n in nodes}
    ready = [n for n in nodes if not waiting[n]]
    column: dict[str, int] = {}
    position = 0
    while position < len(ready):
        node = ready[position]
        position += 1
        column[node] = max((column[p] + 1 for p in predecessors[node]), default=0)
        for nxt in successors[node]:
            waiting[nxt] -= 1
            if not waiting[nxt]:
                ready.append(nxt)
    return column


def layered_layout(nodes: Iterable[str], edges: Iterable[tuple[str, str]],
                   sizes: Mapping[str, tuple[float, float]]) -> Layout:
    """Lay out ``nodes`` (ids) joined by ``edges`` (source, target); ``sizes`` gives each
    node's (width, height)."""
    ids = sorted(set(nodes))
    edge_list = sorted({(a, b) for a, b in edges if a != b})
    back = _break_cycles(ids, edge_list)
    forward = sorted({(b, a) if (a, b) in back else (a, b) for a, b in edge_list})
    column = _columns(ids, forward)

    # waypoints of long edges: (source, target) -> the chain of vertices it passes
    chain: dict[tuple[str, str], list[str]] = {}
    size = {n: sizes[n] for n in ids}
    links: list[tuple[str, str]] = []
    for a, b in forward:
        path = [a]
        for c in range(column[a] + 1, column[b]):
            waypoint = f"\x00{a}\x00{b}\x00{c}"
            column[waypoint] = c
            size[waypoint] = (0.0, _WAYPOINT)
            path.append(waypoint)
        path.append(b)
        chain[(a, b)] = path
        links += list(zip(path, path[1:]))

    n_columns = max(column.values(), default=-1) + 1
    order: list[list[str]] = [[] for _ in range(n_columns)]
    for vertex in ids + sorted(v for v in column if v not in sizes):
        order[column[vertex]].append(vertex)
    left: dict[str, list[str]] = {v: [] for v in column}
    right: dict[str, list[str]] = {v: [] for v in column}
    for a, b in links:
        right[a].append(b)
        left[b].append(a)
    _order_columns(order, left, right)
    centre = _place(order, left, right, size)

    widths = [max((size[v][0] for v in col), default=0.0) for col in order]
    x_of_column, x = [], MARGIN
    for width in widths:
        x_of_column.append(x)
        x += width + COLUMN_GAP
    top = min((centre[v] - size[v][1] / 2 for v in column), default=0.0)
    shift = MARGIN - top
    boxes: dict[str, Box] = {}
    for n in ids:
        c = column[n]
        w, h = size[n]
        bx = x_of_column[c] + (widths[c] - w) / 2
        boxes[n] = Box(n, round(bx, 1), round(centre[n] - h / 2 + shift, 1), w, h)
    routes = []
    for a, b in edge_list:
        reverse = (a, b) in back
        path = chain[(b, a) if reverse else (a, b)]
        points = []
        for i, vertex in enumerate(path):
            c = column[vertex]
            y = round(centre[vertex] + shift, 1)
            if vertex in boxes:
                box = boxes[vertex]
                points.append((round(box.x + box.width, 1) if i == 0 else box.x, y))
            else:
                points.append((round(x_of_column[c] + widths[c] / 2, 1), y))
        routes.append(Route(a, b, tuple(reversed(points)) if reverse else tuple(points)))
    height = max((b.y + b.height for b in boxes.values()), default=0.0) + MARGIN
    width = (x_of_column[-1] + widths[-1] + MARGIN) if widths else 2 * MARGIN
    return Layout(boxes, tuple(routes), round(width, 1), round(height, 1))


def _order_columns(order: list[list[str]], left: Mapping[str, list[str]],
                   right: Mapping[str, list[str]]) -> None:
    """Barycentre sweeps, in place: right from column 1, then left from the last but one."""
    position = {v: i for col in order for i, v in enumerate(col)}
    for sweep in range(_SWEEPS):
        columns = range(1, len(order)) if sweep % 2 == 0 else range(len(order) - 2, -1, -1)
        neighbours = left if sweep % 2 == 0 else right
        for c in columns:
            col = order[c]
            col.sort(key=_by_neighbours(neighbours, position))
            for i, v in enumerate(col):
                position[v] = i


def _by_neighbours(neighbours: Mapping[str, list[str]],
                   position: Mapping[str, int]) -> Callable[[str], tuple[float, int]]:
    """Sort key of a column: the mean position of a vertex's neighbours (its own when it
    has none), then its own position."""

    def key(v: str) -> tuple[float, int]:
        near = neighbours[v]
        mean = sum(position[u] for u in near) / len(near) if near else position[v]
        return (mean, position[v])

    return key


def _place(order: list[list[str]], left: Mapping[str, list[str]],
           right: Mapping[str, list[str]], size: Mapping[str, tuple[float, float]]
           ) -> dict[str, float]:
    """The vertical centre of every vertex: stacked, pulled toward neighbours, separated."""
    centre: dict[str, float] = {}
    for col in order:
        y = 0.0
        for v in col:
            h = size[v][1]
            centre[v] = y + h / 2
            y += h + GAP
    for sweep in range(_PULLS):
        columns = range(len(order)) if sweep % 2 == 0 else range(len(order) - 1, -1, -1)
        for c in columns:
            col = order[c]
            wanted = []
            for v in col:
                near = left[v] + right[v]
                wanted.append(sum(centre[u] for u in near) / len(near) if near else centre[v])
            _separate(col, wanted, size, centre)
    return centre


def _separate(col: list[str], wanted: list[float], size: Mapping[str, tuple[float, float]],
              centre: dict[str, float]) -> None:
    """Centres as near ``wanted`` as order and the minimum gap allow (overlaps never).

    Pushes down from the top, then up from the bottom toward the wanted positions, and
    finally down again: the final pass alone decides the gaps, so they always hold.
    """
    n = len(col)
    ys = list(wanted)
    for i in range(1, n):
        least = ys[i - 1] + (size[col[i - 1]][1] + size[col[i]][1]) / 2 + GAP
        ys[i] = max(ys[i], least)
    for i in range(n - 2, -1, -1):
        most = ys[i + 1] - (size[col[i + 1]][1] + size[col[i]][1]) / 2 - GAP
        ys[i] = min(ys[i], max(most, wanted[i]))
    for i in range(1, n):
        least = ys[i - 1] + (size[col[i - 1]][1] + size[col[i]][1]) / 2 + GAP
        ys[i] = max(ys[i], least)
    for v, y in zip(col, ys):
        centre[v] = y
