"""The pipeline graph model, its layout (no overlaps, deterministic) and its renderings."""

from __future__ import annotations

import json
import random
import re
import xml.etree.ElementTree as ET

import pytest

import inspection_pipeline
from scistack_engine import cli
from scistack_engine.inspection.graph import (
    Edge,
    PipelineGraph,
    pipeline_graph,
    record_graph,
    transitive_reduction,
)
from scistack_engine.inspection.layout import layered_layout
from scistack_engine.inspection.svg import CHAR_WIDTH, graph_layout, node_lines, render_svg
from scistack_engine.inspection.text_formats import render_dot, render_json, render_mermaid
from scistack_engine.store import Database


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory) -> str:
    return str(inspection_pipeline.build(tmp_path_factory.mktemp("graph") / "gait.duckdb"))


@pytest.fixture(scope="module")
def graph(pipeline_db) -> PipelineGraph:
    with Database(pipeline_db, None, read_only=True) as db:
        return pipeline_graph(db)


def test_nodes_are_variables_and_functions_by_fingerprint(graph):
    ids = [n.id for n in graph.nodes]
    assert [i for i in ids if i.startswith("var:")] == [
        "var:MeanStepLength", "var:RawKinematicData", "var:ScaledMean", "var:StepLength",
        "var:StepRatio"]
    means = [n for n in graph.nodes if n.label == "compute_mean"]
    assert len(means) == 2  # the code changed: two fingerprints
    assert sorted(tuple(sorted(n.coverage.items())) for n in means) == [
        (("done", 2),), (("stale", 4),)]


def test_constant_settings_collapse_into_one_node(graph):
    scaled = next(n for n in graph.nodes if n.label == "scaled")
    assert scaled.settings == [{"constants": {"factor": 2}, "records": 2},
                               {"constants": {"factor": 3}, "records": 1}]
    assert "2 settings of factor" in node_lines(scaled)


def test_variable_coverage_matches_status(graph):
    ratio = graph.node("var:StepRatio")
    assert ratio.coverage == {"done": 1, "stale": 1, "missing": 1, "error": 1}
    assert ratio.status == "error" and ratio.records == 2
    assert graph.node("var:RawKinematicData").coverage == {"done": 30}


def test_edges_follow_lineage(graph):
    edges = {(e.source, e.target): e.parameters for e in graph.edges}
    step = next(n.id for n in graph.nodes if n.label == "extract_step_length")
    ratio = next(n.id for n in graph.nodes if n.label == "step_ratio")
    assert edges[("var:RawKinematicData", step)] == ("kinematic_data",)
    assert edges[(step, "var:StepLength")] == ()
    assert edges[("var:MeanStepLength", ratio)] == ("post", "pre")


def test_transitive_reduction_drops_implied_edges():
    edges = [Edge("a", "b"), Edge("b", "c"), Edge("a", "c"), Edge("c", "d")]
    kept, dropped = transitive_reduction(edges)
    assert [(e.source, e.target) for e in kept] == [("a", "b"), ("b", "c"), ("c", "d")]
    assert dropped == 1
    cycle, dropped = transitive_reduction([Edge("a", "b"), Edge("b", "a")])
    assert len(cycle) == 2 and dropped == 0


