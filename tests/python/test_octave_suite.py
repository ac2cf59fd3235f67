"""The MATLAB test suite (tests/matlab), run under GNU Octave, one pytest test per file.

The suite holds MATLAB function-based test files; ``tests/matlab/run_tests.m`` runs
them in Octave through a small shim and exits non-zero when any fails. This module
builds the Octave MEX bridge to Python first (``scistack.setup`` builds it only when it
is missing or out of date), with this interpreter as the engine's Python, then runs the
suite and fails with its output.

Each test file of the suite is reported as a test of its own, from one run of the suite.

Without Octave the tests are skipped, except under CI (``CI=true``), where a missing
Octave is a failure: ``scripts/ensure-system.sh`` must have installed it.
"""

from __future__ import annotations

import pathlib
import re
import subprocess

import pytest

from octave_support import ROOT, ensure_bridge, run_octave

pytestmark = pytest.mark.octave


@pytest.fixture(scope="module")
def bridge() -> str:
    """Build (when needed) the MEX bridge and return the path of the built file."""
    return ensure_bridge()


def test_bridge_is_built_inside_the_toolbox(bridge):
    path = pathlib.Path(bridge)
    assert path.is_file()
    assert path.parent == ROOT / "toolbox" / "+scistack" / "+internal"


#: The suite's test files, each reported as a test of its own below.
SUITE_FILES = sorted(p.stem for p in (ROOT / "tests" / "matlab").glob("test_*.m"))


@pytest.fixture(scope="module")
def suite(bridge) -> tuple[subprocess.CompletedProcess, dict[str, list[str]]]:
    """The whole suite, run once in one Octave, and its result lines by test file."""
    result = run_octave("cd('tests/matlab'); run_tests('Exit', true);", check=False)
    lines: dict[str, list[str]] = {}
    for match in re.finditer(r"^(PASS|FAIL|SKIP) (\w+)\b.*$", result.stdout, re.MULTILINE):
        lines.setdefault(match.group(2), []).append(match.group(0))
    return result, lines


def test_matlab_suite_passes_under_octave(suite):
    result, _ = suite
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the Octave suite failed:\n{output}"
    summary = re.search(r"^(\d+) passed, (\d+) failed", result.stdout, re.MULTILINE)
    assert summary, f"no summary line in the Octave output:\n{output}"
    assert int(summary.group(2)) == 0, output
    assert int(summary.group(1)) > 0, output


@pytest.mark.parametrize("test_file", SUITE_FILES)
def test_each_suite_file_passes(suite, test_file):
    """One test per file of the suite, so that a failure names its file."""
    result, lines = suite
    mine = lines.get(test_file, [])
    assert mine, f"{test_file}.m reported no test (did it load?):\n{result.stdout[-3000:]}"
    failed = [line for line in mine if line.startswith("FAIL")]
    if failed:
        start = result.stdout.find(failed[0])
        pytest.fail(f"{test_file}.m: {len(failed)} failed\n{result.stdout[start:start + 3000]}")


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
    result = run_octave(code, timeout=120, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 1 failed" in result.stdout
    assert "FAIL test_runner_sanity/test_fails" in result.stdout


def test_matlab_value_branches_pass_against_the_emulated_classes(bridge):
    """The codec's MATLAB-only branches (string, datetime, categorical, table) and the
    toolbox's arguments given as string arrays, run in an Octave of their own with
    tests/matlab/matlab_semantics first on the path."""
    result = run_octave("cd('tests/matlab'); addpath('matlab_semantics'); "
                        "run_tests('test_wire_matlab_values', 'test_string_arguments', "
                        "'Exit', true);", check=False)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the MATLAB-semantics suite failed:\n{output}"
    summary = re.search(r"^(\d+) passed, 0 failed$", result.stdout, re.MULTILINE)
    assert summary and int(summary.group(1)) >= 20, output
    assert "PASS test_string_arguments/test_variable_group_members_as_a_string_array" in output
