"""The MATLAB example and the getting-started guide of the toolbox, run under GNU Octave.

``toolbox/examples/gait_study.m`` (the gait-study pipeline, shipped in the .mltbx) runs
twice on one database: the first run computes everything, the second finds everything
cached. ``toolbox/doc/GettingStarted.m`` (the toolbox's getting-started guide) runs end
to end. Both use this interpreter as the engine's Python, through the bridge that
``scistack.setup`` builds.

Without Octave the Octave tests are skipped, except under CI (``CI=true``), where a
missing Octave is a failure, as in ``test_octave_suite.py``.
"""

from __future__ import annotations

import html.parser
import os
import pathlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from octave_support import ROOT, ensure_bridge, run_octave

TOOLBOX = ROOT / "toolbox"


def run(code: str, cwd: pathlib.Path, tmp: pathlib.Path | None = None) -> str:
    """Run Octave code in CWD (TMP becomes its tempdir); its standard output, which must
    come with no error."""
    result = run_octave(code, cwd=cwd, env={"TMPDIR": str(tmp)} if tmp is not None else None)
    assert "error:" not in result.stderr, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def bridge() -> None:
    """The MEX bridge, built when missing or out of date."""
    ensure_bridge()


def gait_study(database: pathlib.Path, cwd: pathlib.Path) -> str:
    code = (f"addpath('{TOOLBOX}'); addpath('{TOOLBOX / 'examples'}'); "
            f"results = gait_study('{database}'); "
            "printf('rows=%d\\n', numel(results.data));")
    return run(code, cwd)


@pytest.mark.octave
def test_gait_study_computes_then_finds_everything_cached(bridge, tmp_path):
    database = tmp_path / "gait_study.duckdb"
    first = gait_study(database, tmp_path)
    assert "extract_step_length: 30 done\n" in first, first
    assert "compute_mean:        6 done\n" in first, first
    assert "rows=6" in first
    # the generated strides are 0.65, 0.70, 0.75 m (pre) and 0.08 m longer (post)
    assert re.search(r"^  pre   0\.7000$", first, re.M), first
    assert re.search(r"^  post  0\.7800$", first, re.M), first
    assert re.search(r"^\s+1\s+0\.6499\s+0\.7300\s+\+0\.0801$", first, re.M), first
    assert "was produced by compute_mean from 5 StepLength records" in first
    assert "SELECT subject, session, value FROM MeanStepLength" in first

    second = gait_study(database, tmp_path)
    assert "extract_step_length: 30 cached\n" in second, second
    assert "compute_mean:        6 cached\n" in second, second
    tail = lambda text: text[text.index("Mean step length by session"):]  # noqa: E731
    assert tail(second) == tail(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gait_study.duckdb"]


@pytest.mark.octave
def test_gait_study_database_reads_in_python(bridge, tmp_path, scidb_unconfigured):
    import scidb

    database = tmp_path / "gait.duckdb"
    gait_study(database, tmp_path)
    db = scidb.configure_database(database, ["subject", "session", "trial"], read_only=True)
    try:
        view = db.con.sql("SELECT subject, session, value FROM MeanStepLength "
                          "ORDER BY subject, session").fetchall()
        assert [(s, ses) for s, ses, _ in view] == [(1, "post"), (1, "pre"), (2, "post"),
                                                   (2, "pre"), (3, "post"), (3, "pre")]
        assert all(0.6 < v < 0.9 for _, _, v in view)
        counts = dict(db.con.sql("SELECT variable, count(*) FROM _records "
                                 "GROUP BY variable").fetchall())
        assert counts == {"RawKinematicData": 30, "StepLength": 30, "MeanStepLength": 6}

        class MeanStepLength(scidb.BaseVariable):
            pass

        provenance = db.get_provenance(MeanStepLength, subject=2, session="pre")
        assert provenance["function_name"] == "compute_mean"
        assert provenance["language"] == "matlab"
        assert len(provenance["inputs"]["values"]["record_id"].split(",")) == 5
    finally:
        db.close()


@pytest.mark.octave
def test_getting_started_runs_end_to_end(bridge, tmp_path):
    code = f"addpath('{TOOLBOX}'); addpath('{TOOLBOX / 'doc'}'); GettingStarted();"
    out = run(code, tmp_path, tmp=tmp_path)
    assert out.startswith("SciStack engine "), out
    assert "Saving the same content again adds nothing: same record id: 1" in out
    assert "A partial address loads a cell of 2 records" in out
    # the Thunk runs once, then answers from its cache
    thunk = out[out.index("First call:"):out.index("smooth_emg: ")]
    assert thunk.count("smooth_emg runs") == 4, out  # 1 by the Thunk, 3 by for_each
    assert "made by smooth_emg, width = 5" in out
    assert "smooth_emg: cached done done done\n" in out
    assert "max:        done done done done\n" in out
    assert "smooth_emg: cached cached cached cached\n" in out
    assert "made by max from FilteredEMG version 1" in out
    assert len(re.findall(r"^  subject \d  (pre |post)  \d\.\d{4}$", out, re.M)) == 4
    # everything it wrote is in one scratch folder under tempdir
    (scratch,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert f"Scratch folder: {scratch}\n" in out
    assert {"RawEMG.m", "FilteredEMG.m", "PeakEMG.m", "smooth_emg.m",
            "emg.duckdb"} <= {p.name for p in scratch.iterdir()}


@pytest.mark.octave
def test_quickstart_matlab_blocks_run_as_written(bridge, tmp_path):
    """docs/quickstart.md: its class and function files, then its code, in one folder."""
    text = (ROOT / "docs" / "quickstart.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```matlab\n(.*?)```", text, flags=re.S)
    assert blocks
    script = []
    for block in blocks:
        declared = re.match(r"(?:classdef\s+(\w+)|function\s+[^=]*=\s*(\w+))", block)
        if declared:
            name = declared.group(1) or declared.group(2)
            (tmp_path / f"{name}.m").write_text(block, encoding="utf-8")
        elif "addpath(" in block:
            continue  # the install step: this test puts the toolbox on the path itself
        else:
            script.append(block)
    assert {p.name for p in tmp_path.iterdir()} == {"RawEMG.m", "PeakEMG.m",
                                                     "peak_amplitude.m"}
    (tmp_path / "quickstart_steps.m").write_text("\n".join(script), encoding="utf-8")
    out = run(f"addpath('{TOOLBOX}'); quickstart_steps", tmp_path)
    assert "done done done done done done\n" in out, out
    assert "cached cached cached cached cached cached\n" in out, out
    assert "peak_amplitude\nRawEMG\n" in out, out
    assert re.search(r"^\s*1000\s+1\s*$", out, re.M), out
    assert (tmp_path / "quickstart.duckdb").is_file()


def test_main_job_says_when_octave_is_missing(tmp_path):
    """Without octave-cli the main job runs the Python examples and says what it skipped."""
    env = dict(os.environ, PATH=str(tmp_path))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "run_example.py")],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "== gait study, run 2" in result.stdout
    assert ("== gait study in MATLAB: not run: GNU Octave (octave-cli) is not installed"
            in result.stdout)


