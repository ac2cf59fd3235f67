"""The pipeline as one graph: variables and functions, joined by lineage, with coverage.

Nodes are of two kinds:

* a **variable** node per variable type, carrying its coverage over its own grid (the
  counts of ``done`` / ``stale`` / ``error`` / ``missing`` cells that ``scistack status``
  shows, :mod:`scistack_engine.inspection.status`);
* a **function** node per function *and fingerprint* that produced a current record (a
  function whose code changed while some of its records were not recomputed appears twice,
  the older one with stale records). Its constant settings are collapsed into the one node:
  ``settings`` lists each distinct set of constants with the number of records made with
  it. An unsaved intermediate result (a lineage call whose output went straight into
  another call) is a function node feeding the next function node directly.

Edges run from a variable to each function that read it (labelled with the parameter
names), from a function to each variable it produced, and from an intermediate function to
the function that consumed it. By default the graph is *transitively reduced*: an edge is
dropped when its target is reachable from its source through other nodes (``reduced``
counts what was dropped), so a picture shows each dependency once.

:func:`pipeline_graph` builds the whole pipeline, or the part upstream and downstream of
one variable; :func:`record_graph` builds the lineage of one record, one node per record
and per call. Both are plain data (``to_dict``) for the renderers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import NotFoundError
from ..store import Database
from .records import CurrentRecords, InputUse, Producer, read_current_records
from .status import STATUSES, Staleness, status_grid

__all__ = ["Node", "Edge", "PipelineGraph", "pipeline_graph", "record_graph",
           "transitive_reduction", "function_node_id", "variable_node_id"]


@dataclass
class Node:
    """One box of the picture.

    Attributes
    ----------
    id
        Stable identifier (``var:StepLength``, ``fn:compute_mean@86362ad2f057``).
    kind
        ``variable``, ``function``, or for a record's lineage ``record`` and ``call``.
    label
        The name shown.
    coverage
        Counts by status: grid cells for a variable, records made for a function.
    records
        Current records (variable) or records made (function).
    fingerprint, language
        Of a function or call.
    settings
        A function's constant settings: ``{"constants": {...}, "records": n}`` each.
    detail
        A second line of text (a record's metadata, a call's constants).
    """

    id: str
    kind: str
    label: str
    coverage: dict[str, int] = field(default_factory=dict)
    records: int = 0
    fingerprint: str | None = None
    language: str | None = None
    settings: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""

    @property
    def status(self) -> str:
        """The worst status it has any of (``done`` when it has none)."""
        present = [s for s in STATUSES if self.coverage.get(s)]
        return present[-1] if present else "done"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "label": self.label,
                "coverage": self.coverage, "records": self.records,
                "fingerprint": self.fingerprint, "language": self.language,
                "settings": self.settings, "detail": self.detail, "status": self.status}


@dataclass(frozen=True)
class Edge:
    """A data dependency: ``source`` feeds ``target`` (through these parameters)."""

    source: str
    target: str
    parameters: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "target": self.target,
                "parameters": list(self.parameters)}


@dataclass
class PipelineGraph:
    """Nodes (sorted by id) and edges (sorted), as every renderer takes them."""

    nodes: list[Node]
    edges: list[Edge]
    reduced: int = 0

    def node(self, node_id: str) -> Node:
        return next(n for n in self.nodes if n.id == node_id)

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self.nodes],
                "edges": [e.to_dict() for e in self.edges], "reduced_edges": self.reduced}


def variable_node_id(variable: str) -> str:
    return f"var:{variable}"


def function_node_id(producer: Producer) -> str:
    return f"fn:{producer.function}@{producer.fingerprint[:12]}"


def transitive_reduction(edges: Iterable[Edge]) -> tuple[list[Edge], int]:
    """Drop each edge whose target is reachable from its source by another path.

    Returns the kept edges (sorted) and how many were dropped.
    """
    edges = sorted(set(edges), key=lambda e: (e.source, e.target, e.parameters))
    successors: dict[str, set[str]] = {}
    for e in edges:
        successors.setdefault(e.source, set()).add(e.target)

    def reachable_avoiding(start: str, target: str) -> bool:
        """Whether ``target`` is reachable from ``start`` without the edge start->target."""
        stack = [s for s in successors.get(start, ()) if s != target]
        seen = set(stack)
        while stack:
            node = stack.pop()
            if node == target:
                return True
            for nxt in successors.get(node, ()):
                if nxt not in seen and nxt != start:
                    seen.add(nxt)
                    stack.append(nxt)
        return False

    kept = [e for e in edges if not reachable_avoiding(e.source, e.target)]
    return kept, len(edges) - len(kept)


def _merge_edges(edges: list[Edge]) -> list[Edge]:
    """One edge per (source, target), its parameters joined."""
    joined: dict[tuple[str, str], set[str]] = {}
    for e in edges:
        joined.setdefault((e.source, e.target), set()).update(e.parameters)
    return [Edge(s, t, tuple(sorted(p))) for (s, t), p in joined.items()]


class _Builder:
    """Collects function nodes and edges from producers."""

    def __init__(self, records: CurrentRecords) -> None:
        self.records = records
        self.functions: dict[str, Node] = {}
        self.settings: dict[str, Counter] = {}
        self.edges: list[Edge] = []

    def add_producer(self, producer: Producer, status: str | None, made: bool) -> str:
        """The producer's node (made if new) and its input edges; ``made``: it made a
        current record (counted in its settings), of ``status`` when that is the latest
        at its address (counted in its coverage)."""
        node_id = function_node_id(producer)
        node = self.functions.get(node_id)
        if node is None:
            node = self.functions[node_id] = Node(node_id, "function", producer.function,
                                                  fingerprint=producer.fingerprint,
                                                  language=producer.language)
            self.settings[node_id] = Counter()
        if made:
            self.settings[node_id][producer.setting] += 1
        if status is not None:
            node.records += 1
            node.coverage[status] = node.coverage.get(status, 0) + 1
        for use in producer.inputs:
            for source in self._sources(use):
                self.edges.append(Edge(source, node_id, (use.parameter,)))
        return node_id

    def _sources(self, use: InputUse) -> list[str]:
        if use.upstream is not None:
            return [self.add_producer(use.upstream, None, False)]
        variables = {self.records.versions[r].variable for r in use.record_ids
                     if r in self.records.versions}
        if not variables and use.variable:
            variables = {use.variable}
        return [variable_node_id(v) for v in sorted(variables)]


def pipeline_graph(db: Database, variable: str | None = None, *, reduce: bool = True,
                   current_fingerprints: Mapping[str, str] | None = None,
                   records: CurrentRecords | None = None) -> PipelineGraph:
    """The pipeline's graph (see the module docstring); with ``variable``, only the nodes
    upstream and downstream of it."""
    records = records or read_current_records(db)
    staleness = Staleness(records, current_fingerprints)
    builder = _Builder(records)
    variables: dict[str, Node] = {}
    for name in db.variables():
        grid = status_grid(db, name, records=records, staleness=staleness)
        node = variables[name] = Node(variable_node_id(name), "variable", name,
                                      coverage={s: n for s, n in grid.totals.items() if n},
                                      records=len(records.latest(name)))
        node.detail = " x ".join(grid.keys)
        for version in records.current(name):
            if version.producer is None:
                continue
            status = None
            if version.latest:
                status = "stale" if staleness.reasons(version) else "done"
            fn = builder.add_producer(version.producer, status, True)
            builder.edges.append(Edge(fn, node.id))
    for node_id, counts in builder.settings.items():
        builder.functions[node_id].settings = [
            {"constants": json.loads(setting), "records": n}
            for setting, n in sorted(counts.items())]
    nodes = {**{n.id: n for n in variables.values()}, **builder.functions}
    edges = [e for e in _merge_edges(builder.edges) if e.source in nodes and e.target in nodes]
    if variable is not None:
        if variable not in variables:
            db.require_variable(variable)
        keep = _connected(variable_node_id(variable), edges)
        nodes = {k: v for k, v in nodes.items() if k in keep}
        edges = [e for e in edges if e.source in keep and e.target in keep]
    reduced = 0
    if reduce:
        edges, reduced = transitive_reduction(edges)
    return PipelineGraph(sorted(nodes.values(), key=lambda n: n.id),
                         sorted(edges, key=lambda e: (e.source, e.target)), reduced)


def _connected(start: str, edges: list[Edge]) -> set[str]:
    """``start`` and every node upstream or downstream of it."""
    found = {start}
    for forward in (True, False):
        step: dict[str, list[str]] = {}
        for e in edges:
            a, b = (e.source, e.target) if forward else (e.target, e.source)
            step.setdefault(a, []).append(b)
        stack = [start]
        while stack:
            for nxt in step.get(stack.pop(), ()):
                if nxt not in found:
                    found.add(nxt)
                    stack.append(nxt)
    return found


def record_graph(db: Database, record_id: str, *,
                 records: CurrentRecords | None = None) -> PipelineGraph:
    """The lineage of one record: a node per record and per call, back to raw data."""
    records = records or read_current_records(db)
    if record_id not in records.versions:
        raise NotFoundError(f"no record with id {record_id!r} in {db.path!r}; "
                            "scistack show DB VAR key=value prints record ids")
    staleness = Staleness(records)
    nodes: dict[str, Node] = {}
    edges: list[Edge] = []

    def producer_of(rid: str) -> Producer | None:
        version = records.versions[rid]
        if version.producer is not None or version.current:
            return version.producer
        lineage = db.lineage_of([rid]).get(rid)  # an older version: its lineage was not read
        return Producer.from_lineage(lineage) if lineage else None

    def add_record(rid: str) -> str:
        node_id = f"rec:{rid}"
        if node_id in nodes:
            return node_id
        version = records.versions[rid]
        status = ("stale" if version.current and staleness.reasons(version)
                  else "done" if version.latest or version.current else "stale")
        metadata = ", ".join(f"{k}={v}" for k, v in version.metadata.items())
        nodes[node_id] = Node(node_id, "record", version.variable, {status: 1}, 1,
                              detail=f"{metadata} v{version.version}")
        producer = producer_of(rid)
        if producer is not None:
            edges.append(Edge(add_call(producer, node_id), node_id))
        return node_id

    def add_call(producer: Producer, consumer: str) -> str:
        node_id = f"call:{consumer}:{producer.function}"
        constants = ", ".join(f"{k}={v!r}" for k, v in producer.constants.items())
        nodes[node_id] = Node(node_id, "call", producer.function,
                              fingerprint=producer.fingerprint, language=producer.language,
                              detail=constants)
        for use in producer.inputs:
            if use.upstream is not None:
                edges.append(Edge(add_call(use.upstream, node_id), node_id, (use.parameter,)))
            for rid in use.record_ids:
                if rid in records.versions:
                    edges.append(Edge(add_record(rid), node_id, (use.parameter,)))
        return node_id

    add_record(record_id)
    merged = _merge_edges(edges)
    return PipelineGraph(sorted(nodes.values(), key=lambda n: n.id),
                         sorted(merged, key=lambda e: (e.source, e.target)), 0)
