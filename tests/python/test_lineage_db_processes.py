"""The persistent cache across processes (issue 4): what invalidates it and what does not.

A first process runs a lineage-tracked function on a saved record and saves the result;
a second process -- a fresh interpreter on the same database file -- runs the same script.
Every call of the function appends a line to ``calls.txt``, so the test sees whether the
second process called it. Between the processes the test edits the function's source
file, a helper module it calls, a module-level constant, a default, the input data, or
nothing that matters (a comment, an identical re-save of the raw data).

The first process runs once per module; each test continues from a copy of its directory.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HELPERS = '''\
def smooth(x):
    return x * 0.5
'''

PIPELINE = '''\
import numpy as np

import helpers
from scilineage import lineage_fcn

SCALE = 2.0
CALLS_FILE = "calls.txt"


def _count_call():
    with open(CALLS_FILE, "a") as fh:
        fh.write("process\\n")


@lineage_fcn
def process(signal, low_hz, order=4):
    _count_call()
    # a comprehension, a lambda and a nested function: the key must not depend on the
    # process they were compiled in
    weights = [w * order for w in range(3)]
    clip = lambda v: np.clip(v, -1000, 1000)

    def shift(v):
        return v + sum(weights)

    centred = signal - np.mean(signal)
    return clip(shift(helpers.smooth(centred) * SCALE * low_hz / 20))
'''

RUN = '''\
import json
import sys

import numpy as np

import pipeline
from scidb import BaseVariable, configure_database

db = configure_database("study.duckdb", ["subject", "session"])


class RawEMG(BaseVariable):
    pass


class FilteredEMG(BaseVariable):
    pass


mode = sys.argv[1]
if mode in ("first", "resave"):
    RawEMG.save(np.arange(10.0), subject=1, session="pre")
elif mode == "newraw":
    RawEMG.save(np.arange(10.0) * 3, subject=1, session="pre")

raw = RawEMG.load(subject=1, session="pre")
filtered = pipeline.process(raw, low_hz=20)
FilteredEMG.save(filtered, subject=1, session="pre")
print(json.dumps({
    "cache_key": filtered.lineage.cache_key,
    "fingerprint": filtered.lineage.fingerprint,
    "data": filtered.data.tolist(),
    "raw_version": raw.version,
    "versions": [v["version"] for v in FilteredEMG.list_versions(subject=1, session="pre")],
}))
'''


def run_script(directory: Path, mode: str) -> dict:
    """Run ``run.py`` in a fresh interpreter in ``directory``; its JSON summary."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="random")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, "run.py", mode], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"run.py {mode} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def n_calls(directory: Path) -> int:
    calls = directory / "calls.txt"
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """A directory where a first process has computed and saved the result."""
    directory = tmp_path_factory.mktemp("lineage_first_run")
    (directory / "helpers.py").write_text(HELPERS)
    (directory / "pipeline.py").write_text(PIPELINE)
    (directory / "run.py").write_text(RUN)
    summary = run_script(directory, "first")
    assert n_calls(directory) == 1
    assert summary["versions"] == [1] and summary["raw_version"] == 1
    return directory, summary


@pytest.fixture
def second(first_run, tmp_path):
    """A copy of the first run's directory to continue in, and the first run's summary."""
    source, summary = first_run
    directory = tmp_path / "study"
    shutil.copytree(source, directory)
    return directory, summary


def assert_hit(directory: Path, before: dict, after: dict) -> None:
    assert n_calls(directory) == 1, "the second process must not call the function"
    assert after["cache_key"] == before["cache_key"]
    assert after["data"] == before["data"]
    assert after["versions"] == [1], "a hit saved again adds no version"


def assert_miss(directory: Path, before: dict, after: dict) -> None:
    assert n_calls(directory) == 2, "the second process must call the function again"
    assert after["cache_key"] != before["cache_key"]
    assert after["versions"] == [1, 2], "the new result is a new version; the old one stays"


# --------------------------------------------------------------------------- hits


def test_second_process_is_a_cache_hit_without_calling_the_function(second):
    # the function holds a lambda, a nested function and a comprehension, and the second
    # interpreter runs with another hash seed: the key is still the same
    directory, before = second
    after = run_script(directory, "again")
    assert_hit(directory, before, after)
    assert after["fingerprint"] == before["fingerprint"]


def test_identical_resave_of_raw_data_is_still_a_hit(second):
    directory, before = second
    after = run_script(directory, "resave")
    assert after["raw_version"] == 1
    assert_hit(directory, before, after)


def test_comment_edit_in_the_function_is_still_a_hit(second):
    directory, before = second
    edit(directory / "pipeline.py", "    _count_call()\n",
         "    # counts the call (this comment and the blank line above it are new)\n\n"
         "    _count_call()\n")
    after = run_script(directory, "again")
    assert_hit(directory, before, after)


# --------------------------------------------------------------------------- misses

MISS_EDITS = {
    "function_source": ("pipeline.py", "np.clip(v, -1000, 1000)", "np.clip(v, -1000, 999)"),
    "np_mean_to_np_median": ("pipeline.py", "np.mean(signal)", "np.median(signal)"),
    "helper_module": ("helpers.py", "return x * 0.5", "return x * 0.25"),
    "module_level_constant": ("pipeline.py", "SCALE = 2.0", "SCALE = 3.0"),
    "default_value": ("pipeline.py", "order=4", "order=5"),
}


@pytest.mark.parametrize("what", list(MISS_EDITS))
def test_edit_between_processes_is_a_miss(second, what):
    directory, before = second
    filename, old, new = MISS_EDITS[what]
    edit(directory / filename, old, new)
    after = run_script(directory, "again")
    assert_miss(directory, before, after)
    if what == "np_mean_to_np_median":
        # same values (mean == median of 0..9) and yet a miss: the code changed
        assert after["data"] == before["data"]


def test_changed_raw_data_is_a_miss(second):
    directory, before = second
    after = run_script(directory, "newraw")
    assert after["raw_version"] == 2
    assert_miss(directory, before, after)


def test_reverting_an_edit_is_a_hit_again(second):
    directory, before = second
    edit(directory / "pipeline.py", "SCALE = 2.0", "SCALE = 3.0")
    run_script(directory, "again")
    edit(directory / "pipeline.py", "SCALE = 3.0", "SCALE = 2.0")
    after = run_script(directory, "again")
    assert n_calls(directory) == 2, "the reverted code's result is saved: no third call"
    assert after["cache_key"] == before["cache_key"]
    assert after["data"] == before["data"]

