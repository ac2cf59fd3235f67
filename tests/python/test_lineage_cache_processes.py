"""The lineage cache across processes: a rerun of the same script runs nothing, saved or not.

Each test runs one script in a fresh interpreter (Python) or a fresh Octave, then runs it
again in another; every call of a lineage function is counted (a line in ``calls.txt`` in
Python, the global ``LINEAGE_TEST_CALLS`` printed by Octave), so the test sees which
functions the second process ran. Most results are never saved under a variable: only
the lineage cache (``_lineage_cache``, ``_lineage_values``) can answer them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from octave_support import ROOT, ensure_bridge, run_octave

PIPELINE = '''\
import json
import sys

import numpy as np

from scidb import BaseVariable, configure_database
from scilineage import lineage_fcn

LOW_HZ = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0


def counted(name):
    with open("calls.txt", "a") as fh:
        fh.write(name + "\\n")


@lineage_fcn
def detrend(signal):
    counted("detrend")
    return signal - np.mean(signal)


@lineage_fcn
def smooth(signal, low_hz):
    counted("smooth")
    return np.convolve(signal, np.ones(3) / 3, mode="same") * low_hz / 20


@lineage_fcn(n_outputs=2)
def extremes(signal):
    counted("extremes")
    return float(np.min(signal)), {"where": int(np.argmax(signal)), "label": "peak"}


@lineage_fcn
def summary(low, info):
    counted("summary")
    return f"{info['label']} at {info['where']}, low {low:.3f}"


class RawEMG(BaseVariable):
    pass


class Summary(BaseVariable):
    pass


db = configure_database("study.duckdb", ["subject"])
if "RawEMG" not in db.variables():
    RawEMG.save(np.sin(np.arange(50) / 4.0), subject=1)
raw = RawEMG.load(subject=1)
low, info = extremes(smooth(detrend(raw), low_hz=LOW_HZ))
text = summary(low, info)
Summary.save(text, subject=1)         # only the last step is saved
print(json.dumps({"low": low.data, "info": info.data, "text": text.data}))
'''


def run_python(directory: Path, *args: str) -> dict:
    """Run ``pipeline.py`` in a fresh interpreter; its printed summary."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="random")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "pipeline.py", *args], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"pipeline.py failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def calls(directory: Path) -> list[str]:
    path = directory / "calls.txt"
    names = path.read_text().split() if path.exists() else []
    path.unlink(missing_ok=True)
    return names


def kept(directory: Path, sql: str) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(directory / "study.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def study(tmp_path) -> Path:
    (tmp_path / "pipeline.py").write_text(PIPELINE)
    return tmp_path


def test_second_process_runs_no_step_saved_or_not(study):
    first = run_python(study)
    assert calls(study) == ["detrend", "smooth", "extremes", "summary"]
    again = run_python(study)
    assert calls(study) == [], "a rerun in a new process must run nothing"
    assert again == first
    # four calls, five outputs; the saved Summary's value is read from its record
    assert kept(study, "SELECT count(DISTINCT cache_key), count(*), count(record_id) "
                       "FROM _lineage_cache") == [(4, 5, 1)]
    assert kept(study, "SELECT count(*) FROM _lineage_values") == [(4,)]


def test_a_changed_constant_runs_that_step_and_what_depends_on_it(study):
    run_python(study)
    calls(study)
    changed = run_python(study, "30")
    # detrend is unchanged; smooth has a new constant; extremes and summary get new inputs
    assert calls(study) == ["smooth", "extremes", "summary"]
    run_python(study, "20")
    assert calls(study) == [], "the first setting's results are all still kept"
    run_python(study, "30")
    assert calls(study) == []
    assert changed["low"] != run_python(study, "20")["low"]


def test_pruning_drops_what_no_saved_record_names(study):
    run_python(study)
    run_python(study, "30")      # a second Summary version: both settings' chains are named
    calls(study)
    prune = ("from scidb import configure_database\n"
             "import json\n"
             "db = configure_database('study.duckdb', ['subject'])\n"
             "print(json.dumps(db.prune_lineage_cache()))\n")
    (study / "prune.py").write_text(prune)
    done = subprocess.run([sys.executable, "prune.py"], cwd=study, capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == {"dropped_calls": 0, "dropped_values": 0, "freed_bytes": 0}

    # an unsaved side computation is named by no record: the prune drops it
    side = PIPELINE.replace("Summary.save(text, subject=1)", "pass")
    (study / "pipeline.py").write_text(side)
    run_python(study, "40")
    assert calls(study) == ["smooth", "extremes", "summary"]
    done = subprocess.run([sys.executable, "prune.py"], cwd=study, capture_output=True,
                          text=True, timeout=120, check=True)
    dropped = json.loads(done.stdout)
    # four values were kept by the three calls; the peak's position is the same as with
    # the kept settings, so that value (stored once) is still needed
    assert dropped["dropped_calls"] == 3 and dropped["dropped_values"] == 3
    assert dropped["freed_bytes"] > 0
    run_python(study, "40")
    assert calls(study) == ["smooth", "extremes", "summary"], "the dropped calls run again"
    run_python(study, "30")
    assert calls(study) == [], "what a saved record names is kept"


# ------------------------------------------------------------------------- MATLAB / Octave

MATLAB_PIPELINE = """
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = 0;
scidb.configure_database('experiment.duckdb', {'subject'});
if ~exist('saved_raw.flag', 'file')
    LineageRaw().save((1:60)' / 7, 'subject', 1);
    fclose(fopen('saved_raw.flag', 'w'));
end
filter_fn = scilineage.Thunk(@lineage_filter);
gain_fn = scilineage.Thunk(@lineage_gain);
range_fn = scilineage.Thunk(@lineage_min_max, 'n_outputs', 3);
raw = LineageRaw().load('subject', 1);
filtered = filter_fn(raw, 20, 450);
scaled = gain_fn(filtered, 3);
[low, high, spread] = range_fn(scaled);
printf('calls=%d\\n', LINEAGE_TEST_CALLS);
printf('data=%s\\n', sprintf('%.17g,', scaled.data));
printf('range=%.17g,%.17g\\n', low.data, high.data);
printf('spread=%s %s\\n', class(spread.data), mat2str(size(spread.data)));
"""


@pytest.mark.octave
def test_octave_rerun_runs_no_thunk_call_and_keeps_matlab_values(tmp_path):
    ensure_bridge()
    helpers = ROOT / "tests" / "matlab" / "helpers_lineage"
    code = f"addpath('{ROOT / 'toolbox'}'); addpath('{helpers}'); " + MATLAB_PIPELINE

    def run() -> dict:
        return dict(re.findall(r"^(\w+)=(.*)$", run_octave(code, cwd=tmp_path).stdout,
                               re.MULTILINE))

    first = run()
    assert first["calls"] == "3"
    again = run()
    assert again["calls"] == "0", "no Thunk call may run in the second Octave process"
    assert again == {**first, "calls": "0"}
    assert again["spread"] == "struct [1 2]", "MATLAB's own bytes come back"
