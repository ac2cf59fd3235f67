"""The scifor example script runs, both as a module and as a program."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import scifor

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scifor_example.py"


@pytest.fixture
def example_module():
    saved = scifor.get_schema()
    spec = importlib.util.spec_from_file_location("scifor_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    scifor.set_schema(saved)


def test_example_main_returns_the_results_table(example_module, capsys):
    results = example_module.main()
    out = capsys.readouterr().out
    assert list(results.columns) == ["subject", "session", "result"]
    assert len(results) == 5  # subject 3 has no "post" session
    assert "skipped" in out and "subject" in out
    assert all(isinstance(x, np.ndarray) and x.shape == (1000,) for x in results["result"])


def test_example_filter_removes_the_slow_drift(example_module):
    t = np.arange(0, 1.0, 1 / example_module.SAMPLE_RATE_HZ)
    drift = np.sin(2 * np.pi * 2 * t)
    filtered = example_module.bandpass_filter(drift, low_hz=20)
    assert np.sqrt(np.mean(filtered**2)) < 0.1


def test_example_runs_as_a_script():
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert "rms" in done.stdout


def test_example_main_leaves_the_callers_schema_alone(example_module, capsys):
    import scifor

    scifor.set_schema(["animal"])
    example_module.main()
    assert scifor.get_schema() == ["animal"]
