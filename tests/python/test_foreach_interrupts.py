"""Nothing lost: for_each commits by count or by time, and Ctrl-C keeps what finished.

Real processes, real signals: a for_each in a child process (Python, or MATLAB code under
GNU Octave) is killed with SIGKILL after more than the commit interval, or interrupted
with SIGINT, and the database is then read back. Also the driver's commit cadence on its
own, and the notes a run leaves about skipped combinations.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from octave_support import ROOT, ensure_bridge, octave_cli
from scidb import BaseVariable, for_each
from scistack_engine.batches import (
    COMMIT_SECONDS,
    QUICK_BATCH_SECONDS,
    Outcome,
    RunResult,
    WorkItem,
    drive,
)
from scistack_engine.execution import NOTED_PROBLEMS

pytestmark = pytest.mark.slow

COMBOS = 400
SECONDS_PER_COMBO = 0.02  # 400 combinations: 8 s, longer than the commit interval


class RawX(BaseVariable):
    pass


class OutX(BaseVariable):
    pass


# ------------------------------------------------------------------ the driver alone


class CountingRun:
    """A run of trivial items that records how many outcomes each commit got."""

    function = "counting"

    def __init__(self, n: int) -> None:
        self.todo = list(range(n))
        self.commits: list[int] = []
        self.status = ""

    @property
    def to_run(self) -> int:
        return len(self.todo)

    def next_chunk(self, size: int) -> list[WorkItem]:
        chunk, self.todo = self.todo[:size], self.todo[size:]
        return [WorkItem(i, {"i": i}) for i in chunk]

    def commit(self, outcomes: list[Outcome]) -> list[Outcome]:
        if outcomes:
            self.commits.append(len(outcomes))
        return []

    def finish(self, status: str) -> RunResult:
        self.status = status
        return RunResult(None, {"status": status})

    def interrupted_note(self) -> str:
        return f"{sum(self.commits)} kept"


def test_commits_come_at_a_count_that_grows_while_batches_are_quick_or_after_commit_seconds():
    run = CountingRun(10)
    drive(run, lambda i: i, batch_size=4, commit_seconds=3600)
    assert run.commits == [4, 6] and run.status == "finished"  # the second could take 8

    many = CountingRun(100)
    drive(many, lambda i: i, batch_size=2, commit_seconds=3600)
    growth = [2 * 2**k for k in range(5)]  # 2, 4, 8, 16, 32: then at most 16 x 2
    assert many.commits == [*growth, 32, 100 - sum(growth) - 32]

    steady = CountingRun(10)
    drive(steady, lambda i: time.sleep(QUICK_BATCH_SECONDS / 3), batch_size=4,
          commit_seconds=3600)
    assert steady.commits == [4, 4, 2]  # a batch of 4 lasts longer than a quick one

    slow = CountingRun(6)
    drive(slow, lambda i: time.sleep(0.06), batch_size=100, commit_seconds=0.1)
    assert sum(slow.commits) == 6 and len(slow.commits) >= 3  # every second or so call
    assert COMMIT_SECONDS <= 10


def test_ctrl_c_in_the_driver_commits_what_finished_and_says_so():
    run = CountingRun(10)

    def stop_at_five(i):
        if i == 5:
            raise KeyboardInterrupt
        return i

    with pytest.raises(KeyboardInterrupt, match=r"for_each\(counting\) interrupted: 5 kept"):
        drive(run, stop_at_five, batch_size=100, commit_seconds=3600)
    assert run.commits == [5] and run.status == "interrupted"


# ------------------------------------------------------------------ Python, real signals


def _interruptible() -> None:
    """Give a child the SIGINT a terminal gives: a test run from a background job would
    otherwise pass on "ignore SIGINT", and Ctrl-C would never reach the child."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _python_child(tmp_path: Path) -> subprocess.Popen:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from scidb import BaseVariable, configure_database, for_each

        class RawX(BaseVariable):
            pass

        class OutX(BaseVariable):
            pass

        def slow(x):
            time.sleep({SECONDS_PER_COMBO})
            return x * 2

        configure_database({str(tmp_path / "run.duckdb")!r}, ["subject"])
        RawX.save_from_dataframe(__import__("pandas").DataFrame(
            {{"subject": range({COMBOS}), "v": range({COMBOS})}}), "v", ["subject"])
        print("started", flush=True)
        for_each(slow, inputs={{"x": RawX}}, outputs=[OutX], subject=range({COMBOS}))
        print("finished", flush=True)
    """))
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                             preexec_fn=_interruptible)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    return child


def _saved(path: Path) -> tuple[int, list[tuple]]:
    """The records of OutX, and each run's status with its combinations logged as done."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        records = con.execute(
            "SELECT count(*) FROM _records WHERE variable = 'OutX'").fetchone()[0]
        runs = con.execute(
            "SELECT r.status, count(c.combo) FROM _runs r LEFT JOIN _run_combos c "
            "ON c.run_id = r.run_id AND c.status = 'done' GROUP BY r.status").fetchall()
    finally:
        con.close()
    return records, runs


