"""The Python sources compile and carry no unused imports, undefined names or dead locals;
ruff's configured rules and mypy find nothing, and CI runs those checks (``./dev.sh lint``)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_pyflakes_rules_pass_on_the_packages_and_tools():
    # F: pyflakes (unused imports and variables, undefined names); E9: syntax errors
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format", "concise",
         "python", "benchmarks", "examples", "packaging", "tools"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing_under_the_configured_rules():
    # the rules of [tool.ruff.lint] in pyproject.toml: E, F, I, UP, B
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--output-format", "concise", "python", "tests"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_engine_and_the_fronts():
    # what [tool.mypy] in pyproject.toml names: the engine and the four fronts
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues found in" in result.stdout


def test_ci_runs_the_static_checks_before_the_tests():
    commands = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip().startswith("./dev.sh")]
    assert [c.split()[1] for c in commands] == ["lint", "test"]
