"""The run report: run facts, heat map, errors by type with tracebacks, slowest, skipped."""

from __future__ import annotations

import json

import pytest

import inspection_pipeline
from scistack_engine import cli
from scistack_engine.inspection.report import render_report, run_report
from scistack_engine.inspection.runs import list_runs
from scistack_engine.store import Database


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory) -> str:
    return str(inspection_pipeline.build(tmp_path_factory.mktemp("report") / "gait.duckdb"))


def test_latest_run_by_default(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        report = run_report(db)
        lineage = db.lineage_of([db.select("StepRatio", {"subject": 1})[0].record_id])
    run = report["run"]
    assert run["function"] == "step_ratio" and run["status"] == "finished"
    assert run["fingerprints"] == [next(iter(lineage.values()))["fingerprint"]]
    assert run["host"] and run["user"] and run["wall_s"] >= 0
    assert report["grid"]["keys"] == ["subject"] and report["grid"]["axes"] == [[1, 2, 3, 4]]
    assert {tuple(c["at"]): c["status"] for c in report["grid"]["cells"]} == {
        (1,): "done", (2,): "done", (3,): "failed", (4,): "skipped"}
    assert list(report["errors"]) == ["ValueError"]
    failure = report["errors"]["ValueError"][0]
    assert failure["metadata"] == {"subject": 3}
    assert "raise ValueError" in failure["stack"] and "step_ratio" in failure["stack"]
    assert list(report["skipped"]) == ["no MeanStepLength record at subject=4, session='pre'"]
    assert [c["metadata"]["subject"] for c in report["slowest"]] != []
    assert all(c["status"] in ("done", "failed") for c in report["slowest"])
    durations = [c["duration_s"] for c in report["slowest"]]
    assert durations == sorted(durations, reverse=True)


def test_a_run_by_id_prefix(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        first = list_runs(db)[-1]
        report = run_report(db, first.run_id[:8])
        assert report["run"]["function"] == "extract_step_length"
        assert report["grid"]["keys"] == ["subject", "session", "trial"]
        assert len(report["grid"]["cells"]) == 30 and report["errors"] == {}


def test_html_has_every_section(pipeline_db):
    with Database(pipeline_db, None, read_only=True) as db:
        text = render_report(run_report(db))
    for part in ("Run of step_ratio()", 'id="heat-map"', "ValueError &times; 1",
                 "<summary>traceback</summary>", 'id="slowest"', "Skipped (1)",
                 "executor", "Serial()"):
        assert part in text, part
    assert text.count('class="cell status-') == 4
    assert "<script" not in text


def test_report_command(capsys, pipeline_db, tmp_path):
    out = tmp_path / "run.html"
    assert cli.main(["report", pipeline_db, "-o", str(out)]) == 0
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert cli.main(["report", pipeline_db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["run"]["function"] == "step_ratio"
    assert cli.main(["report", pipeline_db, "nosuchrun"]) == 5
    assert "the latest runs are" in capsys.readouterr().err