def test_subgraph_of_one_variable(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        sub = pipeline_graph(db, "ScaledMean")
    labels = {n.label for n in sub.nodes}
    assert "StepRatio" not in labels and "step_ratio" not in labels
    assert {"RawKinematicData", "StepLength", "MeanStepLength", "scaled"} <= labels


def test_record_graph_goes_back_to_raw_data(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        rid = db.select("MeanStepLength", {"subject": 2, "session": "pre"})[0].record_id
        g = record_graph(db, rid)
    records = [n for n in g.nodes if n.kind == "record"]
    assert sorted({n.label for n in records}) == ["MeanStepLength", "RawKinematicData",
                                                  "StepLength"]
    assert len(records) == 1 + 5 + 5
    replaced = [n for n in records if n.label == "RawKinematicData" and n.status == "stale"]
    assert len(replaced) == 1 and "trial=1 v1" in replaced[0].detail


def test_pipeline_structure_from_scidb(pipeline_db, scidb_unconfigured):
    import scidb

    db = scidb.configure_database(pipeline_db, ["subject", "session", "trial"], read_only=True)
    try:
        structure = db.get_pipeline_structure()
        sub = db.get_pipeline_structure("ScaledMean", reduce=False)
    finally:
        scidb.close(db)
    assert {n["id"] for n in structure["nodes"]} >= {"var:StepRatio", "var:StepLength"}
    assert all({"source", "target", "parameters"} == set(e) for e in structure["edges"])
    assert len(sub["nodes"]) < len(structure["nodes"])


def boxes_overlap(layout) -> list:
    boxes = list(layout.boxes.values())
    return [(a.id, b.id) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


def test_layout_has_no_overlaps_and_labels_fit(graph):
    layout = graph_layout(graph)
    assert boxes_overlap(layout) == []
    for node in graph.nodes:
        box = layout.boxes[node.id]
        assert max(len(line) for line in node_lines(node)) * CHAR_WIDTH <= box.width
    assert all(b.x >= 0 and b.y >= 0 and b.x + b.width <= layout.width
               and b.y + b.height <= layout.height for b in layout.boxes.values())
    # left to right: every edge runs from a column left of its target's
    for route in layout.routes:
        assert route.points[0][0] < route.points[-1][0]


def random_graph(n_nodes: int, seed: int) -> tuple[list[str], list[tuple[str, str]], dict]:
    rng = random.Random(seed)
    nodes = [f"n{i:04d}" for i in range(n_nodes)]
    edges = [(nodes[i], nodes[j]) for j in range(1, n_nodes)
             for i in rng.sample(range(j), min(j, rng.choice([1, 1, 2, 3])))]
    edges += [(nodes[rng.randrange(n_nodes)], nodes[rng.randrange(n_nodes)]) for _ in range(5)]
    sizes = {n: (40.0 + 7 * rng.randrange(20), 30.0 + 16 * rng.randrange(3)) for n in nodes}
    return nodes, edges, sizes


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_layout_of_random_graphs_never_overlaps(seed):
    nodes, edges, sizes = random_graph(150, seed)  # cycles included: 5 random edges
    layout = layered_layout(nodes, edges, sizes)
    assert boxes_overlap(layout) == []
    assert len(layout.routes) == len({e for e in edges if e[0] != e[1]})
    assert layered_layout(list(reversed(nodes)), list(reversed(edges)), sizes) == layout


def test_svg_is_byte_identical_and_well_formed(pipeline_db, graph):
    with Database(pipeline_db, None, read_only=True) as db:
        again = pipeline_graph(db)
    first, second = render_svg(graph), render_svg(again)
    assert first == second
    root = ET.fromstring(first)
    ns = "{http://www.w3.org/2000/svg}"
    groups = [g for g in root.iter(f"{ns}g") if "node" in g.get("class", "")]
    assert sorted(g.get("data-id") for g in groups) == sorted(n.id for n in graph.nodes)
    assert len([p for p in root.iter(f"{ns}path") if p.get("class") == "edge"]) == len(graph.edges)
    error = next(g for g in groups if g.get("data-id") == "var:StepRatio")
    assert "status-error" in error.get("class")


def test_mermaid_dot_and_json(graph):
    mermaid = render_mermaid(graph)
    assert mermaid.startswith("flowchart LR\n")
    assert len(re.findall(r"^  n\d+ -->", mermaid, re.M)) == len(graph.edges)
    assert ":::error" in mermaid and "StepRatio<br/>2 records" in mermaid
    dot = render_dot(graph)
    assert dot.startswith("digraph pipeline {") and dot.rstrip().endswith("}")
    assert dot.count(" -> ") == len(graph.edges) and 'id="var:StepRatio"' in dot
    data = json.loads(render_json(graph))
    assert data == json.loads(json.dumps(graph.to_dict()))


def test_lineage_command(capsys, pipeline_db, tmp_path):
    assert cli.main(["lineage", pipeline_db]) == 0
    assert capsys.readouterr().out.startswith("flowchart LR")
    out = tmp_path / "pipeline.svg"
    assert cli.main(["lineage", pipeline_db, "-o", str(out)]) == 0
    assert out.read_text().startswith("<svg")
    assert cli.main(["lineage", pipeline_db, "--json"]) == 0
    assert {"nodes", "edges", "reduced_edges"} == set(json.loads(capsys.readouterr().out))
    assert cli.main(["lineage", pipeline_db, "StepRatio", "--format", "dot"]) == 0
    assert "ScaledMean" not in capsys.readouterr().out
    assert cli.main(["lineage", pipeline_db, "--record", "nope"]) == 5
    assert cli.main(["lineage", pipeline_db, "NoSuchVariable"]) == 5
