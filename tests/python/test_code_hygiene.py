"""The Python sources compile and carry no unused imports, undefined names or dead locals."""

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
