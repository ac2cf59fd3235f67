"""docs/walkthrough.md: its Python blocks run as written, and its terminal output is real.

The Python blocks run in order in one namespace, in a fresh temporary folder; what each
prints is checked against the comments of the page by the assertions below (the page's
own numbers). Then ``scistack status`` and ``scistack lineage`` run on the database the
blocks made, and their output must be the page's ``text`` blocks (function fingerprints
aside: they depend on how the code was compiled). The MATLAB part of the page runs in
``tests/matlab/test_walkthrough.m``.
"""

from __future__ import annotations

import contextlib
import io
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "walkthrough.md"


def shown_in_page(command: str) -> str:
    """The output the page shows after ``$ <command>`` in a text block."""
    text = PAGE.read_text(encoding="utf-8")
    match = re.search(r"```text\n\$ " + re.escape(command) + r"\n(.*?)```", text, flags=re.S)
    assert match, f"the page shows no output of {command!r}"
    return match.group(1)


def without_fingerprints(text: str) -> str:
    return re.sub(r"@[0-9a-f]{8}", "@<fingerprint>", text)


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """Run the page's Python blocks; the folder they ran in and what they printed."""
    import scidb

    folder = tmp_path_factory.mktemp("walkthrough")
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    namespace: dict = {"__name__": "__walkthrough__"}
    printed = io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(printed):
            for number, block in enumerate(blocks, 1):
                exec(compile(block, f"walkthrough.md block {number}", "exec"), namespace)
    finally:
        os.chdir(cwd)
        scidb.close()
    return folder, namespace, printed.getvalue().splitlines()


def test_the_python_blocks_print_what_the_page_says(walkthrough):
    _, namespace, lines = walkthrough
    assert lines[0] == "(360,) 1"
    assert namespace["first"] == ["done"] * 4
    assert namespace["again"] == ["cached"] * 4
    assert namespace["fine"] == ["done"] * 4
    assert namespace["back"] == ["cached"] * 4
    assert "['cached', 'cached', 'done', 'done']" in lines
    assert "[4.38, 4.43, 4.05, 3.79]" in lines
    assert "vo2_peak SmoothedVO2" in lines
    assert "['per_kilogram', 'smooth_vo2', 'vo2_change', 'vo2_peak']" in lines
    assert "2 354" in lines
    assert "[(1, {'window_s': 30}), (2, {'window_s': 15}), (3, {'window_s': 30})]" in lines
    assert lines[-1] == "4.15 cohort_mean"


@pytest.mark.parametrize("command", ["scistack status vo2max.duckdb VO2MaxChange",
                                     "scistack lineage vo2max.duckdb --format mermaid"])
def test_the_terminal_output_is_the_commands(walkthrough, command):
    folder, _, _ = walkthrough
    arguments = command.split()[1:]
    done = subprocess.run([sys.executable, "-m", "scistack_engine", *arguments], cwd=folder,
                          capture_output=True, text=True, timeout=120, check=True)
    assert without_fingerprints(done.stdout) == without_fingerprints(shown_in_page(command))


def test_a_second_process_runs_no_step_of_the_pipeline_again(walkthrough):
    # the page's promise across sessions: its definitions and pipeline (blocks 1, 3 and
    # 4, without saving the recordings again) as a script, run by two fresh interpreters
    # on the same file; the second finds every combination computed by the first (which
    # computes: code compiled from a file has other fingerprints than the page's blocks)
    folder, _, _ = walkthrough
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)
    assert "RawVO2.save(" in blocks[1] and "def run_pipeline" in blocks[3]
    (folder / "again.py").write_text("\n".join([blocks[0], blocks[2], blocks[3]]))

    def statuses() -> str:
        done = subprocess.run([sys.executable, "again.py"], cwd=folder, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[0]

    assert statuses() == "['done', 'done', 'done', 'done']"
    assert statuses() == "['cached', 'cached', 'cached', 'cached']"
