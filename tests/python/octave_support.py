"""Running GNU Octave from the Python tests: finding it, running code, building the bridge,
and comparing the values that cross between the languages.

Every test that drives Octave goes through here, so they agree on how Octave is started
(headless, no history, no startup files), which Python the bridge embeds (this one, via
``SCISTACK_PYTHON``) and what happens when Octave is missing: a skip on a developer's
machine, a failure under CI, where ``scripts/ensure-system.sh`` must have installed it.
"""

from __future__ import annotations

import functools
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
OCTAVE_ARGS = ["--no-history", "--norc", "--quiet"]


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


def run_octave(code: str, *, cwd: pathlib.Path = ROOT, env: Mapping[str, str] | None = None,
               timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess:
    """Run Octave code with this Python as the engine's; ``check`` asserts it succeeded."""
    full_env = dict(os.environ, SCISTACK_PYTHON=sys.executable, **(env or {}))
    result = subprocess.run([octave_cli(), *OCTAVE_ARGS, "--eval", code], cwd=cwd,
                            env=full_env, capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, (
            f"Octave failed running {code}:\n{result.stdout}{result.stderr}"
        )
    return result


@functools.cache
def ensure_bridge() -> str:
    """Build the MEX bridge when missing or out of date (scistack.setup), once per test
    process; return the path of the built file."""
    result = run_octave(f"addpath('{ROOT / 'toolbox'}'); info = scistack.setup(); "
                        "printf('bridge=%s\\n', info.mex);")
    match = re.search(r"^bridge=(.+)$", result.stdout, re.MULTILINE)
    assert match, result.stdout + result.stderr
    return match.group(1)

def same(actual: Any, expected: Any) -> bool:
    """Equal in type, dtype, shape and value (NaN equals NaN), recursively."""
    if type(actual) is not type(expected):
        return False
    if isinstance(expected, np.ndarray):
        if actual.dtype != expected.dtype or actual.shape != expected.shape:
            return False
        if expected.dtype == object:
            return all(same(a, e) for a, e in zip(actual.reshape(-1), expected.reshape(-1)))
        return bool(np.array_equal(actual, expected, equal_nan=expected.dtype.kind in "fc"))
    if isinstance(expected, dict):
        return (list(actual) == list(expected)
                and all(same(actual[k], expected[k]) for k in expected))
    if isinstance(expected, float) and math.isnan(expected):
        return math.isnan(actual)
    return bool(actual == expected)
