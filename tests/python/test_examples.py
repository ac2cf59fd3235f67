"""The README's main job: the example pipelines run end to end, and a rerun computes nothing."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_gait(path: pathlib.Path) -> str:
    code = (f"import sys; sys.path.insert(0, {str(ROOT / 'examples')!r}); "
            f"import gait_pipeline; gait_pipeline.main({str(path)!r})")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout


def test_gait_pipeline_second_process_recomputes_nothing(tmp_path):
    first = run_gait(tmp_path / "gait.duckdb")
    assert "extract_step_length: {'done': 30}" in first
    assert "compute_mean:        {'done': 6}" in first
    second = run_gait(tmp_path / "gait.duckdb")
    assert "extract_step_length: {'cached': 30}" in second
    assert "compute_mean:        {'cached': 6}" in second
    assert "SELECT subject, session, value FROM MeanStepLength" in second


def test_main_job_runs_end_to_end():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "run_example.py")],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert "== gait study, run 2" in out
    assert out.count("made by compute_mean") == 2
