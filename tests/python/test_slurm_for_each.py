"""for_each on a real single-node SLURM: one job array, shards merged, lost tasks resubmitted.

The cluster is started by ``scripts/start-slurm.sh`` (Debian's slurm-wlm and munge;
slurmctld and slurmd on this host). It needs root or sudo: elsewhere the tests are skipped,
except under CI, where a cluster that cannot start is a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scidb import BaseVariable, configure_database, for_each
from scistack_engine import slurm
from scistack_engine.errors import SlurmError
from scistack_engine.slurm import Slurm

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


class Raw(BaseVariable):
    pass


class Scaled(BaseVariable):
    pass


def scale(x):
    return x * 3.0


def slowish(x):
    time.sleep(0.5)
    return x * 3.0


def die_once(x, marker):
    """Kill the array task the first time it reaches x == 4 (the marker file remembers)."""
    if x == 4.0 and not os.path.exists(marker):
        Path(marker).write_text("died once")
        os.kill(os.getpid(), signal.SIGKILL)
    return x * 3.0


def die_leaving_a_partial_shard(x):
    """Kill the array task at x == 4, leaving a torn shard as a task killed mid-write does."""
    if x == 4.0:
        folder = Path(os.environ["SCISTACK_RUN_FOLDER"])
        (folder / "shards" / f"{1:06d}.duckdb.partial-1").write_text("half")
        os.kill(os.getpid(), signal.SIGKILL)
    return x * 3.0


@pytest.fixture(scope="module", autouse=True)
def cluster():
    done = subprocess.run(["bash", str(ROOT / "scripts" / "start-slurm.sh")],
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        message = f"a single-node SLURM could not start:\n{done.stderr}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    conf = done.stdout.strip().split("=", 1)[1]
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = conf
    yield conf
    if previous is None:
        os.environ.pop("SLURM_CONF", None)
    else:
        os.environ["SLURM_CONF"] = previous


@pytest.fixture
def db(tmp_path, scidb_unconfigured):
    database = configure_database(tmp_path / "cluster.duckdb", ["subject"])
    for subject in range(8):
        Raw.save(float(subject), subject=subject)
    yield database
    database.close()


def _records(database, variable):
    return database.con.execute(
        "SELECT subject, kind, content_hash, value_num, cache_key, lineage, version "
        "FROM _records WHERE variable = ? ORDER BY subject", [variable]).fetchall()


def test_one_job_array_gives_the_serial_records(db, tmp_path):
    executor = Slurm(chunk_size=3, poll_seconds=0.3, time=None)
    result = for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[], executor=executor)
    assert list(result["status"]) == ["done"] * 8
    assert len(executor.submissions) == 1  # one sbatch for the whole run
    parallel = _records(db, "Scaled")
    workers = {w for (w,) in db.con.execute("SELECT DISTINCT worker FROM _run_combos").fetchall()}
    job = executor.submissions[0]
    assert workers == {f"slurm-{job}_{task}" for task in range(3)}  # 8 combinations in 3 chunks
    folder = tmp_path / ".scistack-runs" / result.attrs["run_id"]
    assert (folder / "manifest.duckdb").is_file() and (folder / "job.sh").is_file()
    assert len(list((folder / "shards").glob("*.duckdb"))) == 3
    db.close()
    serial_db = configure_database(tmp_path / "serial.duckdb", ["subject"])
    for subject in range(8):
        Raw.save(float(subject), subject=subject)
    for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[])
    assert _records(serial_db, "Scaled") == parallel
    serial_db.close()


def test_a_task_killed_midway_is_submitted_again_alone(db, tmp_path):
    executor = Slurm(chunk_size=3, poll_seconds=0.3, time=None, retries=1)
    marker = str(tmp_path / "marker")
    result = for_each(die_once, inputs={"x": Raw, "marker": marker}, outputs=[Scaled],
                      subject=[], executor=executor)
    assert list(result["status"]) == ["done"] * 8
    assert len(executor.submissions) == 2  # the run's array, then chunk 1 alone
    assert Scaled.load(subject=4).data == 12.0


def test_a_task_that_keeps_dying_fails_its_chunk_and_its_half_shard_is_ignored(db):
    executor = Slurm(chunk_size=3, poll_seconds=0.3, time=None, retries=0)
    result = for_each(die_leaving_a_partial_shard, inputs={"x": Raw}, outputs=[Scaled],
                      subject=[], executor=executor)
    failed = result[result["status"] == "failed"]
    assert list(failed["subject"]) == [3, 4, 5]  # chunk 1: subjects 3-5
    assert all("ended without a result (it left a half-written shard, ignored)" in reason
               for reason in failed["reason"])
    assert list(result[result["status"] == "done"]["subject"]) == [0, 1, 2, 6, 7]


def test_max_array_size_splits_the_submission(db, monkeypatch):
    monkeypatch.setattr(slurm, "_max_array_size", lambda: 2)
    executor = Slurm(chunk_size=2, poll_seconds=0.3, time=None)
    result = for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[], executor=executor)
    assert list(result["status"]) == ["done"] * 8
    assert len(executor.submissions) == 2  # 4 chunks, at most 2 array indexes per sbatch
    assert [Scaled.load(subject=s).data for s in range(8)] == [3.0 * s for s in range(8)]


def test_array_ranges_are_written_compactly():
    assert slurm._ranges([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8"
    assert slurm._ranges([3]) == "3"


def test_without_slurm_commands_the_error_says_where_to_run(db, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SlurmError, match="login node"):
        for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[],
                 executor=Slurm(chunk_size=4, time=None))


def test_a_rerun_merges_what_the_array_of_a_killed_coordinator_finished(db, tmp_path):
    """Kill the calling process once its array is submitted: the array runs on, and the
    next run of the same call merges the shards instead of submitting again."""
    path = db.path
    db.close()
    script = tmp_path / "coordinator.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from scidb import configure_database, for_each
        from scistack_engine.slurm import Slurm
        from test_slurm_for_each import Raw, Scaled, slowish
        configure_database({str(path)!r}, ["subject"])
        for_each(slowish, inputs={{"x": Raw}}, outputs=[Scaled], subject=[],
                 executor=Slurm(chunk_size=2, poll_seconds=30, time=None))
    """))
    child = subprocess.Popen([sys.executable, str(script)], env=dict(os.environ))
    runs = tmp_path / ".scistack-runs"
    deadline = time.monotonic() + 60
    while not list(runs.glob("*/job.sh")) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # the sbatch call returns
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    (folder,) = [p.parent for p in runs.glob("*/job.sh")]
    while len(list((folder / "shards").glob("*.duckdb"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.2)  # the array finishes without its coordinator
    assert len(list((folder / "shards").glob("*.duckdb"))) == 4
    rerun_db = configure_database(path, ["subject"])
    executor = Slurm(chunk_size=2, poll_seconds=0.3, time=None)
    result = for_each(slowish, inputs={"x": Raw}, outputs=[Scaled], subject=[],
                      executor=executor, skip_existing=True)
    assert set(result["status"]) <= {"done", "cached"} and len(result) == 8
    assert executor.submissions == []  # everything came from the killed run's shards
    assert [Scaled.load(subject=s).data for s in range(8)] == [3.0 * s for s in range(8)]
    assert rerun_db.con.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM _records "
                                "WHERE variable = 'Scaled' GROUP BY subject)").fetchone()[0] == 1
    assert (folder / "merged").exists()
    rerun_db.close()


def test_resubmit_runs_the_lost_chunks_of_a_staged_run_and_merge_commits_them(
        db, tmp_path, monkeypatch, capsys):
    """A coordinator that stopped once the folder was staged: scistack resubmit submits
    its chunks through sbatch, scistack merge commits their shards."""
    import json

    from scistack_engine import cli

    def stage_only(self, folder, run, chunks):
        self._job_script(folder, run.function)  # the coordinator stops after staging
        raise KeyboardInterrupt
        yield

    monkeypatch.setattr(Slurm, "_run_array", stage_only)
    with pytest.raises(KeyboardInterrupt):
        for_each(scale, inputs={"x": Raw}, outputs=[Scaled], subject=[],
                 executor=Slurm(chunk_size=3, time=None))
    monkeypatch.undo()
    path = db.path
    db.close()
    (folder,) = [p.parent for p in (tmp_path / ".scistack-runs").glob("*/manifest.duckdb")]
    assert cli.main(["resubmit", path, folder.name, "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["submitted"] == [0, 1, 2] and len(done["jobs"]) == 1
    assert cli.main(["resubmit", path, folder.name]) == 0  # queued (or done): not again
    assert "nothing to resubmit" in capsys.readouterr().out
    deadline = time.monotonic() + 120
    while len(list((folder / "shards").glob("*.duckdb"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert cli.main(["merge", path, folder.name, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["merged"] == 8 and report["complete"]
    merged_db = configure_database(path, ["subject"])
    assert [Scaled.load(subject=s).data for s in range(8)] == [3.0 * s for s in range(8)]
    merged_db.close()
