"""The MATLAB test suite (tests/matlab), run under GNU Octave as one pytest test.

The suite holds MATLAB function-based test files; ``tests/matlab/run_tests.m`` runs
them in Octave through a small shim and exits non-zero when any fails. This module
builds the Octave MEX bridge to Python first (``scistack.setup`` builds it only when it
is missing or out of date), with this interpreter as the engine's Python, then runs the
suite and fails with its output.

Without Octave the tests are skipped, except under CI (``CI=true``), where a missing
Octave is a failure: ``scripts/ensure-system.sh`` must have installed it.
"""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
OCTAVE_ARGS = ["--no-history", "--norc", "--quiet"]

pytestmark = pytest.mark.octave


def octave_cli() -> str:
    """The octave-cli executable; skips (fails under CI) when it is missing."""
    octave = shutil.which("octave-cli")
    if octave is None:
        message = ("GNU Octave (octave-cli) is not installed: run scripts/ensure-system.sh "
                   "(apt-get install octave liboctave-dev)")
        if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return octave


def run_octave(code: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run Octave code from the repository root, with this Python as the engine's."""
    env = dict(os.environ, SCISTACK_PYTHON=sys.executable)
    return subprocess.run(
        [octave_cli(), *OCTAVE_ARGS, "--eval", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="module")
def bridge() -> str:
    """Build (when needed) the MEX bridge and return the path of the built file."""
    result = run_octave("addpath('toolbox'); info = scistack.setup(); "
                        "printf('bridge=%s\\n', info.mex);")
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"scistack.setup() failed in Octave:\n{output}"
    match = re.search(r"^bridge=(.+)$", result.stdout, re.MULTILINE)
    assert match, output
    return match.group(1)


def test_bridge_is_built_inside_the_toolbox(bridge):
    path = pathlib.Path(bridge)
    assert path.is_file()
    assert path.parent == ROOT / "toolbox" / "+scistack" / "+internal"


def test_matlab_suite_passes_under_octave(bridge):
    result = run_octave("cd('tests/matlab'); run_tests('Exit', true);")
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the Octave suite failed:\n{output}"
    summary = re.search(r"^(\d+) passed, (\d+) failed", result.stdout, re.MULTILINE)
    assert summary, f"no summary line in the Octave output:\n{output}"
    assert int(summary.group(2)) == 0, output
    assert int(summary.group(1)) > 0, output


def test_suite_runner_reports_failures(tmp_path):
    """The runner's exit status and summary reflect a failing test file."""
    (tmp_path / "test_runner_sanity.m").write_text(
        "function tests = test_runner_sanity\n"
        "tests = functiontests(localfunctions);\n"
        "end\n"
        "function test_passes(testCase)\n"
        "verifyEqual(testCase, 1 + 1, 2);\n"
        "end\n"
        "function test_fails(testCase)\n"
        "verifyEqual(testCase, int8(1), 1);\n"
        "end\n"
    )
    code = (f"addpath('{tmp_path}'); cd('tests/matlab'); "
            "run_tests('test_runner_sanity', 'Exit', true);")
    result = run_octave(code, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 1 failed" in result.stdout
    assert "FAIL test_runner_sanity/test_fails" in result.stdout
