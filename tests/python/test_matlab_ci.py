"""The MATLAB CI job and build file, checked without MATLAB.

``.github/workflows/matlab.yml`` must load as YAML and run MathWorks' actions over the
oldest and the newest supported release on three operating systems, package the .mltbx
with MATLAB and install it; ``buildfile.m`` must parse as MATLAB and define the check,
test and package tasks the workflow names.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import yaml

from scistack_engine.setup_support import FIRST_RELEASE

ROOT = pathlib.Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "matlab.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def steps_using(job: dict, action: str) -> list:
    return [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]


def test_the_workflow_tests_the_oldest_and_newest_release_on_three_systems():
    jobs = workflow()["jobs"]
    for name in ("test", "install"):
        matrix = jobs[name]["strategy"]["matrix"]
        assert matrix["release"] == [FIRST_RELEASE, "latest"]
        assert len(matrix["os"]) == 3
        assert {re.match(r"[a-z]+", os).group() for os in matrix["os"]} == {
            "ubuntu", "windows", "macos"}
        (setup,) = steps_using(jobs[name], "matlab-actions/setup-matlab")
        assert setup["with"]["release"] == "${{ matrix.release }}"


def test_the_workflow_runs_the_build_tasks_and_installs_the_package():
    jobs = workflow()["jobs"]
    (build,) = steps_using(jobs["test"], "matlab-actions/run-build")
    assert build["with"]["tasks"].split() == ["check", "test"]
    (package,) = steps_using(jobs["package"], "matlab-actions/run-build")
    assert package["with"]["tasks"] == "package"
    assert jobs["install"]["needs"] == "package"
    (command,) = steps_using(jobs["install"], "matlab-actions/run-command")
    text = command["with"]["command"]
    assert "matlab.addons.install" in text and "scistack.setup()" in text
    for example in re.findall(r"tests/matlab/matlab_only/(test_\w+\.m)", text):
        assert (ROOT / "tests" / "matlab" / "matlab_only" / example).is_file(), example


def test_buildfile_parses_as_matlab_and_defines_the_tasks():
    result = subprocess.run([sys.executable, "-m", "miss_hit.mh_lint", "--matlab", "2022a",
                             "buildfile.m"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode == 0 and "everything seems fine" in output, output
    text = (ROOT / "buildfile.m").read_text()
    for task in ("check", "test", "package"):
        assert re.search(rf"^function {task}Task\(", text, re.MULTILINE), task
    assert "release_toolbox(" in text and "codeIssues(" in text and "assertSuccess" in text
