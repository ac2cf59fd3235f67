"""Layout and SVG of a 1,000-node pipeline graph (``scistack lineage -o pipeline.svg``).

The graph alternates variables and functions like a pipeline: 500 variables and 500
functions, each function reading one to three earlier variables and writing the next
one, so long edges (waypoints) and crossings occur as in a real pipeline. The figure is
the median over 5 runs of laying it out and writing the SVG text (no database: the graph
model is built in memory), and the same for 100 nodes.

    python benchmarks/bench_cli_graph.py
"""

from __future__ import annotations

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_common as bc  # noqa: E402

TITLE = "layered layout + SVG of a pipeline graph"
REPEAT = 5


def pipeline(n_nodes: int, seed: int = 11):
    from scistack_engine.inspection.graph import Edge, Node, PipelineGraph

    rng = random.Random(seed)
    variables = [Node(f"var:Variable{i:04d}", "variable", f"Variable{i:04d}",
                      coverage={"done": rng.randrange(50), "stale": rng.randrange(3)},
                      records=50) for i in range(n_nodes // 2)]
    functions, edges = [], []
    for i in range(1, len(variables)):
        fn = Node(f"fn:step{i:04d}@abcdef", "function", f"step{i:04d}",
                  fingerprint="abcdef0123456789", language="python")
        functions.append(fn)
        for source in rng.sample(range(max(0, i - 12), i), min(i, rng.choice([1, 1, 2, 3]))):
            edges.append(Edge(variables[source].id, fn.id, ("x",)))
        edges.append(Edge(fn.id, variables[i].id))
    return PipelineGraph(sorted(variables + functions, key=lambda n: n.id), edges)


def run(quick: bool = False) -> list[bc.Figure]:
    from scistack_engine.inspection.svg import render_svg

    figures = []
    for n in (100, 1000):
        graph = pipeline(n)
        render_svg(graph)
        times = [bc.timed(lambda: render_svg(graph)) for _ in range(REPEAT)]
        figures.append(bc.Figure(f"layout + SVG, {len(graph.nodes):,} nodes, "
                                 f"{len(graph.edges):,} edges", "median", bc.median(times),
                                 "s", target=1.0 if n == 1000 else None))
    return figures


if __name__ == "__main__":
    bc.main(TITLE, run)