def test_a_kill_after_the_commit_interval_keeps_the_committed_work(tmp_path):
    child = _python_child(tmp_path)
    time.sleep(COMMIT_SECONDS + 1.5)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    records, runs = _saved(tmp_path / "run.duckdb")
    assert 0 < records < COMBOS  # committed by time, long before batch_size was reached
    assert runs == [("running", records)]


def test_ctrl_c_commits_what_finished_and_marks_the_run_interrupted(tmp_path):
    child = _python_child(tmp_path)
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode != 0
    records, runs = _saved(tmp_path / "run.duckdb")
    assert 0 < records < COMBOS
    assert runs == [("interrupted", records)]
    assert f"{records} of {COMBOS} combinations saved; run again to continue" in err
    assert err.count("Traceback") <= 1


# ------------------------------------------------------------------ Octave, real signals


def _octave_child(tmp_path: Path) -> subprocess.Popen:
    ensure_bridge()
    (tmp_path / "RawX.m").write_text("classdef RawX < scidb.BaseVariable\nend\n")
    (tmp_path / "OutX.m").write_text("classdef OutX < scidb.BaseVariable\nend\n")
    (tmp_path / "slow_fn.m").write_text(
        f"function y = slow_fn(x)\npause({SECONDS_PER_COMBO});\ny = x * 2;\nend\n")
    code = (f"addpath('{ROOT / 'toolbox'}'); scistack.setup(); "
            f"scidb.configure_database('{tmp_path / 'run.duckdb'}', {{'subject'}}); "
            f"for s = 1:{COMBOS}, RawX().save(s, 'subject', s); end; "
            "disp('started'); "
            f"scidb.for_each(@slow_fn, struct('x', RawX()), {{OutX()}}, 'subject', 1:{COMBOS}, "
            "'progress', false); disp('finished');")
    env = dict(os.environ, SCISTACK_PYTHON=sys.executable)
    child = subprocess.Popen([octave_cli(), "--no-history", "--norc", "--quiet", "--eval", code],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             cwd=tmp_path, env=env, preexec_fn=_interruptible)
    assert child.stdout is not None
    for line in child.stdout:
        if line.strip() == "started":
            return child
    raise AssertionError("Octave ended before the for_each started")


@pytest.mark.octave
def test_octave_kill_after_the_commit_interval_keeps_the_committed_work(tmp_path):
    child = _octave_child(tmp_path)
    time.sleep(COMMIT_SECONDS + 2)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    records, runs = _saved(tmp_path / "run.duckdb")
    assert 0 < records < COMBOS
    assert runs == [("running", records)]


@pytest.mark.octave
def test_octave_ctrl_c_commits_what_finished_and_says_so(tmp_path):
    child = _octave_child(tmp_path)
    time.sleep(2)
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=60)
    records, runs = _saved(tmp_path / "run.duckdb")
    assert 0 < records < COMBOS
    assert runs == [("interrupted", records)]
    assert (f"for_each(slow_fn) interrupted: {records} of {COMBOS} combinations saved; "
            "run again to continue") in out
    assert "finished" not in out


# ------------------------------------------------------------------ notes


def test_skipped_combinations_are_named_then_counted(scidb_db, caplog):
    RawX.save(1.0, subject=0, session="pre")
    extra = 5
    with caplog.at_level(logging.WARNING, logger="scidb.for_each"):
        result = for_each(lambda x: x, inputs={"x": RawX}, outputs=[OutX],
                          subject=range(NOTED_PROBLEMS + extra + 1), session=["pre"])
    assert (result["status"] == "skipped").sum() == NOTED_PROBLEMS + extra
    messages = [r.getMessage() for r in caplog.records]
    assert sum(" skipped subject=" in m for m in messages) == NOTED_PROBLEMS
    assert messages[-1] == f"... and {extra} more (see the run log, _run_combos)"