@pytest.mark.octave
def test_main_job_runs_the_matlab_example(bridge):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "run_example.py")],
                            capture_output=True, text=True, cwd=ROOT, timeout=900)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    matlab = out[out.index("== gait study in MATLAB, run 1"):]
    assert "extract_step_length: 30 done" in matlab
    second = matlab[matlab.index("== gait study in MATLAB, run 2"):]
    assert "extract_step_length: 30 cached" in second
    assert "compute_mean:        6 cached" in second
    from_python = out[out.index("== the MATLAB results, read from Python"):]
    assert "SELECT subject, session, value FROM MeanStepLength" in from_python
    assert len(re.findall(r"^\s+[123]\s+(pre|post)\s+0\.\d+$", from_python, re.M)) == 6
    assert "was made in matlab by compute_mean" in from_python


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_example_page_and_project_entries():
    """scistack.prj's example entry points at files that exist and describe the example."""
    prj = ET.parse(ROOT / "scistack.prj").getroot().find("configuration")
    examples = ET.fromstring(prj.find("param.examples").text)
    files = {f.get("type"): f.text.strip().lstrip("/") for f in examples.iter("file")
             if f.text}
    assert (TOOLBOX / files["main"]).is_file()
    page = TOOLBOX / files["source"]
    parser = _Text()
    parser.feed(page.read_text(encoding="utf-8"))
    text = " ".join(parser.text)
    for word in ("gait_study", "scihist.for_each", "RawKinematicData", "StepLength",
                 "MeanStepLength", "cached"):
        assert word in text, word
    guide = prj.find("param.getting.started.guide").text.replace("${PROJECT_ROOT}/", "")
    assert (ROOT / guide).is_file()
