"""The HTML views in a real browser (headless Chromium): the scripts run, clicks on a
node and a grid cell show the grid and the record's provenance chain; screenshots are
taken of both pages. With SCISTACK_DOCS_IMAGES=1 they are written to docs/images/ (the
pictures of docs/cli.md and the README), else to the test's temporary folder, so a test
run leaves the repository unchanged."""

from __future__ import annotations

import html.parser
import os
import pathlib

import pytest

import inspection_pipeline
from browser_support import dump_dom, screenshot
from scistack_engine import cli

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> pathlib.Path:
    """Where the screenshots go (docs/images with SCISTACK_DOCS_IMAGES=1)."""
    if os.environ.get("SCISTACK_DOCS_IMAGES") == "1":
        return ROOT / "docs" / "images"
    return tmp_path_factory.mktemp("images")

pytestmark = pytest.mark.slow


class Elements(html.parser.HTMLParser):
    """Every element's tag, attributes and text, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.found.append(element)
        if tag not in ("br", "meta", "input", "img", "rect", "path", "marker"):
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            element = self.open.pop()
            if element["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element["text"] += data

    def select(self, tag: str, **attrs) -> list[dict]:
        def matches(element):
            return element["tag"] == tag and all(
                value in (element["attrs"].get(name.rstrip("_")) or "").split()
                if name.endswith("_") else element["attrs"].get(name) == value
                for name, value in attrs.items())
        return [e for e in self.found if matches(e)]


def parsed(dom: str) -> Elements:
    elements = Elements()
    elements.feed(dom)
    return elements


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> pathlib.Path:
    directory = tmp_path_factory.mktemp("browser")
    db = str(inspection_pipeline.build(directory / "gait.duckdb"))
    out = directory / "pipeline.html"
    assert cli.main(["lineage", db, "-o", str(out)]) == 0
    return out


def test_the_page_draws_every_node_and_runs_its_script(page):
    dom = parsed(dump_dom(page))
    assert dom.select("body")[0]["attrs"].get("data-ready") == "yes"
    nodes = dom.select("g", class_="node")
    assert len(nodes) == 10
    assert {n["attrs"]["data-id"] for n in nodes} >= {"var:StepRatio", "var:StepLength"}
    assert dom.select("table", id="grid-table") == []  # nothing clicked yet


def test_clicking_a_variable_shows_its_grid_and_a_cell_its_chain(page):
    # cell 2 of MeanStepLength's grid (subject x session): subject=2, session='post'
    dom = parsed(dump_dom(page, "#node=var:MeanStepLength&cell=2"))
    selected = dom.select("g", class_="selected")
    assert [g["attrs"]["data-id"] for g in selected] == ["var:MeanStepLength"]
    cells = dom.select("td", class_="cell")
    assert len(cells) == 6
    assert [c["text"] for c in cells] == ["done", "done", "stale", "stale", "stale", "stale"]
    assert len(dom.select("td", class_="selected")) == 1
    chain = [li for li in dom.select("li") if "data-record" in li["attrs"]]
    assert chain[0]["text"].startswith("MeanStepLength subject=2, session=\"post\" v1")
    assert "code: compute_mean changed" in chain[0]["text"]
    variables = [li["text"].split()[0] for li in chain]
    assert variables == ["MeanStepLength"] + ["StepLength"] * 5 + ["RawKinematicData"] * 5


def test_clicking_an_error_cell_shows_the_reason(page):
    dom = parsed(dump_dom(page, "#node=var:StepRatio&cell=2"))
    cells = dom.select("td", class_="cell")
    assert [c["text"] for c in cells] == ["done", "stale", "error", "missing"]
    chain = dom.select("div", id="chain")[0]["text"]
    assert "error" in chain and "post step length above 0.8 m" in chain


def test_clicking_a_function_shows_its_settings(page):
    dom = parsed(dump_dom(page, "#node=fn:scaled@" + page_function_fingerprint(page, "scaled")))
    panel = dom.select("div", id="panel")[0]["text"]
    assert "scaled()" in panel and "factor=2: 2 records" in panel and "factor=3: 1 records" in panel


def page_function_fingerprint(page: pathlib.Path, name: str) -> str:
    text = page.read_text()
    start = text.index(f'data-id="fn:{name}@') + len(f'data-id="fn:{name}@')
    return text[start:text.index('"', start)]


def test_screenshot_of_the_lineage(page, images):
    screenshot(page, images / "lineage.png", "#node=var:MeanStepLength&cell=2", (1500, 560))
    assert (images / "lineage.png").stat().st_size > 10_000


def test_the_run_report_in_the_browser(tmp_path, page, images):
    db = page.parent / "gait.duckdb"
    report = tmp_path / "run.html"
    assert cli.main(["report", str(db), "-o", str(report)]) == 0
    dom = parsed(dump_dom(report))
    cells = dom.select("td", class_="cell")
    assert [c["text"] for c in cells] == ["done", "done", "failed", "skipped"]
    assert [h["text"] for h in dom.select("h3", class_="error-type")] == ["ValueError × 1"]
    assert "post step length above 0.8 m" in dom.select("li", class_="failure")[0]["text"]
    screenshot(report, images / "report.png", size=(1100, 900))
    assert (images / "report.png").stat().st_size > 10_000
